// HELLO version negotiation (OpenFlow 1.3.5 §6.3.1 and §7.5.1): which version a connection
// speaks, from the versions ofp4 allows and the peer's HELLO. Pure; never touches a socket.
// A peer HELLO without a version bitmap is taken to support every version up to its header
// version (as Open vSwitch does), so an OpenFlow 1.1 peer still meets ofp4 on 1.0.

import type { OfVersion } from "../openflow/messages.js";

export function isOfVersion(v: number): v is OfVersion {
  return v === 0x01 || v === 0x04;
}

/**
 * The highest version both sides allow, or undefined when there is none (the caller then
 * answers HELLO_FAILED/INCOMPATIBLE and closes).
 */
export function negotiateVersion(
  ours: readonly OfVersion[],
  peerHeaderVersion: number,
  peerBitmap: readonly number[] | undefined,
): OfVersion | undefined {
  const peerAllows = (v: number): boolean => (peerBitmap !== undefined ? peerBitmap.includes(v) : v <= peerHeaderVersion);
  let best: OfVersion | undefined;
  for (const v of ours) {
    if (peerAllows(v) && (best === undefined || v > best)) best = v;
  }
  return best;
}

/** The version an OFPT_HELLO from ofp4 carries in its header: the highest it allows. */
export function helloVersion(ours: readonly OfVersion[]): OfVersion {
  return ours.reduce<OfVersion>((a, b) => (b > a ? b : a), ours[0] ?? 0x01);
}

/**
 * The version to encode a HELLO_FAILED error in, for a peer whose HELLO had
 * `peerHeaderVersion`: the highest version ofp4 can encode that the peer's header allows.
 */
export function errorVersionFor(peerHeaderVersion: number): OfVersion {
  return peerHeaderVersion >= 0x04 ? 0x04 : 0x01;
}

/** OFPHET_VERSIONBITMAP, the one HELLO element type. */
const OFPHET_VERSIONBITMAP = 1;

/**
 * Reads a peer's OFPT_HELLO of any version (a newer peer's HELLO must still negotiate, so
 * this does not go through the versioned decoder): its version bitmap, or undefined versions
 * when it carries none. Undefined when `raw` is not a HELLO. Unknown elements are skipped,
 * as the specification asks.
 */
export function readPeerHello(raw: Uint8Array): { readonly versions: readonly number[] | undefined } | undefined {
  if (raw.length < 8 || raw[1] !== 0) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const length = Math.min(view.getUint16(2), raw.length);
  let offset = 8;
  while (offset + 4 <= length) {
    const type = view.getUint16(offset);
    const elementLength = view.getUint16(offset + 2);
    if (elementLength < 4 || offset + elementLength > length) break;
    if (type === OFPHET_VERSIONBITMAP) {
      const versions: number[] = [];
      for (let word = 0; (word + 1) * 4 <= elementLength - 4; word++) {
        const bits = view.getUint32(offset + 4 + word * 4);
        for (let bit = 0; bit < 32; bit++) if ((bits >>> bit) & 1) versions.push(word * 32 + bit);
      }
      return { versions };
    }
    offset += (elementLength + 7) & ~7;
  }
  return { versions: undefined };
}

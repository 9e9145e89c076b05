// The one place where the multipart codecs reach the main codec's match, action and
// instruction codecs (match10.ts, oxm.ts, nxm.ts, action-codec.ts, instruction-codec.ts),
// in the shapes the stats bodies need: OF1.0 flows carry an action list, OF1.3 flows
// instructions, NXST flows an NXM match with the cookie apart. Pure; errors are values.

import { applyOnly, type Instructions } from "./actions.js";
import { decodeActions, writeActions } from "./action-codec.js";
import { decodeInstructions, writeInstructions } from "./instruction-codec.js";
import type { Match } from "./match.js";
import { OFP10_MATCH_LEN, decodeMatch10, writeMatch10 as writeM10 } from "./match10.js";
import type { OfVersion } from "./messages.js";
import { decodeNxmMatchWithCookie, writeNxmMatch as writeNxm, type NxmMatch } from "./nxm.js";
import { decodeOxmMatch, writeOxmMatch as writeOxm } from "./oxm.js";
import { ok, type Result } from "./result.js";
import type { Writer } from "./wire.js";

/** Size of an OpenFlow 1.0 ofp_match. */
export const MATCH10_LEN = OFP10_MATCH_LEN;

export function readMatch10(buf: Uint8Array, offset: number): Result<Match> {
  return decodeMatch10(buf, offset);
}

export function writeMatch10(w: Writer, match: Match): void {
  writeM10(w, match);
}

/** Reads an OpenFlow 1.3 ofp_match (OXM) at `offset`; `length` is its size with padding. */
export function readOxmMatch(buf: Uint8Array, offset: number): Result<{ match: Match; length: number }> {
  return decodeOxmMatch(buf, offset);
}

/** Writes an OpenFlow 1.3 ofp_match with its padding to 8 bytes. */
export function writeOxmMatch(w: Writer, match: Match): void {
  writeOxm(w, match);
}

/** Reads `length` bytes of NXM entries (no padding), NXM_NX_COOKIE(_W) returned apart. */
export function readNxmMatch(buf: Uint8Array, offset: number, length: number): Result<NxmMatch> {
  return decodeNxmMatchWithCookie(buf, offset, length, true);
}

/** Writes NXM entries for `match` (and NXM_NX_COOKIE(_W) when cookieMask is not 0); returns the unpadded length. */
export function writeNxmMatch(w: Writer, match: Match, cookie = 0n, cookieMask = 0n): number {
  return writeNxm(w, match, cookie, cookieMask);
}

/** OpenFlow 1.0 (and NXST) flows carry actions; 1.3 flows carry instructions. */
export function readFlowInstructions(version: OfVersion, buf: Uint8Array, offset: number, length: number): Result<Instructions> {
  if (version === 0x01) {
    const a = decodeActions(version, buf, offset, length);
    return a.ok ? ok(applyOnly(a.value)) : a;
  }
  return decodeInstructions(version, buf, offset, length);
}

export function writeFlowInstructions(version: OfVersion, w: Writer, ins: Instructions): void {
  if (version === 0x01) writeActions(w, version, ins.applyActions);
  else writeInstructions(w, ins);
}

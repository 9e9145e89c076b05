// Nicira NXM matches (NXT_FLOW_MOD, NXST_FLOW): the NXM_OF_* / NXM_NX_* fields that map onto
// OXM fields, to and from the internal Match, plus NXM_NX_COOKIE (a flow_mod's cookie and
// mask). NXM fields with no OXM meaning (registers, tunnel metadata, ct state, ...) are
// refused with BAD_MATCH_BAD_FIELD. OXM-basic headers inside NXM are accepted and written
// for fields NXM lacks (metadata, MPLS, SCTP), as Open vSwitch does. Never throws.

import { ofError } from "./errors.js";
import { OxmField, type Match, type MatchField } from "./match.js";
import {
  MASKABLE,
  fieldMaxValue,
  OFPXMC_OPENFLOW_BASIC,
  buildMatch,
  checkField,
  decodeOxmTlv,
  inWireOrder,
  readTlvHeader,
  writeOxmTlv,
  type RawField,
} from "./oxm.js";
import { port16to32, port32to16 } from "./port.js";
import { fail, ok, type Result } from "./result.js";
import { Writer, readUint } from "./wire.js";

type NxmKind = OxmField | "in_port16" | "vlan_tci" | "ip_tos" | "cookie";

interface NxmDef {
  readonly cls: 0 | 1;
  readonly field: number;
  readonly bytes: number;
  readonly maskable: boolean;
  readonly kind: NxmKind;
}

const d = (cls: 0 | 1, field: number, bytes: number, maskable: boolean, kind: NxmKind): NxmDef => ({ cls, field, bytes, maskable, kind });

const NXM_DEFS: readonly NxmDef[] = [
  d(0, 0, 2, false, "in_port16"),
  d(0, 1, 6, true, OxmField.ETH_DST),
  d(0, 2, 6, true, OxmField.ETH_SRC),
  d(0, 3, 2, false, OxmField.ETH_TYPE),
  d(0, 4, 2, true, "vlan_tci"),
  d(0, 5, 1, false, "ip_tos"),
  d(0, 6, 1, false, OxmField.IP_PROTO),
  d(0, 7, 4, true, OxmField.IPV4_SRC),
  d(0, 8, 4, true, OxmField.IPV4_DST),
  d(0, 9, 2, true, OxmField.TCP_SRC),
  d(0, 10, 2, true, OxmField.TCP_DST),
  d(0, 11, 2, true, OxmField.UDP_SRC),
  d(0, 12, 2, true, OxmField.UDP_DST),
  d(0, 13, 1, false, OxmField.ICMPV4_TYPE),
  d(0, 14, 1, false, OxmField.ICMPV4_CODE),
  d(0, 15, 2, false, OxmField.ARP_OP),
  d(0, 16, 4, true, OxmField.ARP_SPA),
  d(0, 17, 4, true, OxmField.ARP_TPA),
  d(1, 16, 8, true, OxmField.TUNNEL_ID),
  d(1, 17, 6, true, OxmField.ARP_SHA),
  d(1, 18, 6, true, OxmField.ARP_THA),
  d(1, 19, 16, true, OxmField.IPV6_SRC),
  d(1, 20, 16, true, OxmField.IPV6_DST),
  d(1, 21, 1, false, OxmField.ICMPV6_TYPE),
  d(1, 22, 1, false, OxmField.ICMPV6_CODE),
  d(1, 23, 16, true, OxmField.IPV6_ND_TARGET),
  d(1, 24, 6, true, OxmField.IPV6_ND_SLL),
  d(1, 25, 6, true, OxmField.IPV6_ND_TLL),
  d(1, 27, 4, true, OxmField.IPV6_FLABEL),
  d(1, 28, 1, false, OxmField.IP_ECN),
  d(1, 30, 8, true, "cookie"),
];

const BY_HEADER = new Map<number, NxmDef>(NXM_DEFS.map((x) => [(x.cls << 7) | x.field, x]));
const BY_OXM = new Map<OxmField, NxmDef>();
for (const x of NXM_DEFS) if (typeof x.kind === "number") BY_OXM.set(x.kind, x);

function writeNxmHeader(w: Writer, def: NxmDef, hasMask: boolean): void {
  w.u32(((def.cls << 16) | (def.field << 9) | (hasMask ? 0x100 : 0) | (hasMask ? 2 * def.bytes : def.bytes)) >>> 0);
}

/** A decoded NXM match: the match and the cookie/mask NXM_NX_COOKIE carried (mask 0 if none). */
export interface NxmMatch {
  readonly match: Match;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
}

/** Reads one NXM-class TLV that maps to a single OXM field (for NXM headers inside OXM). */
export function decodeNxmTlvAsOxm(buf: Uint8Array, at: number, end: number): Result<{ raw: RawField | undefined; size: number }> {
  const h = readTlvHeader(buf, at);
  const def = h.oxmClass <= 1 ? BY_HEADER.get((h.oxmClass << 7) | h.field) : undefined;
  if (def === undefined || typeof def.kind !== "number") {
    return fail(ofError("BAD_MATCH_BAD_FIELD", `unsupported NXM field class ${h.oxmClass} field ${h.field} in OXM`));
  }
  const size = 4 + h.length;
  if (at + size > end) return fail(ofError("BAD_MATCH_BAD_LEN", "NXM field runs past the match"));
  if (h.length !== (h.hasMask ? 2 * def.bytes : def.bytes)) return fail(ofError("BAD_MATCH_BAD_FIELD", `NXM field length ${h.length}`));
  if (h.hasMask && !def.maskable) return fail(ofError("BAD_MATCH_BAD_MASK", `${OxmField[def.kind]} cannot be masked`));
  const value = readUint(buf, at + 4, def.bytes);
  const mask = h.hasMask ? readUint(buf, at + 4 + def.bytes, def.bytes) : fieldMaxValue(def.kind);
  return ok({ raw: { field: def.kind, value, mask, hasMask: h.hasMask }, size });
}

/**
 * Decodes `length` bytes of NXM fields at `offset` (the nx_match, without its padding).
 * `allowCookie`: NXM_NX_COOKIE is accepted (flow_mod, flow stats) and returned apart.
 */
export function decodeNxmMatchWithCookie(buf: Uint8Array, offset: number, length: number, allowCookie = true): Result<NxmMatch> {
  const end = offset + length;
  if (end > buf.length) return fail(ofError("BAD_MATCH_BAD_LEN", "nx_match runs past the message"));
  const fields: MatchField[] = [];
  let cookie = 0n;
  let cookieMask = 0n;
  let haveCookie = false;
  const push = (raw: RawField): Result<true> => {
    const f = checkField(raw);
    if (!f.ok) return f;
    fields.push(f.value);
    return ok(true);
  };
  for (let at = offset; at < end; ) {
    if (end - at < 4) return fail(ofError("BAD_MATCH_BAD_LEN", "truncated NXM header"));
    const h = readTlvHeader(buf, at);
    if (h.oxmClass === OFPXMC_OPENFLOW_BASIC) {
      const got = decodeOxmTlv(buf, at, end);
      if (!got.ok) return got;
      const r = push(got.value.raw);
      if (!r.ok) return r;
      at += got.value.size;
      continue;
    }
    const def = h.oxmClass <= 1 ? BY_HEADER.get((h.oxmClass << 7) | h.field) : undefined;
    if (def === undefined) {
      return fail(ofError("BAD_MATCH_BAD_FIELD", `unsupported NXM field class ${h.oxmClass} field ${h.field}`));
    }
    const size = 4 + h.length;
    if (at + size > end) return fail(ofError("BAD_MATCH_BAD_LEN", "NXM field runs past the match"));
    if (h.length !== (h.hasMask ? 2 * def.bytes : def.bytes)) return fail(ofError("BAD_MATCH_BAD_FIELD", `NXM field length ${h.length}`));
    if (h.hasMask && !def.maskable) return fail(ofError("BAD_MATCH_BAD_MASK", `NXM field ${def.cls}:${def.field} cannot be masked`));
    const max = (1n << BigInt(8 * def.bytes)) - 1n;
    const value = readUint(buf, at + 4, def.bytes);
    const mask = h.hasMask ? readUint(buf, at + 4 + def.bytes, def.bytes) : max;
    at += size;
    if ((value & ~mask) !== 0n) return fail(ofError("BAD_MATCH_BAD_WILDCARDS", `NXM field ${def.cls}:${def.field} value outside its mask`));
    let r: Result<true> = ok(true);
    switch (def.kind) {
      case "cookie":
        if (!allowCookie) return fail(ofError("BAD_MATCH_BAD_FIELD", "NXM_NX_COOKIE not allowed here"));
        if (haveCookie) return fail(ofError("BAD_MATCH_DUP_FIELD", "NXM_NX_COOKIE given twice"));
        haveCookie = true;
        cookie = value;
        cookieMask = mask;
        break;
      case "in_port16":
        r = push({ field: OxmField.IN_PORT, value: BigInt(port16to32(Number(value))), mask: 0xffffffffn, hasMask: false });
        break;
      case "ip_tos":
        if ((value & 3n) !== 0n) return fail(ofError("BAD_MATCH_BAD_VALUE", "NXM_OF_IP_TOS has ECN bits set"));
        r = push({ field: OxmField.IP_DSCP, value: value >> 2n, mask: 0x3fn, hasMask: false });
        break;
      case "vlan_tci": {
        if (mask === 0n) break;
        if ((mask & 0x1000n) !== 0n && (value & 0x1000n) === 0n) {
          // CFI matched as 0: untagged frames only.
          r = push({ field: OxmField.VLAN_VID, value: 0n, mask: 0x1fffn, hasMask: false });
          break;
        }
        const vidMask = mask & 0x1fffn;
        if (vidMask !== 0n) r = push({ field: OxmField.VLAN_VID, value: value & vidMask, mask: vidMask, hasMask: vidMask !== 0x1fffn });
        if (!r.ok) return r;
        const pcpMask = mask >> 13n;
        if (pcpMask === 7n) r = push({ field: OxmField.VLAN_PCP, value: value >> 13n, mask: 7n, hasMask: false });
        else if (pcpMask !== 0n) return fail(ofError("BAD_MATCH_BAD_MASK", "NXM_OF_VLAN_TCI partial PCP mask"));
        break;
      }
      default:
        r = push({ field: def.kind, value, mask: h.hasMask ? mask : fieldMaxValue(def.kind), hasMask: h.hasMask && MASKABLE.has(def.kind) });
    }
    if (!r.ok) return r;
  }
  const m = buildMatch(fields);
  return m.ok ? ok({ match: m.value, cookie, cookieMask }) : m;
}

/** Decodes `length` bytes of NXM fields at `offset` into a match (NXM_NX_COOKIE is refused: BAD_FIELD). */
export function decodeNxmMatch(buf: Uint8Array, offset: number, length: number): Result<Match> {
  const m = decodeNxmMatchWithCookie(buf, offset, length, false);
  return m.ok ? ok(m.value.match) : m;
}

/**
 * Writes the NXM fields of `match` (no padding) in Open vSwitch's order, then NXM_NX_COOKIE
 * when `cookieMask` is not 0. Returns the number of bytes written (nx_match's match_len).
 */
export function writeNxmMatch(w: Writer, match: Match, cookie = 0n, cookieMask = 0n): number {
  const start = w.length;
  const pcp = match.find((f) => f.field === OxmField.VLAN_PCP);
  for (const f of inWireOrder(match)) {
    const full = f.mask === fieldMaxValue(f.field);
    switch (f.field) {
      case OxmField.IN_PORT:
        writeNxmHeader(w, BY_HEADER.get(0)!, false);
        w.u16(port32to16(Number(f.value)));
        continue;
      case OxmField.VLAN_VID: {
        let value = f.value;
        let mask = f.mask;
        if (pcp !== undefined) {
          value |= pcp.value << 13n;
          mask |= pcp.mask << 13n;
        }
        if (f.value === 0n && f.mask === 0x1fffn) mask = 0xffffn; // untagged
        const def = BY_HEADER.get(4)!;
        writeNxmHeader(w, def, mask !== 0xffffn);
        w.u16(Number(value));
        if (mask !== 0xffffn) w.u16(Number(mask));
        continue;
      }
      case OxmField.VLAN_PCP:
        continue; // written with VLAN_VID
      case OxmField.IP_DSCP:
        writeNxmHeader(w, BY_HEADER.get(5)!, false);
        w.u8(Number(f.value << 2n));
        continue;
      default: {
        const def = BY_OXM.get(f.field);
        if (def === undefined) {
          writeOxmTlv(w, f.field, f.value, full ? undefined : f.mask);
          continue;
        }
        writeNxmHeader(w, def, !full);
        w.uint(f.value, def.bytes);
        if (!full) w.uint(f.mask, def.bytes);
      }
    }
  }
  if (cookieMask !== 0n) {
    const def = BY_HEADER.get((1 << 7) | 30)!;
    const full = cookieMask === 0xffffffffffffffffn;
    writeNxmHeader(w, def, !full);
    w.u64(cookie & cookieMask);
    if (!full) w.u64(cookieMask);
  }
  return w.length - start;
}

/** The nx_match bytes (unpadded) of `match`. */
export function encodeNxmMatch(match: Match, cookie = 0n, cookieMask = 0n): Uint8Array {
  const w = new Writer(64);
  writeNxmMatch(w, match, cookie, cookieMask);
  return w.finish();
}

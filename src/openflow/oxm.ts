// OpenFlow 1.3 OXM: the ofp_match structure and single OXM TLVs (also used by set_field),
// to and from the internal Match. Owns the field table (wire sizes, which fields take a
// mask), the prerequisite check, and the field order Open vSwitch 3.1 writes, so that a
// match decoded from OVS's bytes encodes back to the same bytes. Errors are values:
// BAD_LEN, BAD_FIELD, BAD_MASK, BAD_VALUE, BAD_WILDCARDS, DUP_FIELD, BAD_PREREQ.

import { ofError, type OfError } from "./errors.js";
import { OXM_FIELD_BITS, OxmField, type Match, type MatchField } from "./match.js";
import { fail, ok, type Result } from "./result.js";
import { Writer, readUint, viewOf } from "./wire.js";

export const OFPXMC_OPENFLOW_BASIC = 0x8000;
export const OFPMT_OXM = 1;
/**
 * OXM_OF_PACKET_TYPE (OpenFlow 1.5, field 44; 16-bit namespace + 16-bit type). Open vSwitch's
 * ovs-ofctl writes packet_type=(0,0) (Ethernet) into OpenFlow 1.3 matches whose other fields it
 * normalised away. Every frame ofp4 handles is Ethernet, so (0,0) matches everything; any other
 * packet type cannot be expressed.
 */
const OXM_PACKET_TYPE = 44;

/** All-ones value of each field (match.ts fieldMaxValue, precomputed for the hot path). */
const FIELD_MAX: readonly bigint[] = (() => {
  const out: bigint[] = [];
  for (const [f, bits] of Object.entries(OXM_FIELD_BITS)) out[Number(f)] = (1n << BigInt(bits)) - 1n;
  return out;
})();

export function fieldMaxValue(field: OxmField): bigint {
  return FIELD_MAX[field]!;
}

/** Bytes of each field's value on the wire. */
export const OXM_FIELD_BYTES: Readonly<Record<OxmField, number>> = {
  [OxmField.IN_PORT]: 4,
  [OxmField.IN_PHY_PORT]: 4,
  [OxmField.METADATA]: 8,
  [OxmField.ETH_DST]: 6,
  [OxmField.ETH_SRC]: 6,
  [OxmField.ETH_TYPE]: 2,
  [OxmField.VLAN_VID]: 2,
  [OxmField.VLAN_PCP]: 1,
  [OxmField.IP_DSCP]: 1,
  [OxmField.IP_ECN]: 1,
  [OxmField.IP_PROTO]: 1,
  [OxmField.IPV4_SRC]: 4,
  [OxmField.IPV4_DST]: 4,
  [OxmField.TCP_SRC]: 2,
  [OxmField.TCP_DST]: 2,
  [OxmField.UDP_SRC]: 2,
  [OxmField.UDP_DST]: 2,
  [OxmField.SCTP_SRC]: 2,
  [OxmField.SCTP_DST]: 2,
  [OxmField.ICMPV4_TYPE]: 1,
  [OxmField.ICMPV4_CODE]: 1,
  [OxmField.ARP_OP]: 2,
  [OxmField.ARP_SPA]: 4,
  [OxmField.ARP_TPA]: 4,
  [OxmField.ARP_SHA]: 6,
  [OxmField.ARP_THA]: 6,
  [OxmField.IPV6_SRC]: 16,
  [OxmField.IPV6_DST]: 16,
  [OxmField.IPV6_FLABEL]: 4,
  [OxmField.ICMPV6_TYPE]: 1,
  [OxmField.ICMPV6_CODE]: 1,
  [OxmField.IPV6_ND_TARGET]: 16,
  [OxmField.IPV6_ND_SLL]: 6,
  [OxmField.IPV6_ND_TLL]: 6,
  [OxmField.MPLS_LABEL]: 4,
  [OxmField.MPLS_TC]: 1,
  [OxmField.MPLS_BOS]: 1,
  [OxmField.PBB_ISID]: 3,
  [OxmField.TUNNEL_ID]: 8,
  [OxmField.IPV6_EXTHDR]: 2,
};

/**
 * Fields that accept a mask: OpenFlow 1.3 §7.2.3.7's maskable fields, plus the L4 ports and
 * IPv6 ND fields, which Open vSwitch also accepts masked.
 */
export const MASKABLE: ReadonlySet<OxmField> = new Set([
  OxmField.METADATA,
  OxmField.ETH_DST,
  OxmField.ETH_SRC,
  OxmField.VLAN_VID,
  OxmField.IPV4_SRC,
  OxmField.IPV4_DST,
  OxmField.TCP_SRC,
  OxmField.TCP_DST,
  OxmField.UDP_SRC,
  OxmField.UDP_DST,
  OxmField.SCTP_SRC,
  OxmField.SCTP_DST,
  OxmField.ARP_SPA,
  OxmField.ARP_TPA,
  OxmField.ARP_SHA,
  OxmField.ARP_THA,
  OxmField.IPV6_SRC,
  OxmField.IPV6_DST,
  OxmField.IPV6_FLABEL,
  OxmField.IPV6_ND_TARGET,
  OxmField.IPV6_ND_SLL,
  OxmField.IPV6_ND_TLL,
  OxmField.PBB_ISID,
  OxmField.TUNNEL_ID,
  OxmField.IPV6_EXTHDR,
]);

/** The order Open vSwitch 3.1 writes match fields in (observed with ovs-ofctl; NXM and OXM alike). */
export const OVS_FIELD_ORDER: readonly OxmField[] = [
  OxmField.IN_PORT,
  OxmField.IN_PHY_PORT,
  OxmField.ETH_SRC,
  OxmField.ETH_DST,
  OxmField.ETH_TYPE,
  OxmField.VLAN_VID,
  OxmField.VLAN_PCP,
  OxmField.MPLS_TC,
  OxmField.MPLS_BOS,
  OxmField.MPLS_LABEL,
  OxmField.PBB_ISID,
  OxmField.IPV4_SRC,
  OxmField.IPV4_DST,
  OxmField.IPV6_SRC,
  OxmField.IPV6_DST,
  OxmField.IP_DSCP,
  OxmField.IP_ECN,
  OxmField.IPV6_FLABEL,
  OxmField.IP_PROTO,
  OxmField.TCP_SRC,
  OxmField.TCP_DST,
  OxmField.UDP_SRC,
  OxmField.UDP_DST,
  OxmField.SCTP_SRC,
  OxmField.SCTP_DST,
  OxmField.ICMPV4_TYPE,
  OxmField.ICMPV4_CODE,
  OxmField.ICMPV6_TYPE,
  OxmField.ICMPV6_CODE,
  OxmField.IPV6_ND_TARGET,
  OxmField.IPV6_ND_SLL,
  OxmField.IPV6_ND_TLL,
  OxmField.ARP_OP,
  OxmField.ARP_SPA,
  OxmField.ARP_TPA,
  OxmField.ARP_SHA,
  OxmField.ARP_THA,
  OxmField.IPV6_EXTHDR,
  OxmField.TUNNEL_ID,
  OxmField.METADATA,
];

const ORDER_RANK: readonly number[] = (() => {
  const rank: number[] = [];
  OVS_FIELD_ORDER.forEach((f, i) => (rank[f] = i));
  return rank;
})();

/** The match's fields in Open vSwitch's wire order. */
export function inWireOrder(match: Match): MatchField[] {
  return [...match].sort((a, b) => ORDER_RANK[a.field]! - ORDER_RANK[b.field]!);
}

const ETH_IPV4 = 0x0800n;
const ETH_ARP = 0x0806n;
const ETH_IPV6 = 0x86ddn;

function exact(fields: ReadonlyMap<OxmField, MatchField>, field: OxmField): bigint | undefined {
  const f = fields.get(field);
  return f !== undefined && f.mask === fieldMaxValue(field) ? f.value : undefined;
}

/** True when `f`'s prerequisites (OpenFlow 1.3 §7.2.3.8) hold in the match `fields`. */
export function prerequisitesMet(f: OxmField, fields: ReadonlyMap<OxmField, MatchField>): boolean {
  const eth = exact(fields, OxmField.ETH_TYPE);
  const proto = exact(fields, OxmField.IP_PROTO);
  const isIp = eth === ETH_IPV4 || eth === ETH_IPV6;
  switch (f) {
    case OxmField.VLAN_PCP: {
      const vid = fields.get(OxmField.VLAN_VID);
      return vid !== undefined && (vid.mask & 0x1000n) !== 0n && (vid.value & 0x1000n) !== 0n;
    }
    case OxmField.IP_DSCP:
    case OxmField.IP_ECN:
    case OxmField.IP_PROTO:
      return isIp;
    case OxmField.IPV4_SRC:
    case OxmField.IPV4_DST:
      return eth === ETH_IPV4;
    case OxmField.TCP_SRC:
    case OxmField.TCP_DST:
      return isIp && proto === 6n;
    case OxmField.UDP_SRC:
    case OxmField.UDP_DST:
      return isIp && proto === 17n;
    case OxmField.SCTP_SRC:
    case OxmField.SCTP_DST:
      return isIp && proto === 132n;
    case OxmField.ICMPV4_TYPE:
    case OxmField.ICMPV4_CODE:
      return eth === ETH_IPV4 && proto === 1n;
    case OxmField.ARP_OP:
    case OxmField.ARP_SPA:
    case OxmField.ARP_TPA:
    case OxmField.ARP_SHA:
    case OxmField.ARP_THA:
      return eth === ETH_ARP;
    case OxmField.IPV6_SRC:
    case OxmField.IPV6_DST:
    case OxmField.IPV6_FLABEL:
    case OxmField.IPV6_EXTHDR:
      return eth === ETH_IPV6;
    case OxmField.ICMPV6_TYPE:
    case OxmField.ICMPV6_CODE:
      return eth === ETH_IPV6 && proto === 58n;
    case OxmField.IPV6_ND_TARGET: {
      const t = exact(fields, OxmField.ICMPV6_TYPE);
      return eth === ETH_IPV6 && proto === 58n && (t === 135n || t === 136n);
    }
    case OxmField.IPV6_ND_SLL:
      return eth === ETH_IPV6 && proto === 58n && exact(fields, OxmField.ICMPV6_TYPE) === 135n;
    case OxmField.IPV6_ND_TLL:
      return eth === ETH_IPV6 && proto === 58n && exact(fields, OxmField.ICMPV6_TYPE) === 136n;
    case OxmField.MPLS_LABEL:
    case OxmField.MPLS_TC:
    case OxmField.MPLS_BOS:
      return eth === 0x8847n || eth === 0x8848n;
    case OxmField.PBB_ISID:
      return eth === 0x88e7n;
    default:
      return true;
  }
}

/** BAD_PREREQ naming the first field whose prerequisites are not in the match, or undefined. */
export function checkPrerequisites(match: Match): OfError | undefined {
  const byField = new Map(match.map((f) => [f.field, f]));
  for (const f of match) {
    if (!prerequisitesMet(f.field, byField)) {
      return ofError("BAD_MATCH_BAD_PREREQ", `${OxmField[f.field]} without its prerequisite`);
    }
  }
  return undefined;
}

/** One field read from the wire before it joins a match. */
export interface RawField {
  readonly field: OxmField;
  readonly value: bigint;
  readonly mask: bigint;
  readonly hasMask: boolean;
}

/**
 * Checks one field's value and mask (BAD_VALUE, BAD_MASK, BAD_WILDCARDS) and returns it
 * as a MatchField with a full mask when none was given.
 */
export function checkField(raw: RawField): Result<MatchField> {
  const max = fieldMaxValue(raw.field);
  const name = OxmField[raw.field];
  // A field without masks still takes an all-ones or all-zeros mask (exact or wildcard), as Open vSwitch accepts.
  if (raw.hasMask && !MASKABLE.has(raw.field) && raw.mask !== max && raw.mask !== 0n) {
    return fail(ofError("BAD_MATCH_BAD_MASK", `${name} cannot be masked`));
  }
  if (raw.value > max) return fail(ofError("BAD_MATCH_BAD_VALUE", `${name} value 0x${raw.value.toString(16)} too wide`));
  if (raw.mask > max) return fail(ofError("BAD_MATCH_BAD_MASK", `${name} mask 0x${raw.mask.toString(16)} too wide`));
  const mask = raw.hasMask ? raw.mask : max;
  if ((raw.value & ~mask) !== 0n) {
    return fail(ofError("BAD_MATCH_BAD_WILDCARDS", `${name} value has bits outside its mask`));
  }
  if (raw.field === OxmField.VLAN_VID && mask === max && raw.value !== 0n && (raw.value & 0x1000n) === 0n) {
    return fail(ofError("BAD_MATCH_BAD_VALUE", `VLAN_VID 0x${raw.value.toString(16)} lacks OFPVID_PRESENT`));
  }
  return ok({ field: raw.field, value: raw.value, mask });
}

/**
 * Builds a normalized match from fields read in wire order: DUP_FIELD for a field given
 * twice, BAD_PREREQ for a missing prerequisite. Fields with an all-zero mask are dropped.
 */
export function buildMatch(fields: readonly MatchField[]): Result<Match> {
  const seen = new Set<OxmField>();
  const kept: MatchField[] = [];
  for (const f of fields) {
    if (seen.has(f.field)) return fail(ofError("BAD_MATCH_DUP_FIELD", `${OxmField[f.field]} given twice`));
    seen.add(f.field);
    if (f.mask !== 0n) kept.push(f);
  }
  kept.sort((a, b) => a.field - b.field);
  const err = checkPrerequisites(kept);
  return err ? fail(err) : ok(kept);
}

/** One OXM/NXM TLV header. */
export interface TlvHeader {
  readonly oxmClass: number;
  readonly field: number;
  readonly hasMask: boolean;
  /** Payload length in bytes (value, plus mask when hasMask). */
  readonly length: number;
}

export function readTlvHeader(buf: Uint8Array, at: number): TlvHeader {
  const h = ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
  return { oxmClass: h >>> 16, field: (h >>> 9) & 0x7f, hasMask: (h & 0x100) !== 0, length: h & 0xff };
}

/**
 * Reads one OpenFlow-basic OXM TLV at `at` (not past `end`): the field, value and mask,
 * and the TLV's total size. NXM classes are handled by nxm.ts.
 */
export function decodeOxmTlv(buf: Uint8Array, at: number, end: number): Result<{ raw: RawField; size: number }> {
  if (end - at < 4) return fail(ofError("BAD_MATCH_BAD_LEN", "truncated OXM header"));
  const h = readTlvHeader(buf, at);
  const size = 4 + h.length;
  if (at + size > end) return fail(ofError("BAD_MATCH_BAD_LEN", "OXM field runs past the match"));
  if (h.oxmClass !== OFPXMC_OPENFLOW_BASIC || !(h.field in OxmField) || h.field > OxmField.IPV6_EXTHDR) {
    return fail(ofError("BAD_MATCH_BAD_FIELD", `unknown OXM class 0x${h.oxmClass.toString(16)} field ${h.field}`));
  }
  const field = h.field as OxmField;
  const n = OXM_FIELD_BYTES[field];
  if (h.length !== (h.hasMask ? 2 * n : n)) {
    // The length is part of the field's header: a wrong one names no known field (as Open vSwitch answers).
    return fail(ofError("BAD_MATCH_BAD_FIELD", `${OxmField[field]} has length ${h.length}`));
  }
  const value = readUint(buf, at + 4, n);
  const mask = h.hasMask ? readUint(buf, at + 4 + n, n) : fieldMaxValue(field);
  return ok({ raw: { field, value, mask, hasMask: h.hasMask }, size });
}

export function writeOxmTlv(w: Writer, field: OxmField, value: bigint, mask: bigint | undefined): void {
  const n = OXM_FIELD_BYTES[field];
  const hasMask = mask !== undefined;
  w.u32(((OFPXMC_OPENFLOW_BASIC << 16) | (field << 9) | (hasMask ? 0x100 : 0) | (hasMask ? 2 * n : n)) >>> 0);
  w.uint(value, n);
  if (hasMask) w.uint(mask, n);
}

/**
 * Decodes an ofp_match (type OXM) at `offset`. `length` is the bytes it occupies, padding
 * included. NXM-class fields inside OXM are accepted (as Open vSwitch does) through `extra`.
 */
export function decodeOxmMatch(
  buf: Uint8Array,
  offset: number,
  extra?: (buf: Uint8Array, at: number, end: number) => Result<{ raw: RawField | undefined; size: number }> | undefined,
): Result<{ match: Match; length: number }> {
  if (buf.length - offset < 4) return fail(ofError("BAD_MATCH_BAD_LEN", "truncated ofp_match"));
  const v = viewOf(buf);
  const type = v.getUint16(offset);
  const len = v.getUint16(offset + 2);
  if (type !== OFPMT_OXM) return fail(ofError("BAD_MATCH_BAD_TYPE", `match type ${type} is not OXM`));
  const padded = (len + 7) & ~7;
  if (len < 4 || offset + padded > buf.length) return fail(ofError("BAD_MATCH_BAD_LEN", `match length ${len}`));
  const end = offset + len;
  const fields: MatchField[] = [];
  for (let at = offset + 4; at < end; ) {
    let got: Result<{ raw: RawField | undefined; size: number }> | undefined;
    if (extra !== undefined && end - at >= 4 && readTlvHeader(buf, at).oxmClass !== OFPXMC_OPENFLOW_BASIC) {
      got = extra(buf, at, end);
    }
    got ??= packetType(buf, at, end) ?? decodeOxmTlv(buf, at, end);
    if (!got.ok) return got;
    if (got.value.raw !== undefined) {
      const f = checkField(got.value.raw);
      if (!f.ok) return f;
      fields.push(f.value);
    }
    at += got.value.size;
  }
  const m = buildMatch(fields);
  return m.ok ? ok({ match: m.value, length: padded }) : m;
}

/** Fields set in the match the fast path checks prerequisites against (reused: no Map per match). */
const PREREQ_SCRATCH = new Map<OxmField, MatchField>();

/** Per field: the bits its width leaves unused at the top of its wire bytes (a value using them is too wide). */
const SPARE_BITS: readonly number[] = (() => {
  const out: number[] = [];
  for (const [f, bits] of Object.entries(OXM_FIELD_BITS)) out[Number(f)] = 8 * OXM_FIELD_BYTES[Number(f) as OxmField] - bits;
  return out;
})();

/** True when buf[at...] sets none of the `spare` top bits. */
function fitsWidth(buf: Uint8Array, at: number, spare: number): boolean {
  let i = 0;
  for (; spare >= 8; spare -= 8) if (buf[at + i++] !== 0) return false;
  return (buf[at + i]! & ~(0xff >> spare)) === 0;
}

/** Masks seen on the hot path, shared (prefix masks repeat across flows). */
const SHARED_MASKS = new Map<number, bigint>();
const SHARED_MASKS_MAX = 1024;

/** The value of buf[at, at+n) as a bigint; a mask (`shared`) of up to 6 bytes is one shared bigint per value. */
function wireValue(buf: Uint8Array, at: number, n: number, shared: boolean): bigint {
  if (n > 6 || !shared) return readUint(buf, at, n);
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + buf[at + i]!;
  let v = SHARED_MASKS.get(x);
  if (v === undefined) {
    v = BigInt(x);
    if (SHARED_MASKS.size < SHARED_MASKS_MAX) SHARED_MASKS.set(x, v);
  }
  return v;
}

/** Exact fields of up to 16 bits, shared by every match that has them (frozen; bounded). */
const SHARED_EXACT = new Map<number, MatchField>();
const SHARED_EXACT_MAX = 8192;

function sharedExact(field: OxmField, x: number): MatchField {
  const k = field * 0x10000 + x;
  let f = SHARED_EXACT.get(k);
  if (f === undefined) {
    f = Object.freeze({ field, value: BigInt(x), mask: FIELD_MAX[field]! });
    if (SHARED_EXACT.size < SHARED_EXACT_MAX) SHARED_EXACT.set(k, f);
  }
  return f;
}

/**
 * decodeOxmMatch's common case, for the flow_mod hot path: OpenFlow-basic fields only, each
 * well formed and valid, none twice, prerequisites met. Checks run on the wire bytes (no bigint
 * arithmetic); the match comes back frozen, exact in size and sorted (a rule keeps it as it
 * is). Undefined for anything else — an error, an NXM or packet_type field, a mask of zero —
 * and the caller decodes with decodeOxmMatch, which gives the precise error or handles the
 * rare shape.
 */
export function decodeOxmMatchFast(buf: Uint8Array, offset: number): { match: Match; length: number } | undefined {
  if (buf.length - offset < 4) return undefined;
  const type = (buf[offset]! << 8) | buf[offset + 1]!;
  const len = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  const padded = (len + 7) & ~7;
  if (type !== OFPMT_OXM || len < 4 || offset + padded > buf.length) return undefined;
  const end = offset + len;
  let count = 0;
  for (let at = offset + 4; at < end; count++) {
    if (end - at < 4) return undefined;
    at += 4 + buf[at + 3]!;
  }
  const fields = new Array<MatchField>(count);
  let filled = 0;
  let seenLo = 0;
  let seenHi = 0;
  for (let at = offset + 4; at < end; ) {
    if (buf[at] !== 0x80 || buf[at + 1] !== 0x00) return undefined;
    const field = buf[at + 2]! >>> 1;
    const hasMask = (buf[at + 2]! & 1) !== 0;
    const tlvLen = buf[at + 3]!;
    if (field > OxmField.IPV6_EXTHDR) return undefined;
    const n = OXM_FIELD_BYTES[field as OxmField];
    if (n === undefined || tlvLen !== (hasMask ? 2 * n : n) || at + 4 + tlvLen > end) return undefined;
    if (field < 32 ? (seenLo >>> field) & 1 : (seenHi >>> (field - 32)) & 1) return undefined;
    if (field < 32) seenLo |= 1 << field;
    else seenHi |= 1 << (field - 32);
    const v = at + 4;
    const spare = SPARE_BITS[field]!;
    // Too wide, or (masked) bits outside the mask, or a zero or too wide mask: the general decoder says which.
    if (!fitsWidth(buf, v, spare)) return undefined;
    if (hasMask) {
      if (!MASKABLE.has(field)) return undefined;
      const m = v + n;
      if (!fitsWidth(buf, m, spare)) return undefined;
      let any = 0;
      for (let i = 0; i < n; i++) {
        if ((buf[v + i]! & ~buf[m + i]!) !== 0) return undefined;
        any |= buf[m + i]!;
      }
      if (any === 0) return undefined;
    }
    let f: MatchField;
    if (!hasMask && n <= 2) {
      // Short exact fields (eth_type, ip_proto, ports, in_port...) repeat across flows: shared.
      const x = n === 1 ? buf[v]! : (buf[v]! << 8) | buf[v + 1]!;
      if (field === OxmField.VLAN_VID && x !== 0 && (x & 0x1000) === 0) return undefined;
      f = sharedExact(field, x);
    } else {
      const value = wireValue(buf, v, n, false);
      const mask = hasMask ? wireValue(buf, v + n, n, true) : FIELD_MAX[field]!;
      if (field === OxmField.VLAN_VID && mask === FIELD_MAX[field] && value !== 0n && (buf[v]! & 0x10) === 0) return undefined;
      f = { field, value, mask };
    }
    // Insertion into field order: matches arrive mostly sorted.
    let j = filled++;
    while (j > 0 && fields[j - 1]!.field > field) {
      fields[j] = fields[j - 1]!;
      j--;
    }
    fields[j] = f;
    at += 4 + tlvLen;
  }
  PREREQ_SCRATCH.clear();
  for (let i = 0; i < fields.length; i++) PREREQ_SCRATCH.set(fields[i]!.field, fields[i]!);
  for (let i = 0; i < fields.length; i++) if (!prerequisitesMet(fields[i]!.field, PREREQ_SCRATCH)) return undefined;
  return { match: Object.freeze(fields), length: padded };
}

/** OXM_OF_PACKET_TYPE at `at`: Ethernet is no constraint (no field); another type is BAD_VALUE. */
function packetType(buf: Uint8Array, at: number, end: number): Result<{ raw: undefined; size: number }> | undefined {
  if (end - at < 4) return undefined;
  const h = readTlvHeader(buf, at);
  if (h.oxmClass !== OFPXMC_OPENFLOW_BASIC || h.field !== OXM_PACKET_TYPE) return undefined;
  if (h.hasMask || h.length !== 4) return fail(ofError("BAD_MATCH_BAD_FIELD", `packet_type has length ${h.length}${h.hasMask ? " with a mask" : ""}`));
  if (at + 8 > end) return fail(ofError("BAD_MATCH_BAD_LEN", "OXM field runs past the match"));
  const ns = (buf[at + 4]! << 8) | buf[at + 5]!;
  const type = (buf[at + 6]! << 8) | buf[at + 7]!;
  if (ns !== 0 || type !== 0) {
    return fail(ofError("BAD_MATCH_BAD_VALUE", `packet_type=(${ns},0x${type.toString(16)}): ofp4 handles Ethernet frames only, packet_type=(0,0)`));
  }
  return ok({ raw: undefined, size: 8 });
}

/** Writes an ofp_match (type OXM, padded to 8 bytes) in Open vSwitch's field order. */
export function writeOxmMatch(w: Writer, match: Match): void {
  const start = w.length;
  w.u16(OFPMT_OXM).u16(0);
  // In Open vSwitch's order without sorting a copy: each turn writes the lowest rank not written yet.
  let last = -1;
  for (let k = 0; k < match.length; k++) {
    let next: MatchField | undefined;
    let rank = Infinity;
    for (let i = 0; i < match.length; i++) {
      const f = match[i]!;
      const r = ORDER_RANK[f.field]!;
      if (r > last && r < rank) {
        rank = r;
        next = f;
      }
    }
    if (next === undefined) break;
    last = rank;
    const full = next.mask === FIELD_MAX[next.field];
    writeOxmTlv(w, next.field, next.value, full ? undefined : next.mask);
  }
  const len = w.length - start;
  w.setU16(start + 2, len);
  w.zeros(((len + 7) & ~7) - len);
}

/** The ofp_match bytes (padding included) of `match`. */
export function encodeOxmMatch(match: Match): Uint8Array {
  const w = new Writer(64);
  writeOxmMatch(w, match);
  return w.finish();
}

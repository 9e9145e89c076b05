// The internal match: one representation for OpenFlow 1.0 ofp_match, OpenFlow 1.3 OXM and
// Nicira NXM. A match is a list of (field, value, mask) sorted by field id, with no field
// twice, no all-zero mask, and value bits outside the mask cleared (normalizeMatch makes it
// so). Codecs produce and consume it; the classifier and the offload translator key on it.
// Field ids are the OXM_OF_* numbers of the OpenFlow 1.3 basic class.

export enum OxmField {
  IN_PORT = 0,
  IN_PHY_PORT = 1,
  METADATA = 2,
  ETH_DST = 3,
  ETH_SRC = 4,
  ETH_TYPE = 5,
  VLAN_VID = 6,
  VLAN_PCP = 7,
  IP_DSCP = 8,
  IP_ECN = 9,
  IP_PROTO = 10,
  IPV4_SRC = 11,
  IPV4_DST = 12,
  TCP_SRC = 13,
  TCP_DST = 14,
  UDP_SRC = 15,
  UDP_DST = 16,
  SCTP_SRC = 17,
  SCTP_DST = 18,
  ICMPV4_TYPE = 19,
  ICMPV4_CODE = 20,
  ARP_OP = 21,
  ARP_SPA = 22,
  ARP_TPA = 23,
  ARP_SHA = 24,
  ARP_THA = 25,
  IPV6_SRC = 26,
  IPV6_DST = 27,
  IPV6_FLABEL = 28,
  ICMPV6_TYPE = 29,
  ICMPV6_CODE = 30,
  IPV6_ND_TARGET = 31,
  IPV6_ND_SLL = 32,
  IPV6_ND_TLL = 33,
  MPLS_LABEL = 34,
  MPLS_TC = 35,
  MPLS_BOS = 36,
  PBB_ISID = 37,
  TUNNEL_ID = 38,
  IPV6_EXTHDR = 39,
}

/** Width in bits of each field's value on the wire (OpenFlow 1.3 §7.2.3.7). */
export const OXM_FIELD_BITS: Readonly<Record<OxmField, number>> = {
  [OxmField.IN_PORT]: 32,
  [OxmField.IN_PHY_PORT]: 32,
  [OxmField.METADATA]: 64,
  [OxmField.ETH_DST]: 48,
  [OxmField.ETH_SRC]: 48,
  [OxmField.ETH_TYPE]: 16,
  [OxmField.VLAN_VID]: 13,
  [OxmField.VLAN_PCP]: 3,
  [OxmField.IP_DSCP]: 6,
  [OxmField.IP_ECN]: 2,
  [OxmField.IP_PROTO]: 8,
  [OxmField.IPV4_SRC]: 32,
  [OxmField.IPV4_DST]: 32,
  [OxmField.TCP_SRC]: 16,
  [OxmField.TCP_DST]: 16,
  [OxmField.UDP_SRC]: 16,
  [OxmField.UDP_DST]: 16,
  [OxmField.SCTP_SRC]: 16,
  [OxmField.SCTP_DST]: 16,
  [OxmField.ICMPV4_TYPE]: 8,
  [OxmField.ICMPV4_CODE]: 8,
  [OxmField.ARP_OP]: 16,
  [OxmField.ARP_SPA]: 32,
  [OxmField.ARP_TPA]: 32,
  [OxmField.ARP_SHA]: 48,
  [OxmField.ARP_THA]: 48,
  [OxmField.IPV6_SRC]: 128,
  [OxmField.IPV6_DST]: 128,
  [OxmField.IPV6_FLABEL]: 20,
  [OxmField.ICMPV6_TYPE]: 8,
  [OxmField.ICMPV6_CODE]: 8,
  [OxmField.IPV6_ND_TARGET]: 128,
  [OxmField.IPV6_ND_SLL]: 48,
  [OxmField.IPV6_ND_TLL]: 48,
  [OxmField.MPLS_LABEL]: 20,
  [OxmField.MPLS_TC]: 3,
  [OxmField.MPLS_BOS]: 1,
  [OxmField.PBB_ISID]: 24,
  [OxmField.TUNNEL_ID]: 64,
  [OxmField.IPV6_EXTHDR]: 9,
};

/** OFPVID_PRESENT: the bit of VLAN_VID that says a VLAN tag is present. */
export const OFPVID_PRESENT = 0x1000n;
/** OFPVID_NONE: VLAN_VID value (with a full mask) that matches only untagged frames. */
export const OFPVID_NONE = 0n;

export interface MatchField {
  readonly field: OxmField;
  /** Value, with every bit outside `mask` cleared. */
  readonly value: bigint;
  /** Mask; all ones (2^bits - 1) for an exact match. Never 0 (a wildcarded field is absent). */
  readonly mask: bigint;
}

/** A normalized match: sorted by field, no duplicates, no zero masks. Empty = match all. */
export type Match = readonly MatchField[];

const FIELD_MAX_VALUES: bigint[] = [];

export function fieldMaxValue(field: OxmField): bigint {
  return (FIELD_MAX_VALUES[field] ??= (1n << BigInt(OXM_FIELD_BITS[field])) - 1n);
}

export function isExact(f: MatchField): boolean {
  return f.mask === fieldMaxValue(f.field);
}

/**
 * Sorts fields, clears value bits outside each mask and drops zero masks. Throws on a
 * duplicate field (codecs detect duplicates first and report OFPBMC_DUP_FIELD).
 */
export function normalizeMatch(fields: readonly MatchField[]): Match {
  const out: MatchField[] = [];
  for (const f of fields) {
    const max = fieldMaxValue(f.field);
    const mask = f.mask & max;
    if (mask === 0n) continue;
    out.push({ field: f.field, value: f.value & mask, mask });
  }
  out.sort((a, b) => a.field - b.field);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.field === out[i - 1]!.field) throw new Error(`duplicate match field ${OxmField[out[i]!.field]}`);
  }
  return out;
}

export function getField(match: Match, field: OxmField): MatchField | undefined {
  for (const f of match) if (f.field === field) return f;
  return undefined;
}

/** True when the two matches are the same set of (field, value, mask). */
export function matchEquals(a: Match, b: Match): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.field !== y.field || x.value !== y.value || x.mask !== y.mask) return false;
  }
  return true;
}

/**
 * True when every packet that `narrow` matches is also matched by `wide` ("wide is a
 * superset"): OpenFlow's loose match of a request against a rule.
 */
export function matchCovers(wide: Match, narrow: Match): boolean {
  let j = 0;
  for (const w of wide) {
    while (j < narrow.length && narrow[j]!.field < w.field) j++;
    const n = narrow[j];
    if (n === undefined || n.field !== w.field) return false;
    if ((n.mask & w.mask) !== w.mask) return false;
    if ((n.value & w.mask) !== w.value) return false;
  }
  return true;
}

/** True when some packet could match both (OpenFlow's overlap check, ignoring priority). */
export function matchesOverlap(a: Match, b: Match): boolean {
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]!.field < x.field) j++;
    const y = b[j];
    if (y === undefined || y.field !== x.field) continue;
    const common = x.mask & y.mask;
    if ((x.value & common) !== (y.value & common)) return false;
  }
  return true;
}

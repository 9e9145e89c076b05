// OpenFlow 1.0 ofp_match (40 bytes, wildcard bits, CIDR masks on nw_src/nw_dst) to and from
// the internal Match. dl_vlan 0xffff means "untagged" (VLAN_VID = OFPVID_NONE). Fields whose
// prerequisites the match lacks are dropped on decode, as Open vSwitch normalizes them; on
// encode, what 1.0 cannot express (masked MACs, IPv6, metadata, non-CIDR masks) is widened
// to what it can: a 1.0 connection only ever sees flows it could have added.

import { OxmField, OFPVID_PRESENT, isExact, type Match, type MatchField } from "./match.js";
import { ofError } from "./errors.js";
import { buildMatch, prerequisitesMet } from "./oxm.js";
import { port16to32, port32to16 } from "./port.js";
import { fail, type Result } from "./result.js";
import { Writer, readUint, viewOf } from "./wire.js";

export const OFP10_MATCH_LEN = 40;

export const OFPFW10 = {
  IN_PORT: 1 << 0,
  DL_VLAN: 1 << 1,
  DL_SRC: 1 << 2,
  DL_DST: 1 << 3,
  DL_TYPE: 1 << 4,
  NW_PROTO: 1 << 5,
  TP_SRC: 1 << 6,
  TP_DST: 1 << 7,
  NW_SRC_SHIFT: 8,
  NW_DST_SHIFT: 14,
  DL_VLAN_PCP: 1 << 20,
  NW_TOS: 1 << 21,
} as const;

/** Wildcards of a match that matches everything, as Open vSwitch writes them (CIDR counts of 32). */
const ALL_WILD = 0xff | (32 << 8) | (32 << 14) | OFPFW10.DL_VLAN_PCP | OFPFW10.NW_TOS;

const OFP_VLAN_NONE = 0xffff;
const ETH_IP = 0x0800;
const ETH_ARP = 0x0806;

function cidrMask(wildBits: number): bigint {
  if (wildBits >= 32) return 0n;
  return (0xffffffffn << BigInt(wildBits)) & 0xffffffffn;
}

/** Number of trailing wildcarded bits for a 32-bit mask (its CIDR prefix taken from the top). */
function wildBitsOf(mask: bigint): number {
  let prefix = 0;
  for (let bit = 31; bit >= 0 && ((mask >> BigInt(bit)) & 1n) === 1n; bit--) prefix++;
  return 32 - prefix;
}

/** Decodes the ofp_match at `offset` (40 bytes must be there: BAD_LEN otherwise). */
export function decodeMatch10(buf: Uint8Array, offset: number): Result<Match> {
  if (buf.length - offset < OFP10_MATCH_LEN) return fail(ofError("BAD_REQUEST_BAD_LEN", "truncated ofp_match"));
  const v = viewOf(buf);
  const w = v.getUint32(offset);
  const fields: MatchField[] = [];
  const add = (field: OxmField, value: bigint, mask: bigint): void => {
    fields.push({ field, value: value & mask, mask });
  };
  if (!(w & OFPFW10.IN_PORT)) add(OxmField.IN_PORT, BigInt(port16to32(v.getUint16(offset + 4))), 0xffffffffn);
  if (!(w & OFPFW10.DL_SRC)) add(OxmField.ETH_SRC, readUint(buf, offset + 6, 6), 0xffffffffffffn);
  if (!(w & OFPFW10.DL_DST)) add(OxmField.ETH_DST, readUint(buf, offset + 12, 6), 0xffffffffffffn);
  const vlan = v.getUint16(offset + 18);
  const vlanExact = !(w & OFPFW10.DL_VLAN);
  if (vlanExact) {
    add(OxmField.VLAN_VID, vlan === OFP_VLAN_NONE ? 0n : BigInt(vlan & 0xfff) | OFPVID_PRESENT, 0x1fffn);
  }
  if (!(w & OFPFW10.DL_VLAN_PCP) && !(vlanExact && vlan === OFP_VLAN_NONE)) {
    if (!vlanExact) add(OxmField.VLAN_VID, OFPVID_PRESENT, OFPVID_PRESENT);
    add(OxmField.VLAN_PCP, BigInt(buf[offset + 20]! & 7), 7n);
  }
  const dlType = v.getUint16(offset + 22);
  const typeExact = !(w & OFPFW10.DL_TYPE);
  if (typeExact) add(OxmField.ETH_TYPE, BigInt(dlType), 0xffffn);
  const isIp = typeExact && dlType === ETH_IP;
  const isArp = typeExact && dlType === ETH_ARP;
  const nwProto = buf[offset + 25]!;
  const protoExact = !(w & OFPFW10.NW_PROTO);
  if (isIp && !(w & OFPFW10.NW_TOS)) add(OxmField.IP_DSCP, BigInt(buf[offset + 24]! >> 2), 0x3fn);
  if (protoExact && isIp) add(OxmField.IP_PROTO, BigInt(nwProto), 0xffn);
  if (protoExact && isArp) add(OxmField.ARP_OP, BigInt(nwProto), 0xffffn);
  const srcMask = cidrMask((w >>> OFPFW10.NW_SRC_SHIFT) & 0x3f);
  const dstMask = cidrMask((w >>> OFPFW10.NW_DST_SHIFT) & 0x3f);
  if (srcMask !== 0n && (isIp || isArp)) add(isIp ? OxmField.IPV4_SRC : OxmField.ARP_SPA, BigInt(v.getUint32(offset + 28)), srcMask);
  if (dstMask !== 0n && (isIp || isArp)) add(isIp ? OxmField.IPV4_DST : OxmField.ARP_TPA, BigInt(v.getUint32(offset + 32)), dstMask);
  if (isIp && protoExact) {
    const l4 = L4_FIELDS[nwProto];
    if (l4 !== undefined) {
      const bits = nwProto === 1 ? 0xffn : 0xffffn;
      if (!(w & OFPFW10.TP_SRC)) add(l4[0], BigInt(v.getUint16(offset + 36)), bits);
      if (!(w & OFPFW10.TP_DST)) add(l4[1], BigInt(v.getUint16(offset + 38)), bits);
    }
  }
  const byField = new Map(fields.map((f) => [f.field, f]));
  return buildMatch(fields.filter((f) => prerequisitesMet(f.field, byField)));
}

const L4_FIELDS: Readonly<Record<number, readonly [OxmField, OxmField]>> = {
  1: [OxmField.ICMPV4_TYPE, OxmField.ICMPV4_CODE],
  6: [OxmField.TCP_SRC, OxmField.TCP_DST],
  17: [OxmField.UDP_SRC, OxmField.UDP_DST],
  132: [OxmField.SCTP_SRC, OxmField.SCTP_DST],
};

/** Writes the 40-byte ofp_match of `match`. */
export function writeMatch10(w: Writer, match: Match): void {
  let wild = ALL_WILD;
  let inPort = 0;
  let dlSrc = 0n;
  let dlDst = 0n;
  let dlVlan = 0;
  let pcp = 0;
  let dlType = 0;
  let tos = 0;
  let proto = 0;
  let nwSrc = 0n;
  let nwDst = 0n;
  let tpSrc = 0;
  let tpDst = 0;
  const setNw = (shift: number, mask: bigint): void => {
    wild = (wild & ~(0x3f << shift)) | (wildBitsOf(mask) << shift);
  };
  for (const f of match) {
    const full = isExact(f);
    switch (f.field) {
      case OxmField.IN_PORT:
        wild &= ~OFPFW10.IN_PORT;
        inPort = port32to16(Number(f.value));
        break;
      case OxmField.ETH_SRC:
        if (full) {
          wild &= ~OFPFW10.DL_SRC;
          dlSrc = f.value;
        }
        break;
      case OxmField.ETH_DST:
        if (full) {
          wild &= ~OFPFW10.DL_DST;
          dlDst = f.value;
        }
        break;
      case OxmField.VLAN_VID:
        if (full) {
          wild &= ~OFPFW10.DL_VLAN;
          dlVlan = f.value === 0n ? OFP_VLAN_NONE : Number(f.value & 0xfffn);
          // Untagged: Open vSwitch also marks dl_vlan_pcp exact (0).
          if (f.value === 0n) wild &= ~OFPFW10.DL_VLAN_PCP;
        }
        break;
      case OxmField.VLAN_PCP:
        wild &= ~OFPFW10.DL_VLAN_PCP;
        pcp = Number(f.value);
        break;
      case OxmField.ETH_TYPE:
        wild &= ~OFPFW10.DL_TYPE;
        dlType = Number(f.value);
        break;
      case OxmField.IP_DSCP:
        wild &= ~OFPFW10.NW_TOS;
        tos = Number(f.value) << 2;
        break;
      case OxmField.IP_PROTO:
        wild &= ~OFPFW10.NW_PROTO;
        proto = Number(f.value);
        break;
      case OxmField.ARP_OP:
        wild &= ~OFPFW10.NW_PROTO;
        proto = Number(f.value) & 0xff;
        break;
      case OxmField.IPV4_SRC:
      case OxmField.ARP_SPA:
        setNw(OFPFW10.NW_SRC_SHIFT, f.mask);
        nwSrc = f.value & cidrMask(wildBitsOf(f.mask));
        break;
      case OxmField.IPV4_DST:
      case OxmField.ARP_TPA:
        setNw(OFPFW10.NW_DST_SHIFT, f.mask);
        nwDst = f.value & cidrMask(wildBitsOf(f.mask));
        break;
      case OxmField.TCP_SRC:
      case OxmField.UDP_SRC:
      case OxmField.SCTP_SRC:
      case OxmField.ICMPV4_TYPE:
        if (full) {
          wild &= ~OFPFW10.TP_SRC;
          tpSrc = Number(f.value);
        }
        break;
      case OxmField.TCP_DST:
      case OxmField.UDP_DST:
      case OxmField.SCTP_DST:
      case OxmField.ICMPV4_CODE:
        if (full) {
          wild &= ~OFPFW10.TP_DST;
          tpDst = Number(f.value);
        }
        break;
      default:
        break; // not expressible in OpenFlow 1.0
    }
  }
  w.u32(wild).u16(inPort).uint(dlSrc, 6).uint(dlDst, 6).u16(dlVlan).u8(pcp).u8(0);
  w.u16(dlType).u8(tos).u8(proto).u16(0).u32(Number(nwSrc)).u32(Number(nwDst)).u16(tpSrc).u16(tpDst);
}

/** The 40 ofp_match bytes of `match`. */
export function encodeMatch10(match: Match): Uint8Array {
  const w = new Writer(OFP10_MATCH_LEN);
  writeMatch10(w, match);
  return w.finish();
}

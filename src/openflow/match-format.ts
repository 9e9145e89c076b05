// Canonical text for matches, actions and flows, in ovs-ofctl's syntax and field order
// ("tcp,in_port=1,nw_src=10.0.0.0/8,tp_dst=80", "actions=output:2"), for logs, the CLI and
// the daemon's dump-flows. Version-independent: header rewrites print as set_field (which
// ovs-ofctl also accepts). Pure; never throws; never parses.

import { OFPP, type Action, type Instructions } from "./actions.js";
import { OxmField, fieldMaxValue, getField, type Match, type MatchField } from "./match.js";

const PORT_NAMES: Readonly<Record<number, string>> = {
  [OFPP.IN_PORT]: "IN_PORT",
  [OFPP.TABLE]: "TABLE",
  [OFPP.NORMAL]: "NORMAL",
  [OFPP.FLOOD]: "FLOOD",
  [OFPP.ALL]: "ALL",
  [OFPP.CONTROLLER]: "CONTROLLER",
  [OFPP.LOCAL]: "LOCAL",
  [OFPP.ANY]: "ANY",
};

export function formatPort(port: number): string {
  return PORT_NAMES[port] ?? String(port);
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

function mac(v: bigint): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push(Number((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, "0"));
  return parts.join(":");
}

function ipv4(v: bigint): string {
  return [24, 16, 8, 0].map((s) => Number((v >> BigInt(s)) & 0xffn)).join(".");
}

function ipv6(v: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((v >> BigInt(16 * i)) & 0xffffn));
  // Longest run of zero words (length >= 2) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexw = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (best < 0) return hexw(words);
  return `${hexw(words.slice(0, best))}::${hexw(words.slice(best + bestLen))}`;
}

/** Prefix length of a CIDR mask of `bits`, or undefined when the mask is not a prefix. */
function prefixLen(mask: bigint, bits: number): number | undefined {
  const inv = ~mask & ones(bits);
  if ((inv & (inv + 1n)) !== 0n) return undefined;
  let n = 0;
  for (let b = bits - 1; b >= 0 && ((mask >> BigInt(b)) & 1n) === 1n; b--) n++;
  return n;
}

function ones(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

function addr(f: MatchField, bits: number, show: (v: bigint) => string): string {
  if (f.mask === fieldMaxValue(f.field)) return show(f.value);
  const p = bits === 48 ? undefined : prefixLen(f.mask, bits); // MACs always print value/mask
  return p !== undefined ? `${show(f.value)}/${p}` : `${show(f.value)}/${show(f.mask)}`;
}

function num(f: MatchField, hexAlways = false): string {
  if (f.mask === fieldMaxValue(f.field)) return hexAlways ? hex(f.value) : f.value.toString();
  return `${hex(f.value)}/${hex(f.mask)}`;
}

const SHORTHAND_V4: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp", 132: "sctp" };
const SHORTHAND_V6: Readonly<Record<number, string>> = { 58: "icmp6", 6: "tcp6", 17: "udp6", 132: "sctp6" };
const SHORTHAND_ETH: Readonly<Record<number, string>> = { 0x0800: "ip", 0x86dd: "ipv6", 0x0806: "arp", 0x8035: "rarp", 0x8847: "mpls", 0x8848: "mplsm" };

function isExactField(m: Match, field: OxmField): MatchField | undefined {
  const f = getField(m, field);
  return f !== undefined && f.mask === fieldMaxValue(field) ? f : undefined;
}

function formatVlan(m: Match): string[] {
  const vid = getField(m, OxmField.VLAN_VID);
  const pcp = getField(m, OxmField.VLAN_PCP);
  if (vid === undefined && pcp === undefined) return [];
  const present = vid !== undefined && (vid.mask & 0x1000n) !== 0n && (vid.value & 0x1000n) !== 0n;
  const pcpExact = pcp !== undefined && pcp.mask === 7n;
  if (present && vid.mask === 0x1fffn) {
    return [`dl_vlan=${vid.value & 0xfffn}`, ...(pcpExact ? [`dl_vlan_pcp=${pcp.value}`] : [])];
  }
  if (present && vid.mask === 0x1000n && pcpExact) return [`dl_vlan_pcp=${pcp.value}`];
  const value = (vid?.value ?? 0n) | ((pcp?.value ?? 0n) << 13n);
  const mask = (vid?.mask ?? 0n) | ((pcp?.mask ?? 0n) << 13n);
  const v = `0x${value.toString(16).padStart(4, "0")}`;
  return [mask === 0xffffn ? `vlan_tci=${v}` : `vlan_tci=${v}/0x${mask.toString(16).padStart(4, "0")}`];
}

/** The match in ovs-ofctl's syntax ("" for match-all). `priority` is printed first when given and not 32768. */
export function formatMatch(m: Match, priority?: number): string {
  const out: string[] = [];
  if (priority !== undefined && priority !== 0x8000) out.push(`priority=${priority}`);
  const eth = isExactField(m, OxmField.ETH_TYPE);
  const proto = isExactField(m, OxmField.IP_PROTO);
  let protoShown = false;
  let ethShown = false;
  if (eth !== undefined) {
    const e = Number(eth.value);
    const byProto = proto === undefined ? undefined : (e === 0x0800 ? SHORTHAND_V4 : e === 0x86dd ? SHORTHAND_V6 : undefined)?.[Number(proto.value)];
    if (byProto !== undefined) {
      out.push(byProto);
      protoShown = true;
      ethShown = true;
    } else if (SHORTHAND_ETH[e] !== undefined) {
      out.push(SHORTHAND_ETH[e]);
      ethShown = true;
    }
  }
  const f = (field: OxmField): MatchField | undefined => getField(m, field);
  const push = (name: string, field: OxmField, show: (x: MatchField) => string): void => {
    const x = f(field);
    if (x !== undefined) out.push(`${name}=${show(x)}`);
  };
  push("tun_id", OxmField.TUNNEL_ID, (x) => num(x, true));
  push("metadata", OxmField.METADATA, (x) => num(x, true));
  push("in_port", OxmField.IN_PORT, (x) => formatPort(Number(x.value)));
  push("in_phy_port", OxmField.IN_PHY_PORT, (x) => formatPort(Number(x.value)));
  out.push(...formatVlan(m));
  push("dl_src", OxmField.ETH_SRC, (x) => addr(x, 48, mac));
  push("dl_dst", OxmField.ETH_DST, (x) => addr(x, 48, mac));
  if (eth !== undefined && !ethShown) out.push(`dl_type=0x${eth.value.toString(16).padStart(4, "0")}`);
  push("mpls_label", OxmField.MPLS_LABEL, (x) => num(x));
  push("mpls_tc", OxmField.MPLS_TC, (x) => num(x));
  push("mpls_bos", OxmField.MPLS_BOS, (x) => num(x));
  push("nw_src", OxmField.IPV4_SRC, (x) => addr(x, 32, ipv4));
  push("nw_dst", OxmField.IPV4_DST, (x) => addr(x, 32, ipv4));
  push("ipv6_src", OxmField.IPV6_SRC, (x) => addr(x, 128, ipv6));
  push("ipv6_dst", OxmField.IPV6_DST, (x) => addr(x, 128, ipv6));
  push("ipv6_label", OxmField.IPV6_FLABEL, (x) =>
    x.mask === 0xfffffn ? `0x${x.value.toString(16).padStart(5, "0")}` : `0x${x.value.toString(16).padStart(5, "0")}/0x${x.mask.toString(16).padStart(5, "0")}`,
  );
  push("arp_spa", OxmField.ARP_SPA, (x) => addr(x, 32, ipv4));
  push("arp_tpa", OxmField.ARP_TPA, (x) => addr(x, 32, ipv4));
  push("arp_op", OxmField.ARP_OP, (x) => num(x));
  push("arp_sha", OxmField.ARP_SHA, (x) => addr(x, 48, mac));
  push("arp_tha", OxmField.ARP_THA, (x) => addr(x, 48, mac));
  if (proto !== undefined && !protoShown) out.push(`nw_proto=${proto.value}`);
  push("nw_tos", OxmField.IP_DSCP, (x) => String(x.value << 2n));
  push("nw_ecn", OxmField.IP_ECN, (x) => num(x));
  for (const [field, name] of [
    [OxmField.TCP_SRC, "tp_src"],
    [OxmField.TCP_DST, "tp_dst"],
    [OxmField.UDP_SRC, "tp_src"],
    [OxmField.UDP_DST, "tp_dst"],
    [OxmField.SCTP_SRC, "tp_src"],
    [OxmField.SCTP_DST, "tp_dst"],
    [OxmField.ICMPV4_TYPE, "icmp_type"],
    [OxmField.ICMPV4_CODE, "icmp_code"],
    [OxmField.ICMPV6_TYPE, "icmp_type"],
    [OxmField.ICMPV6_CODE, "icmp_code"],
  ] as const) {
    push(name, field, (x) => num(x));
  }
  push("nd_target", OxmField.IPV6_ND_TARGET, (x) => addr(x, 128, ipv6));
  push("nd_sll", OxmField.IPV6_ND_SLL, (x) => addr(x, 48, mac));
  push("nd_tll", OxmField.IPV6_ND_TLL, (x) => addr(x, 48, mac));
  push("pbb_isid", OxmField.PBB_ISID, (x) => num(x, true));
  push("ipv6_exthdr", OxmField.IPV6_EXTHDR, (x) => num(x, true));
  return out.join(",");
}

const SET_FIELD_NAMES: Partial<Record<OxmField, string>> = {
  [OxmField.ETH_SRC]: "eth_src",
  [OxmField.ETH_DST]: "eth_dst",
  [OxmField.ETH_TYPE]: "eth_type",
  [OxmField.VLAN_VID]: "vlan_vid",
  [OxmField.VLAN_PCP]: "vlan_pcp",
  [OxmField.IP_DSCP]: "ip_dscp",
  [OxmField.IP_ECN]: "ip_ecn",
  [OxmField.IP_PROTO]: "ip_proto",
  [OxmField.IPV4_SRC]: "ip_src",
  [OxmField.IPV4_DST]: "ip_dst",
  [OxmField.TCP_SRC]: "tcp_src",
  [OxmField.TCP_DST]: "tcp_dst",
  [OxmField.UDP_SRC]: "udp_src",
  [OxmField.UDP_DST]: "udp_dst",
  [OxmField.SCTP_SRC]: "sctp_src",
  [OxmField.SCTP_DST]: "sctp_dst",
  [OxmField.ICMPV4_TYPE]: "icmp_type",
  [OxmField.ICMPV4_CODE]: "icmp_code",
  [OxmField.ARP_OP]: "arp_op",
  [OxmField.ARP_SPA]: "arp_spa",
  [OxmField.ARP_TPA]: "arp_tpa",
  [OxmField.ARP_SHA]: "arp_sha",
  [OxmField.ARP_THA]: "arp_tha",
  [OxmField.IPV6_SRC]: "ipv6_src",
  [OxmField.IPV6_DST]: "ipv6_dst",
  [OxmField.IPV6_FLABEL]: "ipv6_label",
  [OxmField.MPLS_LABEL]: "mpls_label",
  [OxmField.MPLS_TC]: "mpls_tc",
  [OxmField.MPLS_BOS]: "mpls_bos",
  [OxmField.TUNNEL_ID]: "tun_id",
  [OxmField.METADATA]: "metadata",
};

function setFieldValue(field: OxmField, v: bigint): string {
  switch (field) {
    case OxmField.ETH_SRC:
    case OxmField.ETH_DST:
    case OxmField.ARP_SHA:
    case OxmField.ARP_THA:
    case OxmField.IPV6_ND_SLL:
    case OxmField.IPV6_ND_TLL:
      return mac(v);
    case OxmField.IPV4_SRC:
    case OxmField.IPV4_DST:
    case OxmField.ARP_SPA:
    case OxmField.ARP_TPA:
      return ipv4(v);
    case OxmField.IPV6_SRC:
    case OxmField.IPV6_DST:
    case OxmField.IPV6_ND_TARGET:
      return ipv6(v);
    case OxmField.TUNNEL_ID:
    case OxmField.METADATA:
    case OxmField.IPV6_FLABEL:
      return hex(v);
    default:
      return v.toString();
  }
}

export function formatAction(a: Action): string {
  switch (a.type) {
    case "output":
      return a.port === OFPP.CONTROLLER ? `CONTROLLER:${a.maxLen}` : PORT_NAMES[a.port] ?? `output:${a.port}`;
    case "group":
      return `group:${a.groupId}`;
    case "set_queue":
      return `set_queue:${a.queueId}`;
    case "enqueue":
      return `enqueue:${formatPort(a.port)}:${a.queueId}`;
    case "set_field":
      return `set_field:${setFieldValue(a.field, a.value)}->${SET_FIELD_NAMES[a.field] ?? OxmField[a.field].toLowerCase()}`;
    case "set_vlan_vid":
      return `mod_vlan_vid:${a.vid}`;
    case "set_vlan_pcp":
      return `mod_vlan_pcp:${a.pcp}`;
    case "push_vlan":
      return `push_vlan:0x${a.ethertype.toString(16)}`;
    case "pop_vlan":
      return "pop_vlan";
    case "dec_nw_ttl":
      return "dec_ttl";
    case "set_nw_ttl":
      return `mod_nw_ttl:${a.ttl}`;
    case "copy_ttl_out":
      return "copy_ttl_out";
    case "copy_ttl_in":
      return "copy_ttl_in";
    case "push_mpls":
      return `push_mpls:0x${a.ethertype.toString(16).padStart(4, "0")}`;
    case "pop_mpls":
      return `pop_mpls:0x${a.ethertype.toString(16).padStart(4, "0")}`;
    case "set_mpls_ttl":
      return `set_mpls_ttl(${a.ttl})`;
    case "dec_mpls_ttl":
      return "dec_mpls_ttl";
    case "experimenter":
      return `experimenter(0x${a.experimenter.toString(16)},${a.body.length}bytes)`;
  }
}

/** The instructions as ovs-ofctl's "actions=" value, without the "actions=" prefix ("drop" when empty). */
export function formatInstructions(ins: Instructions): string {
  const parts: string[] = [];
  if (ins.meterId !== undefined) parts.push(`meter:${ins.meterId}`);
  parts.push(...ins.applyActions.map(formatAction));
  if (ins.clearActions) parts.push("clear_actions");
  if (ins.writeActions !== undefined) parts.push(`write_actions(${ins.writeActions.map(formatAction).join(",")})`);
  if (ins.writeMetadata !== undefined) {
    const { value, mask } = ins.writeMetadata;
    parts.push(mask === 0xffffffffffffffffn ? `write_metadata:${hex(value)}` : `write_metadata:${hex(value)}/${hex(mask)}`);
  }
  if (ins.gotoTable !== undefined) parts.push(`goto_table:${ins.gotoTable}`);
  return parts.length === 0 ? "drop" : parts.join(",");
}

/** "actions=..." for an action list. */
export function formatActions(actions: readonly Action[]): string {
  return `actions=${actions.length === 0 ? "drop" : actions.map(formatAction).join(",")}`;
}

/** One flow as ovs-ofctl dump-flows prints it (a flow-stats entry has this shape). */
export interface FlowView {
  readonly cookie: bigint;
  readonly tableId: number;
  readonly priority: number;
  readonly match: Match;
  readonly instructions: Instructions;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly durationSec?: number;
  readonly durationNsec?: number;
  readonly packetCount?: bigint;
  readonly byteCount?: bigint;
  /** OFPFF_* bits (OpenFlow 1.3 meanings). */
  readonly flags?: number;
  /** Seconds since the flow last matched (NXST_FLOW's idle_age). */
  readonly idleAge?: number;
  /** Seconds since the flow was last modified (NXST_FLOW's hard_age, printed only when it differs from the duration). */
  readonly hardAge?: number;
}

const FLAG_NAMES: readonly [number, string][] = [
  [1 << 0, "send_flow_rem"],
  [1 << 1, "check_overlap"],
  [1 << 2, "reset_counts"],
  [1 << 3, "no_packet_counts"],
  [1 << 4, "no_byte_counts"],
];

/**
 * A dump-flows line as ovs-ofctl prints it:
 * " cookie=0x0, duration=1.5s, table=0, n_packets=0, n_bytes=0, idle_timeout=10, send_flow_rem priority=7,in_port=1 actions=output:2".
 */
export function formatFlow(f: FlowView): string {
  const head: string[] = [`cookie=${hex(f.cookie)}`];
  if (f.durationSec !== undefined) head.push(`duration=${formatDuration(f.durationSec, f.durationNsec ?? 0)}s`);
  head.push(`table=${f.tableId}`);
  if (f.packetCount !== undefined) head.push(`n_packets=${f.packetCount}`);
  if (f.byteCount !== undefined) head.push(`n_bytes=${f.byteCount}`);
  if (f.idleTimeout) head.push(`idle_timeout=${f.idleTimeout}`);
  if (f.hardTimeout) head.push(`hard_timeout=${f.hardTimeout}`);
  if (f.idleAge !== undefined) head.push(`idle_age=${f.idleAge}`);
  if (f.hardAge !== undefined && f.durationSec !== undefined && f.hardAge < f.durationSec) head.push(`hard_age=${f.hardAge}`);
  const flags = FLAG_NAMES.filter(([bit]) => ((f.flags ?? 0) & bit) !== 0).map(([, name]) => name);
  const match = formatMatch(f.match, f.priority);
  const tail = [...flags, ...(match === "" ? [] : [match]), `actions=${formatInstructions(f.instructions)}`];
  return ` ${head.join(", ")}, ${tail.join(" ")}`;
}

/** Seconds with milliseconds, as dump-flows prints durations ("0.025"). */
function formatDuration(sec: number, nsec: number): string {
  return `${sec}.${String(Math.floor(nsec / 1_000_000)).padStart(3, "0")}`;
}

// The packet pipeline model of p4/ofp4.p4: implements `Pipeline` from ../forwarding.ts by
// doing, step for step, what the P4 program does on bmv2 (parser, OpenFlow tables 0..3 with
// their actions, the traffic manager's unicast/multicast/drop, egress pruning and packet_in,
// the OpenFlow port config (ingress drop, egress drop, no packet-in), checksum update, deparser). Counters count the frame's ingress length, as bmv2 does.
// Pure apart from the ForwardingState calls; never keeps state between frames.

import type { ForwardingState, Pipeline, PipelineOutput, TableHit } from "../forwarding.js";
import { csum16, packFields } from "./checksum.js";
import {
  ARP, ETHERNET, Header, ICMP, IPV4, IPV6, PACKET_IN, PACKET_OUT, TCP, UDP, VLAN_TAG,
} from "./headers.js";
import {
  ACTION, COUNTER, CPU_PORT, DROP_PORT, ETHERTYPE, type KeyField, OUT_KIND, PORT_CONFIG, PROTO, REASON,
  SET, TABLE_DONE, TABLES, VLAN_OP,
} from "./program.js";

/** The header instances of one packet (struct headers_t). */
class Packet {
  readonly packet_in = new Header(PACKET_IN);
  readonly packet_out = new Header(PACKET_OUT);
  readonly ethernet = new Header(ETHERNET);
  readonly outer_vlan = new Header(VLAN_TAG);
  readonly vlan = new Header(VLAN_TAG);
  readonly arp = new Header(ARP);
  readonly ipv4 = new Header(IPV4);
  readonly ipv6 = new Header(IPV6);
  readonly tcp = new Header(TCP);
  readonly udp = new Header(UDP);
  readonly icmp = new Header(ICMP);
  /** Where the unparsed payload starts in the received frame. */
  payloadOffset = 0;
}

/** The fields of meta.act: the parameters of the action that ran. */
interface FlowAction {
  vlanOp: number;
  setFields: number;
  ethDst: bigint;
  ethSrc: bigint;
  vlanVid: bigint;
  vlanPcp: bigint;
  ipv4Src: bigint;
  ipv4Dst: bigint;
  ipDscp: bigint;
  l4Src: bigint;
  l4Dst: bigint;
  outKind: number;
  outPort: number;
  mcastGrp: number;
  gotoTable: number;
  metaValue: bigint;
  metaMask: bigint;
  reason: bigint;
}

/** metadata_t plus the standard_metadata fields the program uses. */
interface Meta {
  readonly key: Map<KeyField, bigint>;
  inPort: bigint;
  metadata: bigint;
  curTable: number;
  nextTable: number;
  piReason: bigint;
  piTable: bigint;
  allowInPort: boolean;
  ipDirty: boolean;
  l4Dirty: boolean;
  l4Len: bigint;
  egressSpec: number;
  mcastGrp: number;
}

const U64 = (1n << 64n) - 1n;

/** The parser (ofp4_parser): stops where an extract would run past the frame, as bmv2 does. */
function parse(frame: Uint8Array, ingressPort: number): Packet {
  const p = new Packet();
  let off = 0;
  const take = (h: Header<string>): boolean => {
    if (!h.extract(frame, off)) return false;
    off += h.layout.bytes;
    return true;
  };
  const done = (): Packet => {
    p.payloadOffset = off;
    return p;
  };
  if (ingressPort === CPU_PORT && !take(p.packet_out)) return done();
  if (!take(p.ethernet)) return done();
  let etherType = p.ethernet.get("ether_type");
  if (etherType === ETHERTYPE.VLAN) {
    if (!take(p.vlan)) return done();
    etherType = p.vlan.get("ether_type");
  }
  if (etherType === ETHERTYPE.ARP) {
    take(p.arp);
  } else if (etherType === ETHERTYPE.IPV4) {
    if (!take(p.ipv4)) return done();
    if (p.ipv4.get("ihl") === 5n && p.ipv4.get("frag_offset") === 0n) {
      const proto = p.ipv4.get("protocol");
      if (proto === PROTO.TCP) take(p.tcp);
      else if (proto === PROTO.UDP) take(p.udp);
      else if (proto === PROTO.ICMP) take(p.icmp);
    }
  } else if (etherType === ETHERTYPE.IPV6) {
    if (!take(p.ipv6)) return done();
    const next = p.ipv6.get("next_hdr");
    if (next === PROTO.TCP) take(p.tcp);
    else if (next === PROTO.UDP) take(p.udp);
    else if (next === PROTO.ICMPV6) take(p.icmp);
  }
  return done();
}

/** build_key(): the table key from the headers as they are now. */
function buildKey(p: Packet, m: Meta): void {
  const k = m.key;
  k.set("in_port", m.inPort);
  k.set("eth_dst", p.ethernet.get("dst_addr"));
  k.set("eth_src", p.ethernet.get("src_addr"));
  k.set("eth_type", p.ethernet.get("ether_type"));
  k.set("vlan_vid", 0n);
  k.set("vlan_pcp", 0n);
  if (p.vlan.valid) {
    k.set("eth_type", p.vlan.get("ether_type"));
    k.set("vlan_vid", 0x1000n | p.vlan.get("vid"));
    k.set("vlan_pcp", p.vlan.get("pcp"));
  }
  if (p.outer_vlan.valid) {
    k.set("vlan_vid", 0x1000n | p.outer_vlan.get("vid"));
    k.set("vlan_pcp", p.outer_vlan.get("pcp"));
  }
  k.set("ip_dscp", 0n);
  k.set("ip_ecn", 0n);
  k.set("ip_proto", 0n);
  k.set("ipv4_src", 0n);
  k.set("ipv4_dst", 0n);
  k.set("ipv6_src", 0n);
  k.set("ipv6_dst", 0n);
  if (p.ipv4.valid) {
    k.set("ip_dscp", p.ipv4.get("dscp"));
    k.set("ip_ecn", p.ipv4.get("ecn"));
    k.set("ip_proto", p.ipv4.get("protocol"));
    k.set("ipv4_src", p.ipv4.get("src_addr"));
    k.set("ipv4_dst", p.ipv4.get("dst_addr"));
  }
  if (p.ipv6.valid) {
    k.set("ip_dscp", p.ipv6.get("dscp"));
    k.set("ip_ecn", p.ipv6.get("ecn"));
    k.set("ip_proto", p.ipv6.get("next_hdr"));
    k.set("ipv6_src", p.ipv6.get("src_addr"));
    k.set("ipv6_dst", p.ipv6.get("dst_addr"));
  }
  k.set("l4_src", 0n);
  k.set("l4_dst", 0n);
  if (p.tcp.valid) {
    k.set("l4_src", p.tcp.get("src_port"));
    k.set("l4_dst", p.tcp.get("dst_port"));
  }
  if (p.udp.valid) {
    k.set("l4_src", p.udp.get("src_port"));
    k.set("l4_dst", p.udp.get("dst_port"));
  }
  k.set("icmp_type", p.icmp.valid ? p.icmp.get("type") : 0n);
  k.set("icmp_code", p.icmp.valid ? p.icmp.get("code") : 0n);
  k.set("arp_op", p.arp.valid ? p.arp.get("oper") : 0n);
  k.set("arp_spa", p.arp.valid ? p.arp.get("spa") : 0n);
  k.set("arp_tpa", p.arp.valid ? p.arp.get("tpa") : 0n);
  k.set("metadata", m.metadata);
}

/** clear_act() followed by the action the table ran, as meta.act. */
function actionOf(hit: TableHit, curTable: number): FlowAction {
  const a: FlowAction = {
    vlanOp: VLAN_OP.NONE, setFields: 0, ethDst: 0n, ethSrc: 0n, vlanVid: 0n, vlanPcp: 0n,
    ipv4Src: 0n, ipv4Dst: 0n, ipDscp: 0n, l4Src: 0n, l4Dst: 0n, outKind: OUT_KIND.DROP,
    outPort: 0, mcastGrp: 0, gotoTable: 0, metaValue: 0n, metaMask: 0n, reason: 0n,
  };
  switch (hit.action) {
    case ACTION.FLOW: {
      const p = (name: string): bigint => hit.params.get(name) ?? 0n;
      a.vlanOp = Number(p("vlan_op") & 0x3n);
      a.setFields = Number(p("set_fields") & 0xffffn);
      a.ethDst = p("eth_dst");
      a.ethSrc = p("eth_src");
      a.vlanVid = p("vlan_vid");
      a.vlanPcp = p("vlan_pcp");
      a.ipv4Src = p("ipv4_src");
      a.ipv4Dst = p("ipv4_dst");
      a.ipDscp = p("ip_dscp");
      a.l4Src = p("l4_src");
      a.l4Dst = p("l4_dst");
      a.outKind = Number(p("out_kind") & 0xffn);
      a.outPort = Number(p("out_port") & 0xffffn);
      a.mcastGrp = Number(p("mcast_grp") & 0xffffn);
      a.gotoTable = Number(p("goto_table") & 0xffn);
      a.metaValue = p("meta_value") & U64;
      a.metaMask = p("meta_mask") & U64;
      a.reason = REASON.ACTION;
      break;
    }
    case ACTION.MISS_TO_CONTROLLER:
      a.outKind = OUT_KIND.CONTROLLER;
      a.reason = REASON.NO_MATCH;
      break;
    case ACTION.MISS_NEXT_TABLE:
      a.outKind = OUT_KIND.GOTO;
      a.gotoTable = (curTable + 1) & 0xff;
      break;
    default: // ACTION.DROP
      break;
  }
  return a;
}

function markToDrop(m: Meta): void {
  m.egressSpec = DROP_PORT;
  m.mcastGrp = 0;
}

/** apply_flow(): VLAN pop/push, TTL, set-fields, metadata write, output. */
function applyFlow(p: Packet, m: Meta, a: FlowAction): void {
  let drop = false;
  if (a.vlanOp === VLAN_OP.POP) {
    if (p.outer_vlan.valid) {
      p.outer_vlan.setInvalid();
    } else if (p.vlan.valid) {
      p.ethernet.set("ether_type", p.vlan.get("ether_type"));
      p.vlan.setInvalid();
    }
  } else if (a.vlanOp === VLAN_OP.PUSH || (a.vlanOp === VLAN_OP.PUSH_IF_ABSENT && !p.vlan.valid)) {
    if (p.outer_vlan.valid) {
      drop = true;
    } else if (p.vlan.valid) {
      p.outer_vlan.setValid();
      p.outer_vlan.set("pcp", p.vlan.get("pcp"));
      p.outer_vlan.set("dei", 0n);
      p.outer_vlan.set("vid", p.vlan.get("vid"));
      p.outer_vlan.set("ether_type", ETHERTYPE.VLAN);
    } else {
      p.vlan.setValid();
      p.vlan.set("pcp", 0n);
      p.vlan.set("dei", 0n);
      p.vlan.set("vid", 0n);
      p.vlan.set("ether_type", p.ethernet.get("ether_type"));
      p.ethernet.set("ether_type", ETHERTYPE.VLAN);
    }
  }
  const on = (bit: number): boolean => (a.setFields & bit) !== 0;
  if (on(SET.DEC_TTL)) {
    if (p.ipv4.valid) {
      if (p.ipv4.get("ttl") <= 1n) {
        drop = true;
      } else {
        p.ipv4.set("ttl", p.ipv4.get("ttl") - 1n);
        m.ipDirty = true;
      }
    } else if (p.ipv6.valid) {
      if (p.ipv6.get("hop_limit") <= 1n) drop = true;
      else p.ipv6.set("hop_limit", p.ipv6.get("hop_limit") - 1n);
    }
  }
  if (on(SET.ETH_DST)) p.ethernet.set("dst_addr", a.ethDst);
  if (on(SET.ETH_SRC)) p.ethernet.set("src_addr", a.ethSrc);
  const outermost = p.outer_vlan.valid ? p.outer_vlan : p.vlan.valid ? p.vlan : undefined;
  if (on(SET.VLAN_VID) && outermost !== undefined) outermost.set("vid", a.vlanVid);
  if (on(SET.VLAN_PCP) && outermost !== undefined) outermost.set("pcp", a.vlanPcp);
  if (p.ipv4.valid) {
    if (on(SET.IPV4_SRC)) {
      p.ipv4.set("src_addr", a.ipv4Src);
      m.ipDirty = m.l4Dirty = true;
    }
    if (on(SET.IPV4_DST)) {
      p.ipv4.set("dst_addr", a.ipv4Dst);
      m.ipDirty = m.l4Dirty = true;
    }
    if (on(SET.IP_DSCP)) {
      p.ipv4.set("dscp", a.ipDscp);
      m.ipDirty = true;
    }
  }
  if (p.ipv6.valid && on(SET.IP_DSCP)) p.ipv6.set("dscp", a.ipDscp);
  for (const l4 of [p.tcp, p.udp] as const) {
    if (!l4.valid) continue;
    if (on(SET.L4_SRC)) {
      l4.set("src_port", a.l4Src);
      m.l4Dirty = true;
    }
    if (on(SET.L4_DST)) {
      l4.set("dst_port", a.l4Dst);
      m.l4Dirty = true;
    }
  }
  m.metadata = ((m.metadata & ~a.metaMask) | (a.metaValue & a.metaMask)) & U64;
  m.nextTable = TABLE_DONE;
  if (drop || a.outKind === OUT_KIND.DROP) {
    markToDrop(m);
  } else if (a.outKind === OUT_KIND.PORT) {
    m.egressSpec = a.outPort & 0x1ff;
  } else if (a.outKind === OUT_KIND.IN_PORT) {
    m.egressSpec = Number(m.inPort) & 0x1ff;
    m.allowInPort = true;
  } else if (a.outKind === OUT_KIND.GROUP) {
    m.mcastGrp = a.mcastGrp;
    m.piReason = a.reason;
    m.piTable = BigInt(m.curTable);
  } else if (a.outKind === OUT_KIND.CONTROLLER) {
    m.egressSpec = CPU_PORT;
    m.piReason = a.reason;
    m.piTable = BigInt(m.curTable);
  } else if (a.outKind === OUT_KIND.GOTO) {
    m.nextTable = a.gotoTable;
  } else {
    markToDrop(m);
  }
}

/** ofp4_compute_checksum: the IPv4 header checksum and the TCP/UDP checksums when due. */
function computeChecksums(p: Packet, m: Meta, frame: Uint8Array): void {
  const ip4 = p.ipv4;
  const ip6 = p.ipv6;
  if (ip4.valid && ip4.get("ihl") === 5n && m.ipDirty) {
    const head = packFields([
      [ip4.get("version"), 4], [ip4.get("ihl"), 4], [ip4.get("dscp"), 6], [ip4.get("ecn"), 2],
      [ip4.get("total_len"), 16], [ip4.get("identification"), 16], [ip4.get("flags"), 3],
      [ip4.get("frag_offset"), 13], [ip4.get("ttl"), 8], [ip4.get("protocol"), 8],
      [ip4.get("src_addr"), 32], [ip4.get("dst_addr"), 32],
    ]);
    ip4.set("hdr_checksum", csum16(head));
  }
  if (!m.l4Dirty) return;
  const pseudo = (): (readonly [bigint, number])[] =>
    ip4.valid
      ? [[ip4.get("src_addr"), 32], [ip4.get("dst_addr"), 32], [0n, 8], [ip4.get("protocol"), 8], [m.l4Len, 16]]
      : [[ip6.get("src_addr"), 128], [ip6.get("dst_addr"), 128], [0n, 16], [m.l4Len, 16], [0n, 24], [ip6.get("next_hdr"), 8]];
  if (p.tcp.valid && (ip4.valid || ip6.valid)) {
    const t = p.tcp;
    const head = packFields([
      ...pseudo(),
      [t.get("src_port"), 16], [t.get("dst_port"), 16], [t.get("seq_no"), 32], [t.get("ack_no"), 32],
      [t.get("data_offset"), 4], [t.get("res"), 4], [t.get("flags"), 8], [t.get("window"), 16],
      [t.get("urgent_ptr"), 16],
    ]);
    t.set("checksum", csum16(head, frame, p.payloadOffset));
  }
  if (p.udp.valid && ((ip4.valid && p.udp.get("checksum") !== 0n) || ip6.valid)) {
    const u = p.udp;
    const head = packFields([
      ...pseudo(),
      [u.get("src_port"), 16], [u.get("dst_port"), 16], [u.get("length"), 16],
    ]);
    u.set("checksum", csum16(head, frame, p.payloadOffset));
  }
}

/** ofp4_deparser: the valid headers in order, then the unparsed payload. */
function deparse(p: Packet, frame: Uint8Array): Uint8Array {
  const order = [p.packet_in, p.ethernet, p.outer_vlan, p.vlan, p.arp, p.ipv4, p.ipv6, p.tcp, p.udp, p.icmp];
  let size = frame.length - p.payloadOffset;
  for (const h of order) if (h.valid) size += h.layout.bytes;
  const out = new Uint8Array(size);
  let off = 0;
  for (const h of order) if (h.valid) off = h.emitInto(out, off);
  out.set(frame.subarray(p.payloadOffset), off);
  return out;
}

/** Applies a port_config table to a port: which of its 1-bit flags are set (the action's params). */
function portConfig(state: ForwardingState, table: string, action: string, port: number, bytes: number): (flag: string) => boolean {
  const hit = state.applyTable(table, new Map([[PORT_CONFIG.KEY, BigInt(port & 0x1ff)]]), bytes);
  if (hit.action !== action) return () => false;
  return (flag) => ((hit.params.get(flag) ?? 0n) & 1n) === 1n;
}

/** Moves one frame through ofp4.p4. */
export const ofp4Pipeline: Pipeline = (state: ForwardingState, inPort: number, frame: Uint8Array): PipelineOutput[] => {
  const bytes = frame.length; // bmv2 counters count the ingress length
  state.countIndirect(COUNTER.PORT_RX, inPort, bytes);
  const p = parse(frame, inPort);
  // ingress.port_config on the 9-bit ingress port: PORT_DOWN or NO_RECV drop the frame (exit).
  const rx = portConfig(state, PORT_CONFIG.IN.table, ACTION.SET_PORT_CONFIG_IN, inPort, bytes);
  if (rx("port_down") || rx("no_recv")) return [];
  const noPacketIn = rx("no_packet_in");
  const m: Meta = {
    key: new Map(),
    inPort: BigInt(inPort & 0xffff),
    metadata: 0n,
    curTable: 0,
    nextTable: 0,
    piReason: 0n,
    piTable: 0n,
    allowInPort: false,
    ipDirty: false,
    l4Dirty: false,
    l4Len: 0n,
    egressSpec: DROP_PORT,
    mcastGrp: 0,
  };
  if (p.packet_out.valid) {
    const po = p.packet_out;
    m.inPort = po.get("in_port");
    m.nextTable = TABLE_DONE;
    if (po.get("run_pipeline") !== 0n) {
      m.nextTable = 0;
    } else if (po.get("mcast_grp") !== 0n) {
      m.mcastGrp = Number(po.get("mcast_grp"));
    } else {
      m.egressSpec = Number(po.get("egress_port")) & 0x1ff;
      m.allowInPort = true;
    }
    po.setInvalid();
  }
  for (let t = 0; t < TABLES.length; t++) {
    if (m.nextTable !== t) continue;
    buildKey(p, m);
    m.curTable = t;
    const hit = state.applyTable(TABLES[t] as string, m.key, bytes);
    applyFlow(p, m, actionOf(hit, t));
  }
  if (m.nextTable !== TABLE_DONE) markToDrop(m);
  if (p.udp.valid) m.l4Len = p.udp.get("length");
  else if (p.ipv4.valid) m.l4Len = (p.ipv4.get("total_len") - 20n) & 0xffffn;
  else if (p.ipv6.valid) m.l4Len = p.ipv6.get("payload_len");

  // Traffic manager: multicast wins over egress_spec; a missing group replicates to nobody.
  let replicas: readonly { readonly port: number; readonly instance: number }[];
  if (m.mcastGrp !== 0) replicas = state.multicastGroup(m.mcastGrp) ?? [];
  else if (m.egressSpec !== DROP_PORT) replicas = [{ port: m.egressSpec, instance: 0 }];
  else return [];

  // Egress does not touch checksummed fields, so one deparsed frame serves every replica.
  computeChecksums(p, m, frame);
  let base: Uint8Array | undefined;
  const outputs: PipelineOutput[] = [];
  for (const r of replicas) {
    const port = r.port & 0x1ff;
    if (port === CPU_PORT) {
      if (noPacketIn) continue;
    } else {
      const tx = portConfig(state, PORT_CONFIG.OUT.table, ACTION.SET_PORT_CONFIG_OUT, port, bytes);
      if (tx("port_down") || tx("no_fwd")) continue;
      if (BigInt(port) === m.inPort && !m.allowInPort && r.instance !== 1) continue;
    }
    state.countIndirect(COUNTER.PORT_TX, port, bytes);
    base ??= deparse(p, frame);
    if (port === CPU_PORT) {
      const pi = p.packet_in;
      pi.set("ingress_port", m.inPort);
      pi.set("reason", m.piReason);
      pi.set("table_id", m.piTable);
      pi.set("metadata", m.metadata);
      const out = new Uint8Array(PACKET_IN.bytes + base.length);
      pi.emitInto(out, 0);
      out.set(base, PACKET_IN.bytes);
      outputs.push({ port, frame: out });
    } else {
      outputs.push({ port, frame: base.slice() });
    }
  }
  return outputs;
};

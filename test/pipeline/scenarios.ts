// Scenarios for differential runs of the ofp4.p4 model against real bmv2: table entries,
// default actions, multicast groups, then frames in (on a port, or as a packet-out from the
// controller). Each target's outputs are compared, never predicted here.
import { ACTION, OUT_KIND, PORT_CONFIG, SET, TABLES, VLAN_OP } from "../../targets/sim/pipeline/program.js";
import { ethernet, ip4, ip4n, ipv4, ipv6, mac, tcp4, tcpFrame, udp4, vlanTag } from "./frames.js";

export interface ScenarioEntry {
  readonly table: string;
  readonly priority: number;
  readonly match: Readonly<Record<string, readonly [bigint, bigint]>>;
  readonly action: string;
  readonly params?: Readonly<Record<string, bigint>>;
}

export interface PacketOutHeader {
  readonly egressPort: number;
  readonly mcastGrp: number;
  readonly inPort: number;
  readonly runPipeline: number;
}

export interface ScenarioFrame {
  /** Ingress port, or "controller" for a packet-out. */
  readonly port: number | "controller";
  readonly frame: Uint8Array;
  readonly packetOut?: PacketOutHeader;
}

export interface Scenario {
  readonly name: string;
  readonly entries: readonly ScenarioEntry[];
  readonly defaults?: readonly { readonly table: string; readonly action: string }[];
  readonly groups?: readonly { readonly id: number; readonly replicas: readonly { readonly port: number; readonly instance: number }[] }[];
  readonly frames: readonly ScenarioFrame[];
}

const [T0, T1, T2, T3] = TABLES as unknown as [string, string, string, string];
const ALL = (w: number): bigint => (1n << BigInt(w)) - 1n;
const exact = (v: bigint | number, w: number): readonly [bigint, bigint] => [BigInt(v), ALL(w)];
const flow = (p: Record<string, bigint | number>): Record<string, bigint> =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, BigInt(v)]));
const toPort = (port: number, extra: Record<string, bigint | number> = {}): Record<string, bigint> =>
  flow({ out_kind: OUT_KIND.PORT, out_port: port, ...extra });

const tcp = tcpFrame({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80 });
const tcpTagged = tcpFrame({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80, vlan: [3, 42] });

function udpFrame(zero: boolean): Uint8Array {
  const u = udp4("1.2.3.4", "5.6.7.8", 53, 54, [1, 2, 3], zero);
  return Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.2.3.4", dst: "5.6.7.8", proto: 17 }, u.length), ...u]);
}

function udp6Frame(): Uint8Array {
  const src = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
  const dst = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 2];
  const payload = [9, 8, 7];
  const u = [0, 53, 0, 54, 0, 8 + payload.length, 0x12, 0x34, ...payload];
  return Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86dd), ...ipv6(src, dst, 17, u.length, 8), ...u]);
}

function ipv4WithOptions(): Uint8Array {
  const seg = tcp4("10.0.0.1", "10.0.0.2", 1, 2, [1]);
  const h = [0x46, 0, 0, 24 + seg.length, 0, 1, 0, 0, 64, 6, 0, 0, ...ip4("10.0.0.1"), ...ip4("10.0.0.2"), 1, 1, 1, 0];
  return Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...h, ...seg]);
}

const arp = Uint8Array.from([
  ...ethernet("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", 0x0806),
  0, 1, 8, 0, 6, 4, 0, 1, ...mac("02:00:00:00:00:01"), ...ip4("192.168.0.1"), 0, 0, 0, 0, 0, 0, ...ip4("192.168.0.2"),
]);
const doubleTagged = Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x8100), ...vlanTag(1, 10, 0x8100), ...vlanTag(2, 20, 0x0800), ...tcp.subarray(14)]);

/** An entry of a port-config table (exact on the port, priority 0): the flags given are 1. */
const portConfig = (side: typeof PORT_CONFIG.IN | typeof PORT_CONFIG.OUT, port: number, flags: readonly string[]): ScenarioEntry => ({
  table: side.table,
  priority: 0,
  match: { port: exact(port, 9) },
  action: side.action,
  params: Object.fromEntries(side.params.map((n) => [n, flags.includes(n) ? 1n : 0n])),
});

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "forward by in_port and eth_type; priority; egress pruning; IN_PORT",
    entries: [
      { table: T0, priority: 10, match: { in_port: exact(1, 16), eth_type: exact(0x0800, 16) }, action: ACTION.FLOW, params: toPort(2) },
      { table: T0, priority: 20, match: { ipv4_dst: exact(ip4n("10.0.0.9"), 32) }, action: ACTION.FLOW, params: toPort(3) },
      { table: T0, priority: 5, match: { in_port: exact(2, 16) }, action: ACTION.FLOW, params: toPort(2) },
      { table: T0, priority: 5, match: { in_port: exact(3, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.IN_PORT }) },
    ],
    frames: [
      { port: 1, frame: tcp },
      { port: 1, frame: tcpFrame({ src: "10.0.0.1", dst: "10.0.0.9", sport: 1, dport: 2 }) },
      { port: 2, frame: tcp },
      { port: 3, frame: tcp },
      { port: 4, frame: tcp },
    ],
  },
  {
    name: "set-fields with checksums (TCP, UDP, UDP without checksum, UDP over IPv6, IPv4 options), dec TTL",
    entries: [
      {
        table: T0, priority: 1, match: { ip_proto: exact(6, 8), ip_ecn: exact(0, 2) }, action: ACTION.FLOW,
        params: toPort(2, {
          set_fields: SET.ETH_DST | SET.ETH_SRC | SET.IPV4_SRC | SET.IPV4_DST | SET.IP_DSCP | SET.L4_SRC | SET.L4_DST | SET.DEC_TTL,
          eth_dst: 0x0200000000aan, eth_src: 0x0200000000bbn, ipv4_src: ip4n("192.0.2.1"), ipv4_dst: ip4n("198.51.100.7"),
          ip_dscp: 10, l4_src: 40000, l4_dst: 8080,
        }),
      },
      { table: T0, priority: 1, match: { ip_proto: exact(17, 8) }, action: ACTION.FLOW, params: toPort(3, { set_fields: SET.L4_DST | SET.IP_DSCP | SET.DEC_TTL, l4_dst: 9999, ip_dscp: 3 }) },
      { table: T0, priority: 2, match: { in_port: exact(9, 16) }, action: ACTION.FLOW, params: toPort(4, { set_fields: SET.IPV4_SRC, ipv4_src: ip4n("7.7.7.7") }) },
    ],
    frames: [
      { port: 1, frame: tcp },
      { port: 1, frame: tcpFrame({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2, ttl: 1 }) },
      { port: 1, frame: udpFrame(false) },
      { port: 1, frame: udpFrame(true) },
      { port: 1, frame: udp6Frame() },
      { port: 9, frame: ipv4WithOptions() },
    ],
  },
  {
    name: "VLAN push, pop, QinQ push, push-if-absent; keys after VLAN changes",
    entries: [
      { table: T0, priority: 1, match: { in_port: exact(1, 16) }, action: ACTION.FLOW, params: toPort(2, { vlan_op: VLAN_OP.PUSH, set_fields: SET.VLAN_VID | SET.VLAN_PCP, vlan_vid: 10, vlan_pcp: 6 }) },
      { table: T0, priority: 1, match: { in_port: exact(2, 16) }, action: ACTION.FLOW, params: toPort(3, { vlan_op: VLAN_OP.POP }) },
      { table: T0, priority: 1, match: { in_port: exact(3, 16) }, action: ACTION.FLOW, params: flow({ vlan_op: VLAN_OP.PUSH, set_fields: SET.VLAN_VID, vlan_vid: 7, out_kind: OUT_KIND.GOTO, goto_table: 1 }) },
      { table: T1, priority: 1, match: { vlan_vid: exact(0x1000 | 7, 13), vlan_pcp: exact(3, 3) }, action: ACTION.FLOW, params: toPort(4) },
      { table: T0, priority: 1, match: { in_port: exact(4, 16) }, action: ACTION.FLOW, params: toPort(5, { vlan_op: VLAN_OP.PUSH_IF_ABSENT, set_fields: SET.VLAN_VID, vlan_vid: 99 }) },
      { table: T0, priority: 1, match: { in_port: exact(5, 16) }, action: ACTION.FLOW, params: toPort(6, { vlan_op: VLAN_OP.PUSH, set_fields: SET.VLAN_VID, vlan_vid: 5 }) },
    ],
    frames: [
      { port: 1, frame: tcp },
      { port: 1, frame: tcpTagged },
      { port: 2, frame: tcpTagged },
      { port: 2, frame: tcp },
      { port: 3, frame: tcpTagged },
      { port: 4, frame: tcpTagged },
      { port: 4, frame: tcp },
      { port: 5, frame: doubleTagged },
    ],
  },
  {
    name: "multicast: pruning, instance 1, CPU replica, missing group",
    groups: [
      { id: 5, replicas: [{ port: 1, instance: 0 }, { port: 2, instance: 0 }, { port: 3, instance: 0 }] },
      { id: 6, replicas: [{ port: 1, instance: 1 }, { port: 2, instance: 0 }] },
      { id: 9, replicas: [{ port: 2, instance: 0 }, { port: 255, instance: 0 }] },
    ],
    entries: [
      { table: T0, priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 5 }) },
      { table: T0, priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 6 }) },
      { table: T0, priority: 1, match: { l4_dst: exact(82, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 9, set_fields: SET.ETH_DST, eth_dst: 0x0200000000ccn }) },
      { table: T0, priority: 1, match: { l4_dst: exact(83, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 77 }) },
    ],
    frames: [80, 81, 82, 83].map((dport) => ({ port: 1, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport }) })),
  },
  {
    name: "packet-in: table-miss to controller, controller after goto with metadata, miss chain",
    defaults: [
      { table: T0, action: ACTION.MISS_NEXT_TABLE },
      { table: T1, action: ACTION.MISS_TO_CONTROLLER },
    ],
    entries: [
      { table: T0, priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 2, meta_value: 0x1122334455667788n, meta_mask: ALL(64) }) },
      { table: T2, priority: 1, match: { metadata: exact(0x1122334455667788n, 64) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.CONTROLLER }) },
      { table: T0, priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 3, meta_value: 0xabcdn, meta_mask: 0xff00n }) },
      { table: T3, priority: 1, match: { metadata: exact(0xab00n, 64) }, action: ACTION.MISS_TO_CONTROLLER },
    ],
    frames: [
      { port: 3, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 79 }) },
      { port: 4, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }) },
      { port: 5, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 81 }) },
      { port: 6, frame: arp },
    ],
  },
  {
    name: "packet-out: to a port, to a group, through the tables (OFPP_TABLE)",
    groups: [{ id: 1, replicas: [1, 2, 3].map((port) => ({ port, instance: 0 })) }],
    entries: [{ table: T0, priority: 1, match: { in_port: exact(4, 16) }, action: ACTION.FLOW, params: toPort(6) }],
    frames: [
      { port: "controller", frame: tcp, packetOut: { egressPort: 3, mcastGrp: 0, inPort: 0, runPipeline: 0 } },
      { port: "controller", frame: tcp, packetOut: { egressPort: 3, mcastGrp: 0, inPort: 3, runPipeline: 0 } },
      { port: "controller", frame: tcp, packetOut: { egressPort: 0, mcastGrp: 1, inPort: 2, runPipeline: 0 } },
      { port: "controller", frame: tcp, packetOut: { egressPort: 0, mcastGrp: 0, inPort: 4, runPipeline: 1 } },
    ],
  },
  {
    name: "parser edges: truncated L4, non-first fragment, short frame, ICMP, ARP",
    entries: [
      { table: T0, priority: 3, match: { l4_src: exact(0, 16), ip_proto: exact(6, 8) }, action: ACTION.FLOW, params: toPort(2, { set_fields: SET.L4_SRC | SET.IPV4_DST, l4_src: 5, ipv4_dst: 1 }) },
      { table: T0, priority: 2, match: { arp_op: exact(1, 16), arp_tpa: exact(ip4n("192.168.0.2"), 32) }, action: ACTION.FLOW, params: toPort(3) },
      { table: T0, priority: 1, match: {}, action: ACTION.FLOW, params: toPort(4, { set_fields: SET.L4_DST | SET.ETH_SRC, l4_dst: 7, eth_src: 1 }) },
    ],
    frames: [
      { port: 1, frame: tcp.subarray(0, 14 + 20 + 10) },
      { port: 1, frame: tcp.subarray(0, 20) },
      { port: 1, frame: Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 17, fragOffset: 5 }, 12), ...udp4("1.1.1.1", "2.2.2.2", 1, 2, [1, 2, 3, 4])]) },
      { port: 1, frame: Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 1 }, 8), 8, 0, 0xf7, 0xff, 0, 0, 0, 0]) },
      { port: 1, frame: arp },
    ],
  },
  {
    name: "port config: PORT_DOWN / NO_RECV drop at ingress, NO_FWD / PORT_DOWN drop a copy, NO_PACKET_IN, packet-outs",
    groups: [{ id: 3, replicas: [1, 2, 3, 4, 5, 255].map((port) => ({ port, instance: 0 })) }],
    defaults: [{ table: T0, action: ACTION.MISS_TO_CONTROLLER }],
    entries: [
      portConfig(PORT_CONFIG.IN, 1, ["no_recv"]),
      portConfig(PORT_CONFIG.IN, 2, ["port_down"]),
      portConfig(PORT_CONFIG.IN, 6, ["no_packet_in"]),
      portConfig(PORT_CONFIG.IN, 7, []),
      portConfig(PORT_CONFIG.OUT, 3, ["no_fwd"]),
      portConfig(PORT_CONFIG.OUT, 4, ["port_down"]),
      portConfig(PORT_CONFIG.OUT, 5, []),
      portConfig(PORT_CONFIG.OUT, 255, ["no_fwd", "port_down"]),
      { table: T0, priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 3 }) },
      { table: T0, priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: toPort(3) },
      { table: T0, priority: 1, match: { l4_dst: exact(82, 16) }, action: ACTION.FLOW, params: toPort(5) },
    ],
    frames: [
      ...[1, 2, 6, 7, 8].map((port) => ({ port, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }) })),
      { port: 8, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 81 }) },
      { port: 8, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 82 }) },
      { port: 6, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 79 }) },
      { port: 7, frame: tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 79 }) },
      { port: "controller", frame: tcp, packetOut: { egressPort: 3, mcastGrp: 0, inPort: 0, runPipeline: 0 } },
      { port: "controller", frame: tcp, packetOut: { egressPort: 5, mcastGrp: 0, inPort: 1, runPipeline: 0 } },
      { port: "controller", frame: tcp, packetOut: { egressPort: 0, mcastGrp: 3, inPort: 2, runPipeline: 0 } },
    ],
  },
];

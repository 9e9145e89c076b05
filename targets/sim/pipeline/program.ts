// What the pipeline model assumes of p4/ofp4.p4's P4Info: table, key field, action, param,
// counter and controller-header names with their widths, and the program's constants (output
// kinds, VLAN operations, set-field bits, packet-in reasons, the port-config tables). test/pipeline checks every entry
// against p4/ofp4.p4info.txtpb so the model and the program cannot drift apart.

export const CPU_PORT = 255;
/** bmv2's default drop port for a 9-bit egress_spec (mark_to_drop). */
export const DROP_PORT = 511;
export const TABLE_DONE = 0xff;

export const ETHERTYPE = { VLAN: 0x8100n, ARP: 0x0806n, IPV4: 0x0800n, IPV6: 0x86ddn } as const;
export const PROTO = { ICMP: 1n, TCP: 6n, UDP: 17n, ICMPV6: 58n } as const;

/** OpenFlow packet-in reasons carried in packet_in.reason. */
export const REASON = { NO_MATCH: 0n, ACTION: 1n } as const;

/** Values of the flow action's out_kind param. */
export const OUT_KIND = { DROP: 0, PORT: 1, IN_PORT: 2, GROUP: 3, CONTROLLER: 4, GOTO: 5 } as const;

/** Values of the flow action's vlan_op param. */
export const VLAN_OP = { NONE: 0, PUSH: 1, POP: 2, PUSH_IF_ABSENT: 3 } as const;

/** Bits of the flow action's set_fields param. */
export const SET = {
  ETH_DST: 0x0001,
  ETH_SRC: 0x0002,
  VLAN_VID: 0x0004,
  VLAN_PCP: 0x0008,
  IPV4_SRC: 0x0010,
  IPV4_DST: 0x0020,
  IP_DSCP: 0x0040,
  L4_SRC: 0x0080,
  L4_DST: 0x0100,
  DEC_TTL: 0x0200,
} as const;

/** The P4 tables of OpenFlow tables 0..3, in order. */
export const TABLES = [
  "ingress.ofp_table_0",
  "ingress.ofp_table_1",
  "ingress.ofp_table_2",
  "ingress.ofp_table_3",
] as const;

export const TABLE_SIZES = [1_048_576, 65_536, 65_536, 65_536] as const;

/** The direct counter of each table, in TABLES order. */
export const DIRECT_COUNTERS = [
  "ingress.ofp_table_0_counter",
  "ingress.ofp_table_1_counter",
  "ingress.ofp_table_2_counter",
  "ingress.ofp_table_3_counter",
] as const;

/** The key of every OpenFlow table: all ternary, in P4Info order. */
export const KEY_FIELDS = [
  ["in_port", 16], ["eth_dst", 48], ["eth_src", 48], ["eth_type", 16], ["vlan_vid", 13],
  ["vlan_pcp", 3], ["ip_dscp", 6], ["ip_ecn", 2], ["ip_proto", 8], ["ipv4_src", 32],
  ["ipv4_dst", 32], ["ipv6_src", 128], ["ipv6_dst", 128], ["l4_src", 16], ["l4_dst", 16],
  ["icmp_type", 8], ["icmp_code", 8], ["arp_op", 16], ["arp_spa", 32], ["arp_tpa", 32],
  ["metadata", 64],
] as const;
export type KeyField = (typeof KEY_FIELDS)[number][0];

export const ACTION = {
  FLOW: "ingress.flow",
  DROP: "ingress.drop",
  MISS_TO_CONTROLLER: "ingress.miss_to_controller",
  MISS_NEXT_TABLE: "ingress.miss_next_table",
  SET_PORT_CONFIG_IN: "ingress.set_port_config",
  SET_PORT_CONFIG_OUT: "egress.set_port_config",
} as const;

/**
 * The OpenFlow port config tables: exact on the 9-bit port, one action each whose 1-bit params
 * are the flags that side enforces; the initial default action has every flag 0.
 */
export const PORT_CONFIG = {
  IN: { table: "ingress.port_config", action: ACTION.SET_PORT_CONFIG_IN, params: ["port_down", "no_recv", "no_packet_in"] },
  OUT: { table: "egress.port_config", action: ACTION.SET_PORT_CONFIG_OUT, params: ["port_down", "no_fwd"] },
  KEY: "port",
  KEY_WIDTH: 9,
  SIZE: 512,
} as const;

/** The params of ingress.flow, in P4Info order. */
export const FLOW_PARAMS = [
  ["vlan_op", 2], ["set_fields", 16], ["eth_dst", 48], ["eth_src", 48], ["vlan_vid", 12],
  ["vlan_pcp", 3], ["ipv4_src", 32], ["ipv4_dst", 32], ["ip_dscp", 6], ["l4_src", 16],
  ["l4_dst", 16], ["out_kind", 8], ["out_port", 16], ["mcast_grp", 16], ["goto_table", 8],
  ["meta_value", 64], ["meta_mask", 64],
] as const;
export type FlowParam = (typeof FLOW_PARAMS)[number][0];

/** The actions each table offers (the last table cannot continue on a miss). */
export const TABLE_ACTIONS: readonly (readonly string[])[] = [
  [ACTION.FLOW, ACTION.DROP, ACTION.MISS_TO_CONTROLLER, ACTION.MISS_NEXT_TABLE],
  [ACTION.FLOW, ACTION.DROP, ACTION.MISS_TO_CONTROLLER, ACTION.MISS_NEXT_TABLE],
  [ACTION.FLOW, ACTION.DROP, ACTION.MISS_TO_CONTROLLER, ACTION.MISS_NEXT_TABLE],
  [ACTION.FLOW, ACTION.DROP, ACTION.MISS_TO_CONTROLLER],
];

/** The initial default action of every table. */
export const INITIAL_DEFAULT_ACTION = ACTION.DROP;

export const COUNTER = { PORT_RX: "ingress.port_rx", PORT_TX: "egress.port_tx" } as const;
export const PORT_COUNTER_SIZE = 512;

/** Controller headers (P4Info controller_packet_metadata), fields in order. */
export const PACKET_IN_METADATA = [["ingress_port", 16], ["reason", 8], ["table_id", 8], ["metadata", 64]] as const;
export const PACKET_OUT_METADATA = [["egress_port", 16], ["mcast_grp", 16], ["in_port", 16], ["run_pipeline", 8]] as const;

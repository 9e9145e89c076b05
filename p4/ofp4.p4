/*
 * ofp4.p4 - the OpenFlow pipeline of ofp4 for the v1model architecture (bmv2 simple_switch).
 * Owns: four OpenFlow tables (ofp_table_0..3) with ternary keys over the OpenFlow 1.3 fields,
 * one "flow" action that expresses an OpenFlow action list in canonical order, per-table
 * table-miss behaviours, packet-in/packet-out controller headers, per-port rx/tx counters.
 * Promises: every object has an explicit @id; p4/ofp4.mapping.json describes how OpenFlow
 * maps onto it; targets/sim/pipeline/ models it bit for bit. Never: learns, clones, meters.
 */

#include <core.p4>
#include <v1model.p4>

const bit<9>  CPU_PORT = 255;
const bit<16> ETHERTYPE_VLAN = 0x8100;
const bit<16> ETHERTYPE_ARP = 0x0806;
const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_IPV6 = 0x86dd;
const bit<8>  PROTO_ICMP = 1;
const bit<8>  PROTO_TCP = 6;
const bit<8>  PROTO_UDP = 17;
const bit<8>  PROTO_ICMPV6 = 58;

/* OpenFlow packet-in reasons (OpenFlow 1.3 ofp_packet_in_reason). */
const bit<8> REASON_NO_MATCH = 0;
const bit<8> REASON_ACTION = 1;

/* "flow" action: output kinds (param out_kind). */
const bit<8> OUT_DROP = 0;
const bit<8> OUT_PORT = 1;
const bit<8> OUT_IN_PORT = 2;
const bit<8> OUT_GROUP = 3;
const bit<8> OUT_CONTROLLER = 4;
const bit<8> OUT_GOTO = 5;

/* "flow" action: VLAN operations (param vlan_op), applied before the set-fields. */
const bit<2> VLAN_NONE = 0;
const bit<2> VLAN_PUSH = 1;
const bit<2> VLAN_POP = 2;
const bit<2> VLAN_PUSH_IF_ABSENT = 3;

/* "flow" action: bits of param set_fields. */
const bit<16> SET_ETH_DST = 0x0001;
const bit<16> SET_ETH_SRC = 0x0002;
const bit<16> SET_VLAN_VID = 0x0004;
const bit<16> SET_VLAN_PCP = 0x0008;
const bit<16> SET_IPV4_SRC = 0x0010;
const bit<16> SET_IPV4_DST = 0x0020;
const bit<16> SET_IP_DSCP = 0x0040;
const bit<16> SET_L4_SRC = 0x0080;
const bit<16> SET_L4_DST = 0x0100;
const bit<16> DEC_TTL = 0x0200;

/* meta.next_table when no further table runs. */
const bit<8> TABLE_DONE = 0xff;

@controller_header("packet_in")
@id(0x04000001)
header packet_in_t {
    bit<16> ingress_port;   /* OpenFlow in_port (the packet_out's in_port for OFPP_TABLE) */
    bit<8>  reason;         /* OFPR_NO_MATCH (0) or OFPR_ACTION (1) */
    bit<8>  table_id;       /* OpenFlow table whose entry or table-miss sent the packet */
    bit<64> metadata;       /* OpenFlow metadata when the packet was sent */
}

@controller_header("packet_out")
@id(0x04000002)
header packet_out_t {
    bit<16> egress_port;    /* output port when run_pipeline == 0 and mcast_grp == 0 */
    bit<16> mcast_grp;      /* replicate to this multicast group when run_pipeline == 0 */
    bit<16> in_port;        /* OpenFlow in_port of the packet (flood pruning, OFPP_TABLE) */
    bit<8>  run_pipeline;   /* 1: OFPP_TABLE, run OpenFlow table 0 as if received on in_port */
}

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header vlan_tag_t {
    bit<3>  pcp;
    bit<1>  dei;
    bit<12> vid;
    bit<16> ether_type;
}

header arp_t {
    bit<16> htype;
    bit<16> ptype;
    bit<8>  hlen;
    bit<8>  plen;
    bit<16> oper;
    bit<48> sha;
    bit<32> spa;
    bit<48> tha;
    bit<32> tpa;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<6>  dscp;
    bit<2>  ecn;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src_addr;
    bit<32> dst_addr;
}

header ipv6_t {
    bit<4>   version;
    bit<6>   dscp;
    bit<2>   ecn;
    bit<20>  flow_label;
    bit<16>  payload_len;
    bit<8>   next_hdr;
    bit<8>   hop_limit;
    bit<128> src_addr;
    bit<128> dst_addr;
}

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

/* ICMP and ICMPv6 share this header; ip_proto tells them apart. */
header icmp_t {
    bit<8>  type;
    bit<8>  code;
    bit<16> checksum;
}

struct headers_t {
    packet_in_t  packet_in;
    packet_out_t packet_out;
    ethernet_t   ethernet;
    vlan_tag_t   outer_vlan;   /* only ever made valid by a push onto a tagged frame */
    vlan_tag_t   vlan;
    arp_t        arp;
    ipv4_t       ipv4;
    ipv6_t       ipv6;
    tcp_t        tcp;
    udp_t        udp;
    icmp_t       icmp;
}

/* The key of every OpenFlow table, rebuilt from the headers before each table. */
struct flow_key_t {
    bit<16>  in_port;
    bit<48>  eth_dst;
    bit<48>  eth_src;
    bit<16>  eth_type;
    bit<13>  vlan_vid;     /* 0x1000 | vid when tagged (OFPVID_PRESENT), 0 when untagged */
    bit<3>   vlan_pcp;
    bit<6>   ip_dscp;
    bit<2>   ip_ecn;
    bit<8>   ip_proto;
    bit<32>  ipv4_src;
    bit<32>  ipv4_dst;
    bit<128> ipv6_src;
    bit<128> ipv6_dst;
    bit<16>  l4_src;       /* tcp or udp source port; ip_proto says which */
    bit<16>  l4_dst;
    bit<8>   icmp_type;    /* icmp or icmpv6; ip_proto says which */
    bit<8>   icmp_code;
    bit<16>  arp_op;
    bit<32>  arp_spa;
    bit<32>  arp_tpa;
    bit<64>  metadata;     /* OpenFlow metadata, carried between tables */
}

/* The parameters of the action that ran, copied by the action and executed by apply_flow. */
struct flow_action_t {
    bit<2>  vlan_op;
    bit<16> set_fields;
    bit<48> eth_dst;
    bit<48> eth_src;
    bit<12> vlan_vid;
    bit<3>  vlan_pcp;
    bit<32> ipv4_src;
    bit<32> ipv4_dst;
    bit<6>  ip_dscp;
    bit<16> l4_src;
    bit<16> l4_dst;
    bit<8>  out_kind;
    bit<16> out_port;
    bit<16> mcast_grp;
    bit<8>  goto_table;
    bit<64> meta_value;
    bit<64> meta_mask;
    bit<8>  reason;        /* packet-in reason if the output reaches the CPU port */
}

struct metadata_t {
    flow_key_t    key;
    flow_action_t act;
    bit<8>  cur_table;       /* OpenFlow table being applied */
    bit<8>  next_table;      /* next OpenFlow table to apply, or TABLE_DONE */
    bit<8>  pi_reason;       /* packet-in reason if the packet reaches the CPU port */
    bit<8>  pi_table;        /* packet-in table id */
    bit<1>  allow_in_port;   /* output to the ingress port is allowed (OFPP_IN_PORT, packet_out) */
    bit<1>  ip_dirty;        /* the IPv4 header changed: recompute its checksum */
    bit<1>  l4_dirty;        /* addresses or ports changed: recompute the TCP/UDP checksum */
    bit<16> l4_len;          /* TCP/UDP length for the pseudo-header */
    bit<1>  rx_drop;         /* the ingress port is PORT_DOWN or NO_RECV: drop the frame */
    bit<1>  no_packet_in;    /* the ingress port is NO_PACKET_IN: no copy to the CPU port */
    bit<1>  tx_drop;         /* the egress port is PORT_DOWN or NO_FWD: drop this copy */
}

parser ofp4_parser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {
    state start {
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }
    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }
    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_VLAN: parse_vlan;
            ETHERTYPE_ARP: parse_arp;
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }
    state parse_vlan {
        packet.extract(hdr.vlan);
        transition select(hdr.vlan.ether_type) {
            ETHERTYPE_ARP: parse_arp;
            ETHERTYPE_IPV4: parse_ipv4;
            ETHERTYPE_IPV6: parse_ipv6;
            default: accept;
        }
    }
    state parse_arp {
        packet.extract(hdr.arp);
        transition accept;
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        /* L4 only in first fragments without IP options. */
        transition select(hdr.ipv4.ihl, hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (5, 0, PROTO_TCP): parse_tcp;
            (5, 0, PROTO_UDP): parse_udp;
            (5, 0, PROTO_ICMP): parse_icmp;
            default: accept;
        }
    }
    state parse_ipv6 {
        packet.extract(hdr.ipv6);
        transition select(hdr.ipv6.next_hdr) {
            PROTO_TCP: parse_tcp;
            PROTO_UDP: parse_udp;
            PROTO_ICMPV6: parse_icmp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        transition accept;
    }
    state parse_udp {
        packet.extract(hdr.udp);
        transition accept;
    }
    state parse_icmp {
        packet.extract(hdr.icmp);
        transition accept;
    }
}

control ofp4_verify_checksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

/* Fills meta.key from the headers as they are now (earlier tables may have changed them). */
void build_key(in headers_t hdr, inout metadata_t meta) {
    meta.key.eth_dst = hdr.ethernet.dst_addr;
    meta.key.eth_src = hdr.ethernet.src_addr;
    meta.key.eth_type = hdr.ethernet.ether_type;
    meta.key.vlan_vid = 0;
    meta.key.vlan_pcp = 0;
    if (hdr.vlan.isValid()) {
        meta.key.eth_type = hdr.vlan.ether_type;
        meta.key.vlan_vid = 13w0x1000 | (bit<13>)hdr.vlan.vid;
        meta.key.vlan_pcp = hdr.vlan.pcp;
    }
    if (hdr.outer_vlan.isValid()) {
        meta.key.vlan_vid = 13w0x1000 | (bit<13>)hdr.outer_vlan.vid;
        meta.key.vlan_pcp = hdr.outer_vlan.pcp;
    }
    meta.key.ip_dscp = 0;
    meta.key.ip_ecn = 0;
    meta.key.ip_proto = 0;
    meta.key.ipv4_src = 0;
    meta.key.ipv4_dst = 0;
    meta.key.ipv6_src = 0;
    meta.key.ipv6_dst = 0;
    if (hdr.ipv4.isValid()) {
        meta.key.ip_dscp = hdr.ipv4.dscp;
        meta.key.ip_ecn = hdr.ipv4.ecn;
        meta.key.ip_proto = hdr.ipv4.protocol;
        meta.key.ipv4_src = hdr.ipv4.src_addr;
        meta.key.ipv4_dst = hdr.ipv4.dst_addr;
    }
    if (hdr.ipv6.isValid()) {
        meta.key.ip_dscp = hdr.ipv6.dscp;
        meta.key.ip_ecn = hdr.ipv6.ecn;
        meta.key.ip_proto = hdr.ipv6.next_hdr;
        meta.key.ipv6_src = hdr.ipv6.src_addr;
        meta.key.ipv6_dst = hdr.ipv6.dst_addr;
    }
    meta.key.l4_src = 0;
    meta.key.l4_dst = 0;
    if (hdr.tcp.isValid()) {
        meta.key.l4_src = hdr.tcp.src_port;
        meta.key.l4_dst = hdr.tcp.dst_port;
    }
    if (hdr.udp.isValid()) {
        meta.key.l4_src = hdr.udp.src_port;
        meta.key.l4_dst = hdr.udp.dst_port;
    }
    meta.key.icmp_type = 0;
    meta.key.icmp_code = 0;
    if (hdr.icmp.isValid()) {
        meta.key.icmp_type = hdr.icmp.type;
        meta.key.icmp_code = hdr.icmp.code;
    }
    meta.key.arp_op = 0;
    meta.key.arp_spa = 0;
    meta.key.arp_tpa = 0;
    if (hdr.arp.isValid()) {
        meta.key.arp_op = hdr.arp.oper;
        meta.key.arp_spa = hdr.arp.spa;
        meta.key.arp_tpa = hdr.arp.tpa;
    }
}

/* Clears the previous table's action before the next table runs. */
void clear_act(inout metadata_t m) {
    m.act.vlan_op = VLAN_NONE;
    m.act.set_fields = 0;
    m.act.out_kind = OUT_DROP;
    m.act.meta_value = 0;
    m.act.meta_mask = 0;
}

/*
 * Executes meta.act in OpenFlow 1.3 canonical order: VLAN pop/push, TTL decrement, set-fields,
 * metadata write, then the output (or goto). Sets meta.next_table.
 */
void apply_flow(inout headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {
    bool drop = false;
    /* VLAN pop / push. */
    if (meta.act.vlan_op == VLAN_POP) {
        if (hdr.outer_vlan.isValid()) {
            hdr.outer_vlan.setInvalid();
        } else if (hdr.vlan.isValid()) {
            hdr.ethernet.ether_type = hdr.vlan.ether_type;
            hdr.vlan.setInvalid();
        }
    } else if (meta.act.vlan_op == VLAN_PUSH ||
               (meta.act.vlan_op == VLAN_PUSH_IF_ABSENT && !hdr.vlan.isValid())) {
        if (hdr.outer_vlan.isValid()) {
            drop = true;   /* a third tag cannot be represented */
        } else if (hdr.vlan.isValid()) {
            /* The new outer tag copies VID and PCP from the existing tag. */
            hdr.outer_vlan.setValid();
            hdr.outer_vlan.pcp = hdr.vlan.pcp;
            hdr.outer_vlan.dei = 0;
            hdr.outer_vlan.vid = hdr.vlan.vid;
            hdr.outer_vlan.ether_type = ETHERTYPE_VLAN;
        } else {
            hdr.vlan.setValid();
            hdr.vlan.pcp = 0;
            hdr.vlan.dei = 0;
            hdr.vlan.vid = 0;
            hdr.vlan.ether_type = hdr.ethernet.ether_type;
            hdr.ethernet.ether_type = ETHERTYPE_VLAN;
        }
    }
    /* TTL decrement: a packet whose TTL would reach 0 is dropped. */
    if ((meta.act.set_fields & DEC_TTL) != 0) {
        if (hdr.ipv4.isValid()) {
            if (hdr.ipv4.ttl <= 1) {
                drop = true;
            } else {
                hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
                meta.ip_dirty = 1;
            }
        } else if (hdr.ipv6.isValid()) {
            if (hdr.ipv6.hop_limit <= 1) {
                drop = true;
            } else {
                hdr.ipv6.hop_limit = hdr.ipv6.hop_limit - 1;
            }
        }
    }
    /* Set-fields; a field whose header is absent is left alone. */
    if ((meta.act.set_fields & SET_ETH_DST) != 0) {
        hdr.ethernet.dst_addr = meta.act.eth_dst;
    }
    if ((meta.act.set_fields & SET_ETH_SRC) != 0) {
        hdr.ethernet.src_addr = meta.act.eth_src;
    }
    if ((meta.act.set_fields & SET_VLAN_VID) != 0) {
        if (hdr.outer_vlan.isValid()) {
            hdr.outer_vlan.vid = meta.act.vlan_vid;
        } else if (hdr.vlan.isValid()) {
            hdr.vlan.vid = meta.act.vlan_vid;
        }
    }
    if ((meta.act.set_fields & SET_VLAN_PCP) != 0) {
        if (hdr.outer_vlan.isValid()) {
            hdr.outer_vlan.pcp = meta.act.vlan_pcp;
        } else if (hdr.vlan.isValid()) {
            hdr.vlan.pcp = meta.act.vlan_pcp;
        }
    }
    if (hdr.ipv4.isValid()) {
        if ((meta.act.set_fields & SET_IPV4_SRC) != 0) {
            hdr.ipv4.src_addr = meta.act.ipv4_src;
            meta.ip_dirty = 1;
            meta.l4_dirty = 1;
        }
        if ((meta.act.set_fields & SET_IPV4_DST) != 0) {
            hdr.ipv4.dst_addr = meta.act.ipv4_dst;
            meta.ip_dirty = 1;
            meta.l4_dirty = 1;
        }
        if ((meta.act.set_fields & SET_IP_DSCP) != 0) {
            hdr.ipv4.dscp = meta.act.ip_dscp;
            meta.ip_dirty = 1;
        }
    }
    if (hdr.ipv6.isValid()) {
        if ((meta.act.set_fields & SET_IP_DSCP) != 0) {
            hdr.ipv6.dscp = meta.act.ip_dscp;
        }
    }
    if (hdr.tcp.isValid()) {
        if ((meta.act.set_fields & SET_L4_SRC) != 0) {
            hdr.tcp.src_port = meta.act.l4_src;
            meta.l4_dirty = 1;
        }
        if ((meta.act.set_fields & SET_L4_DST) != 0) {
            hdr.tcp.dst_port = meta.act.l4_dst;
            meta.l4_dirty = 1;
        }
    }
    if (hdr.udp.isValid()) {
        if ((meta.act.set_fields & SET_L4_SRC) != 0) {
            hdr.udp.src_port = meta.act.l4_src;
            meta.l4_dirty = 1;
        }
        if ((meta.act.set_fields & SET_L4_DST) != 0) {
            hdr.udp.dst_port = meta.act.l4_dst;
            meta.l4_dirty = 1;
        }
    }
    /* Metadata write (OpenFlow write_metadata: value under mask). */
    meta.key.metadata = (meta.key.metadata & ~meta.act.meta_mask) |
                        (meta.act.meta_value & meta.act.meta_mask);
    /* Output. */
    meta.next_table = TABLE_DONE;
    if (drop || meta.act.out_kind == OUT_DROP) {
        mark_to_drop(standard_metadata);
    } else if (meta.act.out_kind == OUT_PORT) {
        standard_metadata.egress_spec = (bit<9>)meta.act.out_port;
    } else if (meta.act.out_kind == OUT_IN_PORT) {
        standard_metadata.egress_spec = (bit<9>)meta.key.in_port;
        meta.allow_in_port = 1;
    } else if (meta.act.out_kind == OUT_GROUP) {
        standard_metadata.mcast_grp = meta.act.mcast_grp;
        meta.pi_reason = meta.act.reason;
        meta.pi_table = meta.cur_table;
    } else if (meta.act.out_kind == OUT_CONTROLLER) {
        standard_metadata.egress_spec = CPU_PORT;
        meta.pi_reason = meta.act.reason;
        meta.pi_table = meta.cur_table;
    } else if (meta.act.out_kind == OUT_GOTO) {
        meta.next_table = meta.act.goto_table;
    } else {
        mark_to_drop(standard_metadata);
    }
}

control ingress(inout headers_t hdr, inout metadata_t meta,
                inout standard_metadata_t standard_metadata) {

    @id(0x12000001) counter(512, CounterType.packets_and_bytes) port_rx;

    @id(0x13000001) direct_counter(CounterType.packets_and_bytes) ofp_table_0_counter;
    @id(0x13000002) direct_counter(CounterType.packets_and_bytes) ofp_table_1_counter;
    @id(0x13000003) direct_counter(CounterType.packets_and_bytes) ofp_table_2_counter;
    @id(0x13000004) direct_counter(CounterType.packets_and_bytes) ofp_table_3_counter;

    /* An OpenFlow action list (see the constants above for the meaning of each param). */
    @id(0x01000001)
    action flow(bit<2> vlan_op, bit<16> set_fields, bit<48> eth_dst, bit<48> eth_src,
                bit<12> vlan_vid, bit<3> vlan_pcp, bit<32> ipv4_src, bit<32> ipv4_dst,
                bit<6> ip_dscp, bit<16> l4_src, bit<16> l4_dst, bit<8> out_kind,
                bit<16> out_port, bit<16> mcast_grp, bit<8> goto_table,
                bit<64> meta_value, bit<64> meta_mask) {
        meta.act.vlan_op = vlan_op;
        meta.act.set_fields = set_fields;
        meta.act.eth_dst = eth_dst;
        meta.act.eth_src = eth_src;
        meta.act.vlan_vid = vlan_vid;
        meta.act.vlan_pcp = vlan_pcp;
        meta.act.ipv4_src = ipv4_src;
        meta.act.ipv4_dst = ipv4_dst;
        meta.act.ip_dscp = ip_dscp;
        meta.act.l4_src = l4_src;
        meta.act.l4_dst = l4_dst;
        meta.act.out_kind = out_kind;
        meta.act.out_port = out_port;
        meta.act.mcast_grp = mcast_grp;
        meta.act.goto_table = goto_table;
        meta.act.meta_value = meta_value;
        meta.act.meta_mask = meta_mask;
        meta.act.reason = REASON_ACTION;
    }

    /* Drop (an empty OpenFlow action list; the initial table-miss of every table). */
    @id(0x01000002)
    action drop() {
        meta.act.out_kind = OUT_DROP;
    }

    /* Table-miss to the controller: packet-in with reason no-match and this table's id. */
    @id(0x01000003)
    action miss_to_controller() {
        meta.act.out_kind = OUT_CONTROLLER;
        meta.act.reason = REASON_NO_MATCH;
    }

    /* Table-miss continue: go on with the next OpenFlow table. */
    @id(0x01000004)
    action miss_next_table() {
        meta.act.out_kind = OUT_GOTO;
        meta.act.goto_table = meta.cur_table + 1;
    }

    @id(0x02000001)
    table ofp_table_0 {
        key = {
            meta.key.in_port   : ternary @name("in_port");
            meta.key.eth_dst   : ternary @name("eth_dst");
            meta.key.eth_src   : ternary @name("eth_src");
            meta.key.eth_type  : ternary @name("eth_type");
            meta.key.vlan_vid  : ternary @name("vlan_vid");
            meta.key.vlan_pcp  : ternary @name("vlan_pcp");
            meta.key.ip_dscp   : ternary @name("ip_dscp");
            meta.key.ip_ecn    : ternary @name("ip_ecn");
            meta.key.ip_proto  : ternary @name("ip_proto");
            meta.key.ipv4_src  : ternary @name("ipv4_src");
            meta.key.ipv4_dst  : ternary @name("ipv4_dst");
            meta.key.ipv6_src  : ternary @name("ipv6_src");
            meta.key.ipv6_dst  : ternary @name("ipv6_dst");
            meta.key.l4_src    : ternary @name("l4_src");
            meta.key.l4_dst    : ternary @name("l4_dst");
            meta.key.icmp_type : ternary @name("icmp_type");
            meta.key.icmp_code : ternary @name("icmp_code");
            meta.key.arp_op    : ternary @name("arp_op");
            meta.key.arp_spa   : ternary @name("arp_spa");
            meta.key.arp_tpa   : ternary @name("arp_tpa");
            meta.key.metadata  : ternary @name("metadata");
        }
        actions = { flow; drop; miss_to_controller; miss_next_table; }
        default_action = drop();
        counters = ofp_table_0_counter;
        support_timeout = true;
        size = 1048576;
    }

    @id(0x02000002)
    table ofp_table_1 {
        key = {
            meta.key.in_port   : ternary @name("in_port");
            meta.key.eth_dst   : ternary @name("eth_dst");
            meta.key.eth_src   : ternary @name("eth_src");
            meta.key.eth_type  : ternary @name("eth_type");
            meta.key.vlan_vid  : ternary @name("vlan_vid");
            meta.key.vlan_pcp  : ternary @name("vlan_pcp");
            meta.key.ip_dscp   : ternary @name("ip_dscp");
            meta.key.ip_ecn    : ternary @name("ip_ecn");
            meta.key.ip_proto  : ternary @name("ip_proto");
            meta.key.ipv4_src  : ternary @name("ipv4_src");
            meta.key.ipv4_dst  : ternary @name("ipv4_dst");
            meta.key.ipv6_src  : ternary @name("ipv6_src");
            meta.key.ipv6_dst  : ternary @name("ipv6_dst");
            meta.key.l4_src    : ternary @name("l4_src");
            meta.key.l4_dst    : ternary @name("l4_dst");
            meta.key.icmp_type : ternary @name("icmp_type");
            meta.key.icmp_code : ternary @name("icmp_code");
            meta.key.arp_op    : ternary @name("arp_op");
            meta.key.arp_spa   : ternary @name("arp_spa");
            meta.key.arp_tpa   : ternary @name("arp_tpa");
            meta.key.metadata  : ternary @name("metadata");
        }
        actions = { flow; drop; miss_to_controller; miss_next_table; }
        default_action = drop();
        counters = ofp_table_1_counter;
        support_timeout = true;
        size = 65536;
    }

    @id(0x02000003)
    table ofp_table_2 {
        key = {
            meta.key.in_port   : ternary @name("in_port");
            meta.key.eth_dst   : ternary @name("eth_dst");
            meta.key.eth_src   : ternary @name("eth_src");
            meta.key.eth_type  : ternary @name("eth_type");
            meta.key.vlan_vid  : ternary @name("vlan_vid");
            meta.key.vlan_pcp  : ternary @name("vlan_pcp");
            meta.key.ip_dscp   : ternary @name("ip_dscp");
            meta.key.ip_ecn    : ternary @name("ip_ecn");
            meta.key.ip_proto  : ternary @name("ip_proto");
            meta.key.ipv4_src  : ternary @name("ipv4_src");
            meta.key.ipv4_dst  : ternary @name("ipv4_dst");
            meta.key.ipv6_src  : ternary @name("ipv6_src");
            meta.key.ipv6_dst  : ternary @name("ipv6_dst");
            meta.key.l4_src    : ternary @name("l4_src");
            meta.key.l4_dst    : ternary @name("l4_dst");
            meta.key.icmp_type : ternary @name("icmp_type");
            meta.key.icmp_code : ternary @name("icmp_code");
            meta.key.arp_op    : ternary @name("arp_op");
            meta.key.arp_spa   : ternary @name("arp_spa");
            meta.key.arp_tpa   : ternary @name("arp_tpa");
            meta.key.metadata  : ternary @name("metadata");
        }
        actions = { flow; drop; miss_to_controller; miss_next_table; }
        default_action = drop();
        counters = ofp_table_2_counter;
        support_timeout = true;
        size = 65536;
    }

    /* The last table: its table-miss cannot continue. */
    @id(0x02000004)
    table ofp_table_3 {
        key = {
            meta.key.in_port   : ternary @name("in_port");
            meta.key.eth_dst   : ternary @name("eth_dst");
            meta.key.eth_src   : ternary @name("eth_src");
            meta.key.eth_type  : ternary @name("eth_type");
            meta.key.vlan_vid  : ternary @name("vlan_vid");
            meta.key.vlan_pcp  : ternary @name("vlan_pcp");
            meta.key.ip_dscp   : ternary @name("ip_dscp");
            meta.key.ip_ecn    : ternary @name("ip_ecn");
            meta.key.ip_proto  : ternary @name("ip_proto");
            meta.key.ipv4_src  : ternary @name("ipv4_src");
            meta.key.ipv4_dst  : ternary @name("ipv4_dst");
            meta.key.ipv6_src  : ternary @name("ipv6_src");
            meta.key.ipv6_dst  : ternary @name("ipv6_dst");
            meta.key.l4_src    : ternary @name("l4_src");
            meta.key.l4_dst    : ternary @name("l4_dst");
            meta.key.icmp_type : ternary @name("icmp_type");
            meta.key.icmp_code : ternary @name("icmp_code");
            meta.key.arp_op    : ternary @name("arp_op");
            meta.key.arp_spa   : ternary @name("arp_spa");
            meta.key.arp_tpa   : ternary @name("arp_tpa");
            meta.key.metadata  : ternary @name("metadata");
        }
        actions = { flow; drop; miss_to_controller; }
        default_action = drop();
        counters = ofp_table_3_counter;
        support_timeout = true;
        size = 65536;
    }

    /* OpenFlow port config of the port the frame arrived on (no entry: no flag set). */
    @id(0x01000005)
    action set_port_config(bit<1> port_down, bit<1> no_recv, bit<1> no_packet_in) {
        meta.rx_drop = port_down | no_recv;
        meta.no_packet_in = no_packet_in;
    }

    @id(0x02000005)
    table port_config {
        key = {
            standard_metadata.ingress_port : exact @name("port");
        }
        actions = { set_port_config; }
        default_action = set_port_config(0, 0, 0);
        size = 512;
    }

    apply {
        port_rx.count((bit<32>)standard_metadata.ingress_port);
        mark_to_drop(standard_metadata);
        /* Port 255 (packet-outs) has no entry: a packet-out is not received on its in_port. */
        port_config.apply();
        if (meta.rx_drop == 1) {
            exit;
        }
        meta.key.in_port = (bit<16>)standard_metadata.ingress_port;
        meta.key.metadata = 0;
        meta.next_table = 0;
        if (hdr.packet_out.isValid()) {
            meta.key.in_port = hdr.packet_out.in_port;
            meta.next_table = TABLE_DONE;
            if (hdr.packet_out.run_pipeline != 0) {
                meta.next_table = 0;
            } else if (hdr.packet_out.mcast_grp != 0) {
                standard_metadata.mcast_grp = hdr.packet_out.mcast_grp;
            } else {
                standard_metadata.egress_spec = (bit<9>)hdr.packet_out.egress_port;
                meta.allow_in_port = 1;
            }
            hdr.packet_out.setInvalid();
        }
        /* OpenFlow tables in order; goto and table-miss-continue only ever move forward. */
        if (meta.next_table == 0) {
            build_key(hdr, meta);
            meta.cur_table = 0;
            clear_act(meta);
            ofp_table_0.apply();
            apply_flow(hdr, meta, standard_metadata);
        }
        if (meta.next_table == 1) {
            build_key(hdr, meta);
            meta.cur_table = 1;
            clear_act(meta);
            ofp_table_1.apply();
            apply_flow(hdr, meta, standard_metadata);
        }
        if (meta.next_table == 2) {
            build_key(hdr, meta);
            meta.cur_table = 2;
            clear_act(meta);
            ofp_table_2.apply();
            apply_flow(hdr, meta, standard_metadata);
        }
        if (meta.next_table == 3) {
            build_key(hdr, meta);
            meta.cur_table = 3;
            clear_act(meta);
            ofp_table_3.apply();
            apply_flow(hdr, meta, standard_metadata);
        }
        /* A goto past the last table drops the packet. */
        if (meta.next_table != TABLE_DONE) {
            mark_to_drop(standard_metadata);
        }
        /* Length of the TCP/UDP segment for the checksum's pseudo-header. */
        if (hdr.udp.isValid()) {
            meta.l4_len = hdr.udp.length;
        } else if (hdr.ipv4.isValid()) {
            meta.l4_len = hdr.ipv4.total_len - 20;
        } else if (hdr.ipv6.isValid()) {
            meta.l4_len = hdr.ipv6.payload_len;
        }
    }
}

control egress(inout headers_t hdr, inout metadata_t meta,
               inout standard_metadata_t standard_metadata) {
    @id(0x12000002) counter(512, CounterType.packets_and_bytes) port_tx;

    /* OpenFlow port config of the port this copy leaves by (no entry: no flag set). */
    @id(0x01000006)
    action set_port_config(bit<1> port_down, bit<1> no_fwd) {
        meta.tx_drop = port_down | no_fwd;
    }

    @id(0x02000006)
    table port_config {
        key = {
            standard_metadata.egress_port : exact @name("port");
        }
        actions = { set_port_config; }
        default_action = set_port_config(0, 0);
        size = 512;
    }

    apply {
        if (standard_metadata.egress_port == CPU_PORT) {
            /* The CPU port is never port-config dropped; NO_PACKET_IN of the ingress port is. */
            if (meta.no_packet_in == 1) {
                mark_to_drop(standard_metadata);
            } else {
                port_tx.count((bit<32>)standard_metadata.egress_port);
                hdr.packet_in.setValid();
                hdr.packet_in.ingress_port = meta.key.in_port;
                hdr.packet_in.reason = meta.pi_reason;
                hdr.packet_in.table_id = meta.pi_table;
                hdr.packet_in.metadata = meta.key.metadata;
            }
        } else {
            port_config.apply();
            /* OpenFlow never sends a packet back out of its ingress port unless asked to. */
            if (meta.tx_drop == 1 ||
                ((bit<16>)standard_metadata.egress_port == meta.key.in_port &&
                 meta.allow_in_port == 0 && standard_metadata.egress_rid != 1)) {
                mark_to_drop(standard_metadata);
            } else {
                port_tx.count((bit<32>)standard_metadata.egress_port);
            }
        }
    }
}

control ofp4_compute_checksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        /* Options are not in the field list: a header with options keeps its checksum. */
        update_checksum(hdr.ipv4.isValid() && hdr.ipv4.ihl == 5 && meta.ip_dirty == 1,
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.dscp, hdr.ipv4.ecn, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset, hdr.ipv4.ttl,
              hdr.ipv4.protocol, hdr.ipv4.src_addr, hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.tcp.isValid() && hdr.ipv4.isValid() && meta.l4_dirty == 1,
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol, meta.l4_len,
              hdr.tcp.src_port, hdr.tcp.dst_port, hdr.tcp.seq_no, hdr.tcp.ack_no,
              hdr.tcp.data_offset, hdr.tcp.res, hdr.tcp.flags, hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.tcp.isValid() && hdr.ipv6.isValid() && meta.l4_dirty == 1,
            { hdr.ipv6.src_addr, hdr.ipv6.dst_addr, 16w0, meta.l4_len, 24w0, hdr.ipv6.next_hdr,
              hdr.tcp.src_port, hdr.tcp.dst_port, hdr.tcp.seq_no, hdr.tcp.ack_no,
              hdr.tcp.data_offset, hdr.tcp.res, hdr.tcp.flags, hdr.tcp.window,
              hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
        /* A zero UDP checksum over IPv4 means "none" and stays zero. */
        update_checksum_with_payload(hdr.udp.isValid() && hdr.ipv4.isValid() && meta.l4_dirty == 1 &&
                                     hdr.udp.checksum != 0,
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol, meta.l4_len,
              hdr.udp.src_port, hdr.udp.dst_port, hdr.udp.length },
            hdr.udp.checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.udp.isValid() && hdr.ipv6.isValid() && meta.l4_dirty == 1,
            { hdr.ipv6.src_addr, hdr.ipv6.dst_addr, 16w0, meta.l4_len, 24w0, hdr.ipv6.next_hdr,
              hdr.udp.src_port, hdr.udp.dst_port, hdr.udp.length },
            hdr.udp.checksum, HashAlgorithm.csum16);
    }
}

control ofp4_deparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.outer_vlan);
        packet.emit(hdr.vlan);
        packet.emit(hdr.arp);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv6);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
        packet.emit(hdr.icmp);
    }
}

V1Switch(ofp4_parser(), ofp4_verify_checksum(), ingress(), egress(),
         ofp4_compute_checksum(), ofp4_deparser()) main;

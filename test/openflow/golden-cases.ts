// The ovs-ofctl commands whose bytes are the codec's golden fixtures
// (test/fixtures/openflow/ofctl-codec.json). TARGET is replaced by the recorder's address.
// Each case lists exactly the arguments given to Debian's ovs-ofctl 3.1.

export interface GoldenCase {
  readonly name: string;
  readonly args: readonly string[];
}

const of13 = ["-O", "OpenFlow13"];
const many10 =
  "in_port=1,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02/ff:ff:ff:00:00:00,dl_vlan=5,dl_vlan_pcp=2,tcp,nw_src=1.2.3.4,nw_dst=5.6.7.0/24,nw_tos=8,nw_ecn=1,tp_src=5,tp_dst=6,actions=output:2";

export const GOLDEN_CASES: readonly GoldenCase[] = [
  // OpenFlow 1.0, plain ofp_match
  { name: "of10 add-flow tcp cidr", args: ["--no-names", "add-flow", "TARGET", "tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2"] },
  { name: "of10 add-flow in_port", args: ["--no-names", "add-flow", "TARGET", "priority=7,cookie=0x1234,idle_timeout=10,hard_timeout=20,send_flow_rem,in_port=1,actions=2"] },
  {
    name: "of10 add-flow 1.0 actions",
    args: [
      "--no-names",
      "add-flow",
      "TARGET",
      "dl_vlan=0xffff,actions=mod_vlan_vid:5,mod_vlan_pcp:3,strip_vlan,mod_dl_src:00:00:00:00:00:03,mod_dl_dst:00:00:00:00:00:04,mod_nw_src:2.2.2.2,mod_nw_dst:1.1.1.1,mod_nw_tos:8,mod_tp_src:4,mod_tp_dst:5,enqueue:1:2,output:controller,in_port,flood,all,local,normal",
    ],
  },
  { name: "of10 add-flow udp set tp", args: ["--no-names", "add-flow", "TARGET", "udp,tp_src=53,actions=mod_tp_src:7,output:3"] },
  { name: "of10 add-flow icmp", args: ["--no-names", "add-flow", "TARGET", "icmp,icmp_type=8,icmp_code=0,actions=drop"] },
  { name: "of10 add-flow sctp", args: ["--no-names", "add-flow", "TARGET", "sctp,tp_dst=9,actions=drop"] },
  { name: "of10 add-flow arp", args: ["--no-names", "add-flow", "TARGET", "arp,arp_op=1,nw_src=1.2.3.0/24,nw_dst=4.4.4.4,actions=drop"] },
  { name: "of10 add-flow vlan pcp", args: ["--no-names", "add-flow", "TARGET", "dl_vlan_pcp=3,actions=drop"] },
  { name: "of10 add-flow vlan", args: ["--no-names", "add-flow", "TARGET", "dl_vlan=7,dl_type=0x0800,nw_tos=16,actions=drop"] },
  { name: "of10 add-flow table id", args: ["--no-names", "add-flow", "TARGET", "table=1,ip,actions=drop"] },
  { name: "of10 mod-flows", args: ["--no-names", "mod-flows", "TARGET", "tcp,actions=output:4"] },
  { name: "of10 mod-flows strict", args: ["--no-names", "mod-flows", "--strict", "TARGET", "priority=9,tcp,actions=output:4"] },
  { name: "of10 del-flows all", args: ["--no-names", "del-flows", "TARGET"] },
  { name: "of10 del-flows out_port", args: ["--no-names", "del-flows", "TARGET", "out_port=2,ip"] },
  { name: "of10 del-flows strict", args: ["--no-names", "del-flows", "--strict", "TARGET", "priority=5,tcp"] },
  { name: "of10 show", args: ["--no-names", "show", "TARGET"] },
  { name: "of10 queue-get-config", args: ["--no-names", "queue-get-config", "TARGET", "2"] },
  { name: "of10 get-frags", args: ["--no-names", "get-frags", "TARGET"] },
  { name: "of10 mod-port", args: ["--no-names", "mod-port", "TARGET", "2", "no-flood"] },
  {
    name: "of10 packet-out",
    args: ["--no-names", "packet-out", "TARGET", "in_port=1 packet=ffffffffffff0000000000010800450000140000000040000000000000000000000000 actions=output:2"],
  },
  // OpenFlow 1.0 with Nicira extensions
  { name: "nxm add-flow ipv6", args: ["--no-names", "add-flow", "TARGET", "ipv6,ipv6_src=2001:db8::/32,actions=output:1"] },
  { name: "nxm add-flow many fields", args: ["--no-names", "add-flow", "TARGET", many10] },
  { name: "nxm add-flow tp mask", args: ["--no-names", "add-flow", "TARGET", "tcp,tp_dst=0x50/0xfff0,actions=drop"] },
  { name: "nxm add-flow metadata tun_id", args: ["--no-names", "add-flow", "TARGET", "metadata=1,tun_id=5,in_port=3,actions=drop"] },
  {
    name: "nxm add-flow icmp6 nd",
    args: ["--no-names", "add-flow", "TARGET", "icmp6,ipv6_src=::1,ipv6_dst=::2/64,ipv6_label=5,icmp_type=135,icmp_code=0,nd_target=::3,nd_sll=00:00:00:00:00:01,actions=drop"],
  },
  { name: "nxm add-flow mpls", args: ["--no-names", "add-flow", "TARGET", "mpls,mpls_label=5,mpls_tc=1,mpls_bos=1,actions=drop"] },
  { name: "nxm add-flow arp sha", args: ["--no-names", "add-flow", "TARGET", "arp,arp_op=1,arp_spa=1.1.1.1,arp_sha=00:00:00:00:00:05,arp_tha=00:00:00:00:00:06/ff:ff:ff:ff:ff:00,actions=drop"] },
  { name: "nxm del-flows cookie", args: ["--no-names", "del-flows", "TARGET", "cookie=0x5/-1"] },
  { name: "nxm mod-flows cookie mask", args: ["--no-names", "mod-flows", "TARGET", "cookie=0x5/0xff,actions=drop"] },
  { name: "nxm table id and ipv6", args: ["--no-names", "add-flow", "TARGET", "table=3,ipv6,actions=drop"] },
  { name: "nxm forced add-flow", args: ["--no-names", "-F", "nxm", "add-flow", "TARGET", "priority=3,idle_timeout=9,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2"] },
  { name: "nxm forced del-flows strict", args: ["--no-names", "-F", "nxm", "del-flows", "--strict", "TARGET", "priority=3,udp,out_port=4"] },
  { name: "nxm forced table id", args: ["--no-names", "-F", "nxm", "add-flow", "TARGET", "table=7,arp,actions=drop"] },
  { name: "of10 forced plain", args: ["--no-names", "-O", "OpenFlow10", "-F", "OpenFlow10-table_id", "add-flow", "TARGET", "ip,nw_dst=10.1.0.0/16,actions=output:3"] },
  { name: "of10 forced table id", args: ["--no-names", "-F", "openflow10", "add-flow", "TARGET", "table=2,in_port=4,actions=drop"] },
  // OpenFlow 1.3
  { name: "of13 add-flow tcp cidr", args: ["--no-names", ...of13, "add-flow", "TARGET", "tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2"] },
  { name: "of13 add-flow many fields", args: ["--no-names", ...of13, "add-flow", "TARGET", `metadata=0x5/0xff,${many10}`] },
  {
    name: "of13 add-flow instructions",
    args: [
      "--no-names",
      ...of13,
      "add-flow",
      "TARGET",
      "table=2,priority=5,cookie=9,idle_timeout=5,hard_timeout=7,actions=meter:1,set_field:00:00:00:00:00:01->eth_src,push_vlan:0x8100,set_field:5->vlan_vid,group:3,clear_actions,write_actions(output:3),write_metadata:0x1/0xff,goto_table:5",
    ],
  },
  {
    name: "of13 add-flow actions",
    args: [
      "--no-names",
      ...of13,
      "add-flow",
      "TARGET",
      "mpls,actions=dec_mpls_ttl,set_mpls_ttl:3,pop_mpls:0x0800,set_queue:3,output:controller,output:1",
    ],
  },
  { name: "of13 add-flow ttl vlan mpls", args: ["--no-names", ...of13, "add-flow", "TARGET", "vlan_tci=0x1000/0x1000,ip,actions=dec_ttl,mod_nw_ttl:4,pop_vlan,push_mpls:0x8847,output:1"] },
  { name: "of13 add-flow set fields ip", args: ["--no-names", ...of13, "add-flow", "TARGET", "tcp,actions=set_field:1.2.3.4->ip_src,set_field:5->tcp_dst,mod_nw_tos:16,output:2"] },
  {
    name: "of13 add-flow icmp6 nd",
    args: ["--no-names", ...of13, "add-flow", "TARGET", "icmp6,ipv6_src=::1,ipv6_dst=::2/64,ipv6_label=5,icmp_type=135,icmp_code=0,nd_target=::3,nd_sll=00:00:00:00:00:01,actions=drop"],
  },
  { name: "of13 add-flow arp tun", args: ["--no-names", ...of13, "add-flow", "TARGET", "tun_id=5,arp,arp_op=1,arp_spa=1.1.1.1,arp_tpa=2.2.2.2,arp_sha=00:00:00:00:00:05,arp_tha=00:00:00:00:00:06,actions=drop"] },
  { name: "of13 add-flow mpls", args: ["--no-names", ...of13, "add-flow", "TARGET", "mpls,mpls_label=5,mpls_tc=1,mpls_bos=1,actions=drop"] },
  { name: "of13 add-flow udp sctp icmp", args: ["--no-names", ...of13, "add-flow", "TARGET", "udp,tp_src=1,tp_dst=2,actions=drop"] },
  { name: "of13 add-flow sctp", args: ["--no-names", ...of13, "add-flow", "TARGET", "sctp,tp_src=1,tp_dst=2,actions=drop"] },
  { name: "of13 add-flow icmp", args: ["--no-names", ...of13, "add-flow", "TARGET", "icmp,icmp_type=1,icmp_code=2,actions=drop"] },
  { name: "of13 add-flow untagged", args: ["--no-names", ...of13, "add-flow", "TARGET", "vlan_tci=0x0000/0xffff,actions=drop"] },
  { name: "of13 add-flow vlan pcp", args: ["--no-names", ...of13, "add-flow", "TARGET", "dl_vlan_pcp=3,actions=drop"] },
  { name: "of13 add-flow ipv6 tos", args: ["--no-names", ...of13, "add-flow", "TARGET", "ipv6,nw_tos=8,nw_ecn=2,ipv6_label=3,actions=drop"] },
  { name: "of13 add-flow tp mask", args: ["--no-names", ...of13, "add-flow", "TARGET", "tcp,tp_dst=0x50/0xfff0,actions=drop"] },
  { name: "of13 mod-flows strict", args: ["--no-names", ...of13, "mod-flows", "--strict", "TARGET", "priority=9,tcp,actions=output:4"] },
  { name: "of13 del-flows", args: ["--no-names", ...of13, "del-flows", "TARGET"] },
  { name: "of13 del-flows cookie", args: ["--no-names", ...of13, "del-flows", "TARGET", "cookie=0x5/0xff,table=4,out_port=3"] },
  { name: "of13 del-flows strict", args: ["--no-names", ...of13, "del-flows", "--strict", "TARGET", "priority=5,tcp"] },
  { name: "of13 show", args: ["--no-names", ...of13, "show", "TARGET"] },
  { name: "of13 queue-get-config", args: ["--no-names", ...of13, "queue-get-config", "TARGET", "3"] },
  { name: "of13 mod-port", args: ["--no-names", ...of13, "mod-port", "TARGET", "1", "down"] },
  {
    name: "of13 packet-out",
    args: ["--no-names", ...of13, "packet-out", "TARGET", "in_port=controller packet=ffffffffffff0000000000010800 actions=output:2,output:controller"],
  },
];

// Frames through the ofp4.p4 model with a small real table store: forwarding, egress pruning,
// set-fields with checksums, VLAN push/pop, multicast, packet-in header bytes, packet-out,
// table-miss behaviours, goto with metadata, parser keys, counters, OpenFlow port config.
import { describe, expect, it } from "vitest";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { ACTION, COUNTER, OUT_KIND, PORT_CONFIG, SET, TABLES, VLAN_OP } from "../../targets/sim/pipeline/program.js";
import {
  ethernet, ip4, ip4n, ipv4, ipv4ChecksumOk, ipv6, l4ChecksumOk, mac, tcpFrame, udp4, vlanTag,
} from "./frames.js";
import { TableStore } from "./table-store.js";

const [T0, T1, T2, T3] = TABLES;
const ALL = (w: number): bigint => (1n << BigInt(w)) - 1n;
const exact = (v: bigint | number, w: number): readonly [bigint, bigint] => [BigInt(v), ALL(w)];

/** Params of ingress.flow: everything zero unless given. */
function flow(p: Partial<Record<string, bigint | number>>): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = BigInt(v);
  return out;
}

const toPort = (port: number, extra: Partial<Record<string, bigint | number>> = {}): Record<string, bigint> =>
  flow({ out_kind: OUT_KIND.PORT, out_port: port, ...extra });

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("forwarding", () => {
  it("sends a matching frame unchanged out of the entry's port and counts it everywhere", () => {
    const s = new TableStore();
    const e = s.insert(T0, { priority: 10, match: { in_port: exact(1, 16), eth_type: exact(0x0800, 16) }, action: ACTION.FLOW, params: toPort(2) });
    const f = tcpFrame({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80 });
    const out = ofp4Pipeline(s, 1, f);
    expect(out).toHaveLength(1);
    expect(out[0]?.port).toBe(2);
    expect(hex(out[0]?.frame ?? new Uint8Array())).toBe(hex(f));
    expect(s.entryCounter(T0, e)).toEqual({ packets: 1, bytes: f.length });
    expect(s.counter(COUNTER.PORT_RX, 1)).toEqual({ packets: 1, bytes: f.length });
    expect(s.counter(COUNTER.PORT_TX, 2)).toEqual({ packets: 1, bytes: f.length });
  });

  it("picks the highest-priority matching entry", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 5, match: {}, action: ACTION.FLOW, params: toPort(2) });
    s.insert(T0, { priority: 9, match: { ipv4_dst: exact(ip4n("10.0.0.9"), 32) }, action: ACTION.FLOW, params: toPort(3) });
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "10.0.0.1", dst: "10.0.0.9", sport: 1, dport: 2 }))[0]?.port).toBe(3);
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "10.0.0.1", dst: "10.0.0.8", sport: 1, dport: 2 }))[0]?.port).toBe(2);
  });

  it("never sends a frame back out of its ingress port, except through OFPP_IN_PORT", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.FLOW, params: toPort(1) });
    s.insert(T0, { priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.IN_PORT }) });
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }))).toEqual([]);
    expect(s.counter(COUNTER.PORT_TX, 1).packets).toBe(0);
    const back = ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 81 }));
    expect(back.map((o) => o.port)).toEqual([1]);
  });

  it("drops on an empty action list and on out_kind drop", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.DROP });
    s.insert(T0, { priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.DROP, out_port: 2 }) });
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }))).toEqual([]);
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 81 }))).toEqual([]);
    expect(s.counter(COUNTER.PORT_RX, 1).packets).toBe(2);
  });
});

describe("parser and key", () => {
  it("keys a tagged IPv4/TCP frame on every field, vlan_vid with the present bit", () => {
    const s = new TableStore();
    const f = tcpFrame({ ethDst: "0a:0b:0c:0d:0e:0f", ethSrc: "01:02:03:04:05:06", src: "10.1.2.3", dst: "10.4.5.6", sport: 5555, dport: 22, vlan: [5, 100] });
    ofp4Pipeline(s, 7, f);
    const k = s.lookups[0]?.key;
    expect(Object.fromEntries(k ?? [])).toEqual({
      in_port: 7n, eth_dst: 0x0a0b0c0d0e0fn, eth_src: 0x010203040506n, eth_type: 0x0800n,
      vlan_vid: 0x1000n | 100n, vlan_pcp: 5n, ip_dscp: 0n, ip_ecn: 0n, ip_proto: 6n,
      ipv4_src: BigInt(ip4n("10.1.2.3")), ipv4_dst: BigInt(ip4n("10.4.5.6")), ipv6_src: 0n, ipv6_dst: 0n,
      l4_src: 5555n, l4_dst: 22n, icmp_type: 0n, icmp_code: 0n, arp_op: 0n, arp_spa: 0n, arp_tpa: 0n, metadata: 0n,
    });
  });

  it("keys ARP, UDP, IPv6/ICMPv6 and untagged frames", () => {
    const s = new TableStore();
    const arp = [0, 1, 8, 0, 6, 4, 0, 2, ...mac("02:00:00:00:00:01"), ...ip4("192.168.0.1"), ...mac("02:00:00:00:00:02"), ...ip4("192.168.0.2")];
    ofp4Pipeline(s, 1, Uint8Array.from([...ethernet("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", 0x0806), ...arp]));
    const u = udp4("1.2.3.4", "5.6.7.8", 53, 5353, [9, 9]);
    ofp4Pipeline(s, 1, Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.2.3.4", dst: "5.6.7.8", proto: 17, dscp: 46, ecn: 1 }, u.length), ...u]));
    const v6src = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
    const v6dst = [0xfe, 0x80, ...new Array<number>(13).fill(0), 2];
    const icmp6 = [135, 0, 0, 0, 0, 0, 0, 0];
    ofp4Pipeline(s, 1, Uint8Array.from([...ethernet("33:33:00:00:00:01", "02:00:00:00:00:01", 0x86dd), ...ipv6(v6src, v6dst, 58, icmp6.length, 10), ...icmp6]));
    const [a, b, c] = s.lookups.map((l) => l.key);
    expect([a?.get("eth_type"), a?.get("arp_op"), a?.get("arp_spa"), a?.get("arp_tpa"), a?.get("vlan_vid")]).toEqual([
      0x0806n, 2n, BigInt(ip4n("192.168.0.1")), BigInt(ip4n("192.168.0.2")), 0n,
    ]);
    expect([b?.get("ip_proto"), b?.get("ip_dscp"), b?.get("ip_ecn"), b?.get("l4_src"), b?.get("l4_dst")]).toEqual([17n, 46n, 1n, 53n, 5353n]);
    expect([c?.get("eth_type"), c?.get("ip_proto"), c?.get("ip_dscp"), c?.get("icmp_type"), c?.get("icmp_code")]).toEqual([0x86ddn, 58n, 10n, 135n, 0n]);
    expect(c?.get("ipv6_src")).toBe(0x20010db8000000000000000000000001n);
    expect(c?.get("ipv6_dst")).toBe(0xfe800000000000000000000000000002n);
  });

  it("does not parse L4 in a non-first fragment, nor past the end of a truncated frame", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2) });
    const seg = udp4("1.1.1.1", "2.2.2.2", 7, 8, [1]);
    const frag = Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.1.1.1", dst: "2.2.2.2", proto: 17, fragOffset: 10 }, seg.length), ...seg]);
    ofp4Pipeline(s, 1, frag);
    const truncated = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 7, dport: 8 }).subarray(0, 14 + 20 + 10);
    const out = ofp4Pipeline(s, 1, truncated);
    expect(s.lookups.map((l) => [l.key.get("ip_proto"), l.key.get("l4_src"), l.key.get("l4_dst")])).toEqual([
      [17n, 0n, 0n],
      [6n, 0n, 0n],
    ]);
    expect(hex(out[0]?.frame ?? new Uint8Array())).toBe(hex(truncated));
  });
});

describe("set-fields", () => {
  it("rewrites MACs, IPv4 addresses, DSCP and TCP ports with valid IPv4 and TCP checksums", () => {
    const s = new TableStore();
    s.insert(T0, {
      priority: 1, match: {}, action: ACTION.FLOW,
      params: toPort(2, {
        set_fields: SET.ETH_DST | SET.ETH_SRC | SET.IPV4_SRC | SET.IPV4_DST | SET.IP_DSCP | SET.L4_SRC | SET.L4_DST,
        eth_dst: 0x0200000000aan, eth_src: 0x0200000000bbn, ipv4_src: ip4n("192.0.2.1"), ipv4_dst: ip4n("198.51.100.7"),
        ip_dscp: 10, l4_src: 40000, l4_dst: 8080,
      }),
    });
    const out = ofp4Pipeline(s, 1, tcpFrame({ src: "10.0.0.1", dst: "10.0.0.2", sport: 1234, dport: 80 }));
    const f = out[0]?.frame ?? new Uint8Array();
    expect([...f.subarray(0, 12)]).toEqual([...mac("02:00:00:00:00:aa"), ...mac("02:00:00:00:00:bb")]);
    expect([...f.subarray(26, 34)]).toEqual([...ip4("192.0.2.1"), ...ip4("198.51.100.7")]);
    expect((f[15] as number) >> 2).toBe(10);
    expect([...f.subarray(34, 38)]).toEqual([40000 >> 8, 40000 & 0xff, 8080 >> 8, 8080 & 0xff]);
    expect(ipv4ChecksumOk(f, 14)).toBe(true);
    expect(l4ChecksumOk(f, 14)).toBe(true);
  });

  it("fixes a UDP checksum after a port rewrite but leaves a zero (absent) one at zero", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2, { set_fields: SET.L4_DST, l4_dst: 9999 }) });
    const mk = (zero: boolean): Uint8Array => {
      const u = udp4("1.2.3.4", "5.6.7.8", 53, 54, [1, 2, 3], zero);
      return Uint8Array.from([...ethernet("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800), ...ipv4({ src: "1.2.3.4", dst: "5.6.7.8", proto: 17 }, u.length), ...u]);
    };
    const withSum = ofp4Pipeline(s, 1, mk(false))[0]?.frame ?? new Uint8Array();
    expect(l4ChecksumOk(withSum, 14)).toBe(true);
    expect([withSum[36], withSum[37]]).toEqual([9999 >> 8, 9999 & 0xff]);
    const noSum = ofp4Pipeline(s, 1, mk(true))[0]?.frame ?? new Uint8Array();
    expect([noSum[40], noSum[41]]).toEqual([0, 0]);
  });

  it("decrements the TTL with a valid checksum, and drops when it would reach zero", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2, { set_fields: SET.DEC_TTL }) });
    const f = ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 2, ttl: 9 }))[0]?.frame ?? new Uint8Array();
    expect(f[22]).toBe(8);
    expect(ipv4ChecksumOk(f, 14)).toBe(true);
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 2, ttl: 1 }))).toEqual([]);
  });
});

describe("VLAN push and pop", () => {
  const untagged = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 2 });
  const tagged = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 2, vlan: [3, 42] });

  it("pushes a tag on an untagged frame and sets its VID and PCP", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2, { vlan_op: VLAN_OP.PUSH, set_fields: SET.VLAN_VID | SET.VLAN_PCP, vlan_vid: 10, vlan_pcp: 6 }) });
    const f = ofp4Pipeline(s, 1, untagged)[0]?.frame ?? new Uint8Array();
    expect(hex(f)).toBe(hex(Uint8Array.from([...untagged.subarray(0, 12), 0x81, 0x00, ...vlanTag(6, 10, 0x0800), ...untagged.subarray(14)])));
  });

  it("pops the tag of a tagged frame", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: { vlan_vid: exact(0x1000 | 42, 13) }, action: ACTION.FLOW, params: toPort(2, { vlan_op: VLAN_OP.POP }) });
    const f = ofp4Pipeline(s, 1, tagged)[0]?.frame ?? new Uint8Array();
    expect(hex(f)).toBe(hex(untagged));
  });

  it("pushes an outer tag copying VID and PCP onto a tagged frame (QinQ), then sets the outer VID", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2, { vlan_op: VLAN_OP.PUSH, set_fields: SET.VLAN_VID, vlan_vid: 7, out_kind: OUT_KIND.GOTO, goto_table: 1 }) });
    s.insert(T1, { priority: 1, match: { vlan_vid: exact(0x1000 | 7, 13) }, action: ACTION.FLOW, params: toPort(2) });
    const f = ofp4Pipeline(s, 1, tagged)[0]?.frame ?? new Uint8Array();
    expect(hex(f)).toBe(hex(Uint8Array.from([...tagged.subarray(0, 12), 0x81, 0x00, ...vlanTag(3, 7, 0x8100), ...tagged.subarray(14)])));
    expect(s.lookups[1]?.key.get("vlan_pcp")).toBe(3n);
  });

  it("push-if-absent (OpenFlow 1.0 set_vlan_vid) only rewrites the VID of a tagged frame", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2, { vlan_op: VLAN_OP.PUSH_IF_ABSENT, set_fields: SET.VLAN_VID, vlan_vid: 99 }) });
    const f = ofp4Pipeline(s, 1, tagged)[0]?.frame ?? new Uint8Array();
    expect(hex(f)).toBe(hex(Uint8Array.from([...tagged.subarray(0, 14), ...vlanTag(3, 99, 0x0800), ...tagged.subarray(18)])));
    const g = ofp4Pipeline(s, 1, untagged)[0]?.frame ?? new Uint8Array();
    expect([...g.subarray(12, 16)]).toEqual([0x81, 0x00, ...vlanTag(0, 99, 0).slice(0, 2)]);
  });
});

describe("multicast", () => {
  it("replicates to every port of the group but the ingress port; instance 1 may go back", () => {
    const s = new TableStore();
    s.setGroup(5, [{ port: 1, instance: 0 }, { port: 2, instance: 0 }, { port: 3, instance: 0 }]);
    s.setGroup(6, [{ port: 1, instance: 1 }, { port: 2, instance: 0 }]);
    s.insert(T0, { priority: 1, match: { l4_dst: exact(80, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 5 }) });
    s.insert(T0, { priority: 1, match: { l4_dst: exact(81, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 6 }) });
    s.insert(T0, { priority: 1, match: { l4_dst: exact(82, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 77 }) });
    const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });
    const out = ofp4Pipeline(s, 1, f);
    expect(out.map((o) => o.port)).toEqual([2, 3]);
    expect(out.every((o) => hex(o.frame) === hex(f))).toBe(true);
    expect(out[0]?.frame).not.toBe(out[1]?.frame);
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 81 })).map((o) => o.port)).toEqual([1, 2]);
    expect(ofp4Pipeline(s, 1, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 82 }))).toEqual([]);
    expect([2, 3].map((p) => s.counter(COUNTER.PORT_TX, p).packets)).toEqual([2, 1]);
  });

  it("sends to ports and to the controller through a group holding the CPU port", () => {
    const s = new TableStore();
    s.setGroup(9, [{ port: 2, instance: 0 }, { port: 255, instance: 0 }]);
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 9, set_fields: SET.ETH_DST, eth_dst: 0x0200000000ccn }) });
    const out = ofp4Pipeline(s, 4, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }));
    expect(out.map((o) => o.port)).toEqual([2, 255]);
    const [port, cpu] = out;
    expect(hex(cpu?.frame ?? new Uint8Array())).toBe("0004" + "01" + "00" + "0000000000000000" + hex(port?.frame ?? new Uint8Array()));
    expect(hex(port?.frame.subarray(0, 6) ?? new Uint8Array())).toBe("0200000000cc");
  });
});

describe("packet-in", () => {
  it("table-miss to controller: the packet_in header (port, reason no-match, table, metadata) then the frame", () => {
    const s = new TableStore();
    s.setDefault(T0, ACTION.MISS_TO_CONTROLLER);
    const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });
    const out = ofp4Pipeline(s, 3, f);
    expect(out.map((o) => o.port)).toEqual([255]);
    expect(hex(out[0]?.frame ?? new Uint8Array())).toBe("0003" + "00" + "00" + "0000000000000000" + hex(f));
    expect(s.counter(COUNTER.PORT_TX, 255)).toEqual({ packets: 1, bytes: f.length });
  });

  it("output:CONTROLLER after goto: reason action, the entry's table, the metadata written on the way", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 2, meta_value: 0x1122334455667788n, meta_mask: ALL(64) }) });
    s.insert(T2, { priority: 1, match: { metadata: exact(0x1122334455667788n, 64) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.CONTROLLER }) });
    const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });
    const out = ofp4Pipeline(s, 258, f);
    expect(hex(out[0]?.frame ?? new Uint8Array())).toBe("0102" + "01" + "02" + "1122334455667788" + hex(f));
  });

  it("table-miss in a later table reports that table", () => {
    const s = new TableStore();
    s.setDefault(T0, ACTION.MISS_NEXT_TABLE);
    s.setDefault(T1, ACTION.MISS_TO_CONTROLLER);
    const out = ofp4Pipeline(s, 2, tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 }));
    expect(hex(out[0]?.frame.subarray(0, 4) ?? new Uint8Array())).toBe("00020001");
  });
});

describe("packet-out", () => {
  const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });
  const po = (egress: number, grp: number, inPort: number, run: number): Uint8Array =>
    Uint8Array.from([egress >> 8, egress & 0xff, grp >> 8, grp & 0xff, inPort >> 8, inPort & 0xff, run, ...f]);

  it("sends the frame out of egress_port without the header and without touching any table", () => {
    const s = new TableStore();
    const out = ofp4Pipeline(s, 255, po(3, 0, 0xfffd & 0xffff, 0));
    expect(out.map((o) => [o.port, hex(o.frame)])).toEqual([[3, hex(f)]]);
    expect(s.lookups).toHaveLength(0);
    expect(s.counter(COUNTER.PORT_RX, 255)).toEqual({ packets: 1, bytes: f.length + 7 });
  });

  it("goes out of egress_port even when it equals in_port", () => {
    expect(ofp4Pipeline(new TableStore(), 255, po(3, 0, 3, 0)).map((o) => o.port)).toEqual([3]);
  });

  it("replicates to a group, pruning in_port (flood)", () => {
    const s = new TableStore();
    s.setGroup(1, [1, 2, 3].map((port) => ({ port, instance: 0 })));
    expect(ofp4Pipeline(s, 255, po(0, 1, 2, 0)).map((o) => o.port)).toEqual([1, 3]);
  });

  it("OFPP_TABLE runs the tables as if the frame arrived on in_port", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: { in_port: exact(4, 16) }, action: ACTION.FLOW, params: toPort(6) });
    const out = ofp4Pipeline(s, 255, po(0, 0, 4, 1));
    expect(out.map((o) => [o.port, hex(o.frame)])).toEqual([[6, hex(f)]]);
    expect(s.lookups[0]?.key.get("in_port")).toBe(4n);
  });
});

describe("table-miss and goto", () => {
  const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });

  it("drops on the initial table-miss", () => {
    const s = new TableStore();
    expect(ofp4Pipeline(s, 1, f)).toEqual([]);
    expect(s.lookups.map((l) => l.table)).toEqual([T0]);
  });

  it("continues table by table on miss_next_table", () => {
    const s = new TableStore();
    s.setDefault(T0, ACTION.MISS_NEXT_TABLE);
    s.setDefault(T1, ACTION.MISS_NEXT_TABLE);
    s.setDefault(T2, ACTION.MISS_NEXT_TABLE);
    s.insert(T3, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2) });
    expect(ofp4Pipeline(s, 1, f).map((o) => o.port)).toEqual([2]);
    expect(s.lookups.map((l) => l.table)).toEqual([T0, T1, T2, T3]);
  });

  it("goto skips tables and carries metadata written under a mask", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 1, meta_value: 0xabcdn, meta_mask: 0xff00n }) });
    s.insert(T1, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 3, meta_value: 0xffffn, meta_mask: 0x000fn }) });
    s.insert(T3, { priority: 1, match: { metadata: exact(0xab0fn, 64) }, action: ACTION.FLOW, params: toPort(5) });
    expect(ofp4Pipeline(s, 1, f).map((o) => o.port)).toEqual([5]);
    expect(s.lookups.map((l) => [l.table, l.key.get("metadata")])).toEqual([[T0, 0n], [T1, 0xab00n], [T3, 0xab0fn]]);
  });

  it("sees set-fields of earlier tables in later keys", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 1, set_fields: SET.IPV4_DST, ipv4_dst: ip4n("9.9.9.9") }) });
    s.insert(T1, { priority: 1, match: { ipv4_dst: exact(ip4n("9.9.9.9"), 32) }, action: ACTION.FLOW, params: toPort(2) });
    const out = ofp4Pipeline(s, 1, f);
    expect(out.map((o) => o.port)).toEqual([2]);
    expect(ipv4ChecksumOk(out[0]?.frame ?? new Uint8Array(), 14)).toBe(true);
  });

  it("drops a goto that does not move forward or leaves the last table", () => {
    const s = new TableStore();
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 2 }) });
    s.insert(T2, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GOTO, goto_table: 1 }) });
    expect(ofp4Pipeline(s, 1, f)).toEqual([]);
    expect(s.lookups.map((l) => l.table)).toEqual([T0, T2]);
  });
});

describe("OpenFlow port config", () => {
  const f = tcpFrame({ src: "1.1.1.1", dst: "2.2.2.2", sport: 1, dport: 80 });
  const portEntry = (s: TableStore, side: typeof PORT_CONFIG.IN | typeof PORT_CONFIG.OUT, port: number, flags: Record<string, number>): void => {
    const params = Object.fromEntries(side.params.map((n) => [n, BigInt(flags[n] ?? 0)]));
    s.insert(side.table, { priority: 0, match: { port: exact(port, 9) }, action: side.action, params });
  };

  it("drops a frame received on a PORT_DOWN or NO_RECV port before any table, counting it received", () => {
    for (const flag of ["port_down", "no_recv"]) {
      const s = new TableStore();
      s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: toPort(2) });
      portEntry(s, PORT_CONFIG.IN, 1, { [flag]: 1 });
      expect(ofp4Pipeline(s, 1, f)).toEqual([]);
      expect(s.lookups).toHaveLength(0);
      expect(s.counter(COUNTER.PORT_RX, 1).packets).toBe(1);
      expect(ofp4Pipeline(s, 3, f).map((o) => o.port)).toEqual([2]);
    }
  });

  it("drops the copies to a NO_FWD or PORT_DOWN port, keeps the others and the controller's", () => {
    const s = new TableStore();
    s.setGroup(1, [2, 3, 4, 255].map((port) => ({ port, instance: 0 })));
    s.insert(T0, { priority: 1, match: {}, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 1 }) });
    portEntry(s, PORT_CONFIG.OUT, 2, { no_fwd: 1 });
    portEntry(s, PORT_CONFIG.OUT, 4, { port_down: 1 });
    portEntry(s, PORT_CONFIG.OUT, 255, { no_fwd: 1 });
    expect(ofp4Pipeline(s, 1, f).map((o) => o.port)).toEqual([3, 255]);
    expect(s.counter(COUNTER.PORT_TX, 2).packets).toBe(0);
    expect(s.counter(COUNTER.PORT_TX, 3).packets).toBe(1);
    expect(s.portLookups).toEqual(["ingress.port_config 1", "egress.port_config 2", "egress.port_config 3", "egress.port_config 4"]);
  });

  it("applies NO_FWD to packet-outs too, and never NO_RECV of the packet-out's in_port", () => {
    const s = new TableStore();
    portEntry(s, PORT_CONFIG.OUT, 3, { no_fwd: 1 });
    portEntry(s, PORT_CONFIG.IN, 4, { no_recv: 1 });
    const po = (egress: number, inPort: number): Uint8Array => Uint8Array.from([0, egress, 0, 0, 0, inPort, 0, ...f]);
    expect(ofp4Pipeline(s, 255, po(3, 1))).toEqual([]);
    expect(ofp4Pipeline(s, 255, po(5, 4)).map((o) => o.port)).toEqual([5]);
  });

  it("NO_PACKET_IN: no packet-in for frames received on the port, other outputs unchanged", () => {
    const s = new TableStore();
    s.setGroup(1, [2, 255].map((port) => ({ port, instance: 0 })));
    s.insert(T0, { priority: 1, match: { in_port: exact(1, 16) }, action: ACTION.FLOW, params: flow({ out_kind: OUT_KIND.GROUP, mcast_grp: 1 }) });
    s.setDefault(T0, ACTION.MISS_TO_CONTROLLER);
    portEntry(s, PORT_CONFIG.IN, 1, { no_packet_in: 1 });
    portEntry(s, PORT_CONFIG.IN, 3, { no_packet_in: 1 });
    expect(ofp4Pipeline(s, 1, f).map((o) => o.port)).toEqual([2]);
    expect(ofp4Pipeline(s, 3, f)).toEqual([]);
    expect(ofp4Pipeline(s, 4, f).map((o) => o.port)).toEqual([255]);
    expect(s.counter(COUNTER.PORT_TX, 255).packets).toBe(1);
  });
});

// What we encode, read back by Open vSwitch: every message the switch sends (and the Nicira
// ones a controller sends) goes through `ovs-ofctl ofp-print`, which must describe the same
// message. The error table is checked name by name against ovs-ofctl's own decoding, for
// OpenFlow 1.3 and 1.0 (where errors 1.0 lacks must come out as OVS 3.1 encodes them).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OxmField, type Match } from "../../src/openflow/match.js";
import { encodeError, encodeMessage } from "../../src/openflow/codec.js";
import { OF_ERRORS, type OfErrorName } from "../../src/openflow/errors.js";
import type { OfMessage, OfVersion, PortDesc } from "../../src/openflow/messages.js";

const dir = mkdtempSync(join(tmpdir(), "ofp4-ofp-print-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ofpPrint(bytes: Uint8Array): string {
  return execFileSync("ovs-ofctl", ["ofp-print", Buffer.from(bytes).toString("hex")]).toString();
}

/** Runs ovs-ofctl ofp-parse over many messages; returns its output. */
function ofpParse(messages: readonly Uint8Array[]): string {
  const file = join(dir, `m${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(file, Buffer.concat(messages.map((m) => Buffer.from(m))));
  return execFileSync("ovs-ofctl", ["ofp-parse", file], { maxBuffer: 64 << 20 }).toString();
}

const port: PortDesc = {
  portNo: 3,
  hwAddr: new Uint8Array([2, 0, 0, 0, 0, 3]),
  name: "p3",
  config: 1,
  state: 1,
  curr: 0x20 | 0x800 | 0x2000, // 1GB_FD COPPER AUTONEG (OpenFlow 1.3 bits)
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 10_000_000,
  maxSpeed: 10_000_000,
};
const inPort3: Match = [{ field: OxmField.IN_PORT, value: 3n, mask: 0xffffffffn }];
const ipMatch: Match = [
  { field: OxmField.IN_PORT, value: 3n, mask: 0xffffffffn },
  { field: OxmField.ETH_TYPE, value: 0x800n, mask: 0xffffn },
  { field: OxmField.IPV4_SRC, value: 0x0a000000n, mask: 0xff000000n },
];
const arpFrame = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06]);

interface PrintCase {
  readonly msg: OfMessage;
  readonly versions: readonly OfVersion[];
  readonly expect: readonly string[];
}

const cases: PrintCase[] = [
  {
    msg: { type: "features_reply", datapathId: 0x1234n, nBuffers: 0, nTables: 4, auxiliaryId: 0, capabilities: 0x47, actions: 0xfff, ports: [port] },
    versions: [1, 4],
    expect: ["OFPT_FEATURES_REPLY", "dpid:0000000000001234", "n_tables:4", "FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS"],
  },
  {
    msg: { type: "features_reply", datapathId: 1n, nBuffers: 0, nTables: 1, auxiliaryId: 0, capabilities: 0, actions: 1, ports: [port] },
    versions: [1],
    expect: ["3(p3): addr:02:00:00:00:00:03", "config:     PORT_DOWN", "state:      LINK_DOWN", "current:    1GB-FD COPPER AUTO_NEG"],
  },
  {
    msg: { type: "packet_in", bufferId: 0xffffffff, totalLen: 14, reason: 1, tableId: 2, cookie: 0x99n, match: inPort3, data: arpFrame },
    versions: [1],
    expect: ["OFPT_PACKET_IN", "total_len=14 in_port=3 (via action) data_len=14 (unbuffered)", "dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff"],
  },
  {
    msg: { type: "packet_in", bufferId: 0xffffffff, totalLen: 14, reason: 0, tableId: 2, cookie: 0x99n, match: inPort3, data: arpFrame },
    versions: [4],
    expect: ["OFPT_PACKET_IN (OF1.3)", "table_id=2 cookie=0x99 total_len=14 in_port=3 (via no_match) data_len=14 (unbuffered)"],
  },
  {
    msg: {
      type: "flow_removed",
      cookie: 0x77n,
      priority: 100,
      reason: 0,
      tableId: 1,
      durationSec: 5,
      durationNsec: 0,
      idleTimeout: 10,
      hardTimeout: 0,
      packetCount: 3n,
      byteCount: 180n,
      match: ipMatch,
    },
    versions: [1, 4],
    expect: ["OFPT_FLOW_REMOVED", "priority=100,ip,in_port=3,nw_src=10.0.0.0/8 reason=idle", "cookie:0x77 duration5s idle10 pkts3 bytes180"],
  },
  {
    msg: {
      type: "flow_removed",
      cookie: 0x77n,
      priority: 100,
      reason: 2,
      tableId: 3,
      durationSec: 5,
      durationNsec: 0,
      idleTimeout: 10,
      hardTimeout: 0,
      packetCount: 3n,
      byteCount: 180n,
      match: [
        { field: OxmField.ETH_TYPE, value: 0x86ddn, mask: 0xffffn },
        { field: OxmField.IPV6_SRC, value: 1n, mask: (1n << 128n) - 1n },
      ],
      wire: "nxm",
    },
    versions: [1],
    expect: ["NXT_FLOW_REMOVED", "priority=100,ipv6,ipv6_src=::1 reason=delete table_id=3 cookie:0x77 duration5s idle10 pkts3 bytes180"],
  },
  { msg: { type: "port_status", reason: 2, desc: port }, versions: [1, 4], expect: ["OFPT_PORT_STATUS", "MOD: 3(p3): addr:02:00:00:00:00:03", "1GB-FD COPPER AUTO_NEG"] },
  { msg: { type: "port_status", reason: 0, desc: port }, versions: [4], expect: ["ADD: 3(p3)", "speed: 10000 Mbps now, 10000 Mbps max"] },
  { msg: { type: "get_config_reply", flags: 0, missSendLen: 128 }, versions: [1, 4], expect: ["OFPT_GET_CONFIG_REPLY", "frags=normal miss_send_len=128"] },
  { msg: { type: "set_config", flags: 1, missSendLen: 0xffff }, versions: [1, 4], expect: ["OFPT_SET_CONFIG", "frags=drop miss_send_len=65535"] },
  { msg: { type: "barrier_reply" }, versions: [1, 4], expect: ["OFPT_BARRIER_REPLY (", "xid=0x9"] },
  { msg: { type: "echo_reply", data: new Uint8Array([1, 2]) }, versions: [1, 4], expect: ["OFPT_ECHO_REPLY", "2 bytes of payload"] },
  { msg: { type: "hello", versions: [1, 4] }, versions: [1, 4], expect: ["OFPT_HELLO", "version bitmap: 0x01, 0x04"] },
  { msg: { type: "role_reply", role: "master", generationId: 7n }, versions: [4], expect: ["OFPT_ROLE_REPLY (OF1.3)", "role=primary generation_id=7"] },
  { msg: { type: "role_request", role: "slave", generationId: 9n }, versions: [4], expect: ["OFPT_ROLE_REQUEST (OF1.3)", "role=secondary generation_id=9"] },
  {
    msg: { type: "get_async_reply", masks: { packetIn: [3, 0], portStatus: [7, 7], flowRemoved: [15, 0] } },
    versions: [4],
    expect: ["OFPT_GET_ASYNC_REPLY (OF1.3)", "PACKET_IN: no_match action", "FLOW_REMOVED: idle hard delete group_delete"],
  },
  { msg: { type: "nx_role_reply", role: "slave" }, versions: [1, 4], expect: ["NXT_ROLE_REPLY", "role=secondary"] },
  { msg: { type: "nx_role_request", role: "master" }, versions: [1], expect: ["NXT_ROLE_REQUEST", "role=primary"] },
  { msg: { type: "nx_set_packet_in_format", format: 2 }, versions: [1, 4], expect: ["NXT_SET_PACKET_IN_FORMAT", "format=nxt_packet_in2"] },
  { msg: { type: "nx_set_flow_format", format: 2 }, versions: [1], expect: ["NXT_SET_FLOW_FORMAT", "format=nxm"] },
  { msg: { type: "nx_flow_mod_table_id", enable: true }, versions: [1], expect: ["NXT_FLOW_MOD_TABLE_ID", "enable"] },
  { msg: { type: "get_async_request" }, versions: [4], expect: ["OFPT_GET_ASYNC_REQUEST (OF1.3)"] },
  {
    // One queue with an OFPQT_MIN_RATE property of 50 (tenths of a percent).
    msg: { type: "queue_get_config_reply", port: 2, queues: [{ queueId: 7, port: 2, properties: new Uint8Array([0, 1, 0, 16, 0, 0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0]) }] },
    versions: [1, 4],
    expect: ["OFPT_QUEUE_GET_CONFIG_REPLY", "port=2", "queue 7:", "min_rate:5.0%"],
  },
  { msg: { type: "queue_get_config_request", port: 3 }, versions: [1, 4], expect: ["OFPT_QUEUE_GET_CONFIG_REQUEST", "port=3"] },
  { msg: { type: "table_mod", tableId: 3, config: 0 }, versions: [4], expect: ["OFPT_TABLE_MOD (OF1.3)", "table_id=3"] },
];

describe("ovs-ofctl ofp-print reads what we encode", () => {
  for (const c of cases) {
    for (const v of c.versions) {
      it(`${c.msg.type} (0x0${v}) ${c.expect[c.expect.length - 1]}`, () => {
        const out = ofpPrint(encodeMessage(v, 9, c.msg));
        expect(out).not.toMatch(/decode error|\*\*\*/);
        for (const s of c.expect) expect(out).toContain(s);
      });
    }
  }
});

const PREFIX: Record<string, string> = {
  HELLO_FAILED: "OFPHFC",
  BAD_REQUEST: "OFPBRC",
  BAD_ACTION: "OFPBAC",
  BAD_INSTRUCTION: "OFPBIC",
  BAD_MATCH: "OFPBMC",
  FLOW_MOD_FAILED: "OFPFMFC",
  GROUP_MOD_FAILED: "OFPGMFC",
  PORT_MOD_FAILED: "OFPPMFC",
  TABLE_MOD_FAILED: "OFPTMFC",
  QUEUE_OP_FAILED: "OFPQOFC",
  SWITCH_CONFIG_FAILED: "OFPSCFC",
  ROLE_REQUEST_FAILED: "OFPRRFC",
  METER_MOD_FAILED: "OFPMMFC",
  TABLE_FEATURES_FAILED: "OFPTFFC",
};

/** Open vSwitch's name for one of ours (it keeps OpenFlow 1.0's spelling for a few, and names 1.3's (13,2..4) as property errors). */
function ovsName(name: OfErrorName, version: OfVersion): string {
  const renamed: Partial<Record<OfErrorName, string>> = {
    BAD_REQUEST_BAD_MULTIPART: "OFPBRC_BAD_STAT",
    BAD_REQUEST_BAD_EXPERIMENTER: "OFPBRC_BAD_VENDOR",
    BAD_REQUEST_BAD_EXP_TYPE: "OFPBRC_BAD_SUBTYPE",
    // DESIGN.md §2: an OF1.0 slave gets OFPBRC_EPERM; OVS 3.1 calls 1.3's IS_SLAVE "IS_SECONDARY".
    BAD_REQUEST_IS_SLAVE: version === 1 ? "OFPBRC_EPERM" : "OFPBRC_IS_SECONDARY",
    BAD_ACTION_BAD_EXPERIMENTER: "OFPBAC_BAD_VENDOR",
    BAD_ACTION_BAD_EXP_TYPE: "OFPBAC_BAD_VENDOR_TYPE",
    TABLE_FEATURES_FAILED_BAD_TYPE: "OFPBPC_BAD_TYPE",
    TABLE_FEATURES_FAILED_BAD_LEN: "OFPBPC_BAD_LEN",
    TABLE_FEATURES_FAILED_BAD_ARGUMENT: "OFPBPC_BAD_VALUE",
  };
  if (version === 1) renamed.FLOW_MOD_FAILED_BAD_TIMEOUT = "OFPFMFC_BAD_EMERG_TIMEOUT";
  const r = renamed[name];
  if (r !== undefined) return r;
  const key = Object.keys(PREFIX)
    .sort((a, b) => b.length - a.length)
    .find((k) => name.startsWith(`${k}_`))!;
  return `${PREFIX[key]}_${name.slice(key.length + 1)}`;
}

function names(out: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const x of out.matchAll(/OFPT_ERROR (?:\(OF1\.3\) )?\(xid=0x([0-9a-f]+)\): (\S+)/g)) m.set(parseInt(x[1]!, 16), x[2]!);
  return m;
}

/** Every error name ovs-ofctl can decode from an OpenFlow 1.0 message: plain (type, code) and Nicira vendor errors. */
function ovsOf10Names(): Set<string> {
  const msgs: Uint8Array[] = [];
  for (let type = 0; type < 20; type++) {
    for (let code = 0; code < 1100; code++) {
      const plain = Buffer.alloc(12);
      plain.writeUInt8(1, 0);
      plain.writeUInt8(1, 1);
      plain.writeUInt16BE(12, 2);
      plain.writeUInt16BE(type, 8);
      plain.writeUInt16BE(code, 10);
      const vendor = Buffer.alloc(20);
      vendor.writeUInt8(1, 0);
      vendor.writeUInt8(1, 1);
      vendor.writeUInt16BE(20, 2);
      vendor.writeUInt16BE(0xb0c2, 8);
      vendor.writeUInt32BE(0x2320, 12);
      vendor.writeUInt16BE(type, 16);
      vendor.writeUInt16BE(code, 18);
      msgs.push(plain, vendor);
    }
  }
  return new Set([...ofpParse(msgs).matchAll(/OFPT_ERROR \(xid=0x0\): ([A-Z0-9_]+)/g)].map((x) => x[1]!));
}

describe("error encodings agree with Open vSwitch", () => {
  const all = Object.keys(OF_ERRORS) as OfErrorName[];
  const request = encodeMessage(1, 5, { type: "barrier_request" });

  it("OpenFlow 1.3: ovs-ofctl names every error as we do", () => {
    const got = names(ofpParse(all.map((n, i) => encodeError(4, i, { name: n, message: "" }, encodeMessage(4, 5, { type: "barrier_request" })))));
    expect(all.map((n, i) => [n, got.get(i)])).toEqual(all.map((n) => [n, ovsName(n, 4)]));
  });

  it("OpenFlow 1.0: each error is OVS's 1.0 encoding, or NXBRC_UNENCODABLE_ERROR when OVS has none", () => {
    const known = ovsOf10Names();
    expect(known.has("OFPBMC_BAD_PREREQ")).toBe(true);
    const got = names(ofpParse(all.map((n, i) => encodeError(1, i, { name: n, message: "" }, request))));
    const want = all.map((n) => [n, known.has(ovsName(n, 1)) ? ovsName(n, 1) : "NXBRC_UNENCODABLE_ERROR"]);
    expect(all.map((n, i) => [n, got.get(i)])).toEqual(want);
  });

  it("an error quotes the whole request, as ovs-vswitchd does", () => {
    const flowMod = encodeMessage(1, 0x42, {
      type: "flow_mod",
      command: "add",
      cookie: 0n,
      cookieMask: 0n,
      tableId: 0xff,
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 0x8000,
      bufferId: 0xffffffff,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      flags: 0,
      match: ipMatch,
      instructions: { applyActions: [{ type: "output", port: 2, maxLen: 0 }], clearActions: false, writeActions: undefined, writeMetadata: undefined, gotoTable: undefined, meterId: undefined },
    });
    expect(flowMod.length).toBeGreaterThan(64);
    for (const v of [1, 4] as const) {
      const err = encodeError(v, 0x42, { name: "BAD_MATCH_BAD_PREREQ", message: "" }, flowMod);
      expect(Buffer.from(err.subarray(err.length - flowMod.length)).equals(Buffer.from(flowMod))).toBe(true);
      const out = ofpPrint(err);
      expect(out).toContain("OFPBMC_BAD_PREREQ");
      expect(out).toContain("xid=0x42");
    }
  });
});

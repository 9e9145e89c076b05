// ofp4 end to end on a real bmv2 (issue 11 item 3, issue 6): simple_switch_grpc on loopback,
// the real `ofp4 start --target bmv2` process, Debian's ovs-ofctl (OpenFlow 1.0 and 1.3) and a
// small OpenFlow client for packet-ins. Flows land as the P4 entries the mapping says (read
// back over P4Runtime from bmv2 by the test's own client); frames injected through bmv2's
// dataplane service follow them and move the counters dump-flows shows; a miss reaches the
// controller; packet-out leaves the right port; bmv2 killed and restarted empty is reconciled
// (a flow_mod sent meanwhile is held, then completed; 2,000 flows in flight are all there after);
// ofp4 killed and restarted rebuilds its flows and OpenFlow 1.3 groups from bmv2; del-flows
// empties everything.
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts test/e2e/bmv2

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMapping } from "../../../src/offload/mapping.js";
import { bytesToBigint, loadP4InfoFile, P4RuntimeClient, type p4 } from "../../../src/p4runtime/index.js";
import { startOfp4OnBmv2, type Ofp4Process } from "../../harness/ofp4.js";
import { Bmv2Process } from "../../setup/bmv2-process.js";
import { OfClient, type OfMsg } from "../ofclient.js";
import { ofctl, start } from "../util.js";
import { Tap, udpFrame } from "./dataplane.js";

const P4INFO = "p4/ofp4.p4info.txtpb";
const info = loadP4InfoFile(P4INFO);
const mapping = loadMapping("p4/ofp4.mapping.json", info);
const KIND = mapping.flow.outKind;
const dir = mkdtempSync(join(tmpdir(), "ofp4-bmv2-e2e-"));

let bmv2: Bmv2Process;
let ofp4: Ofp4Process;
let reader: P4RuntimeClient;
let dp: Tap;
let T: string;

async function startSwitch(): Promise<Ofp4Process> {
  return startOfp4OnBmv2(bmv2);
}

beforeAll(async () => {
  bmv2 = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  ofp4 = await startSwitch();
  T = ofp4.target;
  reader = new P4RuntimeClient({ address: bmv2.p4runtimeAddress, deviceId: 0n });
  dp = new Tap(() => ofp4);
}, 60_000);

afterAll(async () => {
  reader?.close();
  const exit = await ofp4?.stop();
  await bmv2?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

// ── What bmv2 holds, read back over P4Runtime ──────────────────────────────────────────────

interface SeenEntry {
  readonly table: string;
  readonly priority: number;
  readonly match: Record<string, [string, string]>;
  readonly action: string;
  /** Non-zero parameters; mcast_grp replaced by the group's ports ("mcast": "2,3"). */
  readonly params: Record<string, string>;
}

async function readGroups(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const e of await reader.readAll([{ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 0 } } }])) {
    const g = e.packetReplicationEngineEntry!.multicastGroupEntry!;
    out.set(g.multicastGroupId ?? 0, (g.replicas ?? []).map((r) => Number(r.egressPort ?? 0)).sort((a, b) => a - b).join(","));
  }
  return out;
}

async function readRaw(): Promise<p4.v1.ITableEntry[]> {
  const entities = await reader.readAll(mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } })));
  return entities.map((e) => e.tableEntry!).filter((te) => te && !te.isDefaultAction);
}

const hex = (v: bigint): string => "0x" + v.toString(16);

function describeEntry(te: p4.v1.ITableEntry, groups: Map<number, string>): SeenEntry {
  const t = info.tables.get(te.tableId ?? 0);
  const match: Record<string, [string, string]> = {};
  for (const m of te.match ?? []) {
    const f = t.matchFields.find((x) => x.id === m.fieldId)!;
    match[f.name] = [hex(bytesToBigint(m.ternary!.value!)), hex(bytesToBigint(m.ternary!.mask!))];
  }
  const a = info.actions.get(te.action!.action!.actionId ?? 0);
  const params: Record<string, string> = {};
  for (const p of te.action!.action!.params ?? []) {
    const v = bytesToBigint(p.value ?? new Uint8Array());
    if (v === 0n) continue;
    const name = a.params.find((x) => x.id === p.paramId)!.name;
    if (name === "mcast_grp") params.mcast = groups.get(Number(v)) ?? `missing group ${v}`;
    else params[name] = hex(v);
  }
  return { table: t.name, priority: te.priority ?? 0, match, action: a.name, params };
}

async function readEntries(): Promise<SeenEntry[]> {
  const groups = await readGroups();
  return (await readRaw())
    .map((te) => describeEntry(te, groups))
    .sort((x, y) => x.table.localeCompare(y.table) || y.priority - x.priority || JSON.stringify(x.match).localeCompare(JSON.stringify(y.match)));
}

function full(table: string, field: string): string {
  const f = info.table(table).matchFields.find((x) => x.name === field)!;
  return hex((1n << BigInt(f.bitwidth)) - 1n);
}

const T0 = "ingress.ofp_table_0";
const T1 = "ingress.ofp_table_1";
const IP = (t: string): Record<string, [string, string]> => ({ eth_type: ["0x800", full(t, "eth_type")] });
const dst = (t: string, a: number, mask = 0xffffffffn): Record<string, [string, string]> => ({ ...IP(t), ipv4_dst: [hex(BigInt(a)), hex(mask)] });
const ipv4 = (s: string): number => s.split(".").reduce((n, x) => n * 256 + Number(x), 0);
const flow = (params: Record<string, string>): { action: string; params: Record<string, string> } => ({ action: "ingress.flow", params });
const K = (k: number): string => hex(BigInt(k));

/** Every rule of dump-flows, without what moves by itself (duration) or is reset by a restart. */
function flowLines(dump: string, counters = true): string[] {
  return dump
    .split("\n")
    .filter((l) => l.startsWith(" cookie="))
    .map((l) => l.replace(/ duration=[\d.]+s,/, "").replace(/ idle_age=\d+,/, ""))
    .map((l) => (counters ? l : l.replace(/ n_packets=\d+, n_bytes=\d+,/, "")))
    .sort();
}

async function ok(...args: string[]): Promise<string> {
  const r = await ofctl(...args);
  if (r.code !== 0) throw new Error(`ovs-ofctl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/**
 * dump-flows until every `needles` line shows: a frame moves the counters at the next counter
 * poll (1 s), and a dump whose cache is younger than that answers from the cache.
 */
async function dumpUntil(needles: readonly string[], ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const dump = await ok("-O", "OpenFlow13", "dump-flows", T);
    if (needles.every((n) => dump.includes(n)) || Date.now() > deadline) return dump;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ── OpenFlow packet_in (OF1.3) as the test's own controller sees it ────────────────────────

interface PacketIn {
  readonly reason: number;
  readonly tableId: number;
  readonly cookie: bigint;
  readonly inPort: number | undefined;
  readonly data: string;
}

function parsePacketIn(m: OfMsg): PacketIn {
  const b = m.body;
  const matchLen = b.readUInt16BE(18);
  let inPort: number | undefined;
  for (let at = 20; at + 4 <= 16 + matchLen; ) {
    const header = b.readUInt32BE(at);
    const len = header & 0xff;
    if (header >>> 16 === 0x8000 && ((header >>> 9) & 0x7f) === 0) inPort = b.readUInt32BE(at + 4);
    at += 4 + len;
  }
  const dataAt = 16 + Math.ceil(matchLen / 8) * 8 + 2;
  return { reason: b[6]!, tableId: b[7]!, cookie: b.readBigUInt64BE(8), inPort, data: b.subarray(dataAt).toString("hex") };
}

// ── The flows ──────────────────────────────────────────────────────────────────────────────

const FLOWS13 = [
  "table=0,priority=100,ip,nw_dst=10.0.0.2,actions=output:2",
  "table=0,priority=90,ip,nw_dst=10.0.0.3,actions=output:2,output:3",
  "table=0,priority=80,ip,nw_dst=10.0.0.4,actions=set_field:02:00:00:00:00:aa->eth_dst,output:4",
  "table=0,priority=70,ip,nw_dst=10.0.1.0/24,actions=goto_table:1",
  "table=0,priority=60,cookie=0x99,ip,nw_dst=10.0.0.9,actions=CONTROLLER:128",
  "table=1,priority=10,ip,nw_src=10.0.0.7,actions=output:2,output:4",
  "table=1,priority=5,udp,tp_dst=53,actions=output:3",
];

const EXPECTED: SeenEntry[] = [
  { table: T0, priority: 101, match: dst(T0, ipv4("10.0.0.2")), ...flow({ out_kind: K(KIND.port), out_port: "0x2" }) },
  { table: T0, priority: 91, match: dst(T0, ipv4("10.0.0.3")), ...flow({ out_kind: K(KIND.group), mcast: "2,3" }) },
  { table: T0, priority: 81, match: dst(T0, ipv4("10.0.0.4")), ...flow({ set_fields: K(mapping.flow.setFields.get(3)!.bit), eth_dst: "0x200000000aa", out_kind: K(KIND.port), out_port: "0x4" }) },
  { table: T0, priority: 71, match: dst(T0, ipv4("10.0.1.0"), 0xffffff00n), ...flow({ out_kind: K(KIND.goto), goto_table: "0x1" }) },
  { table: T0, priority: 61, match: dst(T0, ipv4("10.0.0.9")), ...flow({ out_kind: K(KIND.controller) }) },
  { table: T0, priority: 41, match: { in_port: ["0x2", full(T0, "in_port")] }, ...flow({ out_kind: K(KIND.port), out_port: "0x1" }) },
  { table: T1, priority: 11, match: { ...IP(T1), ipv4_src: [hex(BigInt(ipv4("10.0.0.7"))), "0xffffffff"] }, ...flow({ out_kind: K(KIND.group), mcast: "2,4" }) },
  { table: T1, priority: 6, match: { ...IP(T1), ip_proto: ["0x11", "0xff"], l4_dst: ["0x35", full(T1, "l4_dst")] }, ...flow({ out_kind: K(KIND.port), out_port: "0x3" }) },
];

describe("ofp4 on a real bmv2", () => {
  it("add-flows (1.3) and add-flow (1.0) land as the entries the mapping says, read back from bmv2", async () => {
    const file = join(dir, "flows.txt");
    writeFileSync(file, FLOWS13.join("\n") + "\n");
    await ok("-O", "OpenFlow13", "add-flows", T, file);
    await ok("-O", "OpenFlow10", "add-flow", T, "priority=40,in_port=2,actions=output:1");
    expect(await readEntries()).toEqual(EXPECTED);
    expect([...(await readGroups()).values()].sort()).toEqual(["2,3", "2,4"]);
    const dump = await ok("-O", "OpenFlow13", "dump-flows", T);
    expect(flowLines(dump)).toHaveLength(8);
    expect(dump).toContain("table=1, n_packets=0, n_bytes=0, priority=10,ip,nw_src=10.0.0.7 actions=output:2,output:4");
  });

  it("injected frames follow the entries to the right ports and move the counters dump-flows shows", async () => {
    const toTwo = udpFrame({ src: 1, dst: 2, ipSrc: "10.0.0.1", ipDst: "10.0.0.2" });
    const toThree = udpFrame({ src: 1, dst: 3, ipSrc: "10.0.0.1", ipDst: "10.0.0.3" });
    const toFour = udpFrame({ src: 1, dst: 4, ipSrc: "10.0.0.1", ipDst: "10.0.0.4" });
    const rewritten = Buffer.from(toFour);
    Buffer.from([2, 0, 0, 0, 0, 0xaa]).copy(rewritten, 0);
    // goto_table:1, then table 1 sends 10.0.0.7's frames to ports 2 and 4 and DNS to port 3.
    const viaOne = udpFrame({ src: 7, dst: 9, ipSrc: "10.0.0.7", ipDst: "10.0.1.20" });
    const dns = udpFrame({ src: 8, dst: 9, ipSrc: "10.0.0.8", ipDst: "10.0.1.21", dport: 53 });
    const fromTwo = udpFrame({ src: 2, dst: 1, ipSrc: "10.0.0.22", ipDst: "10.0.0.21" });
    await dp.clear();
    for (const f of [toTwo, toTwo, toTwo, toThree, toFour, viaOne, dns]) await dp.inject(1, f);
    await dp.inject(2, fromTwo);
    const sorted = (frames: readonly Buffer[]): string[] => frames.map((f) => f.toString("hex")).sort();
    const expected: [number, Buffer[]][] = [
      [1, [fromTwo]],
      [2, [toTwo, toTwo, toTwo, toThree, viaOne]],
      [3, [toThree, dns]],
      [4, [rewritten, viaOne]],
    ];
    for (const [port, frames] of expected) expect((await dp.frames(port, frames.length)).sort()).toEqual(sorted(frames));

    const dump = await dumpUntil(["n_packets=3, n_bytes=180, priority=100", "n_packets=1, n_bytes=60, reset_counts priority=40"]);
    const line = (needle: string): string => dump.split("\n").find((l) => l.includes(needle)) ?? `no line with ${needle}`;
    expect(line("nw_dst=10.0.0.2 ")).toContain("n_packets=3, n_bytes=180,");
    expect(line("nw_dst=10.0.0.3 ")).toContain("n_packets=1, n_bytes=60,");
    expect(line("nw_dst=10.0.0.4 ")).toContain("n_packets=1, n_bytes=60,");
    expect(line("nw_dst=10.0.1.0/24 ")).toContain("n_packets=2, n_bytes=120,");
    expect(line("nw_src=10.0.0.7 ")).toContain("n_packets=1, n_bytes=60,");
    expect(line("tp_dst=53 ")).toContain("n_packets=1, n_bytes=60,");
    expect(line("in_port=2 ")).toContain("n_packets=1, n_bytes=60,");
    const dump10 = await ok("-O", "OpenFlow10", "dump-flows", T);
    expect(dump10).toMatch(/n_packets=3, n_bytes=180,[^\n]*priority=100,ip,nw_dst=10\.0\.0\.2 actions=output:2/);
  });

  it("a table miss and output:CONTROLLER reach the controller as packet_in; packet-out leaves the right bmv2 port", async () => {
    const c = await OfClient.open(T);
    try {
      await c.barrier(); // the connection is registered with ofp4
      const miss0 = udpFrame({ src: 1, dst: 5, ipSrc: "10.0.0.1", ipDst: "10.0.0.50" });
      await dp.inject(3, miss0);
      const p0 = parsePacketIn(await c.next((m) => m.type === 10));
      expect(p0).toEqual({ reason: 0, tableId: 0, cookie: 0xffffffffffffffffn, inPort: 3, data: miss0.toString("hex") });

      const miss1 = udpFrame({ src: 1, dst: 5, ipSrc: "10.0.0.5", ipDst: "10.0.1.9" });
      await dp.inject(1, miss1);
      const p1 = parsePacketIn(await c.next((m) => m.type === 10 && parsePacketIn(m).data === miss1.toString("hex")));
      expect(p1).toMatchObject({ reason: 0, tableId: 1, inPort: 1 });

      const action = udpFrame({ src: 1, dst: 9, ipSrc: "10.0.0.1", ipDst: "10.0.0.9" });
      await dp.inject(4, action);
      const p2 = parsePacketIn(await c.next((m) => m.type === 10 && parsePacketIn(m).data === action.toString("hex")));
      expect(p2).toMatchObject({ reason: 1, tableId: 0, cookie: 0x99n, inPort: 4 });
    } finally {
      c.close();
    }

    await dp.clear();
    const out10 = udpFrame({ src: 0x10, dst: 0x11, ipSrc: "10.9.0.1", ipDst: "10.9.0.2" });
    await ok("packet-out", T, "1", "output:3", out10.toString("hex"));
    expect(await dp.frames(3)).toEqual([out10.toString("hex")]);
    const out13 = udpFrame({ src: 0x12, dst: 0x13, ipSrc: "10.9.0.3", ipDst: "10.9.0.4" });
    await ok("-O", "OpenFlow13", "packet-out", T, `in_port=2,packet=${out13.toString("hex")},actions=output:4`);
    expect(await dp.frames(4)).toEqual([out13.toString("hex")]);
  });

  it("OpenFlow 1.3 groups: an ALL group is a multicast group, an INDIRECT group runs inline; dump-groups shows them", async () => {
    await ok("-O", "OpenFlow13", "add-group", T, "group_id=1,type=all,bucket=output:1,bucket=output:3");
    await ok("-O", "OpenFlow13", "add-group", T, "group_id=2,type=indirect,bucket=set_field:02:00:00:00:00:bb->eth_dst,output:2");
    await ok("-O", "OpenFlow13", "add-flow", T, "priority=50,ip,nw_dst=10.0.0.11,actions=group:1");
    await ok("-O", "OpenFlow13", "add-flow", T, "priority=50,ip,nw_dst=10.0.0.12,actions=group:2");
    const entries = await readEntries();
    expect(entries.find((e) => e.priority === 51 && e.match.ipv4_dst?.[0] === hex(BigInt(ipv4("10.0.0.11"))))?.params).toEqual({ out_kind: K(KIND.group), mcast: "1,3" });
    expect(entries.find((e) => e.priority === 51 && e.match.ipv4_dst?.[0] === hex(BigInt(ipv4("10.0.0.12"))))?.params).toEqual({
      set_fields: K(mapping.flow.setFields.get(3)!.bit),
      eth_dst: "0x200000000bb",
      out_kind: K(KIND.port),
      out_port: "0x2",
    });
    await dp.clear();
    const f = udpFrame({ src: 4, dst: 9, ipSrc: "10.0.0.40", ipDst: "10.0.0.11" });
    await dp.inject(4, f);
    expect(await dp.frames(1)).toEqual([f.toString("hex")]);
    expect(await dp.frames(3)).toEqual([f.toString("hex")]);
    const groups = await ok("-O", "OpenFlow13", "dump-groups", T);
    expect(groups).toContain("group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:3");
    expect(groups).toContain("group_id=2,type=indirect,bucket=actions=set_field:02:00:00:00:00:bb->eth_dst,output:2");
  });

  it("bmv2 killed and restarted empty: a clear error, no crash, the pipeline and every rule back, nothing orphaned; a flow_mod sent meanwhile is held, then completed", async () => {
    const flowsBefore = flowLines(await ok("-O", "OpenFlow13", "dump-flows", T), false);
    const entriesBefore = await readEntries();
    const metadataBefore = (await readRaw()).map((te) => Buffer.from(te.metadata ?? []).toString("hex")).sort();
    const groupsBefore = await readGroups();
    expect(flowsBefore).toHaveLength(10);

    await bmv2.kill();
    const lost = await ofp4.line(/^P4Runtime error \w+ on StreamChannel/);
    expect(lost).toMatch(/unreachable|unavailable|closed|reset|connect/i);
    // While bmv2 is away: the flow tables still answer (cached counters); a packet-out cannot
    // be sent and says so with an OpenFlow error.
    expect(flowLines(await ok("-O", "OpenFlow13", "dump-flows", T), false)).toEqual(flowsBefore);
    const po = await ofctl("-O", "OpenFlow13", "packet-out", T, `in_port=controller,packet=${udpFrame({ src: 1, dst: 2, ipSrc: "10.0.0.1", ipDst: "10.0.0.2" }).toString("hex")},actions=output:2`);
    expect(po.code).not.toBe(0);
    expect(po.stderr).toMatch(/OFPT_ERROR \(OF1\.3\) \(xid=0x\w+\): OFPBRC_EPERM/);

    // DESIGN.md §6: operations started while the target is away wait (bounded by 30 s) and
    // complete once it is back. The echo shows ofp4 is alive and has read the flow_mod; the
    // barrier reply must not come before bmv2 is back.
    const c = await OfClient.open(T);
    const held = start("ovs-ofctl", ["-O", "OpenFlow13", "add-flow", T, "priority=30,ip,nw_dst=10.0.0.30,actions=output:3"]);
    try {
      c.flowAdd(1, 20, 4);
      const barrier = c.barrier();
      let barrierBack = false;
      void barrier.then(() => (barrierBack = true));
      await c.request(2, Buffer.from("alive")); // ECHO_REQUEST -> ECHO_REPLY
      expect(barrierBack).toBe(false);
      expect(held.child.exitCode).toBe(null);

      await bmv2.restart();
      await ofp4.line(/^reconciliation finished/);
      await barrier;
      expect(c.received.filter((m) => m.type === 1)).toEqual([]); // no OpenFlow error
      expect(await held.exited).toBe(0);
    } finally {
      c.close();
      await held.stop();
    }
    expect(ofp4.log()).toMatch(/pushing the P4 pipeline[\s\S]*pushing the P4 pipeline/); // pushed again
    // Issue 9: the lost stream is the one P4Runtime error of the whole run so far, logged once.
    const p4errors = ofp4
      .log()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; switch?: string; code?: string })
      .filter((l) => l.msg.startsWith("P4Runtime error"));
    expect(p4errors).toHaveLength(1);
    expect(p4errors[0]).toMatchObject({ switch: "br0", code: "UNAVAILABLE" });

    const after = await readEntries();
    const added: SeenEntry[] = [
      { table: T0, priority: 31, match: dst(T0, ipv4("10.0.0.30")), ...flow({ out_kind: K(KIND.port), out_port: "0x3" }) },
      { table: T0, priority: 21, match: { in_port: ["0x1", full(T0, "in_port")] }, ...flow({ out_kind: K(KIND.port), out_port: "0x4" }) },
    ];
    const sortKey = (e: SeenEntry): string => `${e.table}/${String(100000 - e.priority).padStart(6, "0")}/${JSON.stringify(e.match)}`;
    expect(after.map(sortKey).sort()).toEqual([...entriesBefore, ...added].map(sortKey).sort());
    expect([...after].sort((x, y) => sortKey(x).localeCompare(sortKey(y)))).toEqual([...entriesBefore, ...added].sort((x, y) => sortKey(x).localeCompare(sortKey(y))));
    // Every entry is ofp4's and explained by a rule; every multicast group is used by an entry.
    const raw = await readRaw();
    expect(raw.every((te) => Buffer.from(te.metadata ?? []).subarray(0, 4).toString() === "OFP4")).toBe(true);
    const metadataAfter = raw.map((te) => Buffer.from(te.metadata ?? []).toString("hex"));
    for (const m of metadataBefore) expect(metadataAfter).toContain(m);
    expect(await readGroups()).toEqual(groupsBefore);
    const used = new Set(after.flatMap((e) => (e.params.mcast ? [e.params.mcast] : [])));
    expect(new Set(groupsBefore.values())).toEqual(used);
    const flowsAfter = flowLines(await ok("-O", "OpenFlow13", "dump-flows", T), false);
    expect(flowsAfter).toEqual(
      [...flowsBefore, " cookie=0x0, table=0, priority=30,ip,nw_dst=10.0.0.30 actions=output:3", " cookie=0x0, table=0, priority=20,in_port=1 actions=output:4"].sort(),
    );
    // And bmv2 forwards again by the reinstalled entries.
    const f = udpFrame({ src: 1, dst: 3, ipSrc: "10.0.0.1", ipDst: "10.0.0.3" });
    await dp.clear();
    await dp.inject(1, f);
    expect(await dp.frames(3)).toEqual([f.toString("hex")]);
  });

  it("ofp4 killed and restarted against the same bmv2 rebuilds its flows and groups from the entries, writing nothing", async () => {
    // The 10.0.0.3 rule's count went on across bmv2's restart (1 frame before, 1 after).
    const dumpBefore = await dumpUntil(["n_packets=2, n_bytes=120, priority=90,ip,nw_dst=10.0.0.3"]);
    expect(dumpBefore).toContain("n_packets=2, n_bytes=120, priority=90,ip,nw_dst=10.0.0.3");
    const flowsBefore = flowLines(dumpBefore, false);
    const groupsBefore = await ok("-O", "OpenFlow13", "dump-groups", T);
    const rawBefore = await readRaw();
    const mcastBefore = await readGroups();

    process.kill(ofp4.pid, "SIGKILL");
    expect(await ofp4.stop()).toEqual({ code: null, signal: "SIGKILL" });
    ofp4 = await startSwitch();
    T = ofp4.target;
    await ofp4.line(/rules found on the target adopted/);
    expect(ofp4.log()).not.toMatch(/pushing the P4 pipeline/); // the cookie matched: entries kept
    expect(ofp4.log()).not.toMatch(/not adopted/);

    // The same rules; their counts are bmv2's own now (what ofp4 kept across bmv2's restart was in
    // the old process): the 10.0.0.3 rule shows the 1 frame bmv2 counted since it restarted.
    const dumpAfter = await dumpUntil(["n_packets=1, n_bytes=60, priority=90,ip,nw_dst=10.0.0.3"]);
    expect(flowLines(dumpAfter, false)).toEqual(flowsBefore);
    expect(dumpAfter).toContain("n_packets=1, n_bytes=60, priority=90,ip,nw_dst=10.0.0.3");
    expect(await ok("-O", "OpenFlow13", "dump-groups", T)).toEqual(groupsBefore);
    expect(await readRaw()).toEqual(rawBefore);
    expect(await readGroups()).toEqual(mcastBefore);
    const dump = await ofp4.ctl("--json", "dump-entries", "br0");
    expect(dump.code).toBe(0);
    const statuses = (JSON.parse(dump.stdout) as { status: string }[] | { entries: { status: string }[] });
    const list = Array.isArray(statuses) ? statuses : statuses.entries;
    expect(list.map((e) => e.status)).toEqual(rawBefore.map(() => "rule"));
    const stats = await ofp4.ctl("--json", "stats", "br0");
    expect(stats.stdout).toMatch(/"writes":\s*0\b/);
  });

  it("bmv2 killed while 2,000 flows are being written: every flow lands once bmv2 is back, nothing orphaned", async () => {
    const N = 2000;
    const before = (await readRaw()).length;
    const file = join(dir, "load.txt");
    const lines: string[] = [];
    for (let i = 0; i < N; i++) {
      const outs = i % 50 === 0 ? "output:1,output:2,output:4" : `output:${1 + (i % 4)}`;
      lines.push(`table=2,priority=${100 + (i % 7)},ip,nw_src=10.${20 + (i >> 8)}.${i & 0xff}.1,actions=${outs}`);
    }
    writeFileSync(file, lines.join("\n") + "\n");
    const load = start("ovs-ofctl", ["-O", "OpenFlow13", "add-flows", T, file]);
    try {
      // Kill bmv2 once some of the flows are in it (the others are in flight or still coming).
      const table2 = info.table("ingress.ofp_table_2").id;
      const deadline = Date.now() + 20_000;
      let landed = 0;
      while (landed === 0 && Date.now() < deadline) landed = (await reader.readAll([{ tableEntry: { tableId: table2 } }])).length;
      await bmv2.kill();
      expect(landed).toBeGreaterThan(0);
      expect(landed).toBeLessThan(N);
      await bmv2.restart();
      expect(await load.exited).toBe(0);
    } finally {
      await load.stop();
    }
    await ofp4.line(/^reconciliation finished/);
    const raw = await readRaw();
    expect(raw).toHaveLength(before + N);
    const inTable2 = (await readEntries()).filter((e) => e.table === "ingress.ofp_table_2");
    expect(inTable2).toHaveLength(N);
    expect(new Set(inTable2.map((e) => e.params.mcast ?? e.params.out_port))).toEqual(new Set(["1,2,4", "0x1", "0x2", "0x3", "0x4"]));
    const dump = await ok("-O", "OpenFlow13", "dump-flows", T, "table=2");
    expect(flowLines(dump)).toHaveLength(N);
    const groups = await readGroups();
    const used = new Set((await readEntries()).flatMap((e) => (e.params.mcast ? [e.params.mcast] : [])));
    expect(new Set(groups.values())).toEqual(used);
    expect(groups.size).toBe(used.size);
    const entries = await ofp4.ctl("--json", "dump-entries", "br0");
    const statuses = JSON.parse(entries.stdout) as { status: string }[];
    expect(statuses.filter((e) => e.status !== "rule")).toEqual([]);
    expect(statuses).toHaveLength(before + N);
  });

  it("del-flows empties the tables: no ofp4 entry and no multicast group left on bmv2", async () => {
    await ok("-O", "OpenFlow13", "del-flows", T);
    expect(flowLines(await ok("-O", "OpenFlow13", "dump-flows", T))).toEqual([]);
    expect(await readRaw()).toEqual([]);
    expect(await readGroups()).toEqual(new Map());
    await ok("-O", "OpenFlow13", "del-groups", T);
    expect(await ok("-O", "OpenFlow13", "dump-groups", T)).not.toMatch(/group_id=/);
  });
});

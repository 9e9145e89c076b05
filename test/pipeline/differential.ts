// The differential suite: every scenario of ./scenarios.ts runs on a P4Runtime target that
// serves bmv2's dataplane service (real simple_switch_grpc, or ofp4's sim) and through the
// TypeScript model with a table store holding the same entries; what leaves each port, the
// packet-ins with their metadata, the port counters and the direct counters must be identical.
// The target is started and stopped by the caller; this file only drives it over gRPC.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { P4RuntimeClient } from "../../src/p4runtime/client.js";
import { bigintToBytes, bytesToBigint } from "../../src/p4runtime/bytes.js";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";
import { Header, PACKET_IN } from "../../targets/sim/pipeline/headers.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { COUNTER, CPU_PORT, TABLES } from "../../targets/sim/pipeline/program.js";
import { SCENARIOS, type Scenario, type ScenarioEntry, type ScenarioFrame } from "./scenarios.js";
import { TableStore } from "./table-store.js";

export interface DifferentialTarget {
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string;
  stop(): Promise<void>;
  /** How long no more copies of a frame must arrive before its outputs count as complete. */
  readonly quietMs: number;
}

const info = loadP4InfoFile("p4/ofp4.p4info.txtpb");
const deviceConfig = readFileSync("p4/ofp4.json");

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

interface Seen {
  port: number;
  frame: string;
}

let client: P4RuntimeClient | undefined;
let dataplane: grpc.ClientDuplexStream<p4.bm.IPacketStreamRequest, p4.bm.PacketStreamResponse> | undefined;
let dpClient: grpc.Client | undefined;
const seen: Seen[] = [];
let stopping = false;

function packetInFrame(pi: p4.v1.PacketIn): string {
  const h = new Header(PACKET_IN);
  const hdr = info.controllerHeaders.get("packet_in");
  for (const m of pi.metadata) {
    const name = hdr.metadata.find((x) => x.id === m.metadataId)?.name as (typeof PACKET_IN.fields)[number][0];
    h.set(name, bytesToBigint(m.value ?? new Uint8Array()));
  }
  const out = new Uint8Array(PACKET_IN.bytes + pi.payload.length);
  h.emitInto(out, 0);
  out.set(pi.payload, PACKET_IN.bytes);
  return hex(out);
}

function openDataplane(): grpc.ClientDuplexStream<p4.bm.IPacketStreamRequest, p4.bm.PacketStreamResponse> {
  const stream = (dpClient as grpc.Client).makeBidiStreamRequest(
    "/p4.bm.DataplaneInterface/PacketStream",
    (m: p4.bm.IPacketStreamRequest) => Buffer.from(p4.bm.PacketStreamRequest.encode(m).finish()),
    (b: Buffer) => p4.bm.PacketStreamResponse.decode(b),
  );
  stream.on("data", (r: p4.bm.PacketStreamResponse) => seen.push({ port: r.port, frame: hex(r.packet) }));
  stream.on("error", (e: Error) => {
    dataplane = undefined;
    if (!stopping) console.error("dataplane stream:", e.message);
  });
  return stream;
}

function tableEntry(e: ScenarioEntry): p4.v1.ITableEntry {
  const t = info.table(e.table);
  const a = info.action(e.action);
  return {
    tableId: t.id,
    priority: e.priority,
    match: Object.entries(e.match).map(([name, [v, m]]) => {
      const f = t.matchFields.find((x) => x.name === name);
      // Exact fields (the port-config tables) carry the value alone; the rest are ternary.
      if (f?.matchKind === "exact") return { fieldId: f.id, exact: { value: bigintToBytes(v) } };
      return { fieldId: f?.id ?? 0, ternary: { value: bigintToBytes(v), mask: bigintToBytes(m) } };
    }),
    action: { action: { actionId: a.id, params: a.params.map((p) => ({ paramId: p.id, value: bigintToBytes(e.params?.[p.name] ?? 0n) })) } },
  };
}

function entryKey(table: string, priority: number, match: Iterable<readonly [string, bigint, bigint]>): string {
  return `${table}/${priority}/${[...match].map(([f, v, m]) => `${f}=${v.toString(16)}&${m.toString(16)}`).sort().join(",")}`;
}

async function load(s: Scenario, store: TableStore): Promise<void> {
  const c = client as P4RuntimeClient;
  await c.setPipeline({ p4info: info, deviceConfig });
  // bmv2's dataplane service answers UNAVAILABLE "not ready" until a pipeline is set.
  dataplane ??= openDataplane();
  const updates: p4.v1.IUpdate[] = [];
  for (const g of s.groups ?? []) {
    updates.push({ type: p4.v1.Update.Type.INSERT, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: g.id, replicas: g.replicas.map((r) => ({ egressPort: r.port, instance: r.instance })) } } } });
    store.setGroup(g.id, [...g.replicas]);
  }
  for (const d of s.defaults ?? []) {
    updates.push({ type: p4.v1.Update.Type.MODIFY, entity: { tableEntry: { tableId: info.table(d.table).id, isDefaultAction: true, action: { action: { actionId: info.action(d.action).id } } } } });
    store.setDefault(d.table, d.action);
  }
  for (const e of s.entries) {
    updates.push({ type: p4.v1.Update.Type.INSERT, entity: { tableEntry: tableEntry(e) } });
    store.insert(e.table, e);
  }
  const results = await c.write(updates);
  expect(results.map((r) => `${r.code} ${r.message}`)).toEqual(results.map(() => "0 "));
}

async function inject(f: ScenarioFrame, expected: number, quietMs: number): Promise<Seen[]> {
  seen.length = 0;
  if (f.port === "controller") {
    const po = f.packetOut ?? { egressPort: 0, mcastGrp: 0, inPort: 0, runPipeline: 0 };
    (client as P4RuntimeClient).packetOut(f.frame, [
      { metadataId: 1, value: bigintToBytes(BigInt(po.egressPort)) },
      { metadataId: 2, value: bigintToBytes(BigInt(po.mcastGrp)) },
      { metadataId: 3, value: bigintToBytes(BigInt(po.inPort)) },
      { metadataId: 4, value: bigintToBytes(BigInt(po.runPipeline)) },
    ]);
  } else {
    dataplane?.write({ deviceId: 0n, port: f.port, packet: f.frame });
  }
  // Nothing signals "no more copies": wait for the expected count, then a quiet spell.
  const start = Date.now();
  let last = -1;
  let quietSince = Date.now();
  while (Date.now() - start < 3000) {
    await new Promise((r) => setTimeout(r, 10));
    if (seen.length !== last) {
      last = seen.length;
      quietSince = Date.now();
    }
    if (seen.length >= expected && Date.now() - quietSince > quietMs) break;
  }
  return [...seen];
}

function modelFrame(f: ScenarioFrame): [number, Uint8Array] {
  if (f.port !== "controller") return [f.port, f.frame];
  const po = f.packetOut ?? { egressPort: 0, mcastGrp: 0, inPort: 0, runPipeline: 0 };
  const h = [po.egressPort >> 8, po.egressPort & 0xff, po.mcastGrp >> 8, po.mcastGrp & 0xff, po.inPort >> 8, po.inPort & 0xff, po.runPipeline];
  return [CPU_PORT, Uint8Array.from([...h, ...f.frame])];
}

const sortSeen = (l: Seen[]): string[] => l.map((s) => `${s.port} ${s.frame}`).sort();


/** Registers the suite: `start` brings the target up (with CPU port 255), `stop` ends it. */
export function differentialSuite(title: string, start: () => Promise<DifferentialTarget>): void {
  let target: DifferentialTarget | undefined;

  beforeAll(async () => {
    target = await start();
    // A target may not answer at once (bmv2 says nothing when it listens): retry arbitration.
    for (let attempt = 0; ; attempt++) {
      const c = new P4RuntimeClient({ address: target.p4runtimeAddress, electionId: 1n, reconnect: false, connectTimeoutMs: 1000 });
      try {
        await c.connect();
        client = c;
        break;
      } catch (e) {
        c.close();
        if (attempt > 30) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    client.on("packetIn", (pi) => seen.push({ port: CPU_PORT, frame: packetInFrame(pi) }));
    dpClient = new grpc.Client(target.dataplaneAddress, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    stopping = true;
    dataplane?.end();
    dpClient?.close();
    client?.close();
    await target?.stop();
  });

  describe(title, () => {
    for (const s of SCENARIOS) {
      it(s.name, async () => {
        const store = new TableStore();
        await load(s, store);
        for (const [i, f] of s.frames.entries()) {
          const [port, frame] = modelFrame(f);
          const want = ofp4Pipeline(store, port, frame).map((o) => ({ port: o.port, frame: hex(o.frame) }));
          const got = await inject(f, want.length, target?.quietMs ?? 200);
          expect(sortSeen(got), `frame ${i} on ${String(f.port)}`).toEqual(sortSeen(want));
        }
        const c = client as P4RuntimeClient;
        for (const name of Object.values(COUNTER)) {
          const cells = await c.readAll([{ counterEntry: { counterId: info.counters.get(name).id } }]);
          const got = cells
            .map((e) => e.counterEntry as p4.v1.CounterEntry)
            .filter((e) => Number(e.data?.packetCount ?? 0) > 0)
            .map((e) => `${Number(e.index?.index ?? 0)}: ${Number(e.data?.packetCount ?? 0)}p ${Number(e.data?.byteCount ?? 0)}B`);
          const want: string[] = [];
          for (let i = 0; i < 512; i++) {
            const m = store.counter(name, i);
            if (m.packets > 0) want.push(`${i}: ${m.packets}p ${m.bytes}B`);
          }
          expect(got.sort(), name).toEqual(want.sort());
        }
        for (const table of TABLES) {
          const t = info.table(table);
          const rows = await c.readAll([{ tableEntry: { tableId: t.id, counterData: {} } }]);
          const got = rows.map((r) => {
            const te = r.tableEntry as p4.v1.TableEntry;
            const match = te.match.map((m) => [t.matchFields.find((f) => f.id === m.fieldId)?.name ?? "?", bytesToBigint(m.ternary?.value ?? new Uint8Array()), bytesToBigint(m.ternary?.mask ?? new Uint8Array())] as const);
            return `${entryKey(table, te.priority, match)} ${Number(te.counterData?.packetCount ?? 0)}p ${Number(te.counterData?.byteCount ?? 0)}B`;
          });
          const want = s.entries.filter((e) => e.table === table).map((e) => {
            const n = store.entryCounter(table, e);
            return `${entryKey(table, e.priority, Object.entries(e.match).map(([f, [v, m]]) => [f, v, m] as const))} ${n.packets}p ${n.bytes}B`;
          });
          expect(got.sort(), `${table} direct counters`).toEqual(want.sort());
        }
      });
    }
  });
}

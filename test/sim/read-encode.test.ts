// The sim's hand-written ReadResponse (read-encode.ts ReadResponseWriter) against the message
// form (ReadEntities, what the sim answered before: protobufjs objects encoded by the generated
// p4.v1.ReadResponse): for random entries in every table of the fixture program (exact, lpm,
// ternary, range, optional) and of ofp4.p4, with hits, idle timeouts, metadata and default
// actions, every kind of Read gives the same status and byte-identical responses that decode to
// the same messages; long entries widen length slots and a large Read grows the buffer; and the
// server sends those bytes as they are (one response per Read, same status).
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { parseTextFormat } from "../../src/p4runtime/text-format.js";
import { canonical } from "../../targets/sim/bitstring.js";
import { Device } from "../../targets/sim/device.js";
import { ReadEntities, ReadResponseWriter } from "../../targets/sim/read-encode.js";
import { ActionScope, MatchKind, type Schema, type TableInfo } from "../../targets/sim/schema.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import type { P4Status } from "../../targets/sim/status.js";
import { TestClient } from "./harness.js";

interface Program {
  readonly p4info: p4.config.v1.IP4Info;
  readonly json: Uint8Array;
  readonly p4infoBytes: Uint8Array;
}

function program(dir: URL, base: string): Program {
  const p4info = parseTextFormat(readFileSync(new URL(`${base}.p4info.txtpb`, dir), "utf8"), "p4.config.v1.P4Info") as p4.config.v1.IP4Info;
  return { p4info, json: Uint8Array.from(readFileSync(new URL(`${base}.json`, dir))), p4infoBytes: p4.config.v1.P4Info.encode(p4info).finish() };
}

const SIMTEST = program(new URL("../fixtures/sim/", import.meta.url), "simtest");
const OFP4 = program(new URL("../../p4/", import.meta.url), "ofp4");

/** A small seeded PRNG (mulberry32), so fast-check's seed drives every choice. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number): boolean => r() < p;

/** A value of `bits` bits: often small or extreme, else uniform. */
function value(r: Rand, bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  const k = r();
  if (k < 0.15) return 0n;
  if (k < 0.25) return max;
  if (k < 0.45) return BigInt(Math.floor(r() * 4)) & max;
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(r() * 65536));
  return v & max;
}

const bytes = (r: Rand, max: number): Uint8Array => Uint8Array.from({ length: Math.floor(r() * (max + 1)) }, () => Math.floor(r() * 256));

interface Made {
  readonly entity: p4.v1.IEntity;
  /** Header field values a packet matching the entry carries. */
  readonly key: Map<string, bigint>;
}

/** A random entry of `t` (it may be refused: a duplicate, a full table). */
function randomEntry(r: Rand, schema: Schema, t: TableInfo): Made | undefined {
  const match: p4.v1.IFieldMatch[] = [];
  const key = new Map<string, bigint>();
  for (const f of t.fields) {
    const bits = f.bitwidth;
    const all = (1n << BigInt(bits)) - 1n;
    switch (f.kind) {
      case MatchKind.EXACT: {
        const v = value(r, bits);
        key.set(f.name, v);
        match.push({ fieldId: f.id, exact: { value: canonical(v) } });
        break;
      }
      case MatchKind.TERNARY: {
        const mask = chance(r, 0.3) ? 0n : chance(r, 0.4) ? all : value(r, bits);
        const v = value(r, bits) & mask;
        key.set(f.name, v);
        if (mask !== 0n) match.push({ fieldId: f.id, ternary: { value: canonical(v), mask: canonical(mask) } });
        break;
      }
      case MatchKind.LPM: {
        const len = chance(r, 0.2) ? 0 : Math.floor(r() * (bits + 1));
        const mask = len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len);
        const v = value(r, bits) & mask;
        key.set(f.name, v);
        if (len > 0) match.push({ fieldId: f.id, lpm: { value: canonical(v), prefixLen: len } });
        break;
      }
      case MatchKind.RANGE: {
        if (chance(r, 0.2)) {
          key.set(f.name, value(r, bits));
          break;
        }
        const a = value(r, bits);
        const b = value(r, bits);
        const [low, high] = a <= b ? [a, b] : [b, a];
        key.set(f.name, low);
        match.push({ fieldId: f.id, range: { low: canonical(low), high: canonical(high) } });
        break;
      }
      case MatchKind.OPTIONAL: {
        const v = value(r, bits);
        key.set(f.name, v);
        if (chance(r, 0.6)) match.push({ fieldId: f.id, optional: { value: canonical(v) } });
        break;
      }
      default:
        return undefined;
    }
  }
  const ids = [...t.actions].filter(([, scope]) => scope !== ActionScope.DEFAULT_ONLY).map(([id]) => id);
  if (ids.length === 0) return undefined;
  const entry: p4.v1.ITableEntry = { tableId: t.id, match, action: { action: randomAction(r, schema, pick(r, ids)) } };
  if (t.needsPriority) entry.priority = chance(r, 0.2) ? 0x7fffffff - Math.floor(r() * 3) : 1 + Math.floor(r() * 1000);
  if (chance(r, 0.3)) entry.controllerMetadata = chance(r, 0.5) ? BigInt(Math.floor(r() * 1000)) : value(r, 64) | 1n;
  if (chance(r, 0.5)) entry.metadata = bytes(r, chance(r, 0.2) ? 400 : 40);
  if (t.notifyIdle && chance(r, 0.5)) entry.idleTimeoutNs = BigInt(1 + Math.floor(r() * 9000)) * 1_000_000n;
  return { entity: { tableEntry: entry }, key };
}

function randomAction(r: Rand, schema: Schema, id: number): p4.v1.IAction {
  const a = schema.actions.get(id)!;
  return { actionId: id, params: a.params.map((p) => ({ paramId: p.id, value: canonical(value(r, p.bitwidth)) })) };
}

/** A device on `prog` with random entries, default actions and hits; its clock and the entries made. */
function populate(prog: Program, seed: number, perTable: number): { d: Device; clock: { t: number }; made: p4.v1.ITableEntry[]; schema: Schema } {
  const r = rng(seed);
  const clock = { t: 10_000 };
  const d = new Device(0n, () => clock.t);
  expect(d.setPipeline(3, { p4info: prog.p4info, p4DeviceConfig: prog.json }, prog.p4infoBytes).code).toBe(0);
  const schema = d.config!.schema;
  const made: p4.v1.ITableEntry[] = [];
  const keys: [TableInfo, Map<string, bigint>][] = [];
  for (const t of schema.tables.values()) {
    if (t.isConst) continue;
    const n = Math.floor(r() * (perTable + 1));
    for (let i = 0; i < n; i++) {
      const m = randomEntry(r, schema, t);
      if (!m) continue;
      if (d.write({ type: 1, entity: m.entity }).code === 0) {
        made.push(m.entity.tableEntry!);
        keys.push([t, m.key]);
      }
      clock.t += Math.floor(r() * 50);
    }
    if (t.constDefaultActionId === 0 && chance(r, 0.7)) {
      const ids = [...t.actions].filter(([, scope]) => scope !== ActionScope.TABLE_ONLY).map(([id]) => id);
      if (ids.length > 0) {
        const def: p4.v1.ITableEntry = { tableId: t.id, isDefaultAction: true, action: { action: randomAction(r, schema, pick(r, ids)) } };
        if (chance(r, 0.5)) def.metadata = bytes(r, 200);
        d.write({ type: 2, entity: { tableEntry: def } });
      }
    }
  }
  // Hits: some entries count packets (and bytes past 2^31 and 2^32), and their idle clocks restart.
  for (let i = 0; i < keys.length; i++) {
    if (!chance(r, 0.6)) continue;
    const [t, key] = keys[i]!;
    const times = 1 + Math.floor(r() * 3);
    for (let j = 0; j < times; j++) d.applyTable(t.name, key, chance(r, 0.1) ? 2 ** 32 + Math.floor(r() * 2 ** 40) : 64 + Math.floor(r() * 1400));
    clock.t += Math.floor(r() * 3000);
  }
  clock.t += Math.floor(r() * 6000);
  return { d, clock, made, schema };
}

/** Every kind of Read the conformance suite does, on this device's tables and entries. */
function reads(schema: Schema, made: readonly p4.v1.ITableEntry[], r: Rand): p4.v1.IEntity[][] {
  const out: p4.v1.IEntity[][] = [
    [{ tableEntry: {} }],
    [{ tableEntry: { counterData: {} } }],
    [{ tableEntry: { timeSinceLastHit: {} } }],
    [{ tableEntry: { isDefaultAction: true } }],
    [{ tableEntry: { tableId: 0x7fffffff } }],
    [{ counterEntry: {} }],
    [{ directCounterEntry: { tableEntry: { tableId: 0 } } }],
    [{ packetReplicationEngineEntry: { multicastGroupEntry: {} } }],
    [{ tableEntry: { counterData: {} } }, { tableEntry: { isDefaultAction: true } }, { counterEntry: {} }],
  ];
  for (const t of schema.tables.values()) {
    out.push(
      [{ tableEntry: { tableId: t.id } }],
      [{ tableEntry: { tableId: t.id, counterData: {} } }],
      [{ tableEntry: { tableId: t.id, timeSinceLastHit: {} } }],
      [{ tableEntry: { tableId: t.id, counterData: {}, timeSinceLastHit: {} } }],
      [{ tableEntry: { tableId: t.id, isDefaultAction: true } }],
      [{ directCounterEntry: { tableEntry: { tableId: t.id } } }],
      [{ tableEntry: { tableId: t.id } }, { directCounterEntry: { tableEntry: { tableId: t.id } } }, { tableEntry: { tableId: t.id, counterData: {} } }],
    );
  }
  for (const c of schema.counters.values()) out.push([{ counterEntry: { counterId: c.id } }], [{ counterEntry: { counterId: c.id, index: { index: 1n } } }]);
  for (let i = 0; i < Math.min(made.length, 12); i++) {
    const e = pick(r, made);
    const key = { tableId: e.tableId, match: e.match, priority: e.priority };
    out.push([{ tableEntry: key }], [{ tableEntry: { ...key, counterData: {}, timeSinceLastHit: {} } }], [{ directCounterEntry: { tableEntry: key } }]);
  }
  return out;
}

/** One Read as the server answers it: entities in order, the first failure ends it. */
function answer(d: Device, entities: p4.v1.IEntity[], sink: ReadEntities | ReadResponseWriter): P4Status {
  for (const e of entities) {
    const s = d.read(e, sink);
    if (s.code !== 0) return s;
  }
  return { code: 0, message: "" };
}

function checkSame(d: Device, schema: Schema, entities: p4.v1.IEntity[]): number {
  const ref = new ReadEntities(schema);
  const refStatus = answer(d, entities, ref);
  const writer = new ReadResponseWriter(schema);
  const status = answer(d, entities, writer);
  expect(status).toEqual(refStatus);
  const expected = p4.v1.ReadResponse.encode({ entities: ref.entities }).finish();
  const got = writer.finish();
  expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
  const decoded = p4.v1.ReadResponse.decode(got);
  expect(decoded).toEqual(p4.v1.ReadResponse.decode(expected));
  expect(decoded.entities).toHaveLength(ref.entities.length);
  return ref.entities.length;
}

function property(prog: Program, perTable: number, runs: number): void {
  let entities = 0;
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const { d, made, schema } = populate(prog, seed, perTable);
      // A multicast group, so the replication engine's answer is in some reads.
      d.write({ type: 1, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 1 + (seed & 7), replicas: [{ egressPort: 1, instance: 0 }] } } } });
      const r = rng(seed ^ 0x5eed);
      for (const read of reads(schema, made, r)) entities += checkSame(d, schema, read);
    }),
    { numRuns: runs },
  );
  // The runs read something: entries, defaults and counters were there to encode.
  expect(entities).toBeGreaterThan(runs * 10);
}

describe("hand-written ReadResponse", () => {
  it("is byte for byte the message form's encoding for the fixture program's tables (every match kind)", () => {
    property(SIMTEST, 40, 25);
  });

  it("is byte for byte the message form's encoding for ofp4.p4's tables", () => {
    property(OFP4, 8, 12);
  });

  it("widens length slots for long entries and grows past its first buffer on a large Read", () => {
    const { d, schema } = populate(OFP4, 7, 3);
    const t = schema.tablesByName.get("ingress.ofp_table_0")!;
    const dst = t.fieldsByName.get("eth_dst")!.id;
    const type = t.fieldsByName.get("eth_type")!.id;
    const drop = schema.actionsByName.get("ingress.drop")!.id;
    for (let i = 0; i < 4000; i++) {
      const entry: p4.v1.ITableEntry = {
        tableId: t.id,
        match: [
          { fieldId: dst, ternary: { value: canonical(BigInt(i + 1)), mask: canonical(0xffffffffffffn) } },
          { fieldId: type, ternary: { value: canonical(0x800n), mask: canonical(0xffffn) } },
        ],
        action: { action: { actionId: drop } },
        priority: 100,
        // Every 100th entry's metadata needs a two-byte length, and its TableEntry and Entity too;
        // one needs three bytes.
        ...(i % 100 === 0 ? { metadata: new Uint8Array(i === 0 ? 20_000 : 130).fill(i & 0xff) } : {}),
      };
      expect(d.write({ type: 1, entity: { tableEntry: entry } }).code).toBe(0);
      d.applyTable(t.name, new Map([["eth_dst", BigInt(i + 1)], ["eth_type", 0x800n]]), 100 + i);
    }
    const n = checkSame(d, schema, [{ tableEntry: { tableId: t.id, counterData: {} } }, { directCounterEntry: { tableEntry: { tableId: t.id } } }]);
    expect(n).toBeGreaterThanOrEqual(8000);
    const w = new ReadResponseWriter(schema);
    d.read({ tableEntry: {} }, w);
    expect(w.finish().length).toBeGreaterThan(1 << 16);
  });

  describe("over gRPC", () => {
    let sim: Sim;
    let client: TestClient;
    beforeAll(async () => {
      sim = await startSim({ dataplaneAddress: null });
      client = new TestClient(sim.p4runtimeAddress);
    });
    afterAll(async () => {
      client.close();
      await sim.stop();
    });

    it("the server sends the written bytes: one response per Read, the message form's entities, the same status", async () => {
      expect(await client.setConfig({ p4info: SIMTEST.p4info, json: SIMTEST.json })).toBe(0);
      const schema = sim.device.config!.schema;
      const r = rng(2024);
      const updates: p4.v1.IUpdate[] = [];
      for (const t of schema.tables.values()) {
        if (t.isConst) continue;
        for (let i = 0; i < 60; i++) {
          const m = randomEntry(r, schema, t);
          // No idle timeouts: time_since_last_hit then reads 0 whatever the (real) clock says.
          if (m) delete m.entity.tableEntry!.idleTimeoutNs;
          if (m) updates.push({ type: 1, entity: m.entity });
        }
      }
      await client.write(updates);
      const made: p4.v1.ITableEntry[] = [];
      const all = new ReadEntities(schema);
      expect(sim.device.read({ tableEntry: {} }, all).code).toBe(0);
      for (const e of all.entities) made.push(e.tableEntry!);
      expect(made.length).toBeGreaterThan(40);
      let checked = 0;
      for (const read of reads(schema, made, r)) {
        const ref = new ReadEntities(schema);
        const status = answer(sim.device, read, ref);
        const got = await client.read(read);
        expect(got.code).toBe(status.code);
        expect(got.responses).toBe(1);
        expect(got.entities).toEqual(p4.v1.ReadResponse.decode(p4.v1.ReadResponse.encode({ entities: ref.entities }).finish()).entities);
        checked += got.entities.length;
      }
      expect(checked).toBeGreaterThan(made.length);
    });
  });
});

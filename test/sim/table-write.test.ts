// Table-entry writes against the sim: every validation of ../shared/p4runtime-facts.md §2.4
// with the per-update code bmv2 gives, the error trailer's exact form (§2.2), batches applied
// in order with each update seeing the earlier ones, and a full table answering like bmv2.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { p4 } from "../../src/generated/proto.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { b, DELETE, fwd, ID, INSERT, l2Entry, mac, MODIFY, TestClient, toCpu, update } from "./harness.js";

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
beforeEach(async () => {
  sim.restart();
  expect(await client.setConfig()).toBe(0);
});

/** Writes one update and returns its per-update code (0 when the RPC succeeded). */
async function one(u: p4.v1.IUpdate): Promise<number> {
  const r = await client.write([u]);
  if (r.code === 0) return 0;
  expect(r.code).toBe(2);
  expect(r.codes).toHaveLength(1);
  return r.codes[0]!;
}

function entry(tableId: number, match: p4.v1.IFieldMatch[], action: p4.v1.IAction | undefined, extra: Partial<p4.v1.ITableEntry> = {}): p4.v1.IEntity {
  return { tableEntry: { tableId, match, ...(action ? { action: { action } } : {}), ...extra } };
}
const nop: p4.v1.IAction = { actionId: ID.nop };
const drop: p4.v1.IAction = { actionId: ID.drop };
const lpm = (v: number[], len: number): p4.v1.IFieldMatch[] => [{ fieldId: 1, lpm: { value: Uint8Array.from(v), prefixLen: len } }];

describe("per-update errors (trailer form)", () => {
  it("a failed batch is UNKNOWN with one p4.v1.Error per update, empty for OK ones, space ALL-sswitch-p4org", async () => {
    const r = await client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2))), update(MODIFY, l2Entry(9, undefined, 1, fwd(2)))]);
    expect(r.code).toBe(2);
    expect(r.details).toBe("");
    expect(r.statusCode).toBe(2);
    expect(r.typeUrls).toEqual(["type.googleapis.com/p4.v1.Error", "type.googleapis.com/p4.v1.Error"]);
    expect(r.errors[0]!.canonicalCode).toBe(0);
    expect(r.errors[0]!.space).toBe("");
    expect(r.errors[1]!.canonicalCode).toBe(5);
    expect(r.errors[1]!.space).toBe("ALL-sswitch-p4org");
    expect(r.errors[1]!.message).toMatch(/t_l2/);
  });

  it("atomicity other than CONTINUE_ON_ERROR is UNIMPLEMENTED for the whole RPC", async () => {
    const r = await client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], { atomicity: 1 });
    expect(r.code).toBe(12);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
  });
});

describe("batches", () => {
  it("updates run in order, each seeing the earlier ones, all attempted", async () => {
    const a = l2Entry(1, undefined, 1, fwd(2));
    const c = l2Entry(2, undefined, 1, fwd(3));
    const r = await client.write([update(INSERT, a), update(INSERT, a), update(INSERT, c), update(DELETE, a), update(INSERT, a), update(DELETE, c)]);
    expect(r.codes).toEqual([0, 6, 0, 0, 0, 0]);
    const read = await client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
    expect(read.entities.map((e) => e.tableEntry!.match![0]!.exact!.value)).toEqual([b(1)]);
  });

  it("duplicate INSERTs in one batch: the second is ALREADY_EXISTS", async () => {
    expect((await client.write([update(INSERT, l2Entry(3, undefined, 1, fwd(1)))])).code).toBe(0);
    const r = await client.write([
      update(INSERT, l2Entry(3, undefined, 1, fwd(1))),
      update(INSERT, l2Entry(4, undefined, 1, fwd(1))),
      update(INSERT, l2Entry(4, undefined, 1, fwd(1))),
      update(INSERT, l2Entry(5, undefined, 1, fwd(1))),
    ]);
    expect(r.codes).toEqual([6, 0, 6, 0]);
  });
});

describe("table entry validation (codes as bmv2)", () => {
  it("unknown table id: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(0x02000099, [], nop)))).toBe(3);
  });
  it("unknown action id: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: 0x01000099 })))).toBe(3);
  });
  it("UNSPECIFIED update type: INVALID_ARGUMENT", async () => {
    expect(await one(update(0, l2Entry(1, undefined, 1, fwd(2))))).toBe(3);
  });
  it("time_since_last_hit in a write: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { timeSinceLastHit: { elapsedNs: 1n } })))).toBe(3);
  });
  it("missing exact field: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [], fwd(2), { priority: 1 })))).toBe(3);
  });
  it("unknown match field id: INVALID_ARGUMENT", async () => {
    const e = l2Entry(1, undefined, 1, fwd(2));
    e.tableEntry!.match!.push({ fieldId: 7, exact: { value: b(1) } });
    expect(await one(update(INSERT, e))).toBe(3);
  });
  it("wrong match kind: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, ternary: { value: b(1), mask: b(1) } }], fwd(2), { priority: 1 })))).toBe(3);
  });
  it("value wider than its field: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(2, 0) } }], fwd(2), { priority: 1 })))).toBe(3);
  });
  it("left-padded (non-canonical) value: accepted, read back canonical", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(0, 0, 0, 5) } }], fwd(2), { priority: 1 })))).toBe(0);
    const r = await client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
    expect(r.entities[0]!.tableEntry!.match![0]!.exact!.value).toEqual(b(5));
    expect(r.entities[0]!.tableEntry!.action!.action!.params![0]!.value).toEqual(b(2));
  });
  it("empty value is 0 (PI)", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: new Uint8Array() } }], fwd(2), { priority: 1 })))).toBe(0);
    const r = await client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
    expect(r.entities[0]!.tableEntry!.match![0]!.exact!.value).toEqual(b(0));
  });
  it("priority 0 on a ternary table: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, "00:00:00:00:00:01", 0, fwd(2))))).toBe(3);
  });
  it("priority > 0 on an exact-only table: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_small, [{ fieldId: 1, exact: { value: mac("00:00:00:00:00:01") } }], nop, { priority: 5 })))).toBe(3);
  });
  it("LPM prefix 0: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 0), fwd(1))))).toBe(3);
  });
  it("LPM prefix longer than the field: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 33), fwd(1))))).toBe(3);
  });
  it("LPM bits set past the prefix: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 1], 8), fwd(1))))).toBe(3);
  });
  it("LPM valid prefix: accepted", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1))))).toBe(0);
  });
  it("ternary mask 0: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(0), mask: b(0) } }], fwd(2), { priority: 1 })))).toBe(3);
  });
  it("ternary value outside its mask: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(3), mask: b(1) } }], fwd(2), { priority: 1 })))).toBe(3);
  });
  it("range low > high: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 1, range: { low: b(9), high: b(8) } }], nop, { priority: 1 })))).toBe(3);
  });
  it("full range: INVALID_ARGUMENT (don't care must be omitted)", async () => {
    expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 1, range: { low: b(0), high: b(0xff, 0xff) } }], nop, { priority: 1 })))).toBe(3);
  });
  it("range and optional entries: accepted and read back", async () => {
    const m = [{ fieldId: 1, range: { low: b(8), high: b(9) } }, { fieldId: 2, optional: { value: b(17) } }];
    expect(await one(update(INSERT, entry(ID.t_range, m, nop, { priority: 1 })))).toBe(0);
    const r = await client.read([{ tableEntry: { tableId: ID.t_range } }]);
    expect(r.entities[0]!.tableEntry!.match!.map((f) => f.fieldMatchType)).toEqual(["range", "optional"]);
  });
  it("INSERT without an action: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, undefined)))).toBe(3);
  });
  it("MODIFY without an action: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
    expect(await one(update(MODIFY, l2Entry(1, undefined, 1, undefined)))).toBe(3);
  });
  it("action that is not the table's: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.nop })))).toBe(3);
  });
  it("missing action param: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd })))).toBe(3);
  });
  it("action param wider than declared: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd, params: [{ paramId: 1, value: b(2, 0) }] })))).toBe(3);
  });
  it("unknown action param id: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd, params: [{ paramId: 1, value: b(1) }, { paramId: 2, value: b(1) }] })))).toBe(3);
  });
  it("@defaultonly action in an entry: PERMISSION_DENIED", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.drop })))).toBe(7);
  });
  it("@tableonly action as the default: PERMISSION_DENIED", async () => {
    expect(await one(update(MODIFY, entry(ID.t_lpm, [], nop, { isDefaultAction: true })))).toBe(7);
  });
  it("changing a const default action: PERMISSION_DENIED", async () => {
    expect(await one(update(MODIFY, entry(ID.t_small, [], drop, { isDefaultAction: true })))).toBe(7);
  });
  it("counter_data on a table without a direct counter: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1), { counterData: {} })))).toBe(3);
  });
  it("meter_config on a table without a direct meter: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { meterConfig: { cir: 1n } })))).toBe(3);
  });
  it("idle_timeout_ns on a table without NOTIFY_CONTROL: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1), { idleTimeoutNs: 1_000_000n })))).toBe(3);
  });
  it("negative idle_timeout_ns: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: -1n })))).toBe(3);
  });
  it("INSERT of an existing key: ALREADY_EXISTS (after validation)", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(3))))).toBe(6);
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd })))).toBe(3);
  });
  it("same match, other priority: a different entry", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
    expect(await one(update(INSERT, l2Entry(1, undefined, 2, fwd(2))))).toBe(0);
  });
  it("MODIFY of a missing key: NOT_FOUND", async () => {
    expect(await one(update(MODIFY, l2Entry(1, undefined, 1, fwd(2))))).toBe(5);
  });
  it("DELETE of a missing key: NOT_FOUND", async () => {
    expect(await one(update(DELETE, l2Entry(1, undefined, 1, undefined)))).toBe(5);
  });
  it("DELETE reads only the key (a bad action is ignored)", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
    expect(await one(update(DELETE, l2Entry(1, undefined, 1, { actionId: 0x01000099 })))).toBe(0);
  });
  it("MODIFY replaces action and metadata, keeps counters unless counter_data is set", async () => {
    expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { metadata: b(1, 2, 3), counterData: { packetCount: 4n, byteCount: 400n } })))).toBe(0);
    expect(await one(update(MODIFY, l2Entry(1, undefined, 1, toCpu(3))))).toBe(0);
    const r = await client.read([{ tableEntry: { tableId: ID.t_l2, counterData: {} } }]);
    const te = r.entities[0]!.tableEntry!;
    expect(te.action!.action!.actionId).toBe(ID.to_cpu);
    expect(te.metadata?.length ?? 0).toBe(0);
    expect(te.counterData!.packetCount).toBe(4n);
  });
  it("INSERT of the default entry: INVALID_ARGUMENT", async () => {
    expect(await one(update(INSERT, entry(ID.t_l2, [], fwd(1), { isDefaultAction: true })))).toBe(3);
  });
  it("DELETE of the default entry: INVALID_ARGUMENT", async () => {
    expect(await one(update(DELETE, entry(ID.t_l2, [], undefined, { isDefaultAction: true })))).toBe(3);
  });
  it("default entry with a match: INVALID_ARGUMENT", async () => {
    expect(await one(update(MODIFY, { tableEntry: { ...l2Entry(1, undefined, 0, fwd(1)).tableEntry, isDefaultAction: true } }))).toBe(3);
  });
  it("default entry: MODIFY with action sets it, without action resets it", async () => {
    expect(await one(update(MODIFY, entry(ID.t_l2, [], fwd(7), { isDefaultAction: true })))).toBe(0);
    let r = await client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
    expect(r.entities[0]!.tableEntry!.action!.action!.actionId).toBe(ID.fwd);
    expect(await one(update(MODIFY, entry(ID.t_l2, [], undefined, { isDefaultAction: true })))).toBe(0);
    r = await client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
    expect(r.entities[0]!.tableEntry!.action!.action!.actionId).toBe(ID.to_cpu);
    expect(r.entities[0]!.tableEntry!.isDefaultAction).toBe(true);
  });
  it("empty entity: UNKNOWN", async () => {
    expect(await one({ type: INSERT, entity: {} })).toBe(2);
  });
  it("register and value-set entries: UNIMPLEMENTED", async () => {
    expect(await one({ type: INSERT, entity: { registerEntry: { registerId: 1 } } })).toBe(12);
    expect(await one({ type: INSERT, entity: { valueSetEntry: { valueSetId: 1 } } })).toBe(12);
  });
  it("meter entry for a program without meters: INVALID_ARGUMENT", async () => {
    expect(await one({ type: MODIFY, entity: { meterEntry: { meterId: 0x14000001 } } })).toBe(3);
  });
});

describe("table capacity", () => {
  it("one past the P4Info size answers UNKNOWN 'Error when adding match entry to target' like bmv2 (the spec asks RESOURCE_EXHAUSTED)", async () => {
    const macs = [1, 2, 3, 4, 5].map((i) => mac(`00:00:00:00:00:0${i}`));
    const r = await client.write(macs.map((m) => update(INSERT, entry(ID.t_small, [{ fieldId: 1, exact: { value: m } }], nop))));
    expect(r.codes).toEqual([0, 0, 0, 0, 2]);
    expect(r.errors[4]!.message).toBe("Error when adding match entry to target");
    // Deleting one makes room again.
    expect((await client.write([update(DELETE, entry(ID.t_small, [{ fieldId: 1, exact: { value: macs[0]! } }], undefined))])).code).toBe(0);
    expect((await client.write([update(INSERT, entry(ID.t_small, [{ fieldId: 1, exact: { value: macs[4]! } }], nop))])).code).toBe(0);
  });
});

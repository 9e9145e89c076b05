// Reads against the sim with every wildcard of ../shared/p4runtime-facts.md §2.5: all tables,
// one table, one key, the default entry, counter_data only when asked, indirect counters by
// cell or whole, direct counters, and the first failing entity stopping the read.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { b, DELETE, fwd, ID, INSERT, l2Entry, mac, MODIFY, TestClient, update } from "./harness.js";

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
  const r = await client.write([
    update(INSERT, l2Entry(1, undefined, 1, fwd(2), { controllerMetadata: 77n, metadata: b(0xaa) })),
    update(INSERT, l2Entry(2, "00:00:00:00:00:09", 5, fwd(3), { counterData: { packetCount: 3n, byteCount: 300n } })),
    update(INSERT, { tableEntry: { tableId: ID.t_lpm, match: [{ fieldId: 1, lpm: { value: b(10, 0, 0, 0), prefixLen: 8 } }], action: { action: fwd(4) } } }),
  ]);
  expect(r.code).toBe(0);
});

describe("table entry reads", () => {
  it("table_id 0 reads every table's entries in one ReadResponse", async () => {
    const r = await client.read([{ tableEntry: {} }]);
    expect(r.code).toBe(0);
    expect(r.responses).toBe(1);
    expect(r.entities.map((e) => e.tableEntry!.tableId).sort()).toEqual([ID.t_l2, ID.t_l2, ID.t_lpm]);
  });

  it("a table id reads only that table", async () => {
    const r = await client.read([{ tableEntry: { tableId: ID.t_lpm } }]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]!.tableEntry!.match![0]!.lpm!.prefixLen).toBe(8);
  });

  it("a match reads that one key", async () => {
    const r = await client.read([l2Entry(2, "00:00:00:00:00:09", 5, undefined)]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]!.tableEntry!.priority).toBe(5);
  });

  it("a key that is not there reads nothing, OK", async () => {
    const r = await client.read([l2Entry(2, "00:00:00:00:00:09", 6, undefined)]);
    expect(r.code).toBe(0);
    expect(r.entities).toHaveLength(0);
  });

  it("entries carry canonical match, priority, action, controller_metadata and metadata; don't-care fields omitted", async () => {
    const r = await client.read([l2Entry(1, undefined, 1, undefined)]);
    const te = r.entities[0]!.tableEntry!;
    expect(te.match).toHaveLength(1);
    expect(te.match![0]!.exact!.value).toEqual(b(1));
    expect(te.priority).toBe(1);
    expect(te.action!.action!.params![0]!.value).toEqual(b(2));
    expect(te.controllerMetadata).toBe(77n);
    expect(te.metadata).toEqual(b(0xaa));
    expect(te.isConst).toBe(false);
  });

  it("counter_data only when the request sets it", async () => {
    const without = await client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
    expect(without.entities.every((e) => !e.tableEntry!.counterData)).toBe(true);
    const withData = await client.read([{ tableEntry: { tableId: ID.t_l2, counterData: {} } }]);
    const counted = withData.entities.find((e) => e.tableEntry!.priority === 5)!;
    expect(counted.tableEntry!.counterData!.packetCount).toBe(3n);
    expect(counted.tableEntry!.counterData!.byteCount).toBe(300n);
  });

  it("is_default_action reads the default entry only", async () => {
    const r = await client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]!.tableEntry!.isDefaultAction).toBe(true);
    expect(r.entities[0]!.tableEntry!.action!.action!.actionId).toBe(ID.to_cpu);
  });

  it("the default entry is not in wildcard reads", async () => {
    const r = await client.read([{ tableEntry: { tableId: ID.t_small } }]);
    expect(r.entities).toHaveLength(0);
  });

  it("time_since_last_hit on a table without idle timeout: INVALID_ARGUMENT, wildcard too", async () => {
    expect((await client.read([{ tableEntry: { tableId: ID.t_lpm, timeSinceLastHit: {} } }])).code).toBe(3);
    expect((await client.read([{ tableEntry: { timeSinceLastHit: {} } }])).code).toBe(3);
    expect((await client.read([{ tableEntry: { tableId: ID.t_l2, timeSinceLastHit: {} } }])).code).toBe(0);
  });

  it("unknown table id: INVALID_ARGUMENT", async () => {
    expect((await client.read([{ tableEntry: { tableId: 0x02000077 } }])).code).toBe(3);
  });

  it("the first failing entity stops the read; entities before it are still sent", async () => {
    const r = await client.read([{ tableEntry: { tableId: ID.t_lpm } }, { tableEntry: { tableId: 0x02000077 } }, { tableEntry: { tableId: ID.t_l2 } }]);
    expect(r.code).toBe(3);
    expect(r.entities).toHaveLength(1);
  });

  it("deleted entries are gone from reads", async () => {
    expect((await client.write([update(DELETE, l2Entry(1, undefined, 1, undefined))])).code).toBe(0);
    expect((await client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities).toHaveLength(1);
  });
});

describe("counter reads and writes", () => {
  it("counter_id 0 without index reads every cell of every counter, units as declared", async () => {
    const r = await client.read([{ counterEntry: {} }]);
    expect(r.entities).toHaveLength(8 + 4);
    const portRx = r.entities.filter((e) => e.counterEntry!.counterId === ID.port_rx);
    expect(portRx.map((e) => Number(e.counterEntry!.index!.index))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const pktOnly = r.entities.find((e) => e.counterEntry!.counterId === ID.pkt_only)!;
    expect(pktOnly.counterEntry!.data!.packetCount).toBe(0n);
  });

  it("MODIFY sets a cell; DELETE zeroes it (PI quirk); INSERT is INVALID_ARGUMENT", async () => {
    const cell = { counterId: ID.port_rx, index: { index: 3n }, data: { packetCount: 5n, byteCount: 50n } };
    expect((await client.write([update(MODIFY, { counterEntry: cell })])).code).toBe(0);
    let r = await client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 3n } } }]);
    expect(r.entities[0]!.counterEntry!.data!.byteCount).toBe(50n);
    expect((await client.write([update(DELETE, { counterEntry: cell })])).code).toBe(0);
    r = await client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 3n } } }]);
    expect(r.entities[0]!.counterEntry!.data!.packetCount).toBe(0n);
    expect((await client.write([update(INSERT, { counterEntry: cell })])).codes).toEqual([3]);
  });

  it("a counter write without index: UNIMPLEMENTED", async () => {
    expect((await client.write([update(MODIFY, { counterEntry: { counterId: ID.port_rx } })])).codes).toEqual([12]);
  });

  it("negative index or a direct counter's id: INVALID_ARGUMENT", async () => {
    expect((await client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: -1n } } }])).code).toBe(3);
    expect((await client.read([{ counterEntry: { counterId: ID.t_l2_counter } }])).code).toBe(3);
  });

  it("direct counters: empty match reads every entry of the table", async () => {
    const r = await client.read([{ directCounterEntry: { tableEntry: { tableId: ID.t_l2 } } }]);
    expect(r.entities).toHaveLength(2);
    const counted = r.entities.find((e) => e.directCounterEntry!.tableEntry!.priority === 5)!;
    expect(counted.directCounterEntry!.data!.packetCount).toBe(3n);
    expect(counted.directCounterEntry!.tableEntry!.action).toBeFalsy();
  });

  it("direct counters: one entry by key; MODIFY writes it", async () => {
    const key = l2Entry(2, "00:00:00:00:00:09", 5, undefined).tableEntry!;
    expect((await client.write([update(MODIFY, { directCounterEntry: { tableEntry: key, data: { packetCount: 9n, byteCount: 90n } } })])).code).toBe(0);
    const r = await client.read([{ directCounterEntry: { tableEntry: key } }]);
    expect(r.entities[0]!.directCounterEntry!.data!.packetCount).toBe(9n);
  });

  it("direct counters: no table_entry or a table without direct counter is INVALID_ARGUMENT; table 0 UNIMPLEMENTED", async () => {
    expect((await client.read([{ directCounterEntry: {} }])).code).toBe(3);
    expect((await client.read([{ directCounterEntry: { tableEntry: { tableId: ID.t_lpm } } }])).code).toBe(3);
    expect((await client.read([{ directCounterEntry: { tableEntry: {} } }])).code).toBe(12);
  });

  it("direct counters: an unknown entry is INVALID_ARGUMENT 'Cannot map table entry to handle' (spec: NOT_FOUND)", async () => {
    const r = await client.read([{ directCounterEntry: { tableEntry: l2Entry(9, undefined, 1, undefined).tableEntry } }]);
    expect(r.code).toBe(3);
  });

  it("a ternary key with a mask reads back its mask canonical", async () => {
    const r = await client.read([l2Entry(2, "00:00:00:00:00:09", 5, undefined)]);
    const t = r.entities[0]!.tableEntry!.match![1]!.ternary!;
    expect(t.value).toEqual(b(9));
    expect(t.mask).toEqual(mac("ff:ff:ff:ff:ff:ff"));
  });
});

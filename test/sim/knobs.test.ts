// The sim's test knobs over real gRPC: acknowledgement latency, failing the next N updates
// with a code, refusing writes with UNAVAILABLE, dropping the streams, restarting with all
// state lost — in process and over the JSON admin interface.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { fwd, INSERT, l2Entry, TestClient, update } from "./harness.js";

let sim: Sim;
let client: TestClient;

beforeAll(async () => {
  sim = await startSim({ dataplaneAddress: null, adminAddress: "127.0.0.1:0" });
  client = new TestClient(sim.p4runtimeAddress);
});
afterAll(async () => {
  client.close();
  await sim.stop();
});
beforeEach(async () => {
  sim.restart();
  sim.knobs.reset();
  expect(await client.setConfig()).toBe(0);
});

const entry = (port: number) => update(INSERT, l2Entry(port, undefined, 1, fwd(2)));

async function admin(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${sim.adminAddress}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("knobs", () => {
  it("acknowledgement latency delays the answer, and the entry appears only when acknowledged", async () => {
    sim.knobs.ackLatencyMs = 150;
    const t0 = performance.now();
    const pending = client.write([entry(1)]);
    const during = await client.read([{ tableEntry: {} }]);
    expect(during.entities).toHaveLength(0);
    expect((await pending).code).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
  });

  it("writes under latency are still applied in arrival order", async () => {
    sim.knobs.ackLatencyMs = 50;
    const first = client.write([entry(1)]);
    const second = client.write([update(2, l2Entry(1, undefined, 1, fwd(7)))]);
    expect((await first).code).toBe(0);
    expect((await second).code).toBe(0);
    const r = await client.read([{ tableEntry: {} }]);
    expect(r.entities[0]!.tableEntry!.action!.action!.params![0]!.value![0]).toBe(7);
  });

  it("fail the next N updates with a code: those updates fail and are not applied, later ones succeed", async () => {
    sim.knobs.failNextUpdates(2, 14);
    const r = await client.write([entry(1), entry(2), entry(3)]);
    expect(r.codes).toEqual([14, 14, 0]);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
  });

  it("refuse writes: UNAVAILABLE for the whole RPC, nothing applied", async () => {
    sim.knobs.refuseWrites = true;
    expect((await client.write([entry(1)])).code).toBe(14);
    sim.knobs.refuseWrites = false;
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
  });

  it("drop the streams: every StreamChannel ends with UNAVAILABLE", async () => {
    const s = client.stream();
    s.arbitrate(1n);
    await s.next();
    sim.dropStreams();
    expect(await s.ended).toBe(14);
  });

  it("restart loses the pipeline and every entry", async () => {
    expect((await client.write([entry(1)])).code).toBe(0);
    sim.restart();
    expect((await client.getConfig()).code).toBe(9);
    expect(await client.setConfig()).toBe(0);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
  });

  it("the admin interface reports state and drives the knobs", async () => {
    expect((await client.write([entry(1)])).code).toBe(0);
    const state = await admin("/state");
    expect(state).toMatchObject({ p4runtime: sim.p4runtimeAddress, entries: 1, pipeline: true });
    await admin("/knobs", { failNext: { count: 1, code: 8 } });
    expect((await client.write([entry(2)])).codes).toEqual([8]);
    await admin("/knobs", { refuseWrites: true });
    expect((await client.write([entry(3)])).code).toBe(14);
    await admin("/knobs", { refuseWrites: false });
    await admin("/restart", {});
    expect((await admin("/state")).pipeline).toBe(false);
  });
});

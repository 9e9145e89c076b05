// StreamChannel arbitration against the sim, two or more real clients, as PI does it
// (../shared/p4runtime-facts.md §2.7) and as bmv2 was observed to answer
// (../shared/p4-reference/README.md): primary/backup replies, PERMISSION_DENIED for a writer that
// is not primary, duplicate ids, no reply to a repeated id, promotion at once on close.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { p4 } from "../../src/generated/proto.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { fwd, INSERT, l2Entry, TestClient, update, type StreamHandle } from "./harness.js";

let sim: Sim;
let client: TestClient;
const open: StreamHandle[] = [];

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
afterEach(() => {
  for (const s of open.splice(0)) s.cancel();
});

function stream(): StreamHandle {
  const s = client.stream();
  open.push(s);
  return s;
}

function arb(m: p4.v1.StreamMessageResponse | undefined): { code: number; message: string; election: bigint } {
  expect(m?.update).toBe("arbitration");
  const a = m!.arbitration!;
  return { code: a.status!.code ?? 0, message: a.status!.message ?? "", election: ((a.electionId!.high ?? 0n) << 64n) | (a.electionId!.low ?? 0n) };
}

async function primary(id: bigint): Promise<StreamHandle> {
  const s = stream();
  s.arbitrate(id);
  expect(arb(await s.next())).toEqual({ code: 0, message: "Is primary", election: id });
  return s;
}

const entry = l2Entry(1, undefined, 1, fwd(2));

describe("arbitration", () => {
  it("a lone stream becomes primary: OK 'Is primary' with its election id", async () => {
    await primary(10n);
  });

  it("a lower id is backup: ALREADY_EXISTS 'Is backup' carrying the primary's id, told only to it", async () => {
    const p = await primary(10n);
    const s = stream();
    s.arbitrate(5n);
    expect(arb(await s.next())).toEqual({ code: 6, message: "Is backup", election: 10n });
    // The primary heard nothing: its next message is the answer to its own id change.
    p.arbitrate(11n);
    expect(arb(await p.next())).toEqual({ code: 0, message: "Is primary", election: 11n });
  });

  it("a higher id takes over and every stream is told", async () => {
    const a = await primary(10n);
    const c = stream();
    c.arbitrate(20n);
    expect(arb(await c.next())).toEqual({ code: 0, message: "Is primary", election: 20n });
    expect(arb(await a.next())).toEqual({ code: 6, message: "Is backup", election: 20n });
  });

  it("a backup's Write is PERMISSION_DENIED; the primary's succeeds", async () => {
    await primary(10n);
    const s = stream();
    s.arbitrate(5n);
    await s.next();
    expect((await client.write([update(INSERT, entry)], { electionId: 5n })).code).toBe(7);
    expect((await client.write([update(INSERT, entry)], { electionId: 10n })).code).toBe(0);
  });

  it("a Write without election id while streams are open is PERMISSION_DENIED", async () => {
    await primary(10n);
    expect((await client.write([update(INSERT, entry)])).code).toBe(7);
  });

  it("a Write with an election id and no stream is PERMISSION_DENIED 'Not primary'", async () => {
    const r = await client.write([update(INSERT, entry)], { electionId: 1n });
    expect(r.code).toBe(7);
    expect(r.details).toBe("Not primary");
  });

  it("a Write with neither stream nor election id is accepted", async () => {
    expect((await client.write([update(INSERT, entry)])).code).toBe(0);
  });

  it("a backup's SetForwardingPipelineConfig is PERMISSION_DENIED", async () => {
    await primary(10n);
    expect(await client.setConfig({ electionId: 3n })).toBe(7);
    expect(await client.setConfig({ electionId: 10n })).toBe(0);
  });

  it("an unset election id counts as 0 and can be primary", async () => {
    const s = stream();
    s.arbitrate(undefined);
    expect(arb(await s.next())).toEqual({ code: 0, message: "Is primary", election: 0n });
    expect((await client.write([update(INSERT, entry)], { electionId: 0n })).code).toBe(0);
  });

  it("a second stream with the primary's id is ended with INVALID_ARGUMENT", async () => {
    await primary(10n);
    const s = stream();
    s.arbitrate(10n);
    expect(await s.ended).toBe(3);
  });

  it("the same id sent again gets no reply", async () => {
    const p = await primary(10n);
    p.arbitrate(10n);
    p.arbitrate(12n);
    expect(arb(await p.next()).election).toBe(12n);
    expect(p.pending).toBe(0);
  });

  it("a device_id change on a stream ends it with FAILED_PRECONDITION", async () => {
    const p = await primary(10n);
    p.arbitrate(10n, 1n);
    expect(await p.ended).toBe(9);
  });

  it("when the primary closes, the highest backup is promoted at once and told", async () => {
    const p = await primary(30n);
    const low = stream();
    low.arbitrate(10n);
    await low.next();
    const mid = stream();
    mid.arbitrate(20n);
    await mid.next();
    p.close();
    expect(await p.ended).toBe(0);
    expect(arb(await mid.nextOf("arbitration"))).toEqual({ code: 0, message: "Is primary", election: 20n });
    expect(arb(await low.nextOf("arbitration"))).toEqual({ code: 6, message: "Is backup", election: 20n });
    expect((await client.write([update(INSERT, entry)], { electionId: 20n })).code).toBe(0);
  });

  it("entries persist after every stream closes", async () => {
    const p = await primary(10n);
    expect((await client.write([update(INSERT, entry)], { electionId: 10n })).code).toBe(0);
    p.close();
    await p.ended;
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
  });

  it("a 17th stream on one device is ended with RESOURCE_EXHAUSTED", async () => {
    for (let i = 1; i <= 16; i++) {
      const s = stream();
      s.arbitrate(BigInt(i));
      await s.nextOf("arbitration");
    }
    const extra = stream();
    extra.arbitrate(100n);
    expect(await extra.ended).toBe(8);
  });

  it("arbitration is per device: a stream of another device does not make this one's writers backups", async () => {
    const other = stream();
    other.arbitrate(50n, 7n);
    expect(arb(await other.next()).code).toBe(0);
    expect((await client.write([update(INSERT, entry)])).code).toBe(0);
  });
});

// The client's Write path against the sim (targets/sim, in process, over real gRPC on 127.0.0.1):
// the same cases through the node:http2 transport and the grpc-js fallback — an all-OK batch,
// per-update errors in order, 400 failing updates, whole-RPC refusals, a deadline — and what
// only the http2 transport does: recovering from a trailer node:http2 cannot read, writeFramed's
// contract, Writes in flight together, refusals of unsent Writes.
import { afterEach, describe, expect, it } from "vitest";
import { P4RuntimeClient, type ClientOptions } from "../../src/p4runtime/client.js";
import { Code, encodeWriteFailure, type UpdateStatus } from "../../src/p4runtime/status.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { badTableInsert, deviceConfig, encode, entryUpdate, framed, info } from "./write-fixtures.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(): Promise<Sim> {
  const s = await startSim({ dataplaneAddress: null });
  cleanups.push(() => s.stop());
  return s;
}

function client(s: Sim, electionId: bigint | undefined, o: Partial<ClientOptions> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: s.p4runtimeAddress, deviceId: 0, electionId, reconnect: false, ...o });
  cleanups.push(() => c.close());
  return c;
}

/** A sim with ofp4.p4 and a primary client (election id 1) writing through `transport`. */
async function primary(transport: "http2" | "grpc-js", o: Partial<ClientOptions> = {}): Promise<{ s: Sim; c: P4RuntimeClient }> {
  const s = await sim();
  const c = client(s, 1n, { writeTransport: transport, ...o });
  expect((await c.connect()).isPrimary).toBe(true);
  await c.setPipeline({ p4info: info, deviceConfig });
  expect(c.writeTransport).toBe(transport);
  return { s, c };
}

const framedWrite = (c: P4RuntimeClient, ups: Parameters<typeof framed>[0], atomicity?: "ROLLBACK_ON_ERROR"): Promise<readonly UpdateStatus[]> =>
  new Promise((resolve) => c.writeFramed(framed(ups), ups.length, resolve, atomicity));

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe.each(["http2", "grpc-js"] as const)("Writes into the sim over %s", (transport) => {
  it("applies an all-OK batch, from updates, encoded updates and framed updates", async () => {
    const { s, c } = await primary(transport);
    expect(await c.write(range(0, 50).map((i) => entryUpdate("INSERT", i)))).toEqual(Array(50).fill(expect.objectContaining({ code: 0, outcomeUnknown: false })));
    expect((await c.writeEncoded(range(50, 50).map((i) => encode(entryUpdate("INSERT", i))))).every((r) => r.code === 0)).toBe(true);
    expect((await framedWrite(c, range(100, 50).map((i) => entryUpdate("INSERT", i)))).every((r) => r.code === 0)).toBe(true);
    const table = info.table("ofp_table_1").id;
    expect((await c.readAll([{ tableEntry: { tableId: table } }])).length).toBe(150);
    expect(s.device.config).toBeDefined();
  });

  it("gives each update of a mixed batch its own status, in order", async () => {
    const { c } = await primary(transport);
    expect((await c.write([entryUpdate("INSERT", 1)]))[0]!.code).toBe(0);
    const r = await framedWrite(c, [
      entryUpdate("INSERT", 2),
      entryUpdate("INSERT", 1), // exists
      badTableInsert(3),
      entryUpdate("DELETE", 4), // missing
      entryUpdate("MODIFY", 1),
      entryUpdate("INSERT", 2), // written two updates ago
    ]);
    expect(r.map((x) => x.code)).toEqual([0, Code.ALREADY_EXISTS, Code.INVALID_ARGUMENT, Code.NOT_FOUND, 0, Code.ALREADY_EXISTS]);
    expect(r.every((x) => !x.outcomeUnknown)).toBe(true);
    expect(r[1]!.space).toBe("ALL-sswitch-p4org");
    expect(r[1]!.message).toMatch(/exist/i);
    expect(r[2]!.message.length).toBeGreaterThan(0);
  });

  it("returns 400 failing updates one by one (the trailer holds 400 p4.v1.Errors)", async () => {
    const { c } = await primary(transport);
    const ups = range(0, 400).map((i) => entryUpdate("INSERT", i));
    expect((await c.write(ups)).every((r) => r.code === 0)).toBe(true);
    const again = await c.write(ups);
    expect(again.length).toBe(400);
    expect(again.every((r) => r.code === Code.ALREADY_EXISTS && r.space === "ALL-sswitch-p4org")).toBe(true);
    expect(Buffer.from(encodeWriteFailure(again)).toString("base64").length).toBeGreaterThan(20_000);
  });

  it("refuses a backup's Write (PERMISSION_DENIED) and a Write before any pipeline (FAILED_PRECONDITION), outcomes known", async () => {
    const s = await sim();
    const hi = client(s, 10n, { writeTransport: transport });
    await hi.connect();
    const noPipeline = await hi.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]);
    expect(noPipeline.map((r) => [r.code, r.outcomeUnknown])).toEqual([
      [Code.FAILED_PRECONDITION, false],
      [Code.FAILED_PRECONDITION, false],
    ]);
    expect(noPipeline[0]!.message).toContain(`Write to ${s.p4runtimeAddress}: No forwarding pipeline config`);
    await hi.setPipeline({ p4info: info, deviceConfig });
    const lo = client(s, 5n, { writeTransport: transport });
    expect((await lo.connect()).isPrimary).toBe(false);
    const denied = await lo.write([entryUpdate("INSERT", 1)]);
    expect(denied).toEqual([expect.objectContaining({ code: Code.PERMISSION_DENIED, outcomeUnknown: false })]);
    expect(denied[0]!.message).toMatch(/Not primary/);
    // no stream, an election id: not primary either
    const stranger = client(s, 3n, { writeTransport: transport });
    expect((await stranger.write([entryUpdate("INSERT", 1)]))[0]!.code).toBe(Code.PERMISSION_DENIED);
    expect((await hi.write([entryUpdate("INSERT", 1)]))[0]!.code).toBe(0);
  });

  it("passes atomicity: the sim, like PI, refuses ROLLBACK_ON_ERROR as a whole", async () => {
    const { c } = await primary(transport);
    const r = await framedWrite(c, [entryUpdate("INSERT", 1)], "ROLLBACK_ON_ERROR");
    expect(r).toEqual([expect.objectContaining({ code: Code.UNIMPLEMENTED, outcomeUnknown: false })]);
    expect((await c.write([entryUpdate("INSERT", 1)], "CONTINUE_ON_ERROR"))[0]!.code).toBe(0);
  });

  it("gives DEADLINE_EXCEEDED with an unknown outcome past the deadline, and the next Write succeeds", async () => {
    const { s, c } = await primary(transport, { writeTimeoutMs: 200 });
    s.knobs.ackLatencyMs = 600;
    const t0 = performance.now();
    const late = await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]);
    expect(performance.now() - t0).toBeLessThan(550);
    expect(late.map((r) => [r.code, r.outcomeUnknown])).toEqual([
      [Code.DEADLINE_EXCEEDED, true],
      [Code.DEADLINE_EXCEEDED, true],
    ]);
    expect(late[0]!.message).toMatch(/Write to .*deadline|Deadline exceeded/i);
    // unknown indeed: the sim still applies it when its latency is over
    await s.settled();
    s.knobs.ackLatencyMs = 0;
    expect((await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 3)])).map((r) => r.code)).toEqual([Code.ALREADY_EXISTS, 0]);
  });
});

describe("the http2 Write transport into the sim", () => {
  it("survives a trailer past nghttp2's 64 KB per header field: that Write times out, the next one works at once", async () => {
    // 2,000 ALREADY_EXISTS from the sim make a grpc-status-details-bin of some 250 KB: node:http2
    // (nghttp2) cannot take it and stops reading that session without a word.
    const { c } = await primary("http2", { writeTimeoutMs: 1500 });
    const ups = range(0, 2000).map((i) => entryUpdate("INSERT", i));
    expect((await c.write(ups)).every((r) => r.code === 0)).toBe(true);
    expect(Buffer.from(encodeWriteFailure(ups.map(() => ({ code: 6, message: "Match entry exists, use MODIFY if you wish to change action", space: "ALL-sswitch-p4org" })))).length).toBeGreaterThan(200_000);
    const lost = await c.write(ups);
    expect(lost.every((r) => r.code === Code.DEADLINE_EXCEEDED && r.outcomeUnknown)).toBe(true);
    const t0 = performance.now();
    expect((await c.write([entryUpdate("INSERT", 5000)]))[0]!.code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("writeFramed: done exactly once, never synchronously; a count that does not match is refused unsent", async () => {
    const { c } = await primary("http2");
    const calls: (readonly UpdateStatus[])[] = [];
    let returned = false;
    const done = (r: readonly UpdateStatus[]): void => {
      expect(returned).toBe(true);
      calls.push(r);
    };
    c.writeFramed(framed([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]), 3, done);
    c.writeFramed(Uint8Array.of(0x0a, 0x00), 1, done);
    c.writeFramed(new Uint8Array(), 0, done);
    c.writeFramed(framed([entryUpdate("INSERT", 7)]), 1, done);
    returned = true;
    while (calls.length < 4) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.length).toBe(4);
    const [mismatch, garbage, empty] = calls;
    expect(mismatch!.map((r) => [r.code, r.outcomeUnknown])).toEqual(Array(3).fill([Code.INVALID_ARGUMENT, false]));
    expect(mismatch![0]!.message).toMatch(/holds 2 updates, count says 3/);
    expect(garbage!.map((r) => r.code)).toEqual([Code.INVALID_ARGUMENT]);
    expect(empty).toEqual([]);
    expect(calls[3]!.map((r) => r.code)).toEqual([0]);
    // nothing of the refused ones reached the sim
    expect((await c.readAll([{ tableEntry: { tableId: info.table("ofp_table_1").id } }])).length).toBe(1);
  });

  it("keeps Writes in flight together on one session, each with its own statuses", async () => {
    const { c } = await primary("http2");
    const writes = range(0, 16).map((k) => c.write([entryUpdate("INSERT", k), entryUpdate("INSERT", k % 2 === 0 ? k : 100 + k)]));
    const all = await Promise.all(writes);
    all.forEach((r, k) => expect(r.map((x) => x.code)).toEqual(k % 2 === 0 ? [0, Code.ALREADY_EXISTS] : [0, 0]));
  });

  it("fails a Write to a target that is not there with UNAVAILABLE, outcome known (never sent), naming the address", async () => {
    const s = await sim();
    const address = s.p4runtimeAddress;
    await s.stop();
    const c = new P4RuntimeClient({ address, electionId: 1n, reconnect: false });
    cleanups.push(() => c.close());
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r).toEqual([expect.objectContaining({ code: Code.UNAVAILABLE, outcomeUnknown: false })]);
    expect(r[0]!.message).toMatch(new RegExp(`P4Runtime target ${address.replace(/\./g, "\\.")} is unreachable \\(Write: .*ECONNREFUSED`));
  });

  it("after close(), a Write fails with CANCELLED without being sent; a Write in flight still finishes", async () => {
    const { s } = await primary("http2");
    // a second client with the primary's election id and no stream of its own
    const w = client(s, 1n);
    s.knobs.ackLatencyMs = 100;
    const inFlight = w.write([entryUpdate("INSERT", 1)]);
    await new Promise((r) => setTimeout(r, 20));
    w.close();
    expect((await w.write([entryUpdate("INSERT", 2)]))[0]).toMatchObject({ code: Code.CANCELLED, outcomeUnknown: false });
    expect((await inFlight)[0]!.code).toBe(0);
  });
});

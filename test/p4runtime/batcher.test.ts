import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { WriteBatcher, type FramedWrite } from "../../src/p4runtime/batcher.js";
import { Code, UPDATE_OK, decodeWriteFailure, encodeWriteFailure, type UpdateStatus } from "../../src/p4runtime/status.js";

function entry(i: number, priority = 10): p4.v1.IUpdate {
  return {
    type: p4.v1.Update.Type.INSERT,
    entity: {
      tableEntry: {
        tableId: 1,
        priority,
        match: [{ fieldId: 1, ternary: { value: Uint8Array.of(i >> 8, i & 0xff), mask: Uint8Array.of(0xff, 0xff) } }],
        action: { action: { actionId: 2, params: [{ paramId: 1, value: Uint8Array.of(i & 0xff) }] } },
      },
    },
  };
}

/** A fake target: records every Write, answers when told to (or at once), fails chosen updates. */
class FakeTarget {
  readonly writes: p4.v1.Update[][] = [];
  readonly bytes: number[] = [];
  private waiting: (() => void)[] = [];
  auto = true;
  fail: (u: p4.v1.Update) => UpdateStatus | undefined = () => undefined;
  inFlight = 0;
  maxInFlight = 0;

  readonly write: FramedWrite = (framed, count, done) => {
    // The framed updates are WriteRequest field 4: decode them as a WriteRequest's updates.
    const decoded = p4.v1.WriteRequest.decode(framed).updates as p4.v1.Update[];
    expect(decoded).toHaveLength(count);
    this.writes.push(decoded);
    this.bytes.push(framed.length);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const answer = (): void => {
      this.inFlight--;
      done(decoded.map((u) => this.fail(u) ?? UPDATE_OK));
    };
    if (this.auto) setImmediate(answer);
    else this.waiting.push(answer);
  };

  /** Answers every Write received so far. */
  release(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }
  get held(): number {
    return this.waiting.length;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("write batcher", () => {
  it("sends updates submitted in one turn in one Write, split by count", async () => {
    const t = new FakeTarget();
    const b = new WriteBatcher(t.write, { maxUpdates: 400 });
    const results = Array.from({ length: 1000 }, (_, i) => b.submitAsync(entry(i)));
    const all = await Promise.all(results);
    expect(all.every((r) => r.code === 0)).toBe(true);
    expect(t.writes.map((w) => w.length)).toEqual([400, 400, 200]);
    // order is kept across batches
    const ids = t.writes.flat().map((u) => u.entity!.tableEntry!.action!.action!.params![0]!.value![0]);
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    expect(b.stats).toMatchObject({ batchesSent: 3, updatesSent: 1000, maxUpdatesPerBatch: 400, writesCompleted: 3 });
    expect(b.stats.meanUpdatesPerBatch).toBeCloseTo(1000 / 3);
  });

  it("splits by encoded bytes", async () => {
    const t = new FakeTarget();
    const one = p4.v1.Update.encode(entry(1)).finish().length + 2;
    const b = new WriteBatcher(t.write, { maxBytes: one * 10 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => b.submitAsync(entry(i))));
    expect(t.writes.map((w) => w.length)).toEqual([10, 10, 5]);
    expect(Math.max(...t.bytes)).toBeLessThanOrEqual(one * 10);
    expect(t.bytes[0]).toBe(one * 10);
  });

  it("gives each update its own result from the per-update errors", async () => {
    const t = new FakeTarget();
    const dup = new Set([3, 500, 998]);
    t.fail = (u) => {
      const v = u.entity!.tableEntry!.match![0]!.ternary!.value!;
      const i = (v[0]! << 8) | v[1]!;
      return dup.has(i) ? { code: Code.ALREADY_EXISTS, message: `dup ${i}`, space: "x", targetCode: 0, outcomeUnknown: false } : undefined;
    };
    const b = new WriteBatcher(t.write);
    const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => b.submitAsync(entry(i))));
    const failed = all.flatMap((r, i) => (r.code === 0 ? [] : [[i, r.code, r.message]]));
    expect(failed).toEqual([
      [3, Code.ALREADY_EXISTS, "dup 3"],
      [500, Code.ALREADY_EXISTS, "dup 500"],
      [998, Code.ALREADY_EXISTS, "dup 998"],
    ]);
    expect(b.stats.failedUpdates).toBe(3);
  });

  it("bounds the Writes in flight and batches what waits", async () => {
    const t = new FakeTarget();
    t.auto = false;
    const b = new WriteBatcher(t.write, { maxUpdates: 10, maxInFlight: 2 });
    const done: Promise<UpdateStatus>[] = [];
    for (let i = 0; i < 100; i++) done.push(b.submitAsync(entry(i)));
    await tick();
    expect(t.held).toBe(2);
    expect(b.stats.pending).toBe(80);
    while (t.held > 0) {
      t.release();
      await tick();
      await tick();
    }
    await Promise.all(done);
    expect(t.maxInFlight).toBe(2);
    expect(b.stats.inFlightHighWater).toBe(2);
    expect(t.writes.length).toBe(10);
    await b.idle();
  });

  it("never has two updates to one entity in flight, and keeps order behind them", async () => {
    const t = new FakeTarget();
    t.auto = false;
    const b = new WriteBatcher(t.write, { maxInFlight: 4 });
    const order: string[] = [];
    const mod = (i: number): p4.v1.IUpdate => ({ ...entry(i), type: p4.v1.Update.Type.MODIFY });
    b.submit(entry(1), () => order.push("insert 1"));
    b.submit(entry(2), () => order.push("insert 2"));
    b.submit(mod(1), () => order.push("modify 1"));
    b.submit(entry(3), () => order.push("insert 3"));
    await tick();
    // the MODIFY of entry 1 may not join the Write holding its INSERT, nor leave before it is answered
    expect(t.writes.map((w) => w.length)).toEqual([2]);
    expect(t.held).toBe(1);
    t.release();
    await tick();
    await tick();
    expect(t.writes.map((w) => w.map((u) => u.type))).toEqual([
      [1, 1],
      [2, 1],
    ]);
    t.release();
    await b.idle();
    expect(order).toEqual(["insert 1", "insert 2", "modify 1", "insert 3"]);
  });

  it("treats different priorities or matches as different entities", async () => {
    const t = new FakeTarget();
    const b = new WriteBatcher(t.write);
    await Promise.all([b.submitAsync(entry(1, 10)), b.submitAsync(entry(1, 11)), b.submitAsync(entry(2, 10))]);
    expect(t.writes.map((w) => w.length)).toEqual([3]);
  });

  it("gives every update of a Write that failed as a whole the failure", async () => {
    const b = new WriteBatcher(() => {
      throw new Error("boom");
    });
    const all = await Promise.all([b.submitAsync(entry(1)), b.submitAsync(entry(2))]);
    expect(all.map((r) => [r.code, r.outcomeUnknown])).toEqual([
      [Code.UNKNOWN, true],
      [Code.UNKNOWN, true],
    ]);
    expect(all[0]!.message).toMatch(/boom/);
  });
});

describe("per-update status decoding", () => {
  it("decodes one p4.v1.Error per update from grpc-status-details-bin", () => {
    const trailer = encodeWriteFailure([
      { code: 6, message: "exists", space: "ALL-sswitch-p4org" },
      { code: 0, message: "", space: "" },
      { code: 3, message: "bad", space: "ALL-sswitch-p4org" },
    ]);
    const r = decodeWriteFailure(3, Code.UNKNOWN, "", trailer);
    expect(r.map((s) => [s.code, s.message, s.outcomeUnknown])).toEqual([
      [6, "exists", false],
      [0, "", false],
      [3, "bad", false],
    ]);
    expect(r[0]!.space).toBe("ALL-sswitch-p4org");
  });

  it("falls back to the RPC's code when the details do not fit the batch", () => {
    const trailer = encodeWriteFailure([{ code: 6, message: "exists", space: "" }]);
    expect(decodeWriteFailure(2, Code.UNKNOWN, "x", trailer).map((s) => [s.code, s.outcomeUnknown])).toEqual([
      [Code.UNKNOWN, true],
      [Code.UNKNOWN, true],
    ]);
    expect(decodeWriteFailure(1, Code.UNKNOWN, "x", Uint8Array.of(0xff, 0xff))[0]!.outcomeUnknown).toBe(true);
  });

  it("marks refusals as known and lost or timed-out Writes as unknown", () => {
    expect(decodeWriteFailure(1, Code.PERMISSION_DENIED, "Not primary", undefined)[0]).toMatchObject({
      code: Code.PERMISSION_DENIED,
      message: "Not primary",
      outcomeUnknown: false,
    });
    expect(decodeWriteFailure(1, Code.FAILED_PRECONDITION, "", undefined)[0]!.outcomeUnknown).toBe(false);
    expect(decodeWriteFailure(1, Code.DEADLINE_EXCEEDED, "", undefined)[0]!.outcomeUnknown).toBe(true);
    expect(decodeWriteFailure(1, Code.UNAVAILABLE, "", undefined)[0]!.outcomeUnknown).toBe(true);
    expect(decodeWriteFailure(1, Code.CANCELLED, "", undefined)[0]!.outcomeUnknown).toBe(true);
  });
});

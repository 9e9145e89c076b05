// The write batcher: updates submitted in one event-loop turn leave in as few WriteRequests as
// possible, each bounded by an update count and by encoded bytes, with at most `maxInFlight`
// Writes outstanding. Each update is encoded once, when its batch is formed (so encoding overlaps
// the target's work on the Writes in flight; do not mutate a submitted update); its own
// UpdateStatus completes its own callback. Order is kept: an update whose entity key is already in flight (or already in
// the batch being built) waits, and so does everything submitted after it — so two updates to
// one entity are never in flight together, and dependencies between entities (a multicast group
// before the entry that uses it) hold. Never talks to gRPC itself: `write` is a dependency.
import { p4 } from "../generated/proto.js";
import { Code, UpdateStatus, wholeRpcFailure } from "./status.js";
import { entityKey } from "./entity-key.js";
import { encodeTableUpdate } from "./update-encode.js";

/** Sends one Write of pre-encoded p4.v1.Update messages; resolves one status per update. */
export type EncodedWrite = (updates: readonly Uint8Array[], encodedBytes: number) => Promise<readonly UpdateStatus[]>;

export type UpdateCallback = (status: UpdateStatus) => void;

export interface BatcherOptions {
  /** Most updates in one WriteRequest (default 400: keeps bmv2's error trailer under 64 KB). */
  maxUpdates?: number;
  /** Most encoded update bytes in one WriteRequest (default 3.5 MiB, under gRPC's 4 MiB). */
  maxBytes?: number;
  /** Most Writes outstanding at once (default 4). */
  maxInFlight?: number;
  /** Monotonic clock in ms, for latency (default performance.now). */
  now?: () => number;
}

export interface BatcherStats {
  readonly batchesSent: number;
  readonly updatesSent: number;
  readonly meanUpdatesPerBatch: number;
  readonly maxUpdatesPerBatch: number;
  readonly inFlight: number;
  readonly inFlightHighWater: number;
  readonly pending: number;
  readonly writesCompleted: number;
  readonly meanWriteLatencyMs: number;
  readonly maxWriteLatencyMs: number;
  readonly failedUpdates: number;
}

interface Item {
  /** The update until it is encoded, then undefined. */
  update: p4.v1.IUpdate | undefined;
  bytes: Uint8Array | undefined;
  /** The entity key; null = not computed yet. */
  key: string | undefined | null;
  cb: UpdateCallback;
}

/** Wire overhead of one update inside a WriteRequest: tag byte + length varint. */
function framing(len: number): number {
  return 1 + (len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5);
}

export class WriteBatcher {
  private readonly maxUpdates: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  // Pending items as a ring-less array with a head index (compacted when the head passes half).
  private queue: Item[] = [];
  private head = 0;
  private readonly busyKeys = new Map<string, number>();
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  private batches = 0;
  private updates = 0;
  private maxBatch = 0;
  private highWater = 0;
  private completed = 0;
  private latencySum = 0;
  private latencyMax = 0;
  private failed = 0;

  constructor(
    private readonly write: EncodedWrite,
    o: BatcherOptions = {},
  ) {
    this.maxUpdates = o.maxUpdates ?? 400;
    this.maxBytes = o.maxBytes ?? 3.5 * 1024 * 1024;
    this.maxInFlight = o.maxInFlight ?? 4;
    this.now = o.now ?? (() => performance.now());
    if (this.maxUpdates < 1 || this.maxInFlight < 1 || this.maxBytes < 1) throw new RangeError("batcher bounds must be >= 1");
  }

  /**
   * Queues one update; `cb` gets its own outcome. `key` identifies the entity for the
   * one-in-flight-per-entity rule: given, or computed from an Update object; a pre-encoded
   * update without a key is never held back for a key.
   */
  submit(update: p4.v1.IUpdate | Uint8Array, cb: UpdateCallback, key?: string): void {
    if (update instanceof Uint8Array) this.queue.push({ update: undefined, bytes: update, key, cb });
    else this.queue.push({ update, bytes: undefined, key: key === undefined ? null : key, cb });
    this.schedule();
  }

  /** Promise form of submit(). */
  submitAsync(update: p4.v1.IUpdate | Uint8Array, key?: string): Promise<UpdateStatus> {
    return new Promise((resolve) => this.submit(update, resolve, key));
  }

  /** Resolves when nothing is pending or in flight. */
  idle(): Promise<void> {
    if (this.pendingCount === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingCount(): number {
    return this.queue.length - this.head;
  }

  get stats(): BatcherStats {
    return {
      batchesSent: this.batches,
      updatesSent: this.updates,
      meanUpdatesPerBatch: this.batches ? this.updates / this.batches : 0,
      maxUpdatesPerBatch: this.maxBatch,
      inFlight: this.inFlight,
      inFlightHighWater: this.highWater,
      pending: this.pendingCount,
      writesCompleted: this.completed,
      meanWriteLatencyMs: this.completed ? this.latencySum / this.completed : 0,
      maxWriteLatencyMs: this.latencyMax,
      failedUpdates: this.failed,
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.maxInFlight && this.head < this.queue.length) {
      const batch = this.take();
      if (batch === undefined) break;
      this.send(batch.items, batch.bytes);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.checkIdle();
  }

  /** The next batch from the head of the queue, or undefined when the head must wait. */
  private take(): { items: Item[]; bytes: number } | undefined {
    const items: Item[] = [];
    let bytes = 0;
    const inBatch = new Set<string>();
    while (this.head < this.queue.length && items.length < this.maxUpdates) {
      const it = this.queue[this.head]!;
      if (it.key === null) it.key = it.update?.entity ? entityKey(it.update.entity) : undefined;
      if (it.key !== undefined && (this.busyKeys.has(it.key) || inBatch.has(it.key))) break;
      if (it.bytes === undefined) {
        it.bytes = encodeTableUpdate(it.update!) ?? p4.v1.Update.encode(it.update!).finish();
        it.update = undefined;
      }
      const size = it.bytes.length + framing(it.bytes.length);
      if (items.length > 0 && bytes + size > this.maxBytes) break;
      items.push(it);
      bytes += size;
      if (it.key !== undefined) inBatch.add(it.key);
      this.queue[this.head] = undefined as unknown as Item;
      this.head++;
    }
    if (items.length === 0) return undefined;
    for (const k of inBatch) this.busyKeys.set(k, (this.busyKeys.get(k) ?? 0) + 1);
    return { items, bytes };
  }

  private send(items: Item[], bytes: number): void {
    this.inFlight++;
    this.batches++;
    this.updates += items.length;
    if (items.length > this.maxBatch) this.maxBatch = items.length;
    if (this.inFlight > this.highWater) this.highWater = this.inFlight;
    const encoded = new Array<Uint8Array>(items.length);
    for (let i = 0; i < items.length; i++) encoded[i] = items[i]!.bytes!;
    const start = this.now();
    let p: Promise<readonly UpdateStatus[]>;
    try {
      p = this.write(encoded, bytes);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (results) =>
        this.finish(
          items,
          start,
          results.length === items.length
            ? results
            : wholeRpcFailure(items.length, Code.UNKNOWN, `Write returned ${results.length} results for ${items.length} updates`),
        ),
      (e: unknown) => this.finish(items, start, wholeRpcFailure(items.length, Code.UNKNOWN, `Write failed: ${String(e)}`)),
    );
  }

  private finish(items: Item[], start: number, results: readonly UpdateStatus[]): void {
    const ms = this.now() - start;
    this.completed++;
    this.latencySum += ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
    this.inFlight--;
    for (const it of items) {
      if (it.key === undefined || it.key === null) continue;
      const n = this.busyKeys.get(it.key)!;
      if (n <= 1) this.busyKeys.delete(it.key);
      else this.busyKeys.set(it.key, n - 1);
    }
    for (let i = 0; i < items.length; i++) {
      const r = results[i]!;
      if (r.code !== 0) this.failed++;
      try {
        items[i]!.cb(r);
      } catch (e) {
        // A callback's bug must not strand the other updates of the batch.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    if (this.head < this.queue.length) this.schedule();
    else this.checkIdle();
  }

  private checkIdle(): void {
    if (this.inFlight === 0 && this.pendingCount === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }
}

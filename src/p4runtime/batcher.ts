// The write batcher: updates leave in as few WriteRequests as possible, each bounded by an
// update count and by encoded bytes, with at most `maxInFlight` Writes outstanding. The hot path
// writes each update once, straight into the Write it will travel in (begin() gives the writer,
// end(owner) frames it); a WriteRequest is the concatenation of its framed updates, sent when a
// Write slot is free (setImmediate after the first update of a turn). Each update's own status
// reaches its owner's answered() — one method call, no promise or closure per update.
// Back-pressure: it counts updates queued and not yet sent; past `maxQueued` it says `full` and
// calls onRoom() once it has drained to half, so its callers hold their work un-encoded.
// The general path (submit: Update objects or bytes, with a callback and an optional entity key)
// keeps order by key: an update whose entity key is already in flight or waiting, and
// everything after it, waits until that entity's update is answered. Never talks to gRPC:
// `write` is a dependency.
import { p4 } from "../generated/proto.js";
import { entityKey } from "./entity-key.js";
import { ProtoWriter, putVarint, varintSize } from "./proto-writer.js";
import { Code, UPDATE_OK, wholeRpcFailure, type UpdateStatus } from "./status.js";
import { encodeTableUpdate } from "./update-encode.js";

/**
 * Sends one Write: `framed` holds `count` updates framed as they sit inside a WriteRequest
 * (tag 0x22, length, Update bytes). `done` is called once with one status per update.
 */
export type FramedWrite = (framed: Uint8Array, count: number, done: (statuses: readonly UpdateStatus[]) => void) => void;

/** Who hears one update's outcome. */
export interface UpdateOwner {
  answered(status: UpdateStatus): void;
}

export type UpdateCallback = (status: UpdateStatus) => void;

export interface BatcherOptions {
  /** Most updates in one WriteRequest (default 400: keeps bmv2's error trailer under 64 KB). */
  maxUpdates?: number;
  /** Most encoded update bytes in one WriteRequest (default 3.5 MiB, under gRPC's 4 MiB). */
  maxBytes?: number;
  /** Most Writes outstanding at once (default 4). */
  maxInFlight?: number;
  /** Updates queued and not yet sent past which the batcher is `full` (default 8 Writes' worth). */
  maxQueued?: number;
  /** Called when the batcher drained to half of maxQueued after having been full. */
  onRoom?: () => void;
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
  /** Updates queued, not yet sent. */
  readonly pending: number;
  readonly writesCompleted: number;
  readonly meanWriteLatencyMs: number;
  readonly maxWriteLatencyMs: number;
  readonly failedUpdates: number;
}

/** One WriteRequest being filled or waiting for a Write slot. */
class Batch {
  readonly w: ProtoWriter;
  readonly owners: UpdateOwner[] = [];
  /** Entity keys of general-path updates in this batch (busy until it is answered). */
  keys: string[] | undefined;
  constructor(size: number) {
    this.w = new ProtoWriter(size);
  }
}

/** A general-path update waiting behind a busy entity key. */
interface Held {
  readonly bytes: Uint8Array;
  readonly key: string | undefined;
  readonly owner: UpdateOwner;
}

class CallbackOwner implements UpdateOwner {
  constructor(readonly cb: UpdateCallback) {}
  answered(status: UpdateStatus): void {
    this.cb(status);
  }
}

/** The Update bytes of a framed update (tag and length stripped). */
function unframe(framed: Uint8Array): Uint8Array {
  let o = 1;
  while (framed[o]! & 0x80) o++;
  return framed.subarray(o + 1);
}

/** Wire overhead of one update inside a WriteRequest: tag byte + length varint. */
function framing(len: number): number {
  return 1 + varintSize(len);
}

const FIRST_BATCH_BYTES = 16 * 1024;

export class WriteBatcher {
  private readonly maxUpdates: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly onRoom: (() => void) | undefined;
  private readonly now: () => number;
  private open: Batch;
  private openStart = 0;
  /** Closed batches waiting for a Write slot, oldest first. */
  private ready: Batch[] = [];
  /** General-path updates waiting behind a busy key (and everything after them). */
  private held: Held[] = [];
  private readonly busyKeys = new Map<string, number>();
  private queued = 0;
  private wasFull = false;
  private scheduled = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private batchBytes = FIRST_BATCH_BYTES;

  private batches = 0;
  private updates = 0;
  private maxBatch = 0;
  private highWater = 0;
  private completed = 0;
  private latencySum = 0;
  private latencyMax = 0;
  private failed = 0;

  constructor(
    private readonly write: FramedWrite,
    o: BatcherOptions = {},
  ) {
    this.maxUpdates = o.maxUpdates ?? 400;
    this.maxBytes = o.maxBytes ?? 3.5 * 1024 * 1024;
    this.maxInFlight = o.maxInFlight ?? 4;
    this.maxQueued = o.maxQueued ?? this.maxUpdates * 8;
    this.onRoom = o.onRoom;
    this.now = o.now ?? (() => performance.now());
    if (this.maxUpdates < 1 || this.maxInFlight < 1 || this.maxBytes < 1 || this.maxQueued < 1) throw new RangeError("batcher bounds must be >= 1");
    this.open = new Batch(this.batchBytes);
  }

  // ── The hot path ──────────────────────────────────────────────────────────────────────

  /** True while the updates queued and not yet sent reach maxQueued: hold new work back (onRoom() follows). */
  get full(): boolean {
    if (this.queued < this.maxQueued) return false;
    this.wasFull = true;
    return true;
  }

  /**
   * Starts one update: the writer is positioned where its Update message goes (write the
   * message's fields, nothing else), then call end(). No other call may come in between.
   */
  begin(): ProtoWriter {
    const w = this.open.w;
    this.openStart = w.pos;
    w.ensure(6);
    w.buf[w.pos++] = 0x22; // WriteRequest.updates = 4, length-delimited
    w.buf[w.pos++] = 0; // its length, written by end()
    return w;
  }

  /** Ends the update begun: `owner.answered()` will get its status. */
  end(owner: UpdateOwner): void {
    const b = this.open;
    b.w.close(this.openStart + 1);
    if (this.held.length > 0) {
      // Order is kept behind a general update waiting for its key: this one waits too.
      const bytes = Uint8Array.prototype.slice.call(b.w.buf, this.openStart, b.w.pos);
      b.w.pos = this.openStart;
      this.hold(unframe(bytes), undefined, owner);
      return;
    }
    if (b.owners.length > 0 && b.w.pos > this.maxBytes) {
      // It does not fit: the batch closes without it, and it starts the next one.
      const next = this.newBatch();
      next.w.raw(b.w.buf, this.openStart, b.w.pos);
      b.w.pos = this.openStart;
      this.closeOpen(next);
    }
    this.added(owner);
  }

  // ── The general path ──────────────────────────────────────────────────────────────────

  /**
   * Queues one update; `cb` gets its own outcome. `key` identifies the entity for the
   * one-in-flight-per-entity rule: given, or computed from an Update object; a pre-encoded
   * update without a key is never held back for a key.
   */
  submit(update: p4.v1.IUpdate | Uint8Array, cb: UpdateCallback, key?: string): void {
    const owner = new CallbackOwner(cb);
    let bytes: Uint8Array;
    let k = key;
    if (update instanceof Uint8Array) bytes = update;
    else {
      bytes = encodeTableUpdate(update) ?? p4.v1.Update.encode(update).finish();
      if (k === undefined && update.entity) k = entityKey(update.entity);
    }
    if (this.held.length > 0 || (k !== undefined && this.busyKeys.has(k))) {
      this.hold(bytes, k, owner);
      return;
    }
    this.place(bytes, k, owner);
  }

  /** Promise form of submit(). */
  submitAsync(update: p4.v1.IUpdate | Uint8Array, key?: string): Promise<UpdateStatus> {
    return new Promise((resolve) => this.submit(update, resolve, key));
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.pendingCount === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingCount(): number {
    return this.queued;
  }

  get stats(): BatcherStats {
    return {
      batchesSent: this.batches,
      updatesSent: this.updates,
      meanUpdatesPerBatch: this.batches ? this.updates / this.batches : 0,
      maxUpdatesPerBatch: this.maxBatch,
      inFlight: this.inFlight,
      inFlightHighWater: this.highWater,
      pending: this.queued,
      writesCompleted: this.completed,
      meanWriteLatencyMs: this.completed ? this.latencySum / this.completed : 0,
      maxWriteLatencyMs: this.latencyMax,
      failedUpdates: this.failed,
    };
  }

  // ── Batches ───────────────────────────────────────────────────────────────────────────

  /** Appends an encoded Update to the open batch (framing it), or to the next when it does not fit. */
  private place(bytes: Uint8Array, key: string | undefined, owner: UpdateOwner): void {
    const size = framing(bytes.length) + bytes.length;
    if (this.open.owners.length > 0 && this.open.w.pos + size > this.maxBytes) this.closeOpen(this.newBatch());
    const w = this.open.w;
    w.ensure(size);
    w.buf[w.pos++] = 0x22;
    w.pos = putVarint(w.buf, w.pos, bytes.length);
    w.raw(bytes);
    if (key !== undefined) {
      (this.open.keys ??= []).push(key);
      this.busyKeys.set(key, (this.busyKeys.get(key) ?? 0) + 1);
    }
    this.added(owner);
  }

  /** The update just framed at the end of the open batch belongs to `owner`. */
  private added(owner: UpdateOwner): void {
    this.open.owners.push(owner);
    this.queued++;
    if (this.open.owners.length >= this.maxUpdates) this.closeOpen(this.newBatch());
    this.schedule();
  }

  private newBatch(): Batch {
    return new Batch(this.batchBytes);
  }

  /** The open batch joins the ready ones; `next` is open from now on. */
  private closeOpen(next: Batch): void {
    const b = this.open;
    this.open = next;
    if (b.owners.length === 0) return;
    // Size the next buffers from what a full batch took.
    if (b.owners.length >= this.maxUpdates) this.batchBytes = Math.max(FIRST_BATCH_BYTES, b.w.pos + 1024);
    this.ready.push(b);
  }

  private hold(bytes: Uint8Array, key: string | undefined, owner: UpdateOwner): void {
    this.held.push({ bytes, key, owner });
    this.queued++;
  }

  /** Moves held updates into batches while their keys are free; stops at the first busy one. */
  private release(): void {
    let i = 0;
    for (; i < this.held.length; i++) {
      const h = this.held[i]!;
      if (h.key !== undefined && this.busyKeys.has(h.key)) break;
      this.queued--;
      this.place(h.bytes, h.key, h.owner);
    }
    if (i > 0) this.held = this.held.slice(i);
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
    while (this.inFlight < this.maxInFlight) {
      let b = this.ready.shift();
      if (b === undefined && this.open.owners.length > 0) {
        b = this.open;
        this.open = this.newBatch();
      }
      if (b === undefined) break;
      this.send(b);
    }
    this.checkIdle();
  }

  private send(b: Batch): void {
    const n = b.owners.length;
    this.inFlight++;
    this.batches++;
    this.updates += n;
    this.queued -= n;
    if (n > this.maxBatch) this.maxBatch = n;
    if (this.inFlight > this.highWater) this.highWater = this.inFlight;
    const start = this.now();
    let answered = false;
    const done = (results: readonly UpdateStatus[]): void => {
      if (answered) return;
      answered = true;
      this.finish(b, start, results.length === n ? results : wholeRpcFailure(n, Code.UNKNOWN, `Write returned ${results.length} results for ${n} updates`));
    };
    try {
      this.write(b.w.buf.subarray(0, b.w.pos), n, done);
    } catch (e) {
      done(wholeRpcFailure(n, Code.UNKNOWN, `Write failed: ${String(e)}`));
    }
    this.roomCheck();
  }

  private finish(b: Batch, start: number, results: readonly UpdateStatus[]): void {
    const ms = this.now() - start;
    this.completed++;
    this.latencySum += ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
    this.inFlight--;
    if (b.keys !== undefined) {
      for (const k of b.keys) {
        const n = this.busyKeys.get(k)!;
        if (n <= 1) this.busyKeys.delete(k);
        else this.busyKeys.set(k, n - 1);
      }
    }
    const owners = b.owners;
    for (let i = 0; i < owners.length; i++) {
      const r = results[i]!;
      if (r !== UPDATE_OK && r.code !== 0) this.failed++;
      try {
        owners[i]!.answered(r);
      } catch (e) {
        // An owner's bug must not strand the other updates of the batch.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    if (this.held.length > 0) this.release();
    if (this.ready.length > 0 || this.open.owners.length > 0) this.schedule();
    else this.checkIdle();
  }

  /** Tells the caller it may queue again once the batcher drained to half after being full. */
  private roomCheck(): void {
    if (this.queued >= this.maxQueued) this.wasFull = true;
    else if (this.wasFull && this.queued <= this.maxQueued / 2) {
      this.wasFull = false;
      this.onRoom?.();
    }
  }

  private checkIdle(): void {
    if (this.inFlight === 0 && this.queued === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }
}

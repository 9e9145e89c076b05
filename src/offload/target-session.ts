// The target session: ofp4's life with one P4Runtime target. Owns the client (stream,
// arbitration, reconnect) and the write batcher, the pipeline push by cookie (pushed only when
// the target runs none or another), the table-miss defaults, the phase
//   connecting ──▶ ready ──lost──▶ lost ──primary again──▶ reconciling ──▶ ready ──▶ closed
// the work waiting for a target that is away (held, resumed once it is reconciled, abandoned
// past targetWaitMs), reconciliation runs (one at a time, a follow-up when asked meanwhile) and
// the one log line per P4Runtime error. What reconciliation repairs is the host's (entries,
// port config); what an update's status means is the writers'.

import { createHash } from "node:crypto";
import type { ProviderCore } from "../ofproto/provider.js";
import {
  Code,
  P4RuntimeClient,
  P4RuntimeError,
  UpdateType,
  WriteBatcher,
  codeName,
  type P4InfoIndex,
  type UpdateStatus,
  type p4,
} from "../p4runtime/index.js";
import type { Log } from "../util/log.js";
import { logP4Error, type ErrorOrigin } from "./error-log.js";
import type { OffloadMapping } from "./mapping.js";
import { isTrouble } from "./p4-errors.js";

/** connecting: construct running; ready: writes flow; lost: target away; reconciling: repairing. */
export type TargetPhase = "connecting" | "ready" | "lost" | "reconciling" | "closed";

/** The provider's log: ofp4's one Log interface. */
export type OffloadLog = Log;

/** Work held while the target is away: resumed once it is back and reconciled, or abandoned past the wait bound. */
export interface Waiter {
  /** performance.now() when it started waiting (set by defer). */
  since: number;
  resume(): void;
  abandon(why: string): void;
}

export interface SessionOptions {
  readonly address: string;
  readonly deviceId: bigint;
  readonly electionId: bigint;
  readonly role?: string | undefined;
  readonly tls?: { readonly ca?: Uint8Array; readonly cert?: Uint8Array; readonly key?: Uint8Array } | undefined;
  readonly p4info: P4InfoIndex;
  readonly deviceConfig: Uint8Array;
  readonly mapping: OffloadMapping;
  readonly log: OffloadLog;
  readonly tableMiss: "controller" | "drop";
  readonly targetWaitMs: number;
  readonly writeTimeoutMs?: number | undefined;
  readonly writeMaxUpdates?: number | undefined;
  readonly writeMaxBytes?: number | undefined;
  readonly writeMaxInFlight?: number | undefined;
  readonly writeMaxQueued?: number | undefined;
}

/** What reconciliation repairs (the provider's rooms). */
export interface RepairHost {
  /** Reads the target and writes the difference; rejects when the target cannot be read or written. */
  repair(): Promise<void>;
  /** The batcher drained after having been full. */
  room(): void;
}

const PIPELINE: ErrorOrigin = { request: "pipeline" };

export class TargetSession {
  readonly client: P4RuntimeClient;
  readonly batcher: WriteBatcher;
  /** Hash of the P4Info and device config: the pipeline's identity on the target. */
  readonly cookie: bigint;
  readonly #o: SessionOptions;
  readonly #log: OffloadLog;
  #core: ProviderCore | undefined;
  #host: RepairHost | undefined;
  #phase: TargetPhase = "connecting";
  #waiting: Waiter[] = [];
  #waitTimer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> | undefined;
  #reconcileAgain = false;
  #reconcileScheduled = false;
  #reconciliations = 0;
  #latencies: number[] = [];
  /** Errors already logged (a failed RPC is logged once, not again by whoever catches it). */
  readonly #logged = new WeakSet<object>();

  constructor(o: SessionOptions) {
    this.#o = o;
    this.#log = o.log;
    this.cookie = createHash("sha256").update(o.p4info.encoded).update(o.deviceConfig).digest().readBigUInt64BE(0);
    this.client = new P4RuntimeClient({
      address: o.address,
      deviceId: o.deviceId,
      electionId: o.electionId,
      role: o.role,
      tls: o.tls,
      writeTimeoutMs: o.writeTimeoutMs,
      // A target that restarts is back within a second or two: look for it at least twice a second.
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const client = this.client;
    this.batcher = new WriteBatcher(
      (framed, count, done) => {
        const t0 = performance.now();
        client.writeFramed(framed, count, (statuses) => {
          this.#latency(performance.now() - t0);
          done(statuses);
        });
      },
      { maxUpdates: o.writeMaxUpdates, maxBytes: o.writeMaxBytes, maxInFlight: o.writeMaxInFlight, maxQueued: o.writeMaxQueued, onRoom: () => this.#host?.room() },
    );
  }

  get phase(): TargetPhase {
    return this.#phase;
  }

  /** Writes may go to the target now (else they wait: defer). */
  get ready(): boolean {
    return this.#phase === "ready";
  }

  get reconciliations(): number {
    return this.#reconciliations;
  }

  get waitingCount(): number {
    return this.#waiting.length;
  }

  /** Connects and arbitrates; rejects (closed) unless ofp4 is primary and the pipeline is in place. */
  async open(core: ProviderCore, host: RepairHost): Promise<void> {
    this.#core = core;
    this.#host = host;
    const arb = await this.client.connect();
    if (!arb.isPrimary) {
      this.client.close();
      throw new Error(`P4Runtime target ${this.#o.address}: election id ${this.#o.electionId} is not primary (${arb.message})`);
    }
    try {
      await this.#ensurePipeline();
    } catch (e) {
      this.client.close();
      throw e;
    }
  }

  /** After construct: the target's events are watched and writes flow. */
  start(): void {
    // A dropped stream says "primaryLost" then "disconnected" in one go: the stream's error is the one logged.
    this.client.on("primaryLost", () => queueMicrotask(() => this.#lost("ofp4 is no longer primary on the target")));
    this.client.on("disconnected", (e) => this.#lost(e.message, e));
    this.client.on("streamError", (e) =>
      logP4Error(this.#log, "error", { p4runtime: "StreamChannel", code: e.canonicalCode ?? 0, message: e.message ?? "", detail: { target: this.#o.address } }, this),
    );
    this.client.on("primary", () => {
      if (this.#phase === "lost") void this.reconcile();
    });
    this.#phase = "ready";
  }

  async close(): Promise<void> {
    this.#phase = "closed";
    clearTimeout(this.#waitTimer);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.abandon("ofp4 is shutting down");
    await Promise.race([this.batcher.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.client.close();
  }

  // ── Pipeline ──────────────────────────────────────────────────────────────────────────

  /** GetForwardingPipelineConfig COOKIE_ONLY; push only when the target has none or another. */
  async #ensurePipeline(): Promise<void> {
    let current: bigint | undefined;
    try {
      const cfg = await this.client.getPipeline("COOKIE_ONLY");
      current = cfg.cookie ? BigInt(cfg.cookie.cookie ?? 0) : undefined;
    } catch (e) {
      // FAILED_PRECONDITION is the target's "no pipeline yet": the answer expected, not an error.
      if (!(e instanceof P4RuntimeError) || e.code !== Code.FAILED_PRECONDITION) {
        if (e instanceof P4RuntimeError && !this.#logged.has(e)) {
          this.#logged.add(e);
          logP4Error(this.#log, "error", { p4runtime: "GetForwardingPipelineConfig", code: e.code, message: stripCode(e.message), origin: PIPELINE }, this);
        }
        throw e;
      }
    }
    if (current !== this.cookie) {
      this.#log.info({ target: this.#o.address, cookie: this.cookie.toString(16) }, "pushing the P4 pipeline");
      await this.rpc("SetForwardingPipelineConfig", PIPELINE, () =>
        this.client.setPipeline({ action: "VERIFY_AND_COMMIT", p4info: this.#o.p4info, deviceConfig: this.#o.deviceConfig, cookie: this.cookie }),
      );
    }
    await this.#setMissDefaults();
  }

  /** Every table's default action: the configured table-miss behaviour. */
  async #setMissDefaults(): Promise<void> {
    const m = this.#o.mapping;
    const want = this.#o.tableMiss;
    const updates: p4.v1.IUpdate[] = m.tables.map((t) => ({
      type: UpdateType.MODIFY,
      entity: { tableEntry: { tableId: t.p4.id, isDefaultAction: true, action: { action: { actionId: t.miss[want] ?? t.miss.drop ?? m.dropActionId, params: [] } } } },
    }));
    const results = await this.client.write(updates);
    results.forEach((r) => this.logUpdate(r, "MODIFY", "table_entry", PIPELINE));
    const bad = results.find((r) => r.code !== 0);
    if (bad) {
      const e = new Error(`setting the table-miss default actions failed: ${codeName(bad.code)} ${bad.message}`);
      this.#logged.add(e);
      throw e;
    }
  }

  // ── Target lost, regained, reconciled ──────────────────────────────────────────────────

  #lost(reason: string, error?: P4RuntimeError): void {
    if (this.#phase === "closed" || this.#phase === "lost") return;
    const was = this.#phase;
    this.#phase = "lost";
    if (error) {
      logP4Error(this.#log, "error", {
        p4runtime: "StreamChannel",
        code: error.code,
        message: stripCode(error.message),
        detail: { target: this.#o.address, lost: true, waitingMs: this.#o.targetWaitMs },
      }, this);
    } else this.#log.warn({ target: this.#o.address, reason }, "P4Runtime target lost");
    if (was !== "connecting") this.#core?.targetLost(reason);
  }

  /**
   * A status that says the target went away or lost its pipeline under us: reconciliation is
   * scheduled (the update's fate is checked again after it). True for such a status.
   */
  troubled(s: UpdateStatus): boolean {
    const trouble = isTrouble(s);
    if (trouble) this.scheduleReconcile();
    return trouble;
  }

  /** Reconciles soon (once for a burst of troubles) when the target is up; a lost target reconciles when it is back. */
  scheduleReconcile(): void {
    if (this.#phase !== "ready" || this.#reconcileScheduled) return;
    this.#reconcileScheduled = true;
    setImmediate(() => {
      this.#reconcileScheduled = false;
      void this.reconcile();
    });
  }

  /** A reconciliation is running: it runs again after (its reads may predate a change). */
  reconcileAgainIfRunning(): void {
    if (this.#reconciling) this.#reconcileAgain = true;
  }

  /**
   * Re-arbitrated (the client does), re-pushes the pipeline if the target lost it, reads the
   * target back and writes the difference (the host's repair), then lets waiting work go.
   * Resolves when done; concurrent calls share one run (and one follow-up).
   */
  reconcile(): Promise<void> {
    if (this.#reconciling) {
      this.#reconcileAgain = true;
      return this.#reconciling;
    }
    const run = async (): Promise<void> => {
      do {
        this.#reconcileAgain = false;
        await this.#reconcileOnce();
      } while (this.#reconcileAgain && this.#phase !== "closed");
    };
    this.#reconciling = run().finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    if (this.#phase === "closed") return;
    if (!this.client.isPrimary) return; // the "primary" event brings us back
    const wasLost = this.#phase === "lost";
    this.#phase = "reconciling";
    if (wasLost) this.#core?.targetRegained();
    try {
      await this.batcher.idle();
      await this.#ensurePipeline();
      await this.#host!.repair();
      this.#reconciliations++;
    } catch (e) {
      // A P4Runtime error was logged where it was received; anything else is logged here.
      if (!(typeof e === "object" && e !== null && this.#logged.has(e))) this.#log.warn({ error: String(e) }, "reconciliation failed; retried");
      this.#lost(`reconciliation failed: ${String(e)}`);
      // Still primary (the target answers but refuses): try again soon; else the "primary" event does.
      if (this.client.isPrimary) setTimeout(() => void this.reconcile(), 200).unref();
      return;
    }
    if (this.#phase !== "reconciling") return;
    this.#phase = "ready";
    this.#flushWaiting();
    if (wasLost) this.#core?.reconciliationFinished();
  }

  // ── Work waiting for the target ─────────────────────────────────────────────────────────

  /** Holds work until the target is ready again (reconciled); abandons it past targetWaitMs. */
  defer(w: Waiter): void {
    w.since = performance.now();
    this.#waiting.push(w);
    this.#armWaitTimer();
  }

  #armWaitTimer(): void {
    if (this.#waitTimer || this.#waiting.length === 0) return;
    const bound = this.#o.targetWaitMs;
    let first = Infinity;
    for (const w of this.#waiting) if (w.since < first) first = w.since;
    this.#waitTimer = setTimeout(() => {
      this.#waitTimer = undefined;
      const now = performance.now();
      const expired = this.#waiting.filter((w) => now - w.since >= bound);
      this.#waiting = this.#waiting.filter((w) => now - w.since < bound);
      for (const w of expired) w.abandon(`P4Runtime target ${this.#o.address} unavailable for ${bound} ms`);
      this.#armWaitTimer();
    }, Math.max(0, first + bound - performance.now()));
    this.#waitTimer.unref();
  }

  #flushWaiting(): void {
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.resume();
  }

  // ── RPCs and the log line of their errors ───────────────────────────────────────────────

  /** Runs one P4Runtime RPC; its error is logged once here (and marked, so callers do not log it again). */
  async rpc<T>(p4runtime: string, origin: ErrorOrigin | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof P4RuntimeError && !this.#logged.has(e)) {
        this.#logged.add(e);
        logP4Error(this.#log, "error", { p4runtime, code: e.code, message: stripCode(e.message), origin, detail: { target: this.#o.address } }, this);
      }
      throw e;
    }
  }

  /**
   * Logs a P4Runtime error answer to one update, once. A Write that failed as a whole gives
   * every one of its updates the same frozen status (p4runtime/status.ts wholeRpcFailure): that
   * failure is logged once, with the origin of the first update that sees it.
   */
  logUpdate(s: UpdateStatus, kind: string, entity: string, origin: ErrorOrigin | undefined): void {
    if (s.code === 0 || this.#logged.has(s)) return;
    const whole = Object.isFrozen(s);
    if (whole) this.#logged.add(s);
    logP4Error(this.#log, whole ? "error" : "warn", {
      p4runtime: whole ? "Write" : `Write ${kind} ${entity}`,
      code: s.code,
      message: s.message,
      origin,
      detail: whole ? { target: this.#o.address, wholeWrite: true } : { target: this.#o.address },
    }, this);
  }

  /** True when `e` was logged already (by rpc or logUpdate). */
  wasLogged(e: object): boolean {
    return this.#logged.has(e);
  }

  // ── Statistics ──────────────────────────────────────────────────────────────────────────

  #latency(ms: number): void {
    this.#latencies.push(ms);
    if (this.#latencies.length > 4096) this.#latencies = this.#latencies.slice(-2048);
  }

  /** Write latency percentiles over the last Writes. */
  latencyMs(): { mean: number; p50: number; p99: number; max: number } {
    const b = this.batcher.stats;
    const sorted = [...this.#latencies].sort((x, y) => x - y);
    const pct = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { mean: b.meanWriteLatencyMs, p50: pct(0.5), p99: pct(0.99), max: b.maxWriteLatencyMs };
  }
}

function stripCode(message: string): string {
  return message.replace(/^[A-Z_]+: /, "");
}

// Counters (provider.ts §4): every interval (default 1 s; and at least twice as long as the last
// poll took, so polls take at most a third of the target's time) one wildcard Read of the direct
// counters of every mapped table and of the port_rx / port_tx indirect counters; each direct
// counter value goes to the entry of its key (entry.ts keeps the rule's counts), port counters
// are cached here. Promises one poll at a time, a `fresh()` that resolves after a poll that
// started after the call, rule stats that never block, and never throws from the timer (a
// failed poll is counted and retried next interval).

import type { RuleStats } from "../ofproto/provider.js";
import type { Rule } from "../ofproto/rule.js";
import { scanCounterResponse, type p4, type P4RuntimeClient, type ScanSink } from "../p4runtime/index.js";
import { entryOf } from "./entry.js";
import type { OffloadMapping } from "./mapping.js";

export interface PortCounters {
  rxPackets: bigint;
  rxBytes: bigint;
  txPackets: bigint;
  txBytes: bigint;
}

export interface PollStats {
  readonly polls: number;
  readonly failures: number;
  readonly lastDurationMs: number;
  readonly lastEntries: number;
}

/** Receives one direct counter value read from the target. */
export type EntryCounterSink = (key: string, packets: bigint, bytes: bigint, now: number) => void;

export class CounterPoller {
  readonly ports = new Map<number, PortCounters>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #polls = 0;
  #failures = 0;
  #lastMs = 0;
  #lastEntries = 0;
  #lastError: string | undefined;
  #stopped = false;
  /** performance.now() when the last successful poll started (its values are at least that fresh). */
  #freshAt = -Infinity;
  /** performance.now() when the running poll started. */
  #runningSince = -Infinity;

  constructor(
    private readonly client: P4RuntimeClient,
    private readonly mapping: OffloadMapping,
    private readonly sink: EntryCounterSink,
    private readonly now: () => number,
    readonly intervalMs = 1000,
  ) {}

  /**
   * Polls every intervalMs, measured from the end of the previous poll, and leaves the target
   * at least twice the last poll's time of rest (a 1 s poll of 100,000 entries, 2 s of rest for
   * the writes competing with it). On-demand polls (fresh()) are not held back.
   */
  start(): void {
    if (this.#timer || this.intervalMs <= 0 || this.#stopped) return;
    const delay = Math.max(this.intervalMs, 2 * this.#lastMs);
    this.#timer = setTimeout(() => {
      void this.poll().then(() => {
        this.#timer = undefined;
        this.start();
      });
    }, delay);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  get stats(): PollStats {
    return { polls: this.#polls, failures: this.#failures, lastDurationMs: this.#lastMs, lastEntries: this.#lastEntries };
  }

  /** Milliseconds since the start of the last successful poll (Infinity before the first). */
  get ageMs(): number {
    return performance.now() - this.#freshAt;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Runs a poll now unless one is running (then joins it). Never rejects. */
  poll(): Promise<void> {
    if (this.#running) return this.#running;
    this.#runningSince = performance.now();
    const p = this.#pollOnce(this.#runningSince).finally(() => {
      if (this.#running === p) this.#running = undefined;
    });
    this.#running = p;
    return p;
  }

  /**
   * Resolves once the cached values are fresh for a request made now: after the poll running
   * now when it started at most intervalMs before this call (its values are no older than the
   * interval at the time of the request), else after a poll that starts after this call. A
   * request that arrives just after a slow poll began waits for that poll only.
   */
  async fresh(): Promise<void> {
    const asked = performance.now();
    if (this.#running) {
      const started = this.#runningSince;
      await this.#running;
      if (asked - started <= this.intervalMs && this.#freshAt === started) return;
    }
    await this.poll();
  }

  async #pollOnce(t0: number): Promise<void> {
    let n = 0;
    try {
      const requests: p4.v1.IEntity[] = this.mapping.tables.map((t) => ({ directCounterEntry: { tableEntry: { tableId: t.p4.id } } }));
      requests.push({ counterEntry: { counterId: this.mapping.portCounters.rxId } }, { counterEntry: { counterId: this.mapping.portCounters.txId } });
      const now = this.now();
      const { rxId, txId } = this.mapping.portCounters;
      const sink = this.sink;
      const scan: ScanSink = {
        // An entry's counter starts at zero when it is written (entry-writer.ts resets what it kept): zeros carry no news.
        skipZero: true,
        direct: (key, packets, bytes) => sink(key, packets, bytes, now),
        counter: (counterId, port, packets, bytes) => {
          if (counterId !== rxId && counterId !== txId) return;
          let pc = this.ports.get(port);
          if (!pc) {
            pc = { rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n };
            this.ports.set(port, pc);
          }
          if (counterId === rxId) {
            pc.rxPackets = packets;
            pc.rxBytes = bytes;
          } else {
            pc.txPackets = packets;
            pc.txBytes = bytes;
          }
        },
      };
      // Each ReadResponse is scanned from its bytes (read-scan.ts): no Entity objects per entry.
      for await (const response of this.client.readRaw(requests)) {
        const r = scanCounterResponse(response, scan);
        if (typeof r === "string") throw new Error(`counter read: ${r}`);
        n += r;
      }
      this.#polls++;
      this.#freshAt = t0;
      this.#lastError = undefined;
    } catch (e) {
      this.#failures++;
      this.#lastError = String(e);
    }
    this.#lastMs = performance.now() - t0;
    this.#lastEntries = n;
  }
}

/** provider.ts §4.1: a rule's counts as the last poll left them. */
export function ruleStats(rule: Rule): RuleStats {
  const e = entryOf(rule);
  if (e === undefined) return { packetCount: 0n, byteCount: 0n, lastUsed: undefined };
  return { packetCount: e.packets, byteCount: e.bytes, lastUsed: e.lastUsed < 0 ? undefined : e.lastUsed };
}

// Counter polling: every interval (default 1 s, and never more often than a poll takes) one wildcard Read of the direct counters of
// every mapped table and of the port_rx / port_tx indirect counters; each direct counter value
// is handed to the owner by table entry key, port counters are cached here. Promises one poll
// at a time, a `fresh()` that resolves after a poll that started after the call, and never
// throws from the timer (a failed poll is counted and retried next interval).

import { tableEntryKey, type p4, type P4RuntimeClient } from "../p4runtime/index.js";
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

  constructor(
    private readonly client: P4RuntimeClient,
    private readonly mapping: OffloadMapping,
    private readonly sink: EntryCounterSink,
    private readonly now: () => number,
    readonly intervalMs = 1000,
  ) {}

  /**
   * Polls every intervalMs, measured from the end of the previous poll, and never more often
   * than the last poll took (a 3 s poll of a million entries leaves the target 3 s of rest).
   */
  start(): void {
    if (this.#timer || this.intervalMs <= 0 || this.#stopped) return;
    const delay = Math.max(this.intervalMs, this.#lastMs);
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
    const p = this.#pollOnce().finally(() => {
      if (this.#running === p) this.#running = undefined;
    });
    this.#running = p;
    return p;
  }

  /** Resolves after a poll that started after this call (flow-stats freshness). */
  async fresh(): Promise<void> {
    if (this.#running) await this.#running;
    await this.poll();
  }

  async #pollOnce(): Promise<void> {
    const t0 = performance.now();
    let n = 0;
    try {
      const requests: p4.v1.IEntity[] = this.mapping.tables.map((t) => ({ directCounterEntry: { tableEntry: { tableId: t.p4.id } } }));
      requests.push({ counterEntry: { counterId: this.mapping.portCounters.rxId } }, { counterEntry: { counterId: this.mapping.portCounters.txId } });
      const now = this.now();
      for await (const e of this.client.read(requests)) {
        if (e.directCounterEntry) {
          const d = e.directCounterEntry;
          if (!d.tableEntry) continue;
          n++;
          this.sink(tableEntryKey(d.tableEntry), BigInt(d.data?.packetCount ?? 0), BigInt(d.data?.byteCount ?? 0), now);
        } else if (e.counterEntry) {
          const c = e.counterEntry;
          const port = Number(c.index?.index ?? 0);
          const rx = c.counterId === this.mapping.portCounters.rxId;
          let pc = this.ports.get(port);
          if (!pc) {
            pc = { rxPackets: 0n, rxBytes: 0n, txPackets: 0n, txBytes: 0n };
            this.ports.set(port, pc);
          }
          const packets = BigInt(c.data?.packetCount ?? 0);
          const bytes = BigInt(c.data?.byteCount ?? 0);
          if (rx) {
            pc.rxPackets = packets;
            pc.rxBytes = bytes;
          } else {
            pc.txPackets = packets;
            pc.txBytes = bytes;
          }
        }
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

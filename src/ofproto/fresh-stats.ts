// Fresh statistics (provider.ts §4.2): a flow, aggregate or port stats request waits while the
// provider's cached counters are older than the freshness bound; one counter read is asked
// for, and the request is answered after it ends, fresh or not, so a request waits for at
// most one read. The core decides the wait; the provider only reads. Never sends anything.

import type { Request } from "../connmgr/endpoint.js";
import type { Provider } from "./provider.js";

export class CounterFreshness {
  /** Requests that already waited for a read: they are answered next time, fresh or not. */
  readonly #waited = new WeakSet<Request>();
  #refreshing = false;

  constructor(
    private readonly provider: Pick<Provider, "countersAgeMs" | "refreshCounters">,
    /** Counters older than this (ms) make a stats request wait for a read. */
    readonly maxAgeMs: number,
    /** Retries postponed requests (the switch's wake). */
    private readonly wake: () => void,
  ) {}

  /** "postponed" when `request` must wait for a counter read (one is started); undefined to answer now. */
  check(request: Request): "postponed" | undefined {
    const p = this.provider;
    if (p.countersAgeMs === undefined || p.refreshCounters === undefined) return undefined;
    if (this.#waited.has(request) || p.countersAgeMs() <= this.maxAgeMs) return undefined;
    this.#waited.add(request);
    if (!this.#refreshing) {
      this.#refreshing = true;
      const done = (): void => {
        this.#refreshing = false;
        this.wake();
      };
      p.refreshCounters().then(done, done);
    }
    return "postponed";
  }
}

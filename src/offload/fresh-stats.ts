// Fresh flow statistics: an OfprotoEndpoint in front of the core that postpones a flow-stats,
// aggregate-stats or port-stats request while the provider's cached counters are older than
// `maxAgeMs`, starts one counter poll, and lets the request through (wake) when the poll ends,
// whether or not it succeeded, so a request waits for at most one poll. Everything else goes
// straight to the core. The daemon puts it between connmgr and the core; the core is unchanged.

import type { HandleResult, OfConnView, OfprotoEndpoint, Request } from "../connmgr/endpoint.js";

export interface CounterSource {
  countersAgeMs(): number;
  pollCounters(): Promise<void>;
}

export class FreshStatsEndpoint implements OfprotoEndpoint {
  readonly #inner: OfprotoEndpoint;
  readonly #counters: CounterSource;
  readonly #wake: () => void;
  readonly #maxAgeMs: number;
  /** Requests that already waited for a poll: they go through next time, fresh or not. */
  readonly #waited = new WeakSet<Request>();
  #polling: Promise<void> | undefined;

  constructor(inner: OfprotoEndpoint, counters: CounterSource, wake: () => void, maxAgeMs = 1000) {
    this.#inner = inner;
    this.#counters = counters;
    this.#wake = wake;
    this.#maxAgeMs = maxAgeMs;
  }

  connected(conn: OfConnView): void {
    this.#inner.connected(conn);
  }

  disconnected(conn: OfConnView): void {
    this.#inner.disconnected(conn);
  }

  handle(conn: OfConnView, request: Request): HandleResult {
    const msg = request.msg;
    const wantsCounters =
      msg.type === "multipart_request" && (msg.body.type === "flow" || msg.body.type === "aggregate" || msg.body.type === "port_stats");
    if (!wantsCounters || this.#waited.has(request) || this.#counters.countersAgeMs() <= this.#maxAgeMs) {
      return this.#inner.handle(conn, request);
    }
    this.#waited.add(request);
    if (this.#polling === undefined) {
      this.#polling = this.#counters.pollCounters().finally(() => {
        this.#polling = undefined;
        this.#wake();
      });
    }
    return "postponed";
  }
}

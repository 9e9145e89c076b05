// Capped exponential backoff, the one timer policy for every reconnect in ofp4 (active
// controller connections in connmgr, the P4Runtime stream in the client): each delay is the
// previous times `multiplier`, capped at `maxMs`, with +/- `jitter` spread; reset() after a
// success starts over. Only computes delays: the caller owns the timer. src/util holds such
// protocol-free helpers; any layer may import them, they import nothing of ofp4's.

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly multiplier?: number;
  /** Fraction of the delay added or removed at random (default 0: none). */
  readonly jitter?: number;
  readonly random?: () => number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #current: number;
  #tries = 0;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 1000;
    this.maxMs = o.maxMs ?? 8000;
    this.multiplier = o.multiplier ?? 2;
    this.#jitter = o.jitter ?? 0;
    this.#random = o.random ?? Math.random;
    if (!(this.initialMs > 0) || this.maxMs < this.initialMs || !(this.multiplier >= 1) || !(this.#jitter >= 0 && this.#jitter < 1)) {
      throw new RangeError(`bad backoff: initial ${this.initialMs} ms, max ${this.maxMs} ms, x${this.multiplier}, jitter ${this.#jitter}`);
    }
    this.#current = this.initialMs;
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.#tries;
  }

  /** The delay before the next attempt; each call grows the following one, up to the cap. */
  next(): number {
    const base = this.#current;
    this.#current = Math.min(this.maxMs, this.#current * this.multiplier);
    this.#tries++;
    if (this.#jitter === 0) return base;
    const spread = base * this.#jitter * (2 * this.#random() - 1);
    return Math.max(0, Math.min(this.maxMs, Math.round(base + spread)));
  }

  reset(): void {
    this.#current = this.initialMs;
    this.#tries = 0;
  }
}

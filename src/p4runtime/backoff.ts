// Capped exponential backoff for reconnecting to a P4Runtime target: each delay is the previous
// times `multiplier`, capped at `maxMs`, with +/- `jitter` spread; reset() after a success.
// Only computes delays; never sets timers itself.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  multiplier?: number;
  /** Fraction of the delay added or removed at random (0 = none). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private current: number;
  private tries = 0;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? 100;
    this.maxMs = o.maxMs ?? 5000;
    this.multiplier = o.multiplier ?? 2;
    this.jitter = o.jitter ?? 0.2;
    this.random = o.random ?? Math.random;
    this.current = this.initialMs;
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.tries;
  }

  /** The next delay in ms. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.maxMs, this.current * this.multiplier);
    this.tries++;
    const spread = base * this.jitter * (2 * this.random() - 1);
    return Math.max(0, Math.min(this.maxMs, Math.round(base + spread)));
  }

  reset(): void {
    this.current = this.initialMs;
    this.tries = 0;
  }
}

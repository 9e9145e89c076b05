// Capped exponential backoff for active controller connections (ovs-testcontroller and
// other passive controllers that ofp4 connects out to). It only computes delays; the
// connector owns the timer. Delays double from `initialMs` up to `maxMs`; `reset()` after
// a connection completes HELLO starts over.

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly multiplier?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  private current: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 8000;
    this.multiplier = options.multiplier ?? 2;
    if (!(this.initialMs > 0) || this.maxMs < this.initialMs || !(this.multiplier >= 1)) {
      throw new RangeError(`bad backoff: initial ${this.initialMs} ms, max ${this.maxMs} ms, x${this.multiplier}`);
    }
    this.current = this.initialMs;
  }

  /** The delay before the next attempt; each call grows the following one, up to the cap. */
  next(): number {
    const delay = this.current;
    this.current = Math.min(this.maxMs, this.current * this.multiplier);
    return delay;
  }

  reset(): void {
    this.current = this.initialMs;
  }
}

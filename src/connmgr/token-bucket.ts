// A token bucket: the packet-in rate limiter of one controller connection (DESIGN.md §6).
// It promises at most `burst` events at once and `rate` per second on average, measured on
// an injectable clock so tests need no sleeps. It never queues: a refused event is the
// caller's to drop and count.

export interface TokenBucketOptions {
  /** Tokens added per second. */
  readonly rate: number;
  /** Most tokens the bucket holds (and the bucket starts full). */
  readonly burst: number;
  /** Milliseconds clock; performance.now by default. */
  readonly now?: () => number;
}

export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(options: TokenBucketOptions) {
    if (!(options.rate > 0) || !(options.burst >= 1)) {
      throw new RangeError(`token bucket needs rate > 0 and burst >= 1 (rate ${options.rate}, burst ${options.burst})`);
    }
    this.rate = options.rate;
    this.burst = options.burst;
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.burst;
    this.last = this.now();
  }

  /** Takes one token: true if the event may pass, false if it must be dropped. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.last = t;
    }
  }
}

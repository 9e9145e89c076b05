// The packet-in rate limiter and the reconnect backoff, on an explicit clock.
import { describe, expect, it } from "vitest";
import { Backoff } from "../../src/util/backoff.js";
import { TokenBucket } from "../../src/connmgr/token-bucket.js";

describe("TokenBucket", () => {
  it("passes a burst, then refills at the rate and never above the burst", () => {
    let t = 0;
    const bucket = new TokenBucket({ rate: 1000, burst: 100, now: () => t });
    let passed = 0;
    for (let i = 0; i < 250; i++) if (bucket.take()) passed++;
    expect(passed).toBe(100);
    t += 10; // 10 ms at 1,000/s = 10 tokens
    passed = 0;
    for (let i = 0; i < 50; i++) if (bucket.take()) passed++;
    expect(passed).toBe(10);
    t += 60_000; // a long pause refills only up to the burst
    expect(bucket.available()).toBe(100);
  });

  it("holds the average rate over a long flood", () => {
    let t = 0;
    const bucket = new TokenBucket({ rate: 1000, burst: 100, now: () => t });
    let passed = 0;
    for (let ms = 0; ms < 2000; ms++) {
      t = ms;
      for (let i = 0; i < 20; i++) if (bucket.take()) passed++;
    }
    // 100 at once plus 1,000/s for 2 s (the last millisecond's tokens included).
    expect(passed).toBeGreaterThanOrEqual(2090);
    expect(passed).toBeLessThanOrEqual(2100);
  });

  it("refuses a nonsense configuration", () => {
    expect(() => new TokenBucket({ rate: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ rate: 10, burst: 0 })).toThrow(RangeError);
  });
});

describe("Backoff", () => {
  it("doubles up to the cap and starts over after reset", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

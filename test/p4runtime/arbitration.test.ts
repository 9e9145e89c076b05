import { describe, expect, it } from "vitest";
import { arbitrate, type ArbitrationEvent, type ArbitrationState } from "../../src/p4runtime/arbitration.js";
import { Backoff } from "../../src/util/backoff.js";

function run(events: ArbitrationEvent[]): { states: ArbitrationState[]; gained: number; lost: number } {
  let s: ArbitrationState = "disconnected";
  const states: ArbitrationState[] = [];
  let gained = 0;
  let lost = 0;
  for (const e of events) {
    const t = arbitrate(s, e);
    s = t.state;
    states.push(s);
    if (t.gainedPrimary) gained++;
    if (t.lostPrimary) lost++;
  }
  return { states, gained, lost };
}

describe("arbitration state machine", () => {
  it("connects, arbitrates and becomes primary", () => {
    expect(run([{ kind: "connect" }, { kind: "stream-open" }, { kind: "arbitration", code: 0 }])).toEqual({
      states: ["connecting", "arbitrating", "primary"],
      gained: 1,
      lost: 0,
    });
  });

  it("is backup on ALREADY_EXISTS and becomes primary when told so", () => {
    const r = run([{ kind: "connect" }, { kind: "stream-open" }, { kind: "arbitration", code: 6 }, { kind: "arbitration", code: 0 }]);
    expect(r.states).toEqual(["connecting", "arbitrating", "backup", "primary"]);
    expect(r.gained).toBe(1);
  });

  it("loses primacy to a higher election id and when the stream drops, and regains it", () => {
    const r = run([
      { kind: "connect" },
      { kind: "stream-open" },
      { kind: "arbitration", code: 0 },
      { kind: "arbitration", code: 6 },
      { kind: "arbitration", code: 0 },
      { kind: "stream-lost" },
      { kind: "connect" },
      { kind: "stream-open" },
      { kind: "arbitration", code: 0 },
    ]);
    expect(r.states).toEqual(["connecting", "arbitrating", "primary", "backup", "primary", "disconnected", "connecting", "arbitrating", "primary"]);
    expect([r.gained, r.lost]).toEqual([3, 2]);
  });

  it("stays closed after close", () => {
    const r = run([{ kind: "connect" }, { kind: "stream-open" }, { kind: "arbitration", code: 0 }, { kind: "close" }, { kind: "arbitration", code: 0 }, { kind: "connect" }]);
    expect(r.states.slice(3)).toEqual(["closed", "closed", "closed"]);
    expect(r.lost).toBe(1);
  });

  it("ignores an arbitration update before the stream is open", () => {
    expect(run([{ kind: "connect" }, { kind: "arbitration", code: 0 }]).states).toEqual(["connecting", "connecting"]);
  });
});

describe("reconnect backoff", () => {
  it("grows exponentially to a cap and resets", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it("spreads delays by the jitter fraction", () => {
    const lo = new Backoff({ initialMs: 100, jitter: 0.5, random: () => 0 });
    const hi = new Backoff({ initialMs: 100, jitter: 0.5, random: () => 0.999999 });
    expect(lo.next()).toBe(50);
    expect(hi.next()).toBe(150);
  });
});

// Idle timeout on the sim's device with a controlled clock (../shared/p4runtime-facts.md
// §2.10): an entry is reported once its TTL (whole ms) has passed since its last hit, again
// about every 2 s while it stays idle, never after a hit until the TTL passes again; the
// notification carries no `metadata`; time_since_last_hit is capped at the TTL.
import { describe, expect, it } from "vitest";
import { Device } from "../../targets/sim/device.js";
import { fixture, fwd, INSERT, l2Entry, p4infoBytes, update } from "./harness.js";

function device(): { d: Device; clock: { t: number } } {
  const clock = { t: 1000 };
  const d = new Device(0n, () => clock.t);
  expect(d.setPipeline(3, { p4info: fixture.p4info, p4DeviceConfig: fixture.json }, p4infoBytes).code).toBe(0);
  return { d, clock };
}

describe("idle timeout", () => {
  it("notifies after the TTL, re-notifies about every 2 s, and a hit restarts the timer", () => {
    const { d, clock } = device();
    expect(d.write(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: 500_000_000n, metadata: Uint8Array.of(9) }))).code).toBe(0);
    clock.t += 499;
    expect(d.sweepIdle()).toHaveLength(0);
    clock.t += 1;
    const first = d.sweepIdle();
    expect(first).toHaveLength(1);
    expect(first[0]!.metadata).toBeUndefined();
    expect(first[0]!.idleTimeoutNs).toBe(500_000_000n);
    clock.t += 1000;
    expect(d.sweepIdle()).toHaveLength(0);
    clock.t += 1000;
    expect(d.sweepIdle()).toHaveLength(1);
    expect(d.applyTable("I.t_l2", new Map([["in_port", 1n], ["eth_dst", 5n]]), 60).hit).toBe(true);
    clock.t += 400;
    expect(d.sweepIdle()).toHaveLength(0);
    clock.t += 100;
    expect(d.sweepIdle()).toHaveLength(1);
  });

  it("time_since_last_hit grows from the last hit and is capped at the TTL", () => {
    const { d, clock } = device();
    expect(d.write(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: 500_000_000n }))).code).toBe(0);
    clock.t += 200;
    const out: import("../../src/generated/proto.js").p4.v1.IEntity[] = [];
    expect(d.read({ tableEntry: { tableId: 0x02000001, timeSinceLastHit: {} } }, out).code).toBe(0);
    expect(out[0]!.tableEntry!.timeSinceLastHit!.elapsedNs).toBe(200_000_000n);
    clock.t += 5000;
    out.length = 0;
    d.read({ tableEntry: { tableId: 0x02000001, timeSinceLastHit: {} } }, out);
    expect(out[0]!.tableEntry!.timeSinceLastHit!.elapsedNs).toBe(500_000_000n);
  });

  it("entries without a TTL are never notified", () => {
    const { d, clock } = device();
    expect(d.write(update(INSERT, l2Entry(1, undefined, 1, fwd(2)))).code).toBe(0);
    clock.t += 100_000;
    expect(d.sweepIdle()).toHaveLength(0);
  });
});

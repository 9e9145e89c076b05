// DESIGN.md §2 Expiry: hard timeouts from creation (or a MODIFY with OFPFF_RESET_COUNTS),
// idle timeouts from the provider's last-used time; flow_removed with the final counters
// when the rule asked for it; deletion through an unattached group.

import { describe, expect, it } from "vitest";
import { OFPFF, OFPRR } from "../../src/openflow/messages.js";
import { actions, flowMod, ipDst, makeSwitch, settle } from "./harness.js";

async function ruleWith(fields: Parameters<typeof flowMod>[1]) {
  const rig = await makeSwitch();
  const c = rig.cm.connect();
  rig.cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2), ...fields }));
  rig.provider.completeAll();
  await settle();
  const rule = rig.sw.tables[0]!.rules.findExact(ipDst(1), 0x8000)!;
  return { ...rig, c, rule };
}

describe("hard timeout", () => {
  it("deletes the rule and sends flow_removed with its final counters", async () => {
    const { sw, provider, cm, clock, rule } = await ruleWith({ hardTimeout: 10, flags: OFPFF.SEND_FLOW_REM, cookie: 0x77n });
    provider.setStats(rule, { packetCount: 5n, byteCount: 500n, lastUsed: clock.now });
    clock.now += 9_999;
    sw.runExpiry();
    expect(provider.pending).toEqual([]);
    clock.now += 1;
    sw.runExpiry();
    expect(provider.pending.map((op) => [op.type, op.reason, op.group.attached])).toEqual([["delete", OFPRR.HARD_TIMEOUT, false]]);
    expect(sw.tables[0]!.rules.size).toBe(0);
    const removed = cm.asyncSent.filter((a) => a.kind === "flowRemoved");
    expect(removed).toHaveLength(1);
    expect(removed[0]!.msg).toMatchObject({
      type: "flow_removed",
      reason: OFPRR.HARD_TIMEOUT,
      cookie: 0x77n,
      priority: 0x8000,
      packetCount: 5n,
      byteCount: 500n,
      durationSec: 10,
      hardTimeout: 10,
      match: ipDst(1),
    });
    provider.completeAll();
    expect(sw.pendingGroupCount).toBe(0);
  });

  it("sends no flow_removed without OFPFF_SEND_FLOW_REM", async () => {
    const { sw, provider, cm, clock } = await ruleWith({ hardTimeout: 1 });
    clock.now += 1000;
    sw.runExpiry();
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
    expect(cm.asyncSent).toEqual([]);
  });

  it("counts from a MODIFY that asked to reset counts", async () => {
    const { sw, provider, cm, c, clock } = await ruleWith({ hardTimeout: 10 });
    clock.now += 8000;
    cm.submit(c, flowMod("modify", { match: ipDst(1), instructions: actions(3), flags: OFPFF.RESET_COUNTS }));
    provider.completeAll();
    clock.now += 8000;
    sw.runExpiry();
    expect(provider.pending).toEqual([]);
    clock.now += 2000;
    sw.runExpiry();
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
  });
});

describe("idle timeout", () => {
  it("counts from the provider's last-used time", async () => {
    const { sw, provider, cm, clock, rule } = await ruleWith({ idleTimeout: 5, flags: OFPFF.SEND_FLOW_REM });
    clock.now += 4000;
    provider.setStats(rule, { packetCount: 1n, byteCount: 60n, lastUsed: clock.now });
    clock.now += 4000;
    sw.runExpiry();
    expect(provider.pending).toEqual([]);
    clock.now += 1000;
    sw.runExpiry();
    expect(provider.pending.map((op) => [op.type, op.reason])).toEqual([["delete", OFPRR.IDLE_TIMEOUT]]);
    expect(cm.asyncSent.map((a) => [a.reason, a.msg.type === "flow_removed" && a.msg.packetCount])).toEqual([
      [OFPRR.IDLE_TIMEOUT, 1n],
    ]);
  });

  it("a never-used rule idles out counting from its creation", async () => {
    const { sw, provider, clock } = await ruleWith({ idleTimeout: 5 });
    clock.now += 5000;
    sw.runExpiry();
    expect(provider.pending.map((op) => op.reason)).toEqual([OFPRR.IDLE_TIMEOUT]);
  });
});

describe("idle-timeout notification from the target", () => {
  it("expires the rule at once, unless it has no idle timeout or an operation in flight", async () => {
    const { sw, provider, cm, c, rule } = await ruleWith({ idleTimeout: 30, flags: OFPFF.SEND_FLOW_REM });
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(2) }));
    provider.completeAll();
    const plain = sw.tables[0]!.rules.findExact(ipDst(2), 0x8000)!;
    provider.core!.ruleIdleTimedOut(plain);
    expect(provider.pending).toEqual([]);
    provider.core!.ruleIdleTimedOut(rule);
    expect(provider.pending.map((op) => [op.type, op.reason, op.rule])).toEqual([["delete", OFPRR.IDLE_TIMEOUT, rule]]);
    expect(cm.asyncSent.map((a) => a.reason)).toEqual([OFPRR.IDLE_TIMEOUT]);
    // A second notification for the same rule (its DELETE in flight) does nothing.
    provider.core!.ruleIdleTimedOut(rule);
    expect(provider.pending).toHaveLength(1);
  });
});

describe("expiry waits", () => {
  it("for a rule with an operation in flight", async () => {
    const { sw, provider, cm, c, clock } = await ruleWith({ hardTimeout: 1 });
    cm.submit(c, flowMod("modify", { match: ipDst(1), instructions: actions(3) }));
    clock.now += 2000;
    sw.runExpiry();
    expect(provider.pending.map((op) => op.type)).toEqual(["modify"]);
    provider.completeAll();
    sw.runExpiry();
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
  });

  it("a rule whose ADD failed never expires", async () => {
    const { sw, provider, cm, clock } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), hardTimeout: 1 }));
    provider.completeAll({ name: "FLOW_MOD_FAILED_TABLE_FULL", message: "full" });
    expect(sw.expirable.size).toBe(0);
    clock.now += 5000;
    sw.runExpiry();
    expect(provider.pending).toEqual([]);
  });
});

// DESIGN.md §2 Flush, Hidden rules and Fail mode: the FLUSH state processes no request,
// deletes every rule without a pending operation (and the others once they complete), then
// re-adds the internal rules; hidden rules are invisible to controllers; standalone mode
// keeps a hidden flood rule while no controller is connected.

import { describe, expect, it } from "vitest";
import { OFPP } from "../../src/openflow/actions.js";
import { ofError } from "../../src/openflow/errors.js";
import { OFPFF, OFPRR } from "../../src/openflow/messages.js";
import { FAIL_OPEN_PRIORITY } from "../../src/ofproto/ofproto.js";
import { actions, dumpFlows, flowMod, ipDst, makeSwitch, settle } from "./harness.js";

describe("fail mode", () => {
  it("secure (the default) adds no rule of its own", async () => {
    const { sw, provider } = await makeSwitch();
    expect(provider.started).toEqual([]);
    expect(sw.tables[0]!.rules.size).toBe(0);
  });

  it("standalone floods while no controller is connected, and stops when one connects", async () => {
    const { sw, provider, cm } = await makeSwitch({ failMode: "standalone" });
    expect(provider.started.map((s) => [s.type, s.rule.priority])).toEqual([["add", FAIL_OPEN_PRIORITY]]);
    const rule = provider.started[0]!.rule;
    expect(rule.hidden).toBe(true);
    expect(rule.instructions.applyActions).toEqual([{ type: "output", port: OFPP.FLOOD, maxLen: 0 }]);
    provider.completeAll();
    await settle();
    const c = cm.connect();
    expect(provider.pending.map((op) => [op.type, op.rule])).toEqual([["delete", rule]]);
    provider.completeAll();
    await settle();
    expect(sw.tables[0]!.rules.size).toBe(0);
    cm.disconnect(c);
    expect(provider.pending.map((op) => [op.type, op.rule.priority])).toEqual([["add", FAIL_OPEN_PRIORITY]]);
  });

  it("a connect while the fail-open ADD is in flight removes the rule once the ADD completes", async () => {
    const { sw, provider, cm } = await makeSwitch({ failMode: "standalone" });
    cm.connect();
    expect(provider.pending.map((op) => op.type)).toEqual(["add"]);
    provider.completeAll();
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
    provider.completeAll();
    expect(sw.tables[0]!.rules.size).toBe(0);
  });
});

describe("hidden rules", () => {
  it("are invisible to dumps, table counts, deletes and modifies", async () => {
    const { sw, provider, cm } = await makeSwitch({ failMode: "standalone" });
    provider.completeAll();
    // Keep the fail-open rule in place after a controller connects: the provider refuses its removal.
    provider.refuse = (op) => (op.type === "delete" ? ofError("FLOW_MOD_FAILED_EPERM", "keep it") : undefined);
    const c = cm.connect();
    expect(sw.tables[0]!.rules.size).toBe(1);
    provider.refuse = undefined;
    const startedBefore = provider.started.length;
    expect(dumpFlows(cm, c)).toEqual([]);
    cm.submit(c, { type: "multipart_request", body: { type: "table", flags: 0 } });
    const t = c.sentOf("multipart_reply").at(-1)!.msg.body;
    expect(t.type === "table" && t.tables[0]!.activeCount).toBe(0);
    cm.submit(c, flowMod("delete", { tableId: 0xff }));
    cm.submit(c, flowMod("modify", { tableId: 0xff, instructions: actions(1) }));
    cm.submit(c, flowMod("delete_strict", { tableId: 0, match: [], priority: FAIL_OPEN_PRIORITY & 0xffff }));
    expect(provider.started.length).toBe(startedBefore);
    expect(sw.tables[0]!.rules.size).toBe(1);
    expect(c.errors).toEqual([]);
  });
});

describe("flush", () => {
  it("leaves no controller rule and processes no request meanwhile", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    for (const n of [1, 2, 3]) {
      cm.submit(c, flowMod("add", { match: ipDst(n), flags: n === 1 ? OFPFF.SEND_FLOW_REM : 0, instructions: actions(2) }));
    }
    provider.complete(provider.pending[0]!);
    provider.complete(provider.pending[0]!);
    await settle();
    // ipDst(3)'s ADD is still in flight when the flush starts.
    const done = sw.flushFlows();
    expect(sw.state).toBe("flush");
    expect(provider.flushes).toBe(1);
    cm.submit(c, { type: "features_request" });
    expect(c.queue).toHaveLength(1);
    // Every rule without a pending operation is being deleted; the pending ADD is left to finish.
    expect(provider.pending.map((op) => op.type)).toEqual(["add", "delete", "delete"]);
    expect(cm.asyncSent.filter((a) => a.kind === "flowRemoved").map((a) => a.reason)).toEqual([OFPRR.DELETE]);
    let finished = false;
    void done.then(() => (finished = true));
    provider.complete(provider.pending[0]!);
    // Its ADD done, rule 3 is deleted too.
    expect(provider.pending.map((op) => op.type)).toEqual(["delete", "delete", "delete"]);
    provider.completeAll();
    await done;
    expect(finished).toBe(true);
    expect(sw.state).toBe("normal");
    expect(sw.tables[0]!.rules.size).toBe(0);
    await settle();
    // The request held during the flush ran once the switch was back.
    expect(c.queue).toHaveLength(0);
    expect(c.sentOf("features_reply")).toHaveLength(1);
  });

  it("re-adds the hidden rules (fail-open with no controller)", async () => {
    const { sw, provider } = await makeSwitch({ failMode: "standalone" });
    provider.completeAll();
    const done = sw.flushFlows();
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
    provider.completeAll();
    await done;
    expect(provider.pending.map((op) => [op.type, op.rule.priority])).toEqual([["add", FAIL_OPEN_PRIORITY]]);
    provider.completeAll();
    expect(sw.tables[0]!.rules.size).toBe(1);
    expect(sw.tables[0]!.rules.findExact([], FAIL_OPEN_PRIORITY)?.hidden).toBe(true);
  });
});

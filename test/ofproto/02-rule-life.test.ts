// provider.ts §2 and §3.3: the life of a rule — ADD (with victim), MODIFY, DELETE, what
// the classifier holds before and after acknowledgement, and the rollbacks on failure.

import { describe, expect, it } from "vitest";
import { ofError } from "../../src/openflow/errors.js";
import { OFPFF } from "../../src/openflow/messages.js";
import { actions, dumpFlows, flowMod, ipDst, makeSwitch, settle, summary } from "./harness.js";

const TABLE_FULL = ofError("FLOW_MOD_FAILED_TABLE_FULL", "target table full");

describe("2.2 ADD", () => {
  it("puts the rule in the table at once and keeps it when acknowledged", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    expect(sw.tables[0]!.rules.size).toBe(1);
    expect(provider.pending.map((op) => op.type)).toEqual(["add"]);
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:2"]);
    expect(c.errors).toEqual([]);
  });

  it("a failed ADD removes the rule and sends the error quoting the request", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    const xid = cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll(TABLE_FULL);
    await settle();
    expect(sw.tables[0]!.rules.size).toBe(0);
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]!.error.name).toBe("FLOW_MOD_FAILED_TABLE_FULL");
    expect(c.errors[0]!.request.xid).toBe(xid);
  });

  it("a failed ADD restores its victim", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(3) }));
    const op = provider.pending[0]!;
    expect(op.victim).toBeDefined();
    // A dump touching the pending ADD waits for it.
    expect(dumpFlows(cm, c)).toBe("postponed");
    provider.completeAll(TABLE_FULL);
    await settle();
    // The postponed dump ran after the completion: the victim is back, with its actions.
    const reply = c.sentOf("multipart_reply").at(-1)!.msg.body;
    expect(reply.type === "flow" && summary(reply.flows)).toEqual(["32768:2"]);
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:2"]);
  });

  it("a successful ADD over a victim replaces it", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(3) }));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:3"]);
  });

  it("a refusal at construct time undoes the ADD and answers straight away", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    provider.refuse = () => ofError("BAD_MATCH_BAD_FIELD", "the P4 table has no such field");
    const xid = cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(3) }));
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_MATCH_BAD_FIELD", xid]]);
    expect(provider.pending).toEqual([]);
    expect(sw.pendingGroupCount).toBe(0);
    provider.refuse = undefined;
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:2"]);
  });

  it("checks overlap at the same priority when asked", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("add", { match: [], flags: OFPFF.CHECK_OVERLAP, instructions: actions(3) }));
    cm.submit(c, flowMod("add", { match: [], priority: 1, flags: OFPFF.CHECK_OVERLAP, instructions: actions(3) }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_OVERLAP"]);
    expect(provider.pending).toHaveLength(1);
  });

  it("refuses an invalid table id, and lets the provider choose for 0xff", async () => {
    const { sw, provider, cm } = await makeSwitch({}, { tables: 2 });
    provider.refuse = undefined;
    const c = cm.connect();
    cm.submit(c, flowMod("add", { tableId: 7, match: ipDst(1) }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_BAD_TABLE_ID"]);
    cm.submit(c, flowMod("add", { tableId: 0xff, match: ipDst(1) }));
    expect(sw.tables[0]!.rules.size).toBe(1);
    cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(1), instructions: { ...actions(1), gotoTable: 1 } }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_BAD_TABLE_ID", "BAD_INSTRUCTION_BAD_TABLE_ID"]);
  });

  it("answers an OpenFlow 1.0 emergency flow with table-full, as Open vSwitch does", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x01);
    cm.submit(c, flowMod("add", { match: ipDst(1), flags: OFPFF.EMERG_10 }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_TABLE_FULL"]);
    expect(provider.started).toEqual([]);
  });

  it("refuses an output to an impossible port before the provider sees it", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(0) }));
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(0xfffffff9) }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_ACTION_BAD_OUT_PORT", "BAD_ACTION_BAD_OUT_PORT"]);
    expect(provider.started).toEqual([]);
  });
});

describe("2.3 MODIFY", () => {
  it("swaps the actions at once and keeps them when acknowledged", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    const created = sw.tables[0]!.rules.findExact(ipDst(1), 0x8000)!.modified;
    cm.submit(c, flowMod("modify", { match: ipDst(1), instructions: actions(4) }));
    const op = provider.pending[0]!;
    expect(op.type).toBe("modify");
    expect(op.oldInstructions).toEqual(actions(2));
    expect(op.rule.instructions).toEqual(actions(4));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:4"]);
    expect(op.rule.modified).toBeGreaterThanOrEqual(created);
  });

  it("a failed MODIFY restores the old actions", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    const xid = cm.submit(c, flowMod("modify", { match: [], instructions: actions(4) }));
    expect(provider.pending).toHaveLength(2);
    provider.complete(provider.pending[1]!, ofError("BAD_ACTION_BAD_OUT_PORT", "no port 4"));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:2", "32768:4"]);
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_ACTION_BAD_OUT_PORT", xid]]);
  });

  it("strict modifies only the rule with the same match and priority", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    cm.submit(c, flowMod("add", { match: ipDst(1), priority: 7, instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("modify_strict", { match: ipDst(1), priority: 7, instructions: actions(3) }));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:2", "7:3"]);
  });

  it("OpenFlow 1.0: a modify that finds nothing adds the flow; OpenFlow 1.3 does not", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c10 = cm.connect(0x01);
    const c13 = cm.connect(0x04);
    cm.submit(c13, flowMod("modify", { match: ipDst(1), instructions: actions(3) }));
    expect(provider.started).toEqual([]);
    cm.submit(c10, flowMod("modify", { tableId: 0xff, match: ipDst(1), instructions: actions(3) }));
    expect(provider.started.map((s) => s.type)).toEqual(["add"]);
    expect(sw.tables[0]!.rules.size).toBe(1);
  });

  it("selects by cookie under the cookie mask", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), cookie: 0x10n, instructions: actions(2) }));
    cm.submit(c, flowMod("add", { match: ipDst(2), cookie: 0x20n, instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("modify", { tableId: 0xff, cookie: 0x20n, cookieMask: 0xf0n, instructions: actions(3) }));
    expect(provider.pending.map((op) => op.rule.cookie)).toEqual([0x20n]);
  });
});

describe("2.4 DELETE", () => {
  it("takes the rule out at once and forgets it when acknowledged", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("delete", { tableId: 0xff }));
    expect(sw.tables[0]!.rules.size).toBe(0);
    expect(sw.tables[0]!.deleting.size).toBe(1);
    provider.completeAll();
    await settle();
    expect(sw.tables[0]!.deleting.size).toBe(0);
    expect(dumpFlows(cm, c)).toEqual([]);
  });

  it("filters by out_port, and strict deletes only the exact rule", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(3) }));
    cm.submit(c, flowMod("add", { match: ipDst(3), priority: 5, instructions: actions(3) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("delete", { tableId: 0xff, outPort: 2 }));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:3", "5:3"]);
    cm.submit(c, flowMod("delete_strict", { tableId: 0xff, match: ipDst(3), priority: 6 }));
    expect(provider.pending).toEqual([]);
    cm.submit(c, flowMod("delete_strict", { tableId: 0xff, match: ipDst(3), priority: 5 }));
    provider.completeAll();
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:3"]);
  });

  it("a DELETE that the provider fails still counts as done (it may not fail)", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("delete", { tableId: 0xff }));
    provider.completeAll(ofError("FLOW_MOD_FAILED_UNKNOWN", "target said INTERNAL"));
    await settle();
    expect(c.errors).toEqual([]);
    expect(sw.tables[0]!.rules.size + sw.tables[0]!.deleting.size).toBe(0);
  });

  it("a DELETE refused at once puts the rule back", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    provider.completeAll();
    await settle();
    provider.refuse = (op) => (op.type === "delete" ? ofError("FLOW_MOD_FAILED_EPERM", "target away") : undefined);
    cm.submit(c, flowMod("delete", { tableId: 0xff }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_EPERM"]);
    expect(sw.tables[0]!.rules.size).toBe(1);
    expect(sw.tables[0]!.deleting.size).toBe(0);
  });
});

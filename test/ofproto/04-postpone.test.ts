// DESIGN.md §2 "Postpone, never reorder": each postpone rule, that the postponed request
// stays at the head of its connection (nothing behind it runs), that it is retried when a
// group completes, and that other connections keep going.

import { describe, expect, it } from "vitest";
import { OFPG, OFPP } from "../../src/openflow/actions.js";
import { NXFF, NXPIF } from "../../src/openflow/messages.js";
import { actions, dumpFlows, flowMod, ipDst, makeSwitch, settle, summary } from "./harness.js";

async function withRule() {
  const rig = await makeSwitch();
  const c = rig.cm.connect();
  rig.cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
  return { ...rig, c };
}

describe("postpone rules", () => {
  it("a DELETE of a rule whose ADD is pending waits, then deletes it", async () => {
    const { sw, provider, cm, c } = await withRule();
    cm.submit(c, flowMod("delete", { tableId: 0xff }));
    expect(c.queue).toHaveLength(1);
    expect(provider.pending.map((op) => op.type)).toEqual(["add"]);
    provider.completeAll();
    await settle();
    expect(c.queue).toHaveLength(0);
    expect(provider.pending.map((op) => op.type)).toEqual(["delete"]);
    expect(sw.tables[0]!.rules.size).toBe(0);
  });

  it("a MODIFY touching a rule with a pending operation waits", async () => {
    const { provider, cm, c } = await withRule();
    cm.submit(c, flowMod("modify_strict", { match: ipDst(1), instructions: actions(3) }));
    expect(c.queue).toHaveLength(1);
    provider.completeAll();
    await settle();
    expect(provider.pending.map((op) => op.type)).toEqual(["modify"]);
  });

  it("an ADD whose victim has a pending operation waits", async () => {
    const { provider, cm, c } = await withRule();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(3) }));
    expect(c.queue).toHaveLength(1);
    expect(provider.pending).toHaveLength(1);
    provider.completeAll();
    await settle();
    expect(provider.pending.map((op) => [op.type, op.victim !== undefined])).toEqual([["add", true]]);
  });

  it("an ADD matching exactly a rule whose deletion is pending waits", async () => {
    const { sw, provider, cm, c } = await withRule();
    provider.completeAll();
    await settle();
    cm.submit(c, flowMod("delete_strict", { match: ipDst(1), priority: 0x8000 }));
    const c2 = cm.connect();
    cm.submit(c2, flowMod("add", { match: ipDst(1), instructions: actions(4) }));
    expect(c2.queue).toHaveLength(1);
    // Another rule on the same connection would have to wait behind it: never reordered.
    cm.submit(c2, flowMod("add", { match: ipDst(9), instructions: actions(4) }));
    expect(c2.queue).toHaveLength(2);
    provider.completeAll();
    await settle();
    expect(c2.queue).toHaveLength(0);
    expect(provider.pending.map((op) => op.rule.match)).toEqual([ipDst(1), ipDst(9)]);
    expect(sw.tables[0]!.rules.findExact(ipDst(1), 0x8000)!.pendingOp?.victim).toBeUndefined();
  });

  it("flow and aggregate stats touching a pending rule wait", async () => {
    const { provider, cm, c } = await withRule();
    const agg = {
      type: "multipart_request" as const,
      body: {
        type: "aggregate" as const,
        flags: 0,
        tableId: 0xff,
        outPort: OFPP.ANY,
        outGroup: OFPG.ANY,
        cookie: 0n,
        cookieMask: 0n,
        match: [],
        nxm: true,
      },
    };
    const xid = cm.submit(c, agg);
    expect(c.sent.find((s) => s.xid === xid)).toBeUndefined();
    provider.completeAll();
    await settle();
    const reply = c.sent.find((s) => s.xid === xid)!.msg;
    expect(reply.type === "multipart_reply" && reply.body).toMatchObject({ type: "aggregate", nxm: true, flowCount: 1 });
  });

  it("stats replies wait while the connection is congested", async () => {
    const { provider, cm, c } = await withRule();
    provider.completeAll();
    await settle();
    c.congested = true;
    expect(dumpFlows(cm, c)).toBe("postponed");
    c.congested = false;
    cm.wake();
    const reply = c.sentOf("multipart_reply").at(-1)!.msg.body;
    expect(reply.type === "flow" && summary(reply.flows)).toEqual(["32768:2"]);
  });
});

describe("barriers", () => {
  it("a barrier is answered only after every acknowledgement before it on its connection", async () => {
    const { provider, cm, c } = await withRule();
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(2) }));
    const bxid = cm.submit(c, { type: "barrier_request" });
    expect(c.sentOf("barrier_reply")).toEqual([]);
    provider.complete(provider.pending[1]!);
    await settle();
    expect(c.sentOf("barrier_reply")).toEqual([]);
    provider.complete(provider.pending[0]!);
    expect(c.sentOf("barrier_reply")).toEqual([]);
    await settle();
    expect(c.sentOf("barrier_reply").map((s) => s.xid)).toEqual([bxid]);
  });

  it("another connection's barrier is not held back", async () => {
    const { cm, c } = await withRule();
    cm.submit(c, { type: "barrier_request" });
    const other = cm.connect();
    const oxid = cm.submit(other, { type: "barrier_request" });
    expect(other.sentOf("barrier_reply").map((s) => s.xid)).toEqual([oxid]);
    expect(c.sentOf("barrier_reply")).toEqual([]);
  });

  it("a barrier after a flow_mod that failed is answered after its error", async () => {
    const { provider, cm, c } = await withRule();
    cm.submit(c, { type: "barrier_request" });
    provider.completeAll({ name: "FLOW_MOD_FAILED_TABLE_FULL", message: "full" });
    await settle();
    expect(c.errors).toHaveLength(1);
    expect(c.sentOf("barrier_reply")).toHaveLength(1);
  });
});

describe("the pending-group bound", () => {
  it("postpones flow_mods past the bound and resumes them in order", async () => {
    const { sw, provider, cm } = await makeSwitch({ maxPendingGroups: 2 });
    const a = cm.connect();
    const b = cm.connect();
    cm.submit(a, flowMod("add", { match: ipDst(1) }));
    cm.submit(b, flowMod("add", { match: ipDst(2) }));
    expect(sw.pendingGroupCount).toBe(2);
    cm.submit(a, flowMod("add", { match: ipDst(3) }));
    cm.submit(a, flowMod("add", { match: ipDst(4) }));
    cm.submit(b, flowMod("add", { match: ipDst(5) }));
    expect(provider.pending).toHaveLength(2);
    expect(a.queue).toHaveLength(2);
    expect(b.queue).toHaveLength(1);
    // Requests that start no group are not held by the bound.
    const fx = cm.submit(cm.connect(), { type: "features_request" });
    expect(fx).toBeGreaterThan(0);
    expect(cm.conns[2]!.sentOf("features_reply")).toHaveLength(1);
    const order: number[] = [];
    while (provider.pending.length > 0) {
      provider.complete(provider.pending[0]!);
      await settle();
      for (const op of provider.pending) {
        const n = Number(op.rule.match[1]!.value & 0xffn);
        if (!order.includes(n)) order.push(n);
      }
      expect(sw.pendingGroupCount).toBeLessThanOrEqual(2);
    }
    expect(order.filter((n) => n === 3 || n === 4)).toEqual([3, 4]);
    expect(new Set(order)).toEqual(new Set([2, 3, 4, 5]));
    expect(sw.tables[0]!.rules.size).toBe(5);
  });
});

describe("connection settings wait for the connection's groups", () => {
  it("a role change waits; a nochange query does not", async () => {
    const { provider, cm, c } = await withRule();
    cm.submit(c, { type: "role_request", role: "nochange", generationId: 0n });
    expect(c.sentOf("role_reply")).toHaveLength(1);
    cm.submit(c, { type: "role_request", role: "master", generationId: 1n });
    expect(c.sentOf("role_reply")).toHaveLength(1);
    expect(c.role).toBe("equal");
    provider.completeAll();
    await settle();
    expect(c.role).toBe("master");
    expect(c.sentOf("role_reply").at(-1)!.msg.role).toBe("master");
  });

  it("a flow-format or packet-in-format change waits", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x01);
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    cm.submit(c, { type: "nx_set_flow_format", format: NXFF.NXM });
    cm.submit(c, { type: "nx_set_packet_in_format", format: NXPIF.OPENFLOW10 });
    expect(c.flowFormat).toBe("openflow10");
    expect(c.queue).toHaveLength(2);
    provider.completeAll();
    await settle();
    expect(c.flowFormat).toBe("nxm");
    expect(c.queue).toHaveLength(0);
    expect(c.errors).toEqual([]);
  });
});

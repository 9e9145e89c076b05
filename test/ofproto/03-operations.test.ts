// provider.ts §3: the life of an operation — completion in any order, who may complete and
// when, the asynchronous error quoting the request, and the buffered packet that leaves
// only after its ADD is acknowledged (DESIGN.md §2 steps 4-6).

import { describe, expect, it } from "vitest";
import { OFPP } from "../../src/openflow/actions.js";
import { ofError } from "../../src/openflow/errors.js";
import { ScriptedProvider } from "./scripted-provider.js";
import { Ofproto } from "../../src/ofproto/ofproto.js";
import { actions, dumpFlows, flowMod, ipDst, makeSwitch, rawRequest, settle, summary, TestConnManager } from "./harness.js";

describe("3.2 completion", () => {
  it("operations may complete in any order; each group finishes after its own last one", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(1) }));
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(2) }));
    cm.submit(c, flowMod("add", { match: ipDst(3), instructions: actions(3) }));
    expect(sw.pendingGroupCount).toBe(3);
    const [a, b, d] = provider.pending;
    provider.complete(d!);
    expect(sw.pendingGroupCount).toBe(2);
    provider.complete(a!, ofError("FLOW_MOD_FAILED_TABLE_FULL", "full"));
    expect(sw.pendingGroupCount).toBe(1);
    provider.complete(b!);
    expect(sw.pendingGroupCount).toBe(0);
    await settle();
    expect(dumpFlows(cm, c)).toHaveLength(2);
    expect(c.errors.map((e) => e.request.xid)).toEqual([100]);
  });

  it("completing from inside the provider call that started it is a bug", async () => {
    class Eager extends ScriptedProvider {
      override ruleConstruct(op: Parameters<ScriptedProvider["ruleConstruct"]>[0]): undefined {
        op.complete();
        return undefined;
      }
    }
    const sw = await Ofproto.create(new Eager(), { expiryIntervalMs: 0 });
    const cm = new TestConnManager(sw);
    const c = cm.connect();
    expect(() => cm.submit(c, flowMod("add", { match: ipDst(1) }))).toThrow(/from inside the provider call/);
  });

  it("completing twice is a bug", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    const op = provider.pending[0]!;
    op.complete();
    expect(() => op.complete()).toThrow(/twice/);
  });
});

describe("3.3 asynchronous errors", () => {
  it("an error that arrives later quotes the request's first 64 bytes and its xid", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x01);
    const xid = cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2) }));
    expect(c.errors).toEqual([]);
    provider.completeAll(ofError("BAD_ACTION_BAD_OUT_PORT", "port 2 is not in the port map"));
    expect(c.errors).toHaveLength(1);
    const { error, request } = c.errors[0]!;
    expect(error.name).toBe("BAD_ACTION_BAD_OUT_PORT");
    expect(request.xid).toBe(xid);
    expect([...request.raw]).toEqual([...rawRequest(0x01, xid).slice(0, 64)]);
  });

  it("a group of several operations sends one error, its first, after its last completion", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    for (const n of [1, 2]) cm.submit(c, flowMod("add", { match: ipDst(n), instructions: actions(1) }));
    provider.completeAll();
    await settle();
    const mxid = cm.submit(c, flowMod("modify", { tableId: 0xff, instructions: actions(2) }));
    const [m1, m2] = provider.pending;
    provider.complete(m2!, ofError("BAD_ACTION_BAD_OUT_PORT", "second"));
    expect(c.errors).toEqual([]);
    provider.complete(m1!, ofError("BAD_ACTION_UNSUPPORTED_ORDER", "first to complete after"));
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_ACTION_BAD_OUT_PORT", mxid]]);
  });

  it("a refusal in the middle of a multi-rule MODIFY stops there; the error follows the started ones", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    for (const n of [1, 2, 3]) cm.submit(c, flowMod("add", { match: ipDst(n), instructions: actions(1) }));
    provider.completeAll();
    await settle();
    let seen = 0;
    provider.refuse = (op) => (op.type === "modify" && ++seen === 2 ? ofError("BAD_ACTION_UNSUPPORTED_ORDER", "second rule") : undefined);
    const xid = cm.submit(c, flowMod("modify", { tableId: 0xff, instructions: actions(2) }));
    expect(provider.pending).toHaveLength(1);
    expect(c.errors).toEqual([]);
    provider.completeAll();
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_ACTION_UNSUPPORTED_ORDER", xid]]);
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:1", "32768:1", "32768:2"]);
  });

  it("a request from a connection the core was not told about still counts for its barrier", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    sw.disconnected(c); // the core forgets it; connmgr still feeds it
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    cm.submit(c, { type: "barrier_request" });
    expect(c.sentOf("barrier_reply")).toEqual([]);
    provider.completeAll();
    await settle();
    expect(c.sentOf("barrier_reply")).toHaveLength(1);
  });

  it("a closed connection's groups keep running; their errors go nowhere", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect();
    cm.submit(c, flowMod("add", { match: ipDst(1) }));
    cm.disconnect(c);
    provider.completeAll(ofError("FLOW_MOD_FAILED_TABLE_FULL", "full"));
    expect(c.errors).toEqual([]);
    expect(sw.pendingGroupCount).toBe(0);
    expect(sw.tables[0]!.rules.size).toBe(0);
  });
});

describe("3.3 buffered packets", () => {
  it("a buffered packet leaves only after its ADD is acknowledged, through the tables", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    const frame = Uint8Array.of(1, 2, 3, 4);
    c.buffers.set(7, { inPort: 3, data: frame });
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: actions(2), bufferId: 7 }));
    expect(provider.packetOuts).toEqual([]);
    expect(c.buffers.has(7)).toBe(true);
    provider.completeAll();
    expect(provider.packetOuts).toEqual([{ inPort: 3, data: frame, actions: [{ type: "output", port: OFPP.TABLE, maxLen: 0 }] }]);
    expect(c.buffers.has(7)).toBe(false);
  });

  it("a failed ADD does not send its buffered packet", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    c.buffers.set(7, { inPort: 3, data: Uint8Array.of(1) });
    cm.submit(c, flowMod("add", { match: ipDst(1), bufferId: 7 }));
    provider.completeAll(ofError("FLOW_MOD_FAILED_TABLE_FULL", "full"));
    expect(provider.packetOuts).toEqual([]);
  });

  it("an unknown buffer id is reported after the ADD, quoting the flow_mod", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect();
    const xid = cm.submit(c, flowMod("add", { match: ipDst(1), bufferId: 99 }));
    provider.completeAll();
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_REQUEST_BUFFER_UNKNOWN", xid]]);
    await settle();
    expect(summary(dumpFlows(cm, c) as never)).toEqual(["32768:"]);
  });
});

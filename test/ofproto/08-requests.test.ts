// provider.ts §4 and the remaining request handlers: packet_out (in_port validated, buffered
// packets), port_mod and port status, packet-in up-calls, stats (aggregate's unknown counts,
// filters, ports, queues), groups, and meters refused as DESIGN.md §2 says.

import { describe, expect, it } from "vitest";
import { OFPG, OFPP } from "../../src/openflow/actions.js";
import { ofError } from "../../src/openflow/errors.js";
import { OFP_NO_BUFFER, OFPFF, OFPPC, OFPPR, OFPRR } from "../../src/openflow/messages.js";
import { UNKNOWN_COUNT, type MultipartRequest } from "../../src/openflow/multipart-types.js";
import { actions, flowMod, ipDst, makeSwitch, output, settle } from "./harness.js";

const frame = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06);

describe("packet_out", () => {
  it("sends through the provider when in_port is a port, CONTROLLER or LOCAL", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    for (const inPort of [1, OFPP.CONTROLLER, OFPP.LOCAL]) {
      cm.submit(c, { type: "packet_out", bufferId: OFP_NO_BUFFER, inPort, actions: [output(2)], data: frame });
    }
    expect(provider.packetOuts.map((p) => p.inPort)).toEqual([1, OFPP.CONTROLLER, OFPP.LOCAL]);
    expect(c.errors).toEqual([]);
  });

  it("refuses an in_port that is not a port of the switch", async () => {
    const { provider, cm } = await makeSwitch({}, { ports: 2 });
    const c = cm.connect(0x04);
    cm.submit(c, { type: "packet_out", bufferId: OFP_NO_BUFFER, inPort: 9, actions: [output(2)], data: frame });
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_BAD_PORT"]);
    expect(provider.packetOuts).toEqual([]);
  });

  it("takes a buffered packet once; an unknown buffer is an error", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x01);
    c.buffers.set(3, { inPort: 1, data: frame });
    const po = { type: "packet_out" as const, bufferId: 3, inPort: 1, actions: [output(OFPP.TABLE)], data: new Uint8Array() };
    cm.submit(c, po);
    cm.submit(c, po);
    expect(provider.packetOuts.map((p) => p.data)).toEqual([frame]);
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_BUFFER_UNKNOWN"]);
  });

  it("reports the provider's refusal", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    provider.packetOutError = ofError("BAD_ACTION_BAD_OUT_PORT", "no port 7 on the target");
    cm.submit(c, { type: "packet_out", bufferId: OFP_NO_BUFFER, inPort: 1, actions: [output(7)], data: frame });
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_ACTION_BAD_OUT_PORT"]);
  });
});

describe("ports", () => {
  it("port_mod checks the port and its address, tells the provider and sends port_status", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    const hw = sw.ports.get(2)!.hwAddr;
    cm.submit(c, { type: "port_mod", portNo: 9, hwAddr: hw, config: 0, mask: 0, advertise: 0 });
    cm.submit(c, { type: "port_mod", portNo: 2, hwAddr: Uint8Array.of(1, 2, 3, 4, 5, 6), config: 0, mask: 0, advertise: 0 });
    expect(c.errors.map((e) => e.error.name)).toEqual(["PORT_MOD_FAILED_BAD_PORT", "PORT_MOD_FAILED_BAD_HW_ADDR"]);
    cm.submit(c, { type: "port_mod", portNo: 2, hwAddr: hw, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN, advertise: 0 });
    expect(provider.portMods).toEqual([{ portNo: 2, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN, advertise: 0 }]);
    expect(sw.ports.get(2)!.config & OFPPC.PORT_DOWN).toBe(OFPPC.PORT_DOWN);
    expect(cm.asyncSent.map((a) => [a.kind, a.reason])).toEqual([["portStatus", OFPPR.MODIFY]]);
  });

  it("port status from the provider updates the port map and reaches the controllers", async () => {
    const { sw, provider, cm } = await makeSwitch({}, { ports: 2 });
    const p1 = sw.ports.get(1)!;
    provider.core!.portStatus(OFPPR.DELETE, p1);
    provider.core!.portStatus(OFPPR.ADD, { ...p1, portNo: 7, name: "p7" });
    expect([...sw.ports.keys()].sort()).toEqual([2, 7]);
    expect(cm.asyncSent.map((a) => a.reason)).toEqual([OFPPR.DELETE, OFPPR.ADD]);
  });

  it("target lost, regained and reconciled move the target state", async () => {
    const { sw, provider } = await makeSwitch();
    provider.core!.targetLost("stream closed");
    expect(sw.targetState).toBe("lost");
    provider.core!.targetRegained();
    expect(sw.targetState).toBe("reconciling");
    provider.core!.reconciliationFinished();
    expect(sw.targetState).toBe("connected");
  });

  it("packet-in goes to connmgr unless the port says no packet-in", async () => {
    const { sw, provider, cm } = await makeSwitch();
    // A miss in table 0 with no table-miss rule: cookie all-ones, the connection's miss_send_len.
    const ev = { reason: "no_match" as const, tableId: 0, inPort: 1, metadata: 0n, key: new Map(), frame };
    provider.core!.packetIn(ev);
    sw.ports.set(1, { ...sw.ports.get(1)!, config: OFPPC.NO_PACKET_IN });
    provider.core!.packetIn(ev);
    const sent = { reason: 0, tableId: 0, cookie: 0xffffffffffffffffn, match: [{ field: 0, value: 1n, mask: 0xffffffffn }], inPort: 1, data: frame, maxLen: "miss_send_len" };
    expect(cm.packetIns).toEqual([sent]);
  });

  it("port stats for all ports or one; an unknown port gives an empty reply", async () => {
    const { cm } = await makeSwitch({}, { ports: 3 });
    const c = cm.connect(0x04);
    const ask = (portNo: number) => {
      cm.submit(c, { type: "multipart_request", body: { type: "port_stats", flags: 0, portNo } });
      const b = c.sent.at(-1)!.msg;
      return b.type === "multipart_reply" && b.body.type === "port_stats" ? b.body.ports.map((p) => p.portNo) : "?";
    };
    expect(ask(OFPP.ANY)).toEqual([1, 2, 3]);
    expect(ask(2)).toEqual([2]);
    expect(ask(9)).toEqual([]);
  });

  it("queue stats: no queues; unknown port or queue are errors", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect(0x04);
    const q = (portNo: number, queueId: number) =>
      cm.submit(c, { type: "multipart_request", body: { type: "queue", flags: 0, portNo, queueId } });
    q(OFPP.ANY, 0xffffffff);
    q(9, 0xffffffff);
    q(1, 4);
    expect(c.sentOf("multipart_reply").map((s) => s.msg.body)).toEqual([{ type: "queue", queues: [] }]);
    expect(c.errors.map((e) => e.error.name)).toEqual(["QUEUE_OP_FAILED_BAD_PORT", "QUEUE_OP_FAILED_BAD_QUEUE"]);
  });
});

describe("flow and aggregate stats", () => {
  const query = (type: "flow" | "aggregate", fields: Partial<MultipartRequest & { tableId: number }> = {}): MultipartRequest =>
    ({ type, flags: 0, tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: [], nxm: false, ...fields }) as MultipartRequest;

  it("an unknown packet or byte count stays all ones in an aggregate", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    for (const n of [1, 2, 3]) cm.submit(c, flowMod("add", { match: ipDst(n), instructions: actions(1) }));
    provider.completeAll();
    await settle();
    const [r1, r2, r3] = [1, 2, 3].map((n) => sw.tables[0]!.rules.findExact(ipDst(n), 0x8000)!);
    provider.setStats(r1!, { packetCount: 10n, byteCount: 1000n, lastUsed: undefined });
    provider.setStats(r2!, { packetCount: 5n, byteCount: UNKNOWN_COUNT, lastUsed: undefined });
    provider.setStats(r3!, { packetCount: 1n, byteCount: 100n, lastUsed: undefined });
    cm.submit(c, { type: "multipart_request", body: query("aggregate") });
    expect(c.sent.at(-1)!.msg).toMatchObject({
      body: { type: "aggregate", packetCount: 16n, byteCount: UNKNOWN_COUNT, flowCount: 3 },
    });
    cm.submit(c, { type: "multipart_request", body: query("aggregate", { match: ipDst(1) }) });
    expect(c.sent.at(-1)!.msg).toMatchObject({ body: { packetCount: 10n, byteCount: 1000n, flowCount: 1 } });
  });

  it("filters by table, cookie and out_port; an invalid table is an error", async () => {
    const { provider, cm } = await makeSwitch({}, { tables: 2 });
    const c = cm.connect(0x04);
    cm.submit(c, flowMod("add", { match: ipDst(1), cookie: 1n, instructions: actions(1) }));
    cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(2), cookie: 2n, instructions: actions(2) }));
    provider.completeAll();
    await settle();
    const flows = (fields: Partial<MultipartRequest & { tableId: number }>) => {
      cm.submit(c, { type: "multipart_request", body: query("flow", fields) });
      const m = c.sent.at(-1)!.msg;
      return m.type === "multipart_reply" && m.body.type === "flow" ? m.body.flows.map((f) => [f.tableId, f.cookie]) : m.type;
    };
    expect(flows({})).toEqual([[0, 1n], [1, 2n]]);
    expect(flows({ tableId: 1 })).toEqual([[1, 2n]]);
    expect(flows({ cookie: 1n, cookieMask: 0xffn })).toEqual([[0, 1n]]);
    expect(flows({ outPort: 2 })).toEqual([[1, 2n]]);
    flows({ tableId: 9 });
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_BAD_TABLE_ID"]);
  });
});

describe("groups and meters", () => {
  it("group_mod: add, exists, modify unknown, delete; desc lists what exists", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    const gm = (command: "add" | "modify" | "delete", groupId: number) =>
      cm.submit(c, { type: "group_mod", body: { command, groupType: "all", groupId, buckets: [] } });
    gm("add", 1);
    gm("add", 1);
    gm("modify", 2);
    gm("add", 2);
    gm("delete", 1);
    gm("delete", 5);
    expect(c.errors.map((e) => e.error.name)).toEqual(["GROUP_MOD_FAILED_GROUP_EXISTS", "GROUP_MOD_FAILED_UNKNOWN_GROUP"]);
    expect(provider.groupMods.map((g) => [g.command, g.groupId])).toEqual([["add", 1], ["add", 2], ["delete", 1]]);
    cm.submit(c, { type: "multipart_request", body: { type: "group_desc", flags: 0 } });
    expect(c.sent.at(-1)!.msg).toMatchObject({ body: { type: "group_desc", groups: [{ groupId: 2 }] } });
    provider.groupModError = ofError("GROUP_MOD_FAILED_OUT_OF_GROUPS", "full");
    gm("add", 3);
    expect(c.errors.at(-1)!.error.name).toBe("GROUP_MOD_FAILED_OUT_OF_GROUPS");
  });

  it("deleting a group deletes the flows that send to it, with flow_removed reason GROUP_DELETE", async () => {
    const { sw, provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    cm.submit(c, { type: "group_mod", body: { command: "add", groupType: "all", groupId: 5, buckets: [] } });
    const toGroup = { ...actions(), applyActions: [{ type: "group" as const, groupId: 5 }] };
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: toGroup, flags: OFPFF.SEND_FLOW_REM }));
    cm.submit(c, flowMod("add", { match: ipDst(2), instructions: actions(1) }));
    // The flow's ADD is still in flight: the group delete waits for it.
    cm.submit(c, { type: "group_mod", body: { command: "delete", groupType: "all", groupId: 5, buckets: [] } });
    expect(c.queue).toHaveLength(1);
    provider.completeAll();
    await settle();
    expect(c.queue).toHaveLength(0);
    expect(provider.pending.map((op) => [op.type, op.reason, op.rule.match])).toEqual([["delete", OFPRR.GROUP_DELETE, ipDst(1)]]);
    expect(cm.asyncSent.map((a) => a.reason)).toEqual([OFPRR.GROUP_DELETE]);
    cm.submit(c, { type: "barrier_request" });
    expect(c.sentOf("barrier_reply")).toEqual([]);
    provider.completeAll();
    await settle();
    expect(c.sentOf("barrier_reply")).toHaveLength(1);
    expect(sw.groups.size).toBe(0);
    expect([...sw.tables[0]!.rules].map((r) => r.match)).toEqual([ipDst(2)]);
  });

  it("meters: meter_mod is refused with OUT_OF_METERS and meter features report none", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect(0x04);
    cm.submit(c, { type: "meter_mod", body: { command: "add", flags: 1, meterId: 1, bands: [{ type: "drop", rate: 1000, burstSize: 0 }] } });
    expect(c.errors.map((e) => e.error.name)).toEqual(["METER_MOD_FAILED_OUT_OF_METERS"]);
    cm.submit(c, { type: "multipart_request", body: { type: "meter_features", flags: 0 } });
    expect(c.sent.at(-1)!.msg).toMatchObject({ body: { type: "meter_features", maxMeter: 0 } });
    cm.submit(c, flowMod("add", { match: ipDst(1), instructions: { ...actions(1), meterId: 1 } }));
    expect(c.errors.at(-1)!.error.name).toBe("METER_MOD_FAILED_UNKNOWN_METER");
  });
});

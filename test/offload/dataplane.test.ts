// Frames through the sim's pipeline model: injected frames move direct counters that show in
// flow and aggregate stats and port counters; an idle rule expires with its final counters in
// flow_removed; a table miss reaches the controller as packet_in; packet_out leaves the right
// port (and OFPP_TABLE runs the tables).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyOnly, OFPG, OFPP } from "../../src/openflow/actions.js";
import { OFPFF, OFPPS, OFPR, OFPRR } from "../../src/openflow/messages.js";
import { OxmField } from "../../src/openflow/match.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, nextEmit, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig;
beforeEach(async () => {
  rig = await startOffloadRig();
});
afterEach(async () => {
  await rig.close();
});

function stats(rig: OffloadRig, body: "flow" | "aggregate") {
  const c = rig.cm.conns[0]!;
  const xid = rig.cm.submit(c, {
    type: "multipart_request",
    body: { type: body, flags: 0, tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: [], nxm: false },
  });
  const reply = c.sent.find((s) => s.xid === xid)!.msg;
  if (reply.type !== "multipart_reply") throw new Error("no reply");
  return reply.body;
}

describe("counters", () => {
  it("frames move the rule's counters into flow stats, aggregate stats and port stats", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(3), priority: 10, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    const out = nextEmit(rig.sim, 2);
    for (let i = 0; i < 3; i++) rig.sim.inject(1, frame);
    expect(await out).toEqual(frame);
    expect(rig.provider.countersAgeMs()).toBe(Infinity);
    await rig.provider.pollCounters();
    expect(rig.provider.countersAgeMs()).toBeLessThan(10_000);
    const flows = stats(rig, "flow");
    if (flows.type !== "flow") throw new Error("flow reply");
    const byDst = new Map(flows.flows.map((f) => [f.match.find((m) => m.field === OxmField.IPV4_DST)!.value, f]));
    expect(byDst.get(0x0a000002n)).toMatchObject({ packetCount: 3n, byteCount: BigInt(3 * frame.length) });
    expect(byDst.get(0x0a000003n)).toMatchObject({ packetCount: 0n, byteCount: 0n });
    const agg = stats(rig, "aggregate");
    expect(agg).toMatchObject({ packetCount: 3n, byteCount: BigInt(3 * frame.length), flowCount: 2 });
    const [p1] = rig.provider.portStats(1);
    const [p2] = rig.provider.portStats(2);
    expect(p1).toMatchObject({ rxPackets: 3n, rxBytes: BigInt(3 * frame.length) });
    expect(p2).toMatchObject({ txPackets: 3n });
  });

  it("an idle rule expires and flow_removed carries its final counters", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, idleTimeout: 2, flags: OFPFF.SEND_FLOW_REM, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    rig.sim.inject(1, frame);
    rig.sim.inject(1, frame);
    rig.clock.now += 1500;
    await rig.provider.pollCounters(); // the counter moved: last used = now
    rig.clock.now += 1500;
    rig.sw.runExpiry();
    expect(rig.cm.asyncSent).toHaveLength(0); // 1.5 s idle < 2 s
    rig.clock.now += 600;
    await rig.provider.pollCounters(); // no movement
    rig.sw.runExpiry();
    const removed = rig.cm.asyncSent.map((a) => a.msg);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ type: "flow_removed", reason: OFPRR.IDLE_TIMEOUT, packetCount: 2n, byteCount: BigInt(2 * frame.length) });
    await rig.provider.idle();
    await rig.provider.reconcile();
    expect(rig.provider.stats().entries).toBe(0);
  });
});

describe("packet in and out", () => {
  it("a table miss reaches the controller as packet_in (reason NO_MATCH, table, in_port)", async () => {
    rig.cm.connect(0x04);
    const frame = udpFrame();
    rig.sim.inject(3, frame);
    const [pin] = await rig.cm.packetIn();
    expect(pin).toMatchObject({ reason: OFPR.NO_MATCH, tableId: 0, inPort: 3, cookie: 0xffffffffffffffffn, maxLen: "miss_send_len" });
    expect(Uint8Array.from(pin!.data)).toEqual(frame);
  });

  it("output:CONTROLLER gives reason ACTION with the rule's cookie and max_len", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(9), priority: 10, cookie: 0x77n, instructions: applyOnly([{ type: "output", port: OFPP.CONTROLLER, maxLen: 64 }]) }));
    rig.cm.submit(c, flowMod("add", { match: [], priority: 0, cookie: 0x55n, instructions: applyOnly([{ type: "output", port: OFPP.CONTROLLER, maxLen: 0xffff }]) }));
    await barrier(rig, c);
    rig.sim.inject(2, udpFrame({ ipDst: 0x0a000009 }));
    rig.sim.inject(2, udpFrame({ ipDst: 0x0a000001 }));
    const [a, b] = await rig.cm.packetIn(2);
    expect(a).toMatchObject({ reason: OFPR.ACTION, cookie: 0x77n, maxLen: 64, inPort: 2 });
    expect(b).toMatchObject({ reason: OFPR.NO_MATCH, cookie: 0x55n, maxLen: 0xffff, inPort: 2 });
  });

  it("a rule modified to send to the controller is found for the packet-in's cookie", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(8), priority: 10, cookie: 0x10n, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("add", { match: [], priority: 1, cookie: 0x20n, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    rig.cm.submit(c, flowMod("modify_strict", { match: ipDst(8), priority: 10, cookie: 0x11n, instructions: applyOnly([{ type: "output", port: OFPP.CONTROLLER, maxLen: 100 }]) }));
    await barrier(rig, c);
    rig.sim.inject(4, udpFrame({ ipDst: 0x0a000008 }));
    const [pin] = await rig.cm.packetIn();
    expect(pin).toMatchObject({ reason: OFPR.ACTION, cookie: rig.sw.tables[0]!.rules.findExact(ipDst(8), 10)!.cookie, maxLen: 100, inPort: 4 });
    expect(pin!.cookie).not.toBe(0x20n);
  });

  it("packet_out leaves the port it names; OFPP_TABLE runs the tables from its in_port", async () => {
    const c = rig.cm.connect(0x04);
    const frame = udpFrame({ ipDst: 0x0a000004 });
    const out4 = nextEmit(rig.sim, 4);
    rig.cm.submit(c, { type: "packet_out", bufferId: 0xffffffff, inPort: OFPP.CONTROLLER, actions: [output(4)], data: frame });
    expect(c.errors).toEqual([]);
    expect(await out4).toEqual(frame);

    rig.cm.submit(c, flowMod("add", { match: ipDst(4), priority: 10, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    const out3 = nextEmit(rig.sim, 3);
    rig.cm.submit(c, { type: "packet_out", bufferId: 0xffffffff, inPort: 1, actions: [{ type: "output", port: OFPP.TABLE, maxLen: 0 }], data: frame });
    expect(c.errors).toEqual([]);
    expect(await out3).toEqual(frame);
  });

  it("packet_out set_field on eth_dst is applied by ofp4 to the bytes", async () => {
    const c = rig.cm.connect(0x04);
    const frame = udpFrame();
    const out2 = nextEmit(rig.sim, 2);
    rig.cm.submit(c, {
      type: "packet_out",
      bufferId: 0xffffffff,
      inPort: OFPP.CONTROLLER,
      actions: [{ type: "set_field", field: OxmField.ETH_DST, value: 0x0a0b0c0d0e0fn }, output(2)],
      data: frame,
    });
    const got = await out2;
    expect([...got.subarray(0, 6)]).toEqual([0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
    expect(got.subarray(6)).toEqual(frame.subarray(6));
  });
});

describe("ports", () => {
  it("a port taken down tells the target through the dataplane service and the core sends PORT_STATUS", async () => {
    await rig.provider.setPortUp(2, false);
    expect(rig.cm.asyncSent.map((a) => [a.kind, a.msg.type === "port_status" && a.msg.desc.portNo, a.msg.type === "port_status" && a.msg.desc.state])).toEqual([
      ["portStatus", 2, OFPPS.LINK_DOWN],
    ]);
    // As on bmv2 1.15.5, the port's operational status is recorded; frames still flow (test/conformance).
    expect(rig.sim.portsDown()).toEqual([2]);
    await rig.provider.setPortUp(2, true);
    expect(rig.sim.portsDown()).toEqual([]);
    expect(rig.cm.asyncSent.map((a) => a.msg.type === "port_status" && a.msg.desc.state)).toEqual([OFPPS.LINK_DOWN, OFPPS.LIVE]);
  });
});

describe("fresh statistics", () => {
  it("a flow-stats request waits for one counter poll when the cache is stale, then answers with fresh counts", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    const out = nextEmit(rig.sim, 2);
    rig.sim.inject(1, frame);
    await out;
    // The core decides (provider.ts §4.2): it postpones while the counters are stale and retries (wake) after one refresh.
    const wake = new Promise<void>((resolve) => {
      const inner = rig.cm.wake.bind(rig.cm);
      rig.cm.wake = () => {
        inner();
        resolve();
      };
    });
    const request = {
      msg: {
        type: "multipart_request",
        body: { type: "flow", flags: 0, tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: [], nxm: false },
      },
      xid: 77,
      raw: new Uint8Array(16),
    } as const;
    const fresh = rig.sw;
    expect(fresh.handle(c, request)).toBe("postponed");
    await wake;
    expect(fresh.handle(c, request)).toBe("done");
    const reply = c.sent.find((s) => s.xid === 77)!.msg;
    if (reply.type !== "multipart_reply" || reply.body.type !== "flow") throw new Error("no flow stats reply");
    expect(reply.body.flows[0]).toMatchObject({ packetCount: 1n, byteCount: BigInt(frame.length) });
    // Fresh now: the next request goes straight through.
    expect(fresh.handle(c, { ...request, xid: 78 })).toBe("done");
  });
});

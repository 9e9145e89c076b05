// OpenFlow 1.3 groups on the P4 program (ALL -> a multicast group, INDIRECT -> its bucket's
// actions inline, SELECT refused: the program has no action selector) and a buffered packet
// that leaves through its rule once the ADD is acknowledged.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyOnly, OFPG, OFPP, type Action } from "../../src/openflow/actions.js";
import type { GroupMod } from "../../src/openflow/multipart-types.js";
import { OxmField } from "../../src/openflow/match.js";
import { bytesToBigint } from "../../src/p4runtime/index.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, nextEmit, readEntries, readGroups, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig;
beforeEach(async () => {
  rig = await startOffloadRig();
});
afterEach(async () => {
  await rig.close();
});

function groupMod(command: GroupMod["command"], groupType: GroupMod["groupType"], groupId: number, buckets: (readonly Action[])[]): { type: "group_mod"; body: GroupMod } {
  return { type: "group_mod", body: { command, groupType, groupId, buckets: buckets.map((actions) => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions })) } };
}

describe("OpenFlow 1.3 groups", () => {
  it("a flow sending to an ALL group uses a multicast group of the buckets' ports", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, groupMod("add", "all", 1, [[output(2)], [output(4)]]));
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([{ type: "group", groupId: 1 }]) }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const [g] = await readGroups(rig);
    expect((g!.replicas ?? []).map((r) => Number(r.egressPort)).sort()).toEqual([2, 4]);
    const frame = udpFrame({ ipDst: 0x0a000001 });
    const at2 = nextEmit(rig.sim, 2);
    const at4 = nextEmit(rig.sim, 4);
    rig.sim.inject(1, frame);
    expect(await at2).toEqual(frame);
    expect(await at4).toEqual(frame);
  });

  it("an INDIRECT group's bucket runs inline (set_field then output)", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, groupMod("add", "indirect", 2, [[{ type: "set_field", field: OxmField.ETH_DST, value: 0x0200000000aan }, output(3)]]));
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([{ type: "group", groupId: 2 }]) }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const [te] = await readEntries(rig);
    const a = rig.provider.p4info.action(te!.action!.action!.actionId!);
    const p = Object.fromEntries((te!.action!.action!.params ?? []).map((x) => [a.param(x.paramId!).name, bytesToBigint(x.value!)]));
    expect(p).toMatchObject({ set_fields: 1n, eth_dst: 0x0200000000aan, out_kind: 1n, out_port: 3n });
  });

  it("SELECT groups are refused: the program has no action selector", () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, groupMod("add", "select", 3, [[output(2)], [output(3)]]));
    expect(c.errors.map((e) => e.error.name)).toEqual(["GROUP_MOD_FAILED_BAD_TYPE"]);
    expect(c.errors[0]!.error.message).toMatch(/action selector/);
  });
});

describe("buffered packets", () => {
  it("a flow_mod with a buffer id sends the buffered packet through the new rule once acknowledged", async () => {
    const c = rig.cm.connect(0x04);
    const frame = udpFrame({ ipDst: 0x0a000007 });
    c.buffers.set(42, { inPort: 1, data: frame });
    const at3 = nextEmit(rig.sim, 3);
    rig.cm.submit(c, flowMod("add", { match: ipDst(7), priority: 10, bufferId: 42, instructions: applyOnly([output(3)]) }));
    expect(await at3).toEqual(frame);
    expect(c.errors).toEqual([]);
  });
});

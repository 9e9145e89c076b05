// Issue 6: OpenFlow 1.3 groups survive an ofp4 restart. A fresh provider against a sim holding
// its entries rebuilds the group table from the group records in the rules' metadata
// (group-record.ts: a trailer after metadata.ts's bytes), the core adopts the rules that use them without a write, the groups answer
// group_desc as before, frames still follow them, and deleting a rebuilt group deletes its
// users and frees the multicast group: nothing orphaned.

import { afterEach, describe, expect, it } from "vitest";
import { applyOnly, OFPG, OFPP, type Action } from "../../src/openflow/actions.js";
import { OxmField } from "../../src/openflow/match.js";
import type { GroupDesc, GroupMod } from "../../src/openflow/multipart-types.js";
import { groupDescs } from "../../src/ofproto/group-table.js";
import type { Recovered } from "../../src/ofproto/provider.js";
import { decodeEntryMetadata } from "../../src/offload/group-record.js";
import { decodeRuleMetadata } from "../../src/offload/metadata.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, nextEmit, readEntries, readGroups, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig | undefined;
let sim: Sim | undefined;
afterEach(async () => {
  await rig?.close();
  await sim?.stop();
  rig = undefined;
  sim = undefined;
});

function groupMod(command: GroupMod["command"], groupType: GroupMod["groupType"], groupId: number, buckets: (readonly Action[])[]): { type: "group_mod"; body: GroupMod } {
  return { type: "group_mod", body: { command, groupType, groupId, buckets: buckets.map((actions) => ({ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions })) } };
}

/** What the provider recovered at construct (provider.ts §1.4: it travels in the switch description). */
function recovered(r: OffloadRig): Recovered {
  return r.sw.description!.recovered!;
}

const SET_DST: Action = { type: "set_field", field: OxmField.ETH_DST, value: 0x0200000000aan };

describe("OpenFlow 1.3 groups after an ofp4 restart", () => {
  it("are rebuilt from the entries' metadata; their rules are adopted without a write; frames still follow them", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    rig = await startOffloadRig({ sim });
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, groupMod("add", "all", 1, [[output(2)], [output(4)]]));
    rig.cm.submit(c, groupMod("add", "indirect", 2, [[SET_DST, output(3)]]));
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, cookie: 1n, instructions: applyOnly([{ type: "group", groupId: 1 }]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, cookie: 2n, instructions: applyOnly([{ type: "group", groupId: 2 }]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(3), priority: 10, cookie: 3n, instructions: applyOnly([{ type: "group", groupId: 1 }, output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(4), priority: 10, cookie: 4n, instructions: applyOnly([output(1)]) }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const groupsBefore = groupDescs(rig.sw);
    const entriesBefore = await readEntries(rig);
    const mcastBefore = await readGroups(rig);
    expect(mcastBefore).toHaveLength(2); // {2,4} and {2,3,4}
    // Each group user's metadata carries the group's record; a rule without groups carries none.
    const found = new Map<number, GroupDesc>();
    const records = entriesBefore.map((e) => decodeEntryMetadata(e.metadata, found));
    expect(records.find((r) => r?.cookie === 1n)?.instructions.applyActions).toEqual([{ type: "group", groupId: 1 }]);
    expect([...found.values()].sort((a, b) => a.groupId - b.groupId)).toEqual(groupsBefore);
    const plain = entriesBefore.find((e) => decodeEntryMetadata(e.metadata, new Map())?.cookie === 4n)!;
    expect(decodeRuleMetadata(plain.metadata)?.cookie).toBe(4n);
    await rig.close();
    rig = undefined;

    // The core adopts what the provider recovered: groups first, then every rule (none refused).
    rig = await startOffloadRig({ sim });
    expect(recovered(rig).groups).toEqual(groupsBefore);
    // The recovered rules name the group plainly (no record left in their instructions).
    const rec1 = recovered(rig).rules.find((r) => r.cookie === 1n)!;
    expect(rec1.instructions.applyActions).toEqual([{ type: "group", groupId: 1 }]);
    await rig.provider.idle();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rig.provider.stats().recoveredEntries).toBe(0);
    expect(rig.sw.tables[0]!.rules.size).toBe(4);
    expect(rig.provider.stats().writes).toBe(0); // adopted as the target holds them
    expect(groupDescs(rig.sw)).toEqual(groupsBefore);
    expect(await readEntries(rig)).toEqual(entriesBefore);
    expect(await readGroups(rig)).toEqual(mcastBefore);
    expect((await rig.provider.dumpEntries()).every((d) => d.status === "rule")).toBe(true);

    const frame = udpFrame({ ipDst: 0x0a000001 });
    const at2 = nextEmit(rig.sim, 2);
    const at4 = nextEmit(rig.sim, 4);
    rig.sim.inject(1, frame);
    expect(await at2).toEqual(frame);
    expect(await at4).toEqual(frame);

    // A rebuilt group is an ordinary group: new flows may use it, and deleting it deletes its users.
    const c2 = rig.cm.connect(0x04);
    rig.cm.submit(c2, flowMod("add", { match: ipDst(5), priority: 10, instructions: applyOnly([{ type: "group", groupId: 2 }]) }));
    rig.cm.submit(c2, groupMod("delete", "all", 1, []));
    await barrier(rig, c2);
    expect(c2.errors).toEqual([]);
    await rig.provider.idle();
    expect(rig.sw.tables[0]!.rules.size).toBe(3); // 2, 4 and 5
    expect(await readEntries(rig)).toHaveLength(3);
    expect(await readGroups(rig)).toEqual([]); // both replica sets were group 1's users only
    await rig.provider.reconcile();
    expect(rig.provider.lastReconcile).toMatchObject({ inserted: 0, modified: 0, deleted: 0, groupsDeleted: 0 });
  });

  it("a rule re-added over a recovered one with another group definition is rewritten, not adopted as is", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    rig = await startOffloadRig({ sim });
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, groupMod("add", "indirect", 7, [[output(2)]]));
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([{ type: "group", groupId: 7 }]) }));
    await barrier(rig, c);
    await rig.close();
    rig = undefined;

    // This ofp4 does not adopt what it recovered: the controller defines group 7 anew (another port), and the entry follows it.
    rig = await startOffloadRig({ sim, core: { adoptRecovered: false } });
    expect(recovered(rig).groups.map((g) => g.groupId)).toEqual([7]);
    const c2 = rig.cm.connect(0x04);
    rig.cm.submit(c2, groupMod("add", "indirect", 7, [[output(4)]]));
    rig.cm.submit(c2, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([{ type: "group", groupId: 7 }]) }));
    await barrier(rig, c2);
    expect(c2.errors).toEqual([]);
    const [te] = await readEntries(rig);
    const found = new Map<number, GroupDesc>();
    expect(decodeEntryMetadata(te!.metadata, found)?.instructions.applyActions).toEqual([{ type: "group", groupId: 7 }]);
    expect(found.get(7)).toMatchObject({ groupType: "indirect", buckets: [{ actions: [output(4)] }] });
    const at4 = nextEmit(rig.sim, 4);
    rig.sim.inject(1, udpFrame({ ipDst: 0x0a000001 }));
    expect((await at4).length).toBeGreaterThan(0);
  });
});

// DESIGN.md §6 on a real target: a sim restart under load (state and pipeline lost, streams
// dropped) ends with every rule reinstalled and nothing lost or orphaned; a restarted ofp4 (new
// provider and core against the same sim) finds its entries, does not push the pipeline again,
// and can adopt them without rewriting; leftovers of ours are deleted, foreign entries kept.

import { afterEach, describe, expect, it } from "vitest";
import { applyOnly, OFPP } from "../../src/openflow/actions.js";
import { tableEntry, P4RuntimeClient } from "../../src/p4runtime/index.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, readEntries, readGroups, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig | undefined;
let sim: Sim | undefined;
afterEach(async () => {
  await rig?.close();
  await sim?.stop();
  rig = undefined;
  sim = undefined;
});

/** Resolves when the core hears that reconciliation finished. */
function reconciled(r: OffloadRig): Promise<void> {
  return new Promise((resolve) => {
    const original = r.sw.reconciliationFinished.bind(r.sw);
    r.sw.reconciliationFinished = () => {
      original();
      r.sw.reconciliationFinished = original;
      resolve();
    };
  });
}

describe("target restart", () => {
  it("a sim restart under load ends with every rule on the target and nothing orphaned", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 200; i++) {
      const outs = i % 10 === 0 ? [output(2), output(3)] : [output(1 + (i % 4))];
      rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly(outs) }));
    }
    await barrier(rig, c);
    expect(await readEntries(rig)).toHaveLength(200);
    const done = reconciled(rig);
    for (let i = 201; i <= 400; i++) rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("delete_strict", { match: ipDst(5), priority: 10, outPort: OFPP.ANY }));
    rig.sim.knobs.ackLatencyMs = 2;
    await new Promise<void>((resolve) => setImmediate(resolve)); // the first Writes are on their way
    rig.sim.restart();
    await done;
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(rig.sw.tables[0]!.rules.size).toBe(399);
    await rig.provider.reconcile();
    const dump = await rig.provider.dumpEntries();
    expect(dump).toHaveLength(399);
    expect(dump.every((d) => d.status === "rule")).toBe(true);
    expect(await readGroups(rig)).toHaveLength(1);
    expect(rig.provider.stats().reconciliations).toBeGreaterThanOrEqual(1);
    expect(rig.provider.stats().readBacks).toBeGreaterThan(0); // some Writes were caught by the restart
  });

  it("a rule's counts survive a target that lost its counters (flow counters never go back)", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    for (let i = 0; i < 3; i++) rig.sim.inject(1, frame);
    await rig.provider.pollCounters();
    const rule = [...rig.sw.tables[0]!.rules][0]!;
    expect(rig.provider.ruleStats(rule)).toMatchObject({ packetCount: 3n, byteCount: BigInt(3 * frame.length) });
    const done = reconciled(rig);
    rig.sim.restart();
    await done;
    rig.sim.inject(1, frame);
    await rig.provider.pollCounters();
    expect(rig.provider.ruleStats(rule)).toMatchObject({ packetCount: 4n, byteCount: BigInt(4 * frame.length) });
    await rig.provider.pollCounters(); // no movement: no change
    expect(rig.provider.ruleStats(rule).packetCount).toBe(4n);
  });

  it("a dropped stream (state kept) reconciles without rewriting what the target still holds", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 20; i++) rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const done = reconciled(rig);
    rig.sim.dropStreams();
    await done;
    expect(rig.provider.lastReconcile).toMatchObject({ inserted: 0, modified: 0, deleted: 0 });
    expect(await readEntries(rig)).toHaveLength(20);
  });
});

describe("ofp4 restart", () => {
  it("a new provider finds its entries on the target and adopts them without rewriting", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    rig = await startOffloadRig({ sim });
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 30; i++) {
      const outs = i <= 3 ? [output(2), output(4)] : [output(3)];
      rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 100 + i, cookie: BigInt(i), idleTimeout: i, instructions: applyOnly(outs) }));
    }
    await barrier(rig, c);
    const before = await readEntries(rig);
    await rig.close();
    rig = undefined;

    // The core adopts 29 of them (provider.ts §1.4); the one with cookie 30 is left behind.
    rig = await startOffloadRig({ sim, core: { adoptRecovered: (r) => r.cookie !== 30n } });
    const recovered = rig.sw.description!.recovered!.rules;
    expect(recovered).toHaveLength(30);
    const r7 = recovered.find((r) => r.cookie === 7n)!;
    expect(r7).toMatchObject({ tableId: 0, priority: 107, idleTimeout: 7 });
    expect(r7.match).toEqual(ipDst(7));
    expect(r7.instructions.applyActions).toEqual([output(3)]);
    // The pipeline was not pushed again: the entries are still there.
    expect(await readEntries(rig)).toEqual(before);
    await rig.provider.idle();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rig.provider.stats().writes).toBe(0); // adopted as they are: nothing written
    expect(rig.sw.tables[0]!.rules.size).toBe(29);
    expect(rig.provider.stats().entries).toBe(29);
    // The one not adopted is still on the target, as ofp4's leftover.
    expect((await rig.provider.dumpEntries()).filter((d) => d.status === "orphan")).toHaveLength(1);

    // The adopted rules are ordinary rules: deleting one deletes its entry and, last, its group.
    const c2 = rig.cm.connect(0x04);
    for (const i of [1, 2, 3]) rig.cm.submit(c2, flowMod("delete_strict", { match: ipDst(i), priority: 100 + i, outPort: OFPP.ANY }));
    await barrier(rig, c2);
    expect(c2.errors).toEqual([]);
    await rig.provider.idle();
    expect(await readGroups(rig)).toHaveLength(0);
    expect(await readEntries(rig)).toHaveLength(27);
  });

  it("reconciliation deletes ofp4's entries no rule explains and reports foreign ones", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    rig = await startOffloadRig({ sim });
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 5; i++) rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const info = rig.provider.p4info;
    const other = new P4RuntimeClient({ address: sim.p4runtimeAddress, deviceId: 0n, electionId: 10n });
    const [st] = await other.write([
      { type: 1, entity: { tableEntry: tableEntry(info, { table: "ingress.ofp_table_2", match: { eth_type: { ternary: [0x86dd, 0xffff] } }, priority: 3, action: "ingress.drop" }) } },
    ]);
    other.close();
    expect(st!.code).toBe(0);
    await rig.close();
    // Nobody adopts them: they are ofp4's leftovers once the recovered set is dropped.
    rig = await startOffloadRig({ sim, core: { adoptRecovered: false } });
    expect(rig.sw.description!.recovered!.rules).toHaveLength(5);
    await rig.provider.reconcile();
    expect(rig.provider.lastReconcile).toMatchObject({ deleted: 5 });
    expect(rig.provider.lastReconcile!.foreign).toHaveLength(1);
    const dump = await rig.provider.dumpEntries();
    expect(dump.map((d) => d.status)).toEqual(["foreign"]);
  });
});

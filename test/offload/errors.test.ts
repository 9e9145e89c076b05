// provider.ts §3.2-§3.4 on a real target: one update the sim fails rolls back exactly its rule
// and its controller gets the mapped error; a full table gives TABLE_FULL both from ofp4's own
// capacity count (nothing written) and from the target (bmv2's UNKNOWN "Error when adding
// match entry to target"; the P4Runtime spec says RESOURCE_EXHAUSTED: both map the same).

import { afterEach, describe, expect, it } from "vitest";
import { applyOnly, OFPP } from "../../src/openflow/actions.js";
import { Code, P4RuntimeClient, tableEntry } from "../../src/p4runtime/index.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, readEntries, shrunkP4Info, startOffloadRig, type OffloadRig } from "./rig.js";

let rig: OffloadRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("a failed update", () => {
  it("rolls back exactly that rule; the others land; the controller gets the error quoting its request", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    rig.sim.knobs.failNextUpdates(1, Code.INVALID_ARGUMENT, "Bad action parameter injected");
    const failedXid = rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(3), priority: 10, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["BAD_ACTION_BAD_ARGUMENT", failedXid]]);
    const dsts = (await readEntries(rig)).map((te) => te.match!.find((m) => m.fieldId === 11)!.ternary!.value![3]).sort();
    expect(dsts).toEqual([1, 3]);
    expect(rig.sw.tables[0]!.rules.size).toBe(2);
  });

  it("a failed victim replacement brings the victim back, still on the target", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    rig.sim.knobs.failNextUpdates(1, Code.RESOURCE_EXHAUSTED, "no room");
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_TABLE_FULL"]);
    const [rule] = [...rig.sw.tables[0]!.rules];
    expect(rule!.instructions.applyActions).toEqual([output(2)]);
    const entries = await readEntries(rig);
    expect(entries).toHaveLength(1);
  });

  it("a DELETE the target fails still completes; reconciliation removes the leftover", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    rig.sim.knobs.failNextUpdates(1, Code.INTERNAL, "injected");
    rig.cm.submit(c, flowMod("delete", { match: [], outPort: OFPP.ANY }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(rig.sw.tables[0]!.rules.size).toBe(0);
    await rig.provider.reconcile();
    expect(await readEntries(rig)).toHaveLength(0);
  });
});

describe("table full", () => {
  it("ofp4 counts entries against the P4Info size and refuses before writing", async () => {
    rig = await startOffloadRig({ provider: { p4infoPath: shrunkP4Info("ingress.ofp_table_1", 2) } });
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 3; i++) rig.cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) }));
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_TABLE_FULL"]);
    await barrier(rig, c);
    expect(await readEntries(rig)).toHaveLength(2);
    // A replacement of an existing rule still fits.
    rig.cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(2), priority: 10, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    expect(c.errors).toHaveLength(1);
  });

  it("the target's own table-full answer (an entry ofp4 did not write fills it) maps to TABLE_FULL", async () => {
    rig = await startOffloadRig({ provider: { p4infoPath: shrunkP4Info("ingress.ofp_table_1", 2) } });
    // Someone else's entry (same election id, no ofp4 metadata) takes one of the two places.
    const other = new P4RuntimeClient({ address: rig.sim.p4runtimeAddress, deviceId: 0n, electionId: 10n });
    const info = rig.provider.p4info;
    const [st] = await other.write([
      { type: 1, entity: { tableEntry: tableEntry(info, { table: "ingress.ofp_table_1", match: { eth_type: { ternary: [0x86dd, 0xffff] } }, priority: 3, action: "ingress.drop" }) } },
    ]);
    other.close();
    expect(st!.code).toBe(0);
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_TABLE_FULL"]);
    expect(c.errors[0]!.error.message).toMatch(/UNKNOWN|RESOURCE_EXHAUSTED/);
    expect(rig.sw.tables[1]!.rules.size).toBe(1);
    const dump = await rig.provider.dumpEntries();
    expect(dump.map((d) => d.status).sort()).toEqual(["foreign", "rule"]);
  });
});

describe("a target that refuses every Write (UNAVAILABLE)", () => {
  it("operations wait, then land once the target answers again", async () => {
    rig = await startOffloadRig({ provider: { targetWaitMs: 20_000 } });
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.refuseWrites = true;
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    // Once the provider has seen the refusal and gone to repair the target, let it succeed.
    await new Promise<void>((resolve) => {
      const original = rig!.sw.targetLost.bind(rig!.sw);
      rig!.sw.targetLost = (reason: string) => {
        original(reason);
        rig!.sim.knobs.refuseWrites = false;
        resolve();
      };
    });
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(await readEntries(rig)).toHaveLength(1);
    expect(rig.sw.targetState).toBe("connected");
  });

  it("operations fail with a clear error past the wait bound; the rule is rolled back", async () => {
    rig = await startOffloadRig({ provider: { targetWaitMs: 300 } });
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.refuseWrites = true;
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    expect(c.errors.map((e) => e.error.name)).toEqual(["FLOW_MOD_FAILED_UNKNOWN"]);
    expect(c.errors[0]!.error.message).toMatch(/unavailable for 300 ms/);
    expect(rig.sw.tables[0]!.rules.size).toBe(0);
    rig.sim.knobs.refuseWrites = false;
    await rig.provider.reconcile();
    expect(await readEntries(rig)).toHaveLength(0);
  });
});

describe("a Write of unknown outcome (deadline exceeded)", () => {
  it("is read back and completed from what the target holds (provider.ts §3.6)", async () => {
    rig = await startOffloadRig({ provider: { writeTimeoutMs: 100 } });
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.ackLatencyMs = 400; // the sim applies the Write after the client gave up on it
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, cookie: 5n, instructions: applyOnly([output(2)]) }));
    await new Promise<void>((resolve) => {
      const original = rig!.sw.targetLost.bind(rig!.sw);
      rig!.sw.targetLost = (reason: string) => {
        original(reason);
        rig!.sim.knobs.ackLatencyMs = 0;
        resolve();
      };
    });
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(rig.sw.tables[0]!.rules.size).toBe(1);
    const entries = await readEntries(rig);
    expect(entries).toHaveLength(1);
    expect(rig.sw.targetState).toBe("connected");
    expect(rig.provider.stats().readBacks).toBeGreaterThanOrEqual(1);
  });
});

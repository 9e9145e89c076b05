// provider.ts §3.7 on a real target: the write batcher holds a bounded number of updates; past
// it, operations wait un-encoded for room, in order, and every one still completes — an ADD
// burst larger than the bound, and a DELETE of every rule (one op group of many operations).

import { afterEach, describe, expect, it } from "vitest";
import { applyOnly, OFPP } from "../../src/openflow/actions.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, readEntries, startOffloadRig, type OffloadRig } from "./rig.js";

let rig: OffloadRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("the write batcher's bound", () => {
  it("an ADD burst and a DELETE of every rule past the bound wait for room and all land, in order", async () => {
    rig = await startOffloadRig({ provider: { writeMaxUpdates: 4, writeMaxQueued: 8, writeMaxInFlight: 1 }, core: { maxPendingGroups: 1000 } });
    const c = rig.cm.connect(0x04);
    let highWater = 0;
    const batcher = rig.provider.session.batcher;
    const watch = setInterval(() => (highWater = Math.max(highWater, batcher.pendingCount)), 0);
    for (let i = 1; i <= 200; i++) rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, cookie: BigInt(i), instructions: applyOnly([output(2)]) }));
    highWater = Math.max(highWater, batcher.pendingCount);
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(await readEntries(rig)).toHaveLength(200);
    rig.cm.submit(c, flowMod("delete", { match: [], outPort: OFPP.ANY }));
    highWater = Math.max(highWater, batcher.pendingCount);
    await barrier(rig, c);
    clearInterval(watch);
    expect(c.errors).toEqual([]);
    expect(rig.sw.tables[0]!.rules.size).toBe(0);
    expect(await readEntries(rig)).toEqual([]);
    expect(rig.provider.stats().entries).toBe(0);
    // Never more queued than the bound plus the Write being filled when it was reached.
    expect(highWater).toBeLessThanOrEqual(8 + 4);
    expect(rig.provider.stats().updatesPerWrite).toBeLessThanOrEqual(4);
  });
});

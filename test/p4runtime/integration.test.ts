// The client against the project's P4Runtime software target (targets/sim) over real gRPC.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { P4RuntimeClient } from "../../src/p4runtime/client.js";
import { tableEntry, tableUpdate } from "../../src/p4runtime/entities.js";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";
import { Code } from "../../src/p4runtime/status.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";

const info = loadP4InfoFile(new URL("../../p4/ofp4.p4info.txtpb", import.meta.url).pathname);
const deviceConfig = readFileSync(new URL("../../p4/ofp4.json", import.meta.url));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sim(): Promise<Sim> {
  const s = await startSim({ dataplaneAddress: null });
  cleanups.push(() => s.stop());
  return s;
}

function client(s: Sim, electionId: bigint): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: s.p4runtimeAddress, deviceId: 0, electionId, reconnect: false });
  cleanups.push(() => c.close());
  return c;
}

const entry = (i: number): p4.v1.IUpdate =>
  tableUpdate(info, "INSERT", {
    table: "ingress.ofp_table_0",
    match: { eth_dst: { ternary: [i + 1, "ff:ff:ff:ff:ff:ff"] } },
    action: "ingress.drop",
    priority: 1 + (i % 7),
  });

describe("client against the sim", () => {
  it("denies the backup's Write and promotes it when the primary leaves", async () => {
    const s = await sim();
    const hi = client(s, 10n);
    const lo = client(s, 5n);
    expect((await hi.connect()).isPrimary).toBe(true);
    await hi.setPipeline({ p4info: info, deviceConfig, cookie: 42n });
    expect((await lo.connect()).isPrimary).toBe(false);
    const denied = await lo.write([entry(1)]);
    expect(denied[0]!.code).toBe(Code.PERMISSION_DENIED);
    expect(denied[0]!.outcomeUnknown).toBe(false);
    const promoted = once(lo, "primary");
    hi.close();
    await promoted;
    expect(lo.isPrimary).toBe(true);
    expect((await lo.write([entry(1)]))[0]!.code).toBe(Code.OK);
    expect((await lo.getPipeline("COOKIE_ONLY")).cookie?.cookie).toBe(42n);
  });

  it("returns exactly the 3 duplicates of a 1,000-update batch as ALREADY_EXISTS, and reads back what was written", async () => {
    const s = await sim();
    const c = client(s, 1n);
    await c.connect();
    await expect(c.readAll([{ tableEntry: { tableId: 0 } }])).rejects.toThrow(
      new RegExp(`FAILED_PRECONDITION: Read to ${s.p4runtimeAddress.replace(/\./g, "\\.")}`),
    );
    await c.setPipeline({ p4info: info, deviceConfig });
    const dups = [100, 500, 900];
    const updates: p4.v1.IUpdate[] = [];
    for (let i = 0; i < 997; i++) updates.push(entry(i));
    for (const d of dups) updates.splice(d + 1, 0, entry(d)); // a second INSERT right after the first
    expect(updates.length).toBe(1000);
    const b = c.batcher();
    const results = await Promise.all(updates.map((u) => b.submitAsync(u)));
    const failed = results.flatMap((r, i) => (r.code === Code.OK ? [] : [[i, r.code]]));
    expect(failed).toEqual([
      [101, Code.ALREADY_EXISTS],
      [502, Code.ALREADY_EXISTS],
      [903, Code.ALREADY_EXISTS],
    ]);
    expect(b.stats.maxUpdatesPerBatch).toBeLessThanOrEqual(400);

    const read = await c.readAll([{ tableEntry: { tableId: info.table("ofp_table_0").id } }]);
    expect(read.length).toBe(997);
    const want = tableEntry(info, {
      table: "ingress.ofp_table_0",
      match: { eth_dst: { ternary: [501, "ff:ff:ff:ff:ff:ff"] } },
      action: "ingress.drop",
      priority: 1 + (500 % 7),
    });
    const got = read.find((e) => Buffer.from(e.tableEntry!.match![0]!.ternary!.value!).equals(Buffer.from(want.match![0]!.ternary!.value!)));
    expect(got?.tableEntry?.priority).toBe(want.priority);
    expect(got?.tableEntry?.action?.action?.actionId).toBe(info.action("ingress.drop").id);
    expect(got?.tableEntry?.match?.[0]?.fieldId).toBe(info.table("ofp_table_0").field("eth_dst").id);
  });
});

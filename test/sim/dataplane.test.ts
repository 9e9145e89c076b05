// Frames through the sim over bmv2's dataplane service with the fixture program and its
// model: counters moving, multicast replication to exactly the right ports, packet-in on a
// table miss with the right metadata, packet-out, port status, and idle-timeout notifications.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { b, DataplaneHandle, flood, frame, fwd, group, ID, INSERT, l2Entry, TestClient, update, type StreamHandle } from "./harness.js";
import { simtestPipeline } from "./simtest-pipeline.js";

let sim: Sim;
let client: TestClient;
let dp: DataplaneHandle;
let controller: StreamHandle | undefined;

beforeAll(async () => {
  sim = await startSim({ pipeline: simtestPipeline });
  client = new TestClient(sim.p4runtimeAddress);
  dp = new DataplaneHandle(sim.dataplaneAddress!);
});
afterAll(async () => {
  dp.close();
  client.close();
  await sim.stop();
});
beforeEach(async () => {
  sim.restart();
  expect(await client.setConfig()).toBe(0);
  controller = client.stream();
  controller.arbitrate(1n);
  expect((await controller.next())?.arbitration?.status?.code).toBe(0);
  // The marker route: frames from port 8 go to port 9 (see injectAndCollect).
  await write(update(INSERT, l2Entry(8, undefined, 1, fwd(9))));
});
afterEach(() => controller?.cancel());

const write = async (...u: ReturnType<typeof update>[]): Promise<void> => {
  expect((await client.write(u, { electionId: 1n })).code).toBe(0);
};

/** Injects a frame on `port`, then a marker frame to port 9 so "nothing else came out" is awaitable. */
async function injectAndCollect(port: number, f: Uint8Array): Promise<{ port: number; packet: Uint8Array }[]> {
  dp.inject(port, f);
  dp.inject(8, frame("00:00:00:00:00:ee", "00:00:00:00:00:08"));
  const got: { port: number; packet: Uint8Array }[] = [];
  for (;;) {
    const m = await dp.next();
    if (m.port === 9) return got;
    got.push({ port: m.port, packet: m.packet });
  }
}

describe("dataplane", () => {
  it("a frame matched by an entry leaves the entry's port, and counters move", async () => {
    await write(update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, fwd(2))));
    const f = frame("00:00:00:00:00:02", "00:00:00:00:00:01");
    const out = await injectAndCollect(1, f);
    expect(out.map((o) => o.port)).toEqual([2]);
    expect(Buffer.from(out[0]!.packet).equals(Buffer.from(f))).toBe(true);
    const direct = await client.read([{ directCounterEntry: { tableEntry: l2Entry(1, "00:00:00:00:00:02", 10, undefined).tableEntry } }]);
    expect(direct.entities[0]!.directCounterEntry!.data).toMatchObject({ packetCount: 1n, byteCount: BigInt(f.length) });
    const rx = await client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 1n } } }]);
    expect(rx.entities[0]!.counterEntry!.data).toMatchObject({ packetCount: 1n, byteCount: BigInt(f.length) });
  });

  it("the higher-priority ternary entry wins", async () => {
    await write(update(INSERT, l2Entry(1, undefined, 1, fwd(3))), update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, fwd(2))));
    expect((await injectAndCollect(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01"))).map((o) => o.port)).toEqual([2]);
    expect((await injectAndCollect(1, frame("00:00:00:00:00:05", "00:00:00:00:00:01"))).map((o) => o.port)).toEqual([3]);
  });

  it("longest prefix wins in an LPM table", async () => {
    const lpm = (v: number[], len: number, port: number) =>
      update(INSERT, { tableEntry: { tableId: ID.t_lpm, match: [{ fieldId: 1, lpm: { value: b(...v), prefixLen: len } }], action: { action: fwd(port) } } });
    await write(lpm([10, 0, 0, 0], 8, 4), lpm([10, 1, 0, 0], 16, 5), update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, { actionId: ID.flood, params: [{ paramId: 1, value: b(0) }] })));
    expect((await injectAndCollect(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.1.2.3" }))).map((o) => o.port)).toEqual([5]);
    expect((await injectAndCollect(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.2.2.3" }))).map((o) => o.port)).toEqual([4]);
  });

  it("multicast replicates to exactly the group's ports", async () => {
    await write(update(INSERT, group(7, [{ egressPort: 2 }, { egressPort: 4 }, { egressPort: 5 }])), update(INSERT, l2Entry(1, undefined, 1, flood(7))));
    const out = await injectAndCollect(1, frame("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:01"));
    expect(out.map((o) => o.port).sort()).toEqual([2, 4, 5]);
  });

  it("a table miss becomes a PacketIn to the primary with ingress_port and reason, header stripped", async () => {
    const f = frame("00:00:00:00:00:02", "00:00:00:00:00:01");
    dp.inject(3, f);
    const m = await controller!.nextOf("packet");
    expect(Buffer.from(m!.packet!.payload!).equals(Buffer.from(f))).toBe(true);
    expect(m!.packet!.metadata!.map((x) => [x.metadataId, Buffer.from(x.value!).toString("hex")])).toEqual([
      [1, "03"],
      [2, "01"],
    ]);
  });

  it("PacketIn goes to the primary only", async () => {
    const backup = client.stream();
    backup.arbitrate(0n);
    expect((await backup.next())?.arbitration?.status?.code).toBe(6);
    dp.inject(3, frame("00:00:00:00:00:02", "00:00:00:00:00:01"));
    expect((await controller!.nextOf("packet"))?.packet).toBeTruthy();
    expect(backup.pending).toBe(0);
    backup.cancel();
  });

  it("a PacketOut leaves the port named in its packet_out header", async () => {
    const f = frame("00:00:00:00:00:07", "00:00:00:00:00:01");
    controller!.packetOut(f, [{ metadataId: 1, value: b(6) }]);
    const m = await dp.next();
    expect(m.port).toBe(6);
    expect(Buffer.from(m.packet).equals(Buffer.from(f))).toBe(true);
  });

  it("a PacketOut from a backup is dropped", async () => {
    const backup = client.stream();
    backup.arbitrate(0n);
    await backup.next();
    backup.packetOut(frame("00:00:00:00:00:07", "00:00:00:00:00:01"), [{ metadataId: 1, value: b(6) }]);
    const out = await injectAndCollect(8, new Uint8Array(0));
    expect(out).toEqual([]);
    backup.cancel();
  });

  it("a port set down neither receives nor emits frames", async () => {
    await write(update(INSERT, l2Entry(1, undefined, 1, fwd(2))));
    await dp.setPort(2, false);
    expect(await injectAndCollect(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01"))).toEqual([]);
    await dp.setPort(2, true);
    expect((await injectAndCollect(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01"))).map((o) => o.port)).toEqual([2]);
  });

  it("an idle entry is notified after its timeout, without metadata", async () => {
    await write(update(INSERT, l2Entry(4, undefined, 1, fwd(2), { idleTimeoutNs: 100_000_000n, metadata: b(1, 2), controllerMetadata: 5n })));
    const m = await controller!.nextOf("idleTimeoutNotification");
    const n = m!.idleTimeoutNotification!;
    expect(n.tableEntry!).toHaveLength(1);
    expect(n.tableEntry![0]!.tableId).toBe(ID.t_l2);
    expect(n.tableEntry![0]!.idleTimeoutNs).toBe(100_000_000n);
    expect(n.tableEntry![0]!.controllerMetadata).toBe(5n);
    expect(n.tableEntry![0]!.metadata?.length ?? 0).toBe(0);
    expect(n.timestamp! > 0n).toBe(true);
    const r = await client.read([{ tableEntry: { ...l2Entry(4, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
    expect(r.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs).toBe(100_000_000n);
    const marker = await client.read([{ tableEntry: { ...l2Entry(8, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
    expect(marker.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs).toBe(0n);
  });
});

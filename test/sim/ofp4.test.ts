// The sim with p4/ofp4.p4 (its P4Info and bmv2 JSON) and its pipeline model, over real gRPC
// and bmv2's dataplane service: a table miss configured to go to the controller arrives as a
// PacketIn with ofp4's packet_in metadata, and a flow entry forwards a frame while its direct
// counter and the port counters move.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { p4 } from "../../src/generated/proto.js";
import { parseTextFormat } from "../../src/p4runtime/text-format.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { b, DataplaneHandle, frame, INSERT, MODIFY, TestClient, update, type StreamHandle } from "./harness.js";

const P4 = new URL("../../p4/", import.meta.url);
const p4info = parseTextFormat(readFileSync(new URL("ofp4.p4info.txtpb", P4), "utf8"), "p4.config.v1.P4Info") as p4.config.v1.IP4Info;
const json = Uint8Array.from(readFileSync(new URL("ofp4.json", P4)));
const table0 = p4info.tables!.find((t) => t.preamble!.name === "ingress.ofp_table_0")!;
const actionId = (name: string): number => p4info.actions!.find((a) => a.preamble!.name === name)!.preamble!.id!;
const counterId = (name: string): number => p4info.counters!.find((c) => c.preamble!.name === name)!.preamble!.id!;
const fieldId = (name: string): number => table0.matchFields!.find((f) => f.name === name)!.id!;

let sim: Sim;
let client: TestClient;
let dp: DataplaneHandle;
let controller: StreamHandle;

beforeAll(async () => {
  sim = await startSim({ pipeline: ofp4Pipeline, ports: 8 });
  client = new TestClient(sim.p4runtimeAddress);
  dp = new DataplaneHandle(sim.dataplaneAddress!);
  expect(await client.setConfig({ p4info, json })).toBe(0);
  controller = client.stream();
  controller.arbitrate(1n);
  expect((await controller.next())?.arbitration?.status?.code).toBe(0);
});
afterAll(async () => {
  controller.cancel();
  dp.close();
  client.close();
  await sim.stop();
});

describe("ofp4.p4 on the sim", () => {
  it("a table miss sent to the controller is a PacketIn with ingress_port, reason NO_MATCH, table_id and metadata", async () => {
    const miss = { tableEntry: { tableId: table0.preamble!.id!, isDefaultAction: true, action: { action: { actionId: actionId("ingress.miss_to_controller") } } } };
    expect((await client.write([update(MODIFY, miss)], { electionId: 1n })).code).toBe(0);
    const f = frame("00:00:00:00:00:02", "00:00:00:00:00:01");
    dp.inject(3, f);
    const m = await controller.nextOf("packet");
    expect(Buffer.from(m!.packet!.payload!).equals(Buffer.from(f))).toBe(true);
    const header = p4info.controllerPacketMetadata!.find((c) => c.preamble!.name === "packet_in")!;
    const byName = new Map(m!.packet!.metadata!.map((x) => [header.metadata!.find((h) => h.id === x.metadataId)!.name, Buffer.from(x.value!).toString("hex")]));
    expect(Object.fromEntries(byName)).toEqual({ ingress_port: "03", reason: "00", table_id: "00", metadata: "00" });
  });

  it("a flow entry forwards to its port; the entry's direct counter and the port counters move", async () => {
    const flow = p4info.actions!.find((a) => a.preamble!.name === "ingress.flow")!;
    const params = flow.params!.map((p) => ({ paramId: p.id!, value: p.name === "out_kind" ? b(1) : p.name === "out_port" ? b(5) : b(0) }));
    const match = [{ fieldId: fieldId("in_port"), ternary: { value: b(0, 1), mask: b(0xff, 0xff) } }];
    const entry = { tableEntry: { tableId: table0.preamble!.id!, match, priority: 10, action: { action: { actionId: flow.preamble!.id!, params } } } };
    expect((await client.write([update(INSERT, entry)], { electionId: 1n })).code).toBe(0);
    const f = frame("00:00:00:00:00:09", "00:00:00:00:00:01");
    dp.inject(1, f);
    const out = await dp.next();
    expect(out.port).toBe(5);
    const direct = await client.read([{ directCounterEntry: { tableEntry: { tableId: table0.preamble!.id!, match, priority: 10 } } }]);
    expect(direct.entities[0]!.directCounterEntry!.data).toMatchObject({ packetCount: 1n, byteCount: BigInt(f.length) });
    const rx = await client.read([{ counterEntry: { counterId: counterId("ingress.port_rx"), index: { index: 1n } } }]);
    expect(rx.entities[0]!.counterEntry!.data!.packetCount).toBe(1n);
    const tx = await client.read([{ counterEntry: { counterId: counterId("egress.port_tx"), index: { index: 5n } } }]);
    expect(tx.entities[0]!.counterEntry!.data!.packetCount).toBe(1n);
  });
});

// Set/GetForwardingPipelineConfig and Capabilities against the sim, as PI/bmv2 answer them
// (../shared/p4runtime-facts.md §2.1, §2.9).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { fixture, l2Entry, fwd, INSERT, p4infoBytes, TestClient, update } from "./harness.js";

let sim: Sim;
let client: TestClient;

beforeAll(async () => {
  sim = await startSim({ dataplaneAddress: null });
  client = new TestClient(sim.p4runtimeAddress);
});
afterAll(async () => {
  client.close();
  await sim.stop();
});
beforeEach(() => sim.restart());

describe("pipeline config", () => {
  it("Capabilities answers 1.3.0", async () => {
    expect(await client.capabilities()).toBe("1.3.0");
  });

  it("Get before any Set is FAILED_PRECONDITION", async () => {
    expect((await client.getConfig()).code).toBe(9);
  });

  it("Write before any pipeline is FAILED_PRECONDITION (no stream, no election id)", async () => {
    expect((await client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(9);
  });

  it("Read before any pipeline is FAILED_PRECONDITION", async () => {
    expect((await client.read([{ tableEntry: {} }])).code).toBe(9);
  });

  it("Get returns the P4Info byte-identical, the device config and the cookie", async () => {
    expect(await client.setConfig({ cookie: 0xfeedface12345678n })).toBe(0);
    const got = await client.getConfig(0);
    expect(got.code).toBe(0);
    const raw = p4.v1.ForwardingPipelineConfig.encode(got.config!.config!).finish();
    expect(Buffer.from(raw).includes(Buffer.from(p4infoBytes))).toBe(true);
    expect(Buffer.from(got.config!.config!.p4DeviceConfig!).equals(Buffer.from(fixture.json))).toBe(true);
    expect(got.config!.config!.cookie!.cookie).toBe(0xfeedface12345678n);
  });

  it("Get COOKIE_ONLY returns only the cookie", async () => {
    expect(await client.setConfig({ cookie: 7n })).toBe(0);
    const got = await client.getConfig(1);
    expect(got.config!.config!.p4info).toBeFalsy();
    expect(got.config!.config!.p4DeviceConfig!.length).toBe(0);
    expect(got.config!.config!.cookie!.cookie).toBe(7n);
  });

  it("Get without a cookie set carries no cookie", async () => {
    expect(await client.setConfig()).toBe(0);
    const got = await client.getConfig(3);
    expect(got.config!.config!.cookie).toBeFalsy();
    expect(got.config!.config!.p4DeviceConfig!.length).toBe(fixture.json.length);
  });

  it("UNSPECIFIED action is INVALID_ARGUMENT", async () => {
    expect(await client.setConfig({ action: 0 })).toBe(3);
  });

  it("a device config that is not bmv2 JSON is UNKNOWN and changes nothing", async () => {
    expect(await client.setConfig({ json: Uint8Array.from(Buffer.from("not json")) })).toBe(2);
    expect((await client.getConfig()).code).toBe(9);
  });

  it("a P4Info with a duplicate id fails VERIFY with UNKNOWN", async () => {
    const bad = { ...fixture.p4info, actions: [...(fixture.p4info.actions ?? []), fixture.p4info.actions![0]!] };
    expect(await client.setConfig({ action: 1, p4info: bad })).toBe(2);
  });

  it("VERIFY checks without committing", async () => {
    expect(await client.setConfig({ action: 1 })).toBe(0);
    expect((await client.getConfig()).code).toBe(9);
  });

  it("VERIFY_AND_SAVE then COMMIT installs the saved config", async () => {
    expect(await client.setConfig({ action: 2, cookie: 5n })).toBe(0);
    expect((await client.getConfig()).code).toBe(9);
    expect(await client.setConfig({ action: 4 })).toBe(0);
    expect((await client.getConfig(1)).config!.config!.cookie!.cookie).toBe(5n);
  });

  it("COMMIT with nothing saved is UNKNOWN", async () => {
    expect(await client.setConfig({ action: 4 })).toBe(2);
  });

  it("a device_id other than the switch's is UNKNOWN", async () => {
    expect(await client.setConfig({ deviceId: 3n })).toBe(2);
  });

  it("VERIFY_AND_COMMIT clears the forwarding state", async () => {
    expect(await client.setConfig()).toBe(0);
    expect((await client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
    expect(await client.setConfig()).toBe(0);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
  });

  it("RECONCILE_AND_COMMIT keeps the entries", async () => {
    expect(await client.setConfig()).toBe(0);
    expect((await client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
    expect(await client.setConfig({ action: 5, cookie: 9n })).toBe(0);
    expect((await client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
    expect((await client.getConfig(1)).config!.config!.cookie!.cookie).toBe(9n);
  });
});

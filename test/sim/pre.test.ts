// Multicast groups and clone sessions against the sim, with PI's codes
// (../shared/p4runtime-facts.md §2.6).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { b, DELETE, group, INSERT, MODIFY, TestClient, update } from "./harness.js";

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
beforeEach(async () => {
  sim.restart();
  expect(await client.setConfig()).toBe(0);
});

const codes = async (...u: Parameters<typeof update>[]): Promise<number[]> => {
  const r = await client.write(u.map((x) => update(...x)));
  return r.code === 0 ? u.map(() => 0) : r.codes;
};

describe("multicast groups", () => {
  it("INSERT, read back in the written port form grouped by instance, MODIFY, DELETE", async () => {
    expect(await codes([INSERT, group(1, [{ egressPort: 3, instance: 1 }, { port: b(0, 2), instance: 0 }, { egressPort: 4, instance: 0 }])])).toEqual([0]);
    let r = await client.read([group(1, [])]);
    const replicas = r.entities[0]!.packetReplicationEngineEntry!.multicastGroupEntry!.replicas;
    expect(replicas!.map((x) => [x.portKind, x.portKind === "port" ? Buffer.from(x.port!).toString("hex") : x.egressPort, x.instance])).toEqual([
      ["port", "0002", 0],
      ["egressPort", 4, 0],
      ["egressPort", 3, 1],
    ]);
    expect(await codes([MODIFY, group(1, [{ egressPort: 7 }])])).toEqual([0]);
    r = await client.read([group(0, [])]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]!.packetReplicationEngineEntry!.multicastGroupEntry!.replicas!.map((x) => x.egressPort)).toEqual([7]);
    expect(await codes([DELETE, group(1, [])])).toEqual([0]);
    expect((await client.read([group(0, [])])).entities).toHaveLength(0);
  });

  it("group id 0: INVALID_ARGUMENT; 32768 and above: OUT_OF_RANGE", async () => {
    expect(await codes([INSERT, group(0, [{ egressPort: 1 }])], [INSERT, group(32768, [{ egressPort: 1 }])])).toEqual([3, 11]);
  });

  it("INSERT of an existing group: ALREADY_EXISTS", async () => {
    expect(await codes([INSERT, group(2, [{ egressPort: 1 }])], [INSERT, group(2, [{ egressPort: 2 }])])).toEqual([0, 6]);
  });

  it("MODIFY, DELETE and read of a missing group: NOT_FOUND", async () => {
    expect(await codes([MODIFY, group(5, [{ egressPort: 1 }])], [DELETE, group(5, [])])).toEqual([5, 5]);
    expect((await client.read([group(5, [])])).code).toBe(5);
  });

  it("a replica without a port, or a duplicate (port, instance): INVALID_ARGUMENT", async () => {
    expect(await codes([INSERT, group(3, [{ instance: 1 }])], [INSERT, group(4, [{ egressPort: 1 }, { egressPort: 1 }])])).toEqual([3, 3]);
  });

  it("the same port with another instance is allowed", async () => {
    expect(await codes([INSERT, group(3, [{ egressPort: 1, instance: 0 }, { egressPort: 1, instance: 1 }])])).toEqual([0]);
  });

  it("an empty `port`: INVALID_ARGUMENT; wider than 4 bytes: UNIMPLEMENTED", async () => {
    expect(await codes([INSERT, group(3, [{ port: new Uint8Array() }])], [INSERT, group(4, [{ port: b(0, 0, 0, 0, 1) }])])).toEqual([3, 12]);
  });
});

describe("clone sessions", () => {
  const session = (id: number, port: number) => ({ packetReplicationEngineEntry: { cloneSessionEntry: { sessionId: id, replicas: [{ egressPort: port }], classOfService: 2 } } });

  it("INSERT and read back; session 0 is INVALID_ARGUMENT", async () => {
    expect(await codes([INSERT, session(5, 9)], [INSERT, session(0, 9)])).toEqual([0, 3]);
    const r = await client.read([{ packetReplicationEngineEntry: { cloneSessionEntry: {} } }]);
    expect(r.entities).toHaveLength(1);
    expect(r.entities[0]!.packetReplicationEngineEntry!.cloneSessionEntry!.classOfService).toBe(2);
  });
});

// DESIGN.md §2 Roles: a slave is refused flow_mod, packet_out, port_mod, group_mod and
// meter_mod with its version's error; becoming master demotes the previous master; the
// OpenFlow 1.3 generation id rejects stale requests; Nicira roles for OpenFlow 1.0.

import { describe, expect, it } from "vitest";
import { OFPP } from "../../src/openflow/actions.js";
import { OFP_NO_BUFFER, type OfMessage } from "../../src/openflow/messages.js";
import { flowMod, ipDst, makeSwitch } from "./harness.js";

const refused: OfMessage[] = [
  flowMod("add", { match: ipDst(1) }),
  { type: "packet_out", bufferId: OFP_NO_BUFFER, inPort: OFPP.CONTROLLER, actions: [], data: Uint8Array.of(1) },
  { type: "port_mod", portNo: 1, hwAddr: Uint8Array.of(2, 0, 0, 0, 0, 1), config: 0, mask: 0, advertise: 0 },
  { type: "group_mod", body: { command: "add", groupType: "all", groupId: 1, buckets: [] } },
  { type: "meter_mod", body: { command: "add", flags: 1, meterId: 1, bands: [] } },
];

describe("slaves", () => {
  it("OpenFlow 1.3: a slave gets BAD_REQUEST/IS_SLAVE for every state-changing request", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    cm.submit(c, { type: "role_request", role: "slave", generationId: 5n });
    expect(c.role).toBe("slave");
    for (const msg of refused) cm.submit(c, msg);
    expect(c.errors.map((e) => e.error.name)).toEqual(Array(refused.length).fill("BAD_REQUEST_IS_SLAVE"));
    expect(provider.started).toEqual([]);
    expect(provider.packetOuts).toEqual([]);
    expect(provider.portMods).toEqual([]);
    expect(provider.groupMods).toEqual([]);
  });

  it("OpenFlow 1.0: a Nicira slave gets BAD_REQUEST/EPERM", async () => {
    const { provider, cm } = await makeSwitch();
    const c = cm.connect(0x01);
    cm.submit(c, { type: "nx_role_request", role: "slave" });
    expect(c.sentOf("nx_role_reply").map((s) => s.msg.role)).toEqual(["slave"]);
    for (const msg of refused.slice(0, 3)) cm.submit(c, msg);
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_EPERM", "BAD_REQUEST_EPERM", "BAD_REQUEST_EPERM"]);
    expect(provider.started).toEqual([]);
  });

  it("a slave may still read: stats and barriers are answered", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect(0x04);
    cm.submit(c, { type: "role_request", role: "slave", generationId: 1n });
    cm.submit(c, { type: "barrier_request" });
    cm.submit(c, { type: "multipart_request", body: { type: "desc", flags: 0 } });
    expect(c.sentOf("barrier_reply")).toHaveLength(1);
    expect(c.sentOf("multipart_reply")).toHaveLength(1);
    expect(c.errors).toEqual([]);
  });
});

describe("masters", () => {
  it("becoming master demotes the previous master to slave", async () => {
    const { cm } = await makeSwitch();
    const a = cm.connect(0x04);
    const b = cm.connect(0x01);
    const e = cm.connect(0x04);
    cm.submit(a, { type: "role_request", role: "master", generationId: 1n });
    expect(a.role).toBe("master");
    cm.submit(b, { type: "nx_role_request", role: "master" });
    expect([a.role, b.role, e.role]).toEqual(["slave", "master", "equal"]);
    cm.submit(a, flowMod("add", { match: ipDst(1) }));
    expect(a.errors.map((x) => x.error.name)).toEqual(["BAD_REQUEST_IS_SLAVE"]);
  });

  it("a master/slave request with an older generation id is stale (64-bit wrapping compare)", async () => {
    const { sw, cm } = await makeSwitch();
    const a = cm.connect(0x04);
    cm.submit(a, { type: "role_request", role: "master", generationId: 0xfffffffffffffff0n });
    cm.submit(a, { type: "role_request", role: "slave", generationId: 0xffffffffffffffe0n });
    expect(a.errors.map((x) => x.error.name)).toEqual(["ROLE_REQUEST_FAILED_STALE"]);
    expect(a.role).toBe("master");
    // 0x10 is 0x20 after 0xfffffffffffffff0 when the counter wraps: not stale.
    cm.submit(a, { type: "role_request", role: "slave", generationId: 0x10n });
    expect(a.role).toBe("slave");
    expect(sw.generationId).toBe(0x10n);
    expect(a.sentOf("role_reply").map((s) => [s.msg.role, s.msg.generationId])).toEqual([
      ["master", 0xfffffffffffffff0n],
      ["slave", 0x10n],
    ]);
  });

  it("equal needs no generation id and is never stale", async () => {
    const { cm } = await makeSwitch();
    const a = cm.connect(0x04);
    cm.submit(a, { type: "role_request", role: "master", generationId: 100n });
    cm.submit(a, { type: "role_request", role: "equal", generationId: 1n });
    expect(a.errors).toEqual([]);
    expect(a.role).toBe("equal");
  });
});

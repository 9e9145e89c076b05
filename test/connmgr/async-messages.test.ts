// flow_removed and port_status fan-out: each connection gets what its role and async config
// ask for, encoded in its own version; OpenFlow 1.0 never gets reasons it cannot express.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import type { OfMessage, PortDesc } from "../../src/openflow/messages.js";
import { OxmField } from "../../src/openflow/match.js";
import { echoRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

const OFPT_FLOW_REMOVED = 11;
const OFPT_PORT_STATUS = 12;

let manager: ConnManager | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

const desc: PortDesc = {
  portNo: 3,
  hwAddr: Uint8Array.of(2, 0, 0, 0, 0, 3),
  name: "p3",
  config: 0,
  state: 0,
  curr: 0,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 0,
  maxSpeed: 0,
};

const flowRemoved = (reason: number): OfMessage => ({
  type: "flow_removed",
  cookie: 0x99n,
  priority: 10,
  reason,
  tableId: 0,
  durationSec: 1,
  durationNsec: 0,
  idleTimeout: 5,
  hardTimeout: 0,
  packetCount: 0n,
  byteCount: 0n,
  match: [{ field: OxmField.IN_PORT, value: 1n, mask: 0xffffffffn }],
});

describe("async messages", () => {
  it("go by role, async config and version", async () => {
    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint);
    const listener = await manager.listen({ port: 0 });
    const open = async (version: number) => {
      const c = await RawClient.connect(listener.port);
      clients.push(c);
      const ready = endpoint.nextConnected();
      await c.hello(version);
      return { client: c, view: await ready };
    };
    const master13 = await open(0x04);
    const slave13 = await open(0x04);
    const equal10 = await open(0x01);
    const muted13 = await open(0x04);
    master13.view.role = "master";
    slave13.view.role = "slave";
    muted13.view.asyncConfig = { ...muted13.view.asyncConfig, portStatus: [0, 0], flowRemoved: [1 << 1, 0] };

    manager.sendAsync(flowRemoved(0), 0, "flowRemoved"); // idle timeout
    manager.sendAsync(flowRemoved(3), 3, "flowRemoved"); // group delete: no OF1.0 encoding
    manager.sendAsync({ type: "port_status", reason: 2, desc }, 2, "portStatus");

    const received = async (c: RawClient, version: number) => {
      c.send(echoRequest(version, 4242));
      await c.next(OFPT.ECHO_REPLY, (f) => f.xid === 4242);
      return c.frames
        .filter((f) => f.type === OFPT_FLOW_REMOVED || f.type === OFPT_PORT_STATUS)
        // reason: OF1.0 after match(40), cookie and priority at 58; OF1.3 after cookie and priority at 18
        .map((f) => (f.type === OFPT_PORT_STATUS ? "port_status" : `flow_removed:${f.bytes[version === 1 ? 58 : 18]}`));
    };
    expect(await received(master13.client, 4)).toEqual(["flow_removed:0", "flow_removed:3", "port_status"]);
    expect(await received(slave13.client, 4)).toEqual(["port_status"]);
    expect(await received(equal10.client, 1)).toEqual(["flow_removed:0", "port_status"]);
    expect(await received(muted13.client, 4)).toEqual([]);
    expect(equal10.client.frames.find((f) => f.type === OFPT_PORT_STATUS)?.version).toBe(1);
  });
});

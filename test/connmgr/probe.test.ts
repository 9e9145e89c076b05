// Echo both ways: the switch answers echo requests, and after N idle it sends its own
// ECHO_REQUEST; with no input for 2N it closes the connection.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

describe("inactivity probe", () => {
  it("probes an idle controller, stays up when it answers, closes it when silent", async () => {
    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint, { probeIntervalMs: 250 });
    const listener = await manager.listen({ port: 0 });
    const c = await RawClient.connect(listener.port);
    clients.push(c);
    const ready = endpoint.nextConnected();
    await c.hello(0x04);
    const conn = await ready;
    const t0 = performance.now();

    const probe = await c.next(OFPT.ECHO_REQUEST);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(240);
    const reply = Buffer.from(probe.bytes);
    reply[1] = OFPT.ECHO_REPLY;
    c.send(reply);

    // Answered: a second probe comes about one interval later, and the connection lives.
    const second = await c.next(OFPT.ECHO_REQUEST, (f) => f.xid !== probe.xid);
    const t1 = performance.now();
    expect(c.closed).toBe(false);

    // Silent now: closed about one more interval later.
    const closed = new Promise<string>((resolve) => manager!.once("closed", (_c, reason) => resolve(reason)));
    expect(await closed).toMatch(/inactivity probe/);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(200);
    await c.whenClosed();
    expect(endpoint.disconnectedIds).toEqual([conn.id]);
    expect(second.version).toBe(0x04);
  });
});

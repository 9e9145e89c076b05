// Echo both ways: the switch answers echo requests, and after N idle it sends its own
// ECHO_REQUEST; with no input for 2N it closes the connection.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { barrierRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

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

  it("neither probes nor closes a controller whose request the switch is still holding", async () => {
    const endpoint = new ScriptedEndpoint();
    let hold = true;
    endpoint.postpone = () => hold;
    manager = new ConnManager(endpoint, { probeIntervalMs: 100 });
    const listener = await manager.listen({ port: 0 });
    const c = await RawClient.connect(listener.port);
    clients.push(c);
    const ready = endpoint.nextConnected();
    await c.hello(0x04);
    await ready;
    // The controller waits for its barrier reply and says nothing more (as ovs-ofctl does).
    c.send(barrierRequest(0x04, 7));
    await new Promise((r) => setTimeout(r, 450)); // more than 4 intervals of silence
    expect(c.closed).toBe(false);
    expect(manager.stats()[0]!.probesSent).toBe(0);
    hold = false;
    manager.wake();
    await endpoint.whenHandled((h) => h.xid === 7);
    // Released and idle: now the probe starts, with an xid from the switch's own range.
    const probe = await c.next(OFPT.ECHO_REQUEST);
    expect(probe.xid).toBeGreaterThanOrEqual(0xf0000000);
  });
});

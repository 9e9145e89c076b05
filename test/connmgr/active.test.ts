// Active connections: ofp4 connects out to a listening controller (as to ovs-testcontroller)
// and reconnects with backoff after the controller drops it.
import net from "node:net";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { featuresRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
let server: net.Server | undefined;

afterEach(async () => {
  await manager?.close();
  manager = undefined;
  if (server !== undefined) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

/** A passive test controller: yields each accepted connection. */
function controller(): { port: Promise<number>; accepted: () => Promise<RawClient> } {
  const queue: net.Socket[] = [];
  const waiters: ((s: net.Socket) => void)[] = [];
  server = net.createServer((s) => {
    const w = waiters.shift();
    if (w !== undefined) w(s);
    else queue.push(s);
  });
  server.listen(0, "127.0.0.1");
  return {
    port: once(server, "listening").then(() => (server!.address() as net.AddressInfo).port),
    accepted: async () => RawClient.wrap(queue.shift() ?? (await new Promise<net.Socket>((r) => waiters.push(r)))),
  };
}

describe("active connection to a controller", () => {
  it("connects, speaks OpenFlow, and reconnects after the controller drops it", async () => {
    const ctl = controller();
    const port = await ctl.port;
    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint);
    const connector = manager.connect({ host: "127.0.0.1", port, backoff: { initialMs: 20, maxMs: 100 } });
    expect(connector.name).toBe(`tcp:127.0.0.1:${port}`);

    const first = await ctl.accepted();
    const ready = endpoint.nextConnected();
    await first.hello(0x04);
    const conn1 = await ready;
    first.send(featuresRequest(0x04, 1));
    expect((await first.next(OFPT.FEATURES_REPLY)).xid).toBe(1);

    first.close();
    const second = await ctl.accepted();
    const ready2 = endpoint.nextConnected();
    await second.hello(0x01);
    const conn2 = await ready2;
    expect(conn2.id).not.toBe(conn1.id);
    expect(conn2.version).toBe(0x01);
    expect(endpoint.disconnectedIds).toEqual([conn1.id]);
    expect(connector.attempts).toBe(2);
    expect(connector.state).toBe("connected");
    expect(manager.targets().controllers).toEqual([{ name: `tcp:127.0.0.1:${port}`, state: "connected", attempts: 2 }]);
    second.close();
  });

  it("keeps trying while nobody listens, then connects", async () => {
    // Find a free port, then listen on it only after some failed attempts.
    const probe = net.createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint);
    const connector = manager.connect({ host: "127.0.0.1", port, backoff: { initialMs: 10, maxMs: 40 } });
    while (connector.attempts < 3) await once(connector, "retry");
    expect(connector.lastError).toMatch(/ECONNREFUSED/);
    expect(connector.state).toBe("backoff");

    server = net.createServer();
    const accepted = once(server, "connection");
    server.listen(port, "127.0.0.1");
    const [socket] = (await accepted) as [net.Socket];
    const c = RawClient.wrap(socket);
    const ready = endpoint.nextConnected();
    await c.hello(0x04);
    expect((await ready).version).toBe(0x04);
    c.close();
  });
});

// Ordered inbound processing: a postponed request stays at the head and blocks only its own
// connection; echo requests behind it are answered at once and never reach the core; after
// wake() the queue resumes in arrival order.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { barrierRequest, barrierType, echoRequest, featuresRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

async function setup(options: ConstructorParameters<typeof ConnManager>[1] = {}) {
  const endpoint = new ScriptedEndpoint();
  manager = new ConnManager(endpoint, options);
  const listener = await manager.listen({ port: 0 });
  const open = async (version: number) => {
    const c = await RawClient.connect(listener.port);
    clients.push(c);
    const ready = endpoint.nextConnected();
    await c.hello(version);
    return { client: c, view: await ready };
  };
  return { endpoint, manager, open };
}

describe("postponed requests", () => {
  it("block only their connection, echo still answered, resume in order after wake()", async () => {
    const { endpoint, manager, open } = await setup();
    const a = await open(0x04);
    const b = await open(0x01);
    let holdA = true;
    endpoint.postpone = (conn, req) => holdA && conn.id === a.view.id && req.msg.type === "barrier_request";

    a.client.send(barrierRequest(0x04, 10));
    a.client.send(featuresRequest(0x04, 11));
    a.client.send(echoRequest(0x04, 12, "keepalive"));
    const echo = await a.client.next(OFPT.ECHO_REPLY);
    expect(echo.xid).toBe(12);
    expect(echo.bytes.subarray(8).toString()).toBe("keepalive");

    // The other connection is not held back.
    b.client.send(barrierRequest(0x01, 20));
    expect((await b.client.next(barrierType(0x01, true))).xid).toBe(20);

    // Connection A: the barrier was tried, nothing behind it reached the core, no reply yet.
    expect(endpoint.attempts.filter((h) => h.conn === a.view.id).map((h) => h.xid)).toEqual([10]);
    expect(endpoint.attempts.some((h) => h.type === "echo_request")).toBe(false);
    expect(a.client.frames.filter((f) => f.type !== OFPT.HELLO && f.type !== OFPT.ECHO_REPLY)).toEqual([]);
    const stats = manager.stats().find((s) => s.id === a.view.id)!;
    expect(stats.state).toBe("blocked");
    expect(stats.inboundQueued).toBe(2);

    // A wake while still blocked retries the head and keeps it there.
    manager.wake();
    expect(endpoint.attempts.filter((h) => h.conn === a.view.id).map((h) => h.xid)).toEqual([10, 10]);

    holdA = false;
    manager.wake();
    const barrier = await a.client.next(barrierType(0x04, true));
    const features = await a.client.next(OFPT.FEATURES_REPLY);
    expect([barrier.xid, features.xid]).toEqual([10, 11]);
    expect(a.client.frames.indexOf(barrier)).toBeLessThan(a.client.frames.indexOf(features));
    expect(endpoint.handled.filter((h) => h.conn === a.view.id).map((h) => h.xid)).toEqual([10, 11]);
    const after = manager.stats().find((s) => s.id === a.view.id)!;
    expect(after.state).toBe("ready");
    expect(after.postponed).toBe(2);
    expect(after.echoRequestsAnswered).toBe(1);
  });

  it("a wake() from inside handle() retries the postponed head once more, in order", async () => {
    const { endpoint, manager, open } = await setup();
    const a = await open(0x04);
    let tries = 0;
    endpoint.postpone = (_conn, req) => {
      if (req.xid !== 1) return false;
      tries++;
      if (tries === 1) {
        manager.wake(); // an op group completed while the core was deciding
        return true;
      }
      return tries < 3; // second try: still postponed, and nobody wakes it
    };
    a.client.send(barrierRequest(0x04, 1));
    a.client.send(barrierRequest(0x04, 2));
    a.client.send(echoRequest(0x04, 3));
    await a.client.next(OFPT.ECHO_REPLY);
    expect(tries).toBe(2);
    expect(endpoint.handled.map((h) => h.xid)).toEqual([]);
    manager.wake();
    await a.client.next(barrierType(0x04, true), (f) => f.xid === 2);
    expect(endpoint.handled.map((h) => h.xid)).toEqual([1, 2]);
    expect(a.client.frames.filter((f) => f.type === barrierType(0x04, true)).map((f) => f.xid)).toEqual([1, 2]);
  });

  it("behind a blocked head, the inbound queue is bounded: the socket stops being read", async () => {
    const { endpoint, manager, open } = await setup({ maxInbound: 100, probeIntervalMs: 0 });
    const a = await open(0x04);
    let hold = true;
    endpoint.postpone = (_conn, req) => hold && req.xid === 0;
    const N = 100_000; // 800 KB of barriers: many socket reads
    const batch: Buffer[] = [];
    for (let i = 0; i < N; i++) batch.push(barrierRequest(0x04, i));
    a.client.socket.write(Buffer.concat(batch));

    const stats = () => manager.stats().find((x) => x.id === a.view.id)!;
    let maxQueued = 0;
    while (stats().inboundQueued < 100) {
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 50; i++) {
      maxQueued = Math.max(maxQueued, stats().inboundQueued);
      await new Promise((r) => setImmediate(r));
    }
    // One 64 KiB read may land on top of the limit, no more.
    expect(maxQueued).toBeLessThanOrEqual(100 + 65536 / 8);
    expect(stats().messagesIn).toBeLessThan(N);

    hold = false;
    manager.wake();
    await a.client.next(barrierType(0x04, true), (f) => f.xid === N - 1);
    const replies = a.client.frames.filter((f) => f.type === barrierType(0x04, true)).map((f) => f.xid);
    expect(replies).toEqual(Array.from({ length: N }, (_, i) => i));
  });
});

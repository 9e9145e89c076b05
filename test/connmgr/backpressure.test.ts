// A controller that floods requests and never reads its replies: ofp4 stops reading that
// socket while its send queue is congested, so memory stays bounded, nothing is lost or
// reordered, and another connection is served meanwhile.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { barrierRequest, barrierType, echoRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

describe("a peer that does not read", () => {
  it("is paused, not buffered: queues stay bounded and every reply arrives in order", async () => {
    const limits = { highWaterBytes: 32 * 1024, asyncLimitBytes: 64 * 1024, maxBytes: 256 * 1024 };
    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint, { sendQueue: limits, maxInbound: 500, probeIntervalMs: 0 });
    const listener = await manager.listen({ port: 0 });
    const open = async () => {
      const c = await RawClient.connect(listener.port);
      clients.push(c);
      const ready = endpoint.nextConnected();
      await c.hello(0x04);
      return { client: c, view: await ready };
    };
    const flooder = await open();
    const other = await open();
    flooder.client.socket.pause();

    // 20,000 barriers and 20,000 1 KB echoes: ~20 MB of replies the peer will not read, far
    // more than the kernel's socket buffers (tcp_wmem max 4 MB; an unread receive buffer
    // does not grow) hold.
    const N = 20_000;
    const batch: Buffer[] = [];
    for (let i = 0; i < N; i++) batch.push(barrierRequest(0x04, 2 * i), echoRequest(0x04, 2 * i + 1, "x".repeat(1000)));
    flooder.client.socket.write(Buffer.concat(batch));

    // Wait until ofp4 has stopped reading it: its send queue congested.
    let maxQueued = 0;
    let maxInbound = 0;
    for (;;) {
      const s = manager.stats().find((x) => x.id === flooder.view.id)!;
      maxQueued = Math.max(maxQueued, s.sendQueuedBytes);
      maxInbound = Math.max(maxInbound, s.inboundQueued);
      if (s.congested) break;
      expect(s.messagesIn, "every request was read without the queue ever congesting").toBeLessThan(2 * N + 1);
      await new Promise((r) => setImmediate(r));
    }
    // Another connection is served while the flooder is stuck.
    other.client.send(barrierRequest(0x04, 7));
    expect((await other.client.next(barrierType(0x04, true))).xid).toBe(7);
    const stuck = manager.stats().find((x) => x.id === flooder.view.id)!;
    expect(stuck.messagesIn).toBeLessThan(2 * N);
    expect(stuck.repliesDropped).toBe(0);

    // Now read: every reply arrives, in request order, none dropped.
    flooder.client.socket.resume();
    await flooder.client.next(barrierType(0x04, true), (f) => f.xid === 2 * (N - 1));
    await flooder.client.next(OFPT.ECHO_REPLY, (f) => f.xid === 2 * N - 1);
    const xids = flooder.client.frames.filter((f) => f.type !== OFPT.HELLO).map((f) => f.xid);
    expect(xids.length).toBe(2 * N);
    // Echo replies may overtake queued barriers, but each kind stays in order.
    const barriers = xids.filter((x) => x % 2 === 0);
    expect(barriers).toEqual(Array.from({ length: N }, (_, i) => 2 * i));
    const final = manager.stats().find((x) => x.id === flooder.view.id)!;
    expect(final.repliesDropped).toBe(0);
    expect(final.messagesIn).toBe(2 * N + 1);
    expect(maxQueued).toBeLessThanOrEqual(limits.maxBytes);
    expect(maxInbound).toBeLessThanOrEqual(500 + 65536 / 8);
  });
});

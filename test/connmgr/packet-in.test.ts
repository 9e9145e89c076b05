// Packet-in delivery: async filtering by role, truncation to miss_send_len with a buffer id
// taken once, the per-controller rate limit, and a slow reader whose packet-ins are dropped
// and counted while its memory stays bounded and another connection is unaffected.
import { afterEach, describe, expect, it } from "vitest";
import { setImmediate as tick } from "node:timers/promises";
import { ConnManager, type ConnManagerOptions } from "../../src/connmgr/conn-manager.js";
import type { PacketInEvent } from "../../src/connmgr/endpoint.js";
import { OFP_NO_BUFFER } from "../../src/openflow/messages.js";
import { OxmField } from "../../src/openflow/match.js";
import { echoRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

async function setup(options: ConnManagerOptions = {}) {
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

function event(size: number, maxLen: PacketInEvent["maxLen"] = "miss_send_len", reason = 0): PacketInEvent {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i & 0xff;
  return {
    reason,
    tableId: 0,
    cookie: 0n,
    match: [{ field: OxmField.IN_PORT, value: 3n, mask: 0xffffffffn }],
    inPort: 3,
    data,
    maxLen,
  };
}

/** OF1.3 packet_in: buffer_id at 8, total_len at 12; data after the padded match and 2 pad bytes. */
function packetIn13(bytes: Buffer): { bufferId: number; totalLen: number; data: Buffer } {
  const matchLen = bytes.readUInt16BE(26);
  const dataAt = 24 + ((matchLen + 7) & ~7) + 2;
  return { bufferId: bytes.readUInt32BE(8), totalLen: bytes.readUInt16BE(12), data: bytes.subarray(dataAt) };
}

describe("packet_in", () => {
  it("goes to master/equal, not to a slave; truncated to miss_send_len and buffered once", async () => {
    const { manager, open } = await setup();
    const equal = await open(0x04);
    const slave = await open(0x04);
    slave.view.role = "slave";
    manager.sendPacketIn(event(300));
    const pin = await equal.client.next(OFPT.PACKET_IN);
    const { bufferId, totalLen, data } = packetIn13(pin.bytes);
    expect(totalLen).toBe(300);
    expect(data.length).toBe(128);
    expect(bufferId).not.toBe(OFP_NO_BUFFER);
    const taken = equal.view.takeBuffer(bufferId);
    expect(taken).toMatchObject({ ok: true, value: { inPort: 3 } });
    expect(taken.ok && taken.value.data.length).toBe(300);
    expect(equal.view.takeBuffer(bufferId)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_EMPTY" } });
    expect(slave.view.takeBuffer(bufferId)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
    // The slave got nothing: an echo round trip proves the stream is quiet.
    slave.client.send(echoRequest(0x04, 1));
    await slave.client.next(OFPT.ECHO_REPLY);
    expect(slave.client.frames.some((f) => f.type === OFPT.PACKET_IN)).toBe(false);
  });

  it("max_len NO_BUFFER (0xffff) sends the whole packet unbuffered", async () => {
    const { manager, open } = await setup();
    const c = await open(0x04);
    manager.sendPacketIn(event(300, 0xffff, 1));
    const { bufferId, data } = packetIn13((await c.client.next(OFPT.PACKET_IN)).bytes);
    expect(bufferId).toBe(OFP_NO_BUFFER);
    expect(data.length).toBe(300);
  });

  it("is rate-limited per controller: a burst of 100, then 1,000/s; the rest dropped and counted", async () => {
    let t = 0;
    const { manager, open } = await setup({ packetInRate: 1000, packetInBurst: 100, now: () => t });
    const c = await open(0x04);
    for (let i = 0; i < 500; i++) manager.sendPacketIn(event(64));
    let s = manager.stats().find((x) => x.id === c.view.id)!;
    expect(s.packetInsSent).toBe(100);
    expect(s.packetInsRateLimited).toBe(400);
    t += 50; // 50 ms at 1,000/s
    for (let i = 0; i < 500; i++) manager.sendPacketIn(event(64));
    s = manager.stats().find((x) => x.id === c.view.id)!;
    expect(s.packetInsSent).toBe(150);
    expect(s.packetInsRateLimited).toBe(850);
    c.client.send(echoRequest(0x04, 2));
    await c.client.next(OFPT.ECHO_REPLY);
    expect(c.client.frames.filter((f) => f.type === OFPT.PACKET_IN).length).toBe(150);
  });

  it("totals() sums every connection's packet-ins, and keeps a closed connection's", async () => {
    let t = 0;
    const { manager, open } = await setup({ packetInRate: 1000, packetInBurst: 100, now: () => t });
    const a = await open(0x04);
    const b = await open(0x04);
    for (let i = 0; i < 150; i++) manager.sendPacketIn(event(64));
    expect(manager.totals()).toMatchObject({ connections: 2, packetInsSent: 200, packetInsRateLimited: 100, packetInsQueueDropped: 0 });
    const closed = new Promise((resolve) => manager.once("closed", resolve));
    a.client.close();
    await closed;
    t += 10; // 10 more tokens for b
    for (let i = 0; i < 20; i++) manager.sendPacketIn(event(64));
    expect(manager.stats().map((x) => x.id)).toEqual([b.view.id]);
    expect(manager.totals()).toMatchObject({ connections: 2, packetInsSent: 210, packetInsRateLimited: 110, packetInsQueueDropped: 0 });
  });

  it("a slow reader drops and counts its packet-ins with bounded memory; others unaffected", async () => {
    const limits = { highWaterBytes: 32 * 1024, asyncLimitBytes: 128 * 1024, maxBytes: 512 * 1024 };
    const { manager, open } = await setup({ packetInRate: 1e9, packetInBurst: 1e9, sendQueue: limits });
    const slow = await open(0x04);
    const fast = await open(0x04);
    slow.client.socket.pause(); // stop reading: the kernel buffers fill, then ofp4's queue

    let maxQueued = 0;
    for (let round = 0; round < 2000; round++) {
      for (let i = 0; i < 10; i++) manager.sendPacketIn(event(8000, 0xffff));
      await tick();
      const s = manager.stats().find((x) => x.id === slow.view.id)!;
      maxQueued = Math.max(maxQueued, s.sendQueuedBytes);
      if (s.packetInsQueueDropped >= 100) break;
    }
    const slowStats = manager.stats().find((x) => x.id === slow.view.id)!;
    expect(slowStats.packetInsQueueDropped).toBeGreaterThanOrEqual(100);
    expect(slowStats.asyncDropped).toBe(slowStats.packetInsQueueDropped);
    // Bounded: never more than the async limit plus one message.
    expect(maxQueued).toBeLessThanOrEqual(limits.asyncLimitBytes + 8200);
    expect(slow.view.congested).toBe(true);

    // The reading connection got every packet-in it was sent and dropped none.
    fast.client.send(echoRequest(0x04, 5));
    await fast.client.next(OFPT.ECHO_REPLY);
    const fastStats = manager.stats().find((x) => x.id === fast.view.id)!;
    expect(fastStats.packetInsQueueDropped).toBe(0);
    expect(fastStats.congested).toBe(false);
    expect(fast.client.frames.filter((f) => f.type === OFPT.PACKET_IN).length).toBe(fastStats.packetInsSent);
    expect(fastStats.packetInsSent).toBeGreaterThan(slowStats.packetInsSent);

    // Once the slow reader reads again, its connection works.
    slow.client.socket.resume();
    slow.client.send(echoRequest(0x04, 6));
    expect((await slow.client.next(OFPT.ECHO_REPLY, (f) => f.xid === 6)).xid).toBe(6);
  });
});

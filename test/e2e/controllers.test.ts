// Two controllers at once on the ofp4 process (OpenFlow 1.3): roles with generation ids — the
// newer master demotes the older one, whose flow_mods then fail with IS_SLAVE and whose stale
// master request is refused, while packet-ins go to the master only; and a controller that
// stops reading: its packet-ins are dropped (not queued without bound), ofp4's memory stays
// bounded and the other controller keeps its flow_mod/barrier round trips.

import { afterEach, describe, expect, it } from "vitest";
import { startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { OfClient } from "./ofclient.js";
import { udpFrameHex } from "./util.js";

let sw: Ofp4Process | undefined;
const clients: OfClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sw?.stop();
  sw = undefined;
}, 30_000);

const ERROR = 1;
const PACKET_IN = 10;
const ROLE_REPLY = 25;

describe("two controllers on the ofp4 process", () => {
  it("master/slave roles: generation ids, IS_SLAVE, stale request, packet-ins to the master", async () => {
    sw = await startOfp4({ ports: 4 });
    const c1 = await OfClient.open(sw.target);
    const c2 = await OfClient.open(sw.target);
    clients.push(c1, c2);
    const r1 = await c1.role(2, 1n);
    expect(r1.type).toBe(ROLE_REPLY);
    expect(r1.body.readUInt32BE(0)).toBe(2);
    const r2 = await c2.role(2, 2n);
    expect(r2.type).toBe(ROLE_REPLY);
    expect(r2.body.readUInt32BE(0)).toBe(2);

    // c1 was demoted: its flow_mod fails with OFPET_BAD_REQUEST / OFPBRC_IS_SLAVE.
    const x = c1.flowAdd(1, 10, 2);
    const err = await c1.next((m) => m.xid === x);
    expect(err.type).toBe(ERROR);
    expect([err.body.readUInt16BE(0), err.body.readUInt16BE(2)]).toEqual([1, 10]);
    // A stale generation id: OFPET_ROLE_REQUEST_FAILED / OFPRRFC_STALE.
    const stale = await c1.role(2, 1n);
    expect(stale.type).toBe(ERROR);
    expect([stale.body.readUInt16BE(0), stale.body.readUInt16BE(2)]).toEqual([11, 0]);

    // The master's table-miss rule sends to the controller; only the master gets packet-ins.
    const y = c2.flowAdd(undefined, 0, 0xfffffffd);
    expect((await c2.barrier()).type).toBe(21);
    expect(c2.received.some((m) => m.xid === y && m.type === ERROR)).toBe(false);
    for (let i = 0; i < 3; i++) await sw.inject(1, udpFrameHex(1, 2));
    await c2.next((m) => c2.count(PACKET_IN) >= 3 && m.type === PACKET_IN);
    await c1.barrier(); // c1's connection has delivered everything sent to it before this reply
    expect(c1.count(PACKET_IN)).toBe(0);
    const dump = (await sw.ctl("dump-flows", "br0")).stdout;
    expect(dump).toMatch(/priority=0 actions=CONTROLLER/);
    expect(dump).not.toMatch(/in_port=1/);
  }, 60_000);

  it("a controller that stops reading: its packet-ins are dropped, memory stays bounded, the other is not slowed", async () => {
    sw = await startOfp4({ ports: 4 });
    const stalled = await OfClient.open(sw.target);
    const other = await OfClient.open(sw.target);
    clients.push(stalled, other);
    other.flowAdd(undefined, 0, 0xfffffffd);
    expect((await other.barrier()).type).toBe(21);
    stalled.sock.pause();
    const rss0 = sw.memory().rssKb;
    const frame = Buffer.from(udpFrameHex(1, 2), "hex");
    const t0 = performance.now();
    const N = 3000;
    for (let i = 0; i < N; i++) other.packetOutToTable(1, frame);
    expect((await other.barrier()).type).toBe(21);
    // The other controller's flow_mod + barrier round trips while the stalled one still reads nothing.
    const rtts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      other.flowAdd((i % 4) + 1, 100 + i, 2);
      expect((await other.barrier()).type).toBe(21);
      rtts.push(performance.now() - t);
    }
    const elapsedS = (performance.now() - t0) / 1000;
    expect(Math.max(...rtts)).toBeLessThan(2000);
    const got = other.count(PACKET_IN);
    expect(got).toBeGreaterThan(0);
    // ofp4 rate-limits packet-ins per controller (burst 100, then 1,000/s): the rest are dropped.
    expect(got).toBeLessThanOrEqual(100 + Math.ceil(1000 * elapsedS) + 1);
    expect(sw.memory().rssKb - rss0).toBeLessThan(100 * 1024);
    // The stalled controller, reading again, finds at most what the limit let through: nothing
    // was queued for it without bound.
    stalled.sock.resume();
    await stalled.barrier();
    expect(stalled.count(PACKET_IN)).toBeLessThanOrEqual(100 + Math.ceil(1000 * ((performance.now() - t0) / 1000)) + 1);
    expect(stalled.count(PACKET_IN)).toBeLessThan(N);
    // Both connections are still up and the rules are all there.
    expect((await sw.ctl("dump-flows", "br0")).stdout.match(/actions=output:2/g)).toHaveLength(10);
  }, 90_000);
});

// A controller that stops reading: its packet-ins are dropped and counted, and the counts show
// in `ofp4ctl stats` (text and --json, per connection and per switch) and in the Prometheus
// scrape. Two OpenFlow 1.3 controllers on the real ofp4 process, one reading and one that
// stops; large frames injected through the embedded sim's dataplane service go to the
// controller (a table-miss flow with output:CONTROLLER, whole packets).

import { connect, type Socket } from "node:net";
import { afterEach, beforeAll, expect, test } from "vitest";
import { request } from "../../src/cli/ofp4ctl.js";
import { DataplaneTap } from "../../targets/bmv2/dataplane-tap.js";
import { ctl, ensureBuilt, ofctl, startDaemon, type Proc } from "../cli/process.js";

const started: Proc[] = [];
const sockets: Socket[] = [];
const taps: DataplaneTap[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const t of taps.splice(0)) t.close();
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

/** An OpenFlow 1.3 controller that has said HELLO and had a BARRIER answered (so the switch holds it ready). */
function controller(address: string): Promise<Socket> {
  const i = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    sockets.push(s);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const type = buf[1];
        buf = buf.subarray(buf.readUInt16BE(2));
        if (type === 21) {
          s.off("data", onData);
          s.on("data", () => undefined); // a reading controller: takes everything
          resolve(s);
        }
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    s.once("connect", () => {
      s.write(Uint8Array.of(0x04, 0, 0, 8, 0, 0, 0, 1)); // HELLO
      s.write(Uint8Array.of(0x04, 20, 0, 8, 0, 0, 0, 2)); // BARRIER_REQUEST
    });
  });
}

interface ConnStats {
  name: string;
  packetInsSent: number;
  packetInsRateLimited: number;
  packetInsQueueDropped: number;
  asyncDropped: number;
}
interface Stats {
  connections: ConnStats[];
  packetIns: { sent: number; rateLimited: number; queueDropped: number };
}

test("a controller that stops reading has its packet-ins dropped and counted in ofp4ctl stats and the metrics", async () => {
  const d = await startDaemon(["--metrics", "127.0.0.1:0", "--ports", "2"]);
  started.push(d.proc);
  const metricsUrl = /(http:\S+)/.exec(await d.proc.line(/^metrics listening on/))![1]!;
  const dataplane = d.proc.records.find((r) => typeof r.simPid === "number")!.dataplane as string;
  expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "priority=0,actions=CONTROLLER:65535")).code).toBe(0);

  const reading = await controller(d.openflow);
  const stalled = await controller(d.openflow);
  stalled.removeAllListeners("data");
  stalled.pause(); // reads nothing more: the kernel's buffers fill, then ofp4's send queue
  const readingName = `tcp:127.0.0.1:${reading.localPort}`;
  const stalledName = `tcp:127.0.0.1:${stalled.localPort}`;

  const tap = new DataplaneTap(dataplane, 1n);
  taps.push(tap);
  const frame = Buffer.alloc(1400);
  frame.fill(0xff, 0, 6);
  frame.set([0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5], 6); // from 02:00:00:00:00:01, local experimental ethertype
  const byName = (s: Stats, name: string): ConnStats => s.connections.find((c) => c.name === name)!;
  let stats: Stats | undefined;
  // Frames in batches until the stalled controller's send queue has refused a packet-in (the
  // kernel's socket buffers take a few MB first, and packet-ins pass the rate limit at 1,000/s,
  // so that takes seconds however fast frames arrive); bounded in time so a broken counter
  // fails the test.
  // Each batch waits until the reading controller's connection has seen every frame (sent or
  // rate-limited), so frames are not merely queued in the gRPC stream.
  let injected = 0;
  for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
    for (let i = 0; i < 200; i++) tap.inject(1, frame);
    injected += 200;
    for (;;) {
      stats = (await request(d.socket, "stats", ["br0"])).data as Stats;
      const r = byName(stats, readingName);
      if (r.packetInsSent + r.packetInsRateLimited >= injected) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (byName(stats, stalledName).packetInsQueueDropped > 0) break;
  }
  const stalledStats = byName(stats!, stalledName);
  expect(stalledStats.packetInsQueueDropped).toBeGreaterThan(0);
  expect(stalledStats.packetInsRateLimited).toBeGreaterThan(0);
  expect(stalledStats.asyncDropped).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);
  // The reading controller is rate-limited too (its own bucket) but never queue-dropped.
  expect(byName(stats!, readingName)).toMatchObject({ packetInsQueueDropped: 0 });
  expect(byName(stats!, readingName).packetInsSent).toBeGreaterThan(0);

  // ofp4ctl stats, text and JSON, with the real program.
  const text = await ctl(d.socket, "stats", "br0");
  expect(text.code).toBe(0);
  const stalledLine = new RegExp(`^  ${stalledName}: .*\\n    packet-ins: (\\d+) sent, (\\d+) rate-limited, (\\d+) queue-dropped; async dropped (\\d+), replies dropped \\d+; send queue (\\d+) bytes`, "m");
  const m = stalledLine.exec(text.stdout);
  expect(m, text.stdout).not.toBeNull();
  expect(Number(m![3])).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);
  expect(Number(m![2])).toBeGreaterThanOrEqual(stalledStats.packetInsRateLimited);
  expect(Number(m![5])).toBeGreaterThan(0); // bytes still waiting for the stalled controller
  expect(text.stdout).toMatch(/^packet-ins: \d+ sent, [1-9]\d* rate-limited, [1-9]\d* queue-dropped; /m);
  const json = JSON.parse((await ctl(d.socket, "--json", "stats", "br0")).stdout) as Stats;
  expect(byName(json, stalledName).packetInsQueueDropped).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);
  expect(json.packetIns.queueDropped).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);
  expect(json.packetIns.sent).toBeGreaterThanOrEqual(byName(json, stalledName).packetInsSent + byName(json, readingName).packetInsSent);

  // The Prometheus scrape carries the same counts.
  const scrape = await (await fetch(metricsUrl)).text();
  const metric = (re: RegExp): number => Number(re.exec(scrape)?.[1] ?? NaN);
  const esc = (s: string): string => s.replace(/\./g, "\\.");
  expect(metric(new RegExp(`^ofp4_connection_packet_ins_total\\{switch="br0",connection="${esc(stalledName)}",result="queue_dropped"\\} (\\d+)$`, "m"))).toBeGreaterThanOrEqual(
    stalledStats.packetInsQueueDropped,
  );
  expect(metric(new RegExp(`^ofp4_connection_packet_ins_total\\{switch="br0",connection="${esc(stalledName)}",result="rate_limited"\\} (\\d+)$`, "m"))).toBeGreaterThanOrEqual(
    stalledStats.packetInsRateLimited,
  );
  expect(metric(new RegExp(`^ofp4_connection_packet_ins_total\\{switch="br0",connection="${esc(readingName)}",result="queue_dropped"\\} (\\d+)$`, "m"))).toBe(0);
  expect(metric(/^ofp4_packet_ins_total\{switch="br0",result="queue_dropped"\} (\d+)$/m)).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);

  // The stalled controller leaves: its drops stay in the switch's totals.
  stalled.destroy();
  let after: Stats;
  for (;;) {
    after = (await request(d.socket, "stats", ["br0"])).data as Stats;
    if (!after.connections.some((c) => c.name === stalledName)) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(after.packetIns.queueDropped).toBeGreaterThanOrEqual(stalledStats.packetInsQueueDropped);
}, 75_000);

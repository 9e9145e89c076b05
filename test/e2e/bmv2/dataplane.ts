// Test helpers for ofp4 on a real bmv2: frames injected into and captured from bmv2's gRPC
// dataplane service (p4.bm PacketStream) through the one stream bmv2 allows, which is ofp4's
// own tap (`ofp4 start --dataplane`; `ofp4ctl inject` / `capture`), and Ethernet/IPv4/UDP
// frames. A frame crosses two gRPC hops and no event reaches the test, so capture is polled
// (every 20 ms, bounded), as test/e2e/util.ts does.

import type { Ofp4Process } from "../../harness/ofp4.js";

export class Tap {
  constructor(
    private readonly sw: () => Ofp4Process,
    private readonly ports: readonly number[] = [1, 2, 3, 4],
  ) {}

  async #capture(port: number, clear = false): Promise<string[]> {
    const r = await this.sw().ctl("--json", "capture", "br0", String(port), ...(clear ? ["--clear"] : []));
    if (r.code !== 0) throw new Error(`ofp4ctl capture ${port} failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { frames: { frame: string }[] }).frames.map((f) => f.frame);
  }

  /** Injects a frame on an OpenFlow port (ofp4ctl inject: bmv2's PacketStream). */
  async inject(port: number, frame: Buffer): Promise<void> {
    await this.sw().inject(port, frame.toString("hex"));
  }

  /** Forgets the frames captured so far on every port. */
  async clear(): Promise<void> {
    await Promise.all(this.ports.map((p) => this.#capture(p, true)));
  }

  /** The frames `port` emitted since the last clear, once there are `count` (rejects after `ms`). */
  async frames(port: number, count = 1, ms = 10_000): Promise<string[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const got = await this.#capture(port);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`${got.length} of ${count} frames on port ${port} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function ip4(s: string): Buffer {
  return Buffer.from(s.split(".").map(Number));
}

/** An Ethernet + IPv4 + UDP frame, 60 bytes: MACs 02:00:00:00:00:<src> -> 02:00:00:00:00:<dst>. */
export function udpFrame(o: { src: number; dst: number; ipSrc: string; ipDst: string; dport?: number }): Buffer {
  const f = Buffer.alloc(60);
  Buffer.from([2, 0, 0, 0, 0, o.dst]).copy(f, 0);
  Buffer.from([2, 0, 0, 0, 0, o.src]).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(46, 16);
  f[22] = 64;
  f[23] = 17;
  ip4(o.ipSrc).copy(f, 26);
  ip4(o.ipDst).copy(f, 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(1234, 34);
  f.writeUInt16BE(o.dport ?? 7, 36);
  f.writeUInt16BE(26, 38);
  return f;
}

// Helpers shared by the end-to-end tests: running Debian's ovs-ofctl with a version, spawning
// long-running clients (monitor, controllers) that the test stops by PID, waiting for their
// output, and polling ofp4ctl capture (frames cross two gRPC hops; no event reaches the test).

import { execFile, spawn, type ChildProcess } from "node:child_process";
import type { Ofp4Process } from "../harness/ofp4.js";

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export const ofctl = (...args: string[]): Promise<Result> => run("ovs-ofctl", args);

/** A child process whose output the test can await; stop() ends it by PID. */
export class Spawned {
  out = "";
  err = "";
  readonly exited: Promise<number | null>;
  #waiters: (() => void)[] = [];
  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      this.out += c;
      this.#wake();
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      this.err += c;
      this.#wake();
    });
    this.exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        this.#wake();
        resolve(code);
      }),
    );
  }
  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
  /** Resolves when stdout+stderr match, or rejects after `ms` or if the process exits. */
  async waitFor(pattern: RegExp, ms = 15_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = pattern.exec(this.out + this.err);
      if (m) return m[0];
      if (this.child.exitCode !== null) throw new Error(`process exited before ${pattern}: ${this.out}${this.err}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; output so far:\n${this.out}${this.err}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

export function start(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Spawned {
  return new Spawned(spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env }));
}

/** Frames ofp4's sim emitted on `port` (hex), polled until `count` are there or 5 s pass. */
export async function captured(ofp4: Ofp4Process, port: number, count = 1): Promise<string[]> {
  let frames: string[] = [];
  for (let i = 0; i < 250; i++) {
    const r = await ofp4.ctl("--json", "capture", "br0", String(port));
    frames = (JSON.parse(r.stdout) as { frames: { frame: string }[] }).frames.map((f) => f.frame);
    if (frames.length >= count) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return frames;
}

/** An Ethernet + IPv4 + UDP frame (hex) from MAC 02:00:00:00:00:<src> to 02:00:00:00:00:<dst>. */
export function udpFrameHex(src: number, dst: number, ipSrc = `0a0000${src.toString(16).padStart(2, "0")}`, ipDst = `0a0000${dst.toString(16).padStart(2, "0")}`): string {
  const mac = (n: number) => `0200000000${n.toString(16).padStart(2, "0")}`;
  const payload = "00".repeat(18);
  const udp = `04d2` + `0007` + (8 + 18).toString(16).padStart(4, "0") + "0000" + payload;
  const ipNoSum = ["45", "00", (20 + 8 + 18).toString(16).padStart(4, "0"), "0000", "0000", "40", "11", "0000", ipSrc, ipDst];
  const bytes = Buffer.from(ipNoSum.join(""), "hex");
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += bytes.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  bytes.writeUInt16BE(~sum & 0xffff, 10);
  return mac(dst) + mac(src) + "0800" + bytes.toString("hex") + udp;
}

// A real simple_switch_grpc started for one test file: no program loaded (--no-p4), P4Runtime
// and the p4.bm dataplane service on free loopback ports, its log in a private directory.
// `start()` resolves once P4Runtime accepts connections; `kill()` stops it hard (a crash, for
// reconciliation tests) and `restart()` brings it back empty on the same addresses. Only the
// process this module started is ever signalled, by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIMPLE_SWITCH_GRPC } from "./p4-tools.js";

export interface Bmv2Options {
  readonly deviceId?: number;
  /** The CPU port (packet-in/out over the StreamChannel); 255 is ofp4.p4's. */
  readonly cpuPort?: number;
}

export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, "close");
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

export class Bmv2Process {
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string;
  readonly logFile: string;
  #child: ChildProcess | undefined;

  private constructor(
    private readonly rtPort: number,
    dpPort: number,
    private readonly options: Bmv2Options,
  ) {
    this.p4runtimeAddress = `127.0.0.1:${rtPort}`;
    this.dataplaneAddress = `127.0.0.1:${dpPort}`;
    this.logFile = join(mkdtempSync(join(tmpdir(), "ofp4-bmv2-")), "bmv2");
  }

  static async start(options: Bmv2Options = {}): Promise<Bmv2Process> {
    const p = new Bmv2Process(await freePort(), await freePort(), options);
    await p.#spawn();
    return p;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async #spawn(): Promise<void> {
    const args = [
      "--no-p4", "--device-id", String(this.options.deviceId ?? 0),
      "--log-file", this.logFile, "--log-flush", "-L", "info", "--",
      "--grpc-server-addr", this.p4runtimeAddress,
      "--cpu-port", String(this.options.cpuPort ?? 255),
      "--dp-grpc-server-addr", this.dataplaneAddress,
    ];
    const child = spawn(SIMPLE_SWITCH_GRPC, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    this.#child = child;
    const deadline = Date.now() + 20_000;
    while (!(await accepting(this.rtPort))) {
      if (child.exitCode !== null) throw new Error(`simple_switch_grpc exited (${child.exitCode}) before listening on ${this.p4runtimeAddress}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`simple_switch_grpc did not listen on ${this.p4runtimeAddress} within 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill(signal);
    await exited;
  }

  /** Stops it as a crash would (SIGKILL): no goodbye to clients. */
  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  /** Starts it again, empty (no pipeline, no entries), on the same addresses. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    await this.#signal("SIGTERM");
  }
}

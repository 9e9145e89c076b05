// The embedded sim: the standalone sim (dist/src/daemon/sim-child.js: targets/sim/main.ts's sim
// that also stops when ofp4's pipe to it closes) run as a child process that ofp4 starts and
// stops by its PID, so it lives outside ofp4's event loop and ofp4 reaches it over real gRPC
// exactly as it would reach bmv2. Promises
// the real P4Runtime and dataplane addresses from the sim's own log lines, or a one-line error
// (address in use, sim exited). Never kills any process but its own child.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./paths.js";

export interface EmbeddedSimOptions {
  readonly p4runtimeAddress: string;
  readonly deviceId: bigint;
  readonly ports: number;
  readonly cpuPort?: number;
  /** Each log line of the sim. */
  readonly log?: (line: string) => void;
}

export class EmbeddedSim {
  private constructor(
    readonly child: ChildProcess,
    readonly p4runtimeAddress: string,
    readonly dataplaneAddress: string,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  static simEntry(): string {
    return join(packageRoot(), "dist", "src", "daemon", "sim-child.js");
  }

  static start(options: EmbeddedSimOptions): Promise<EmbeddedSim> {
    const entry = EmbeddedSim.simEntry();
    if (!existsSync(entry)) return Promise.reject(new Error(`the sim is not built (${entry} is missing): run npm run build`));
    const args = [
      entry,
      "--p4runtime",
      options.p4runtimeAddress,
      "--device-id",
      String(options.deviceId),
      "--cpu-port",
      String(options.cpuPort ?? 255),
      "--dp-grpc-server-addr",
      "127.0.0.1:0",
      "--ports",
      String(options.ports),
    ];
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let p4rt: string | undefined;
      let dp: string | undefined;
      let stderr = "";
      let settled = false;
      let buf = "";
      child.stdout!.setEncoding("utf8");
      child.stdout!.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          options.log?.(line);
          const m1 = /P4Runtime listening on (\S+)/.exec(line);
          if (m1) p4rt = m1[1];
          const m2 = /dataplane listening on (\S+)/.exec(line);
          if (m2) dp = m2[1];
          if (!settled && p4rt !== undefined && dp !== undefined) {
            settled = true;
            resolve(new EmbeddedSim(child, p4rt, dp));
          }
        }
      });
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.once("error", (e) => {
        if (settled) return;
        settled = true;
        reject(new Error(`cannot start the embedded sim: ${e.message}`));
      });
      child.once("exit", (code, signal) => {
        if (settled) return;
        settled = true;
        reject(new Error(simFailure(options.p4runtimeAddress, stderr, code, signal)));
      });
    });
  }

  /** SIGTERM to the child; resolves when it has exited (SIGKILL after `graceMs`). */
  stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

/** One line from what a failed sim wrote. */
export function simFailure(address: string, stderr: string, code: number | null, signal: string | null): string {
  if (/EADDRINUSE|No address added|address already in use/i.test(stderr)) {
    return `cannot start the embedded sim: P4Runtime address ${address} is already in use`;
  }
  const first = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /error/i.test(l) || l.startsWith("sim:"));
  return `the embedded sim exited (${signal ?? `code ${code}`})${first ? `: ${first}` : ""}`;
}

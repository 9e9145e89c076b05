// Runs the real programs (node bin/ofp4.js start / sim, node bin/ofp4ctl.js) for the CLI and
// daemon tests: builds dist/ first if it is missing, reads the JSON log lines for the real
// addresses (every listener on port 0), and stops only the processes it started, by PID.

import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
const OFP4 = join(ROOT, "bin", "ofp4.js");
const OFP4CTL = join(ROOT, "bin", "ofp4ctl.js");

/** Newest modification time of the .ts files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than the sources (the programs run from the build).
 * One build at a time across test workers (a lock directory); a build with type errors in
 * files still being written elsewhere is used if it produced the programs.
 */
export function ensureBuilt(): void {
  const entry = join(ROOT, "dist", "src", "cli", "ofp4.js");
  const sim = join(ROOT, "dist", "targets", "sim", "main.js");
  const builtAt = (): number => (existsSync(entry) && existsSync(sim) ? Math.min(statSync(entry).mtimeMs, statSync(sim).mtimeMs) : 0);
  const fresh = (): boolean => builtAt() >= Math.max(newestSource(join(ROOT, "src")), newestSource(join(ROOT, "targets")));
  if (fresh()) return;
  const lock = join(ROOT, ".tmp", "ofp4-test-build.lock");
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`test/cli: ${lock} is held for 3 minutes; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // another worker is building
      if (!existsSync(lock) && fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    process.stderr.write(`test/cli: dist/ is ${builtAt() === 0 ? "missing" : "older than the sources"}, running \`npm run build\` first\n`);
    try {
      execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    } catch (e) {
      if (builtAt() === 0) throw e;
      process.stderr.write("test/cli: the build reported errors; running the programs it produced\n");
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "ofp4-test-"));
}

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export class Proc {
  readonly records: LogRecord[] = [];
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  #waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    let buf = "";
    child.stdout!.on("data", (c: string) => {
      this.stdout += c;
      buf += c;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.records.push(JSON.parse(line) as LogRecord);
        } catch {
          this.records.push({ level: 30, msg: line });
        }
      }
      this.#wake();
    });
    child.stderr!.on("data", (c: string) => {
      this.stderr += c;
      this.#wake();
    });
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => {
      this.#wake();
      resolve({ code, signal });
    }));
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves with the first log line matching, or rejects if the process exits first. */
  async line(pattern: RegExp): Promise<string> {
    for (;;) {
      const hit = this.records.find((r) => pattern.test(r.msg)) ?? this.stdout.split("\n").find((l) => pattern.test(l) && !l.startsWith("{"));
      if (hit !== undefined) return typeof hit === "string" ? hit : hit.msg;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process exited before logging ${pattern}: ${this.stderr.trim()}`);
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: string | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function runOfp4(args: readonly string[]): Proc {
  return new Proc(spawn(process.execPath, [OFP4, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }));
}

export interface Daemon {
  readonly proc: Proc;
  readonly socket: string;
  /** "127.0.0.1:PORT" of the first OpenFlow listener (tcp or ssl). */
  readonly openflow: string;
  /** The embedded sim's P4Runtime address ("" for other targets). */
  readonly p4runtime: string;
}

/** `ofp4 start` with every listener on port 0 and a temp admin socket. */
export async function startDaemon(extra: readonly string[] = []): Promise<Daemon> {
  const socket = join(tempDir(), "ofp4.ctl");
  const hasListen = extra.includes("--listen") || extra.includes("--config");
  const hasP4rt = extra.includes("--p4runtime") || extra.includes("--config");
  const proc = runOfp4([
    "start",
    "--log-format",
    "json",
    "--admin-socket",
    socket,
    ...(hasListen ? [] : ["--listen", "127.0.0.1:0"]),
    ...(hasP4rt ? [] : ["--p4runtime", "127.0.0.1:0"]),
    ...extra,
  ]);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ofp4 did not start within 30 s: ${proc.stderr.trim()}`)), 30_000);
  });
  try {
    await Promise.race([proc.line(/^ofp4 is running/), late]);
  } catch (e) {
    await proc.stop("SIGKILL");
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const of = /OpenFlow listening on (?:tcp|ssl):(\S+)/.exec(await proc.line(/OpenFlow listening on/))![1]!;
  const simLine = proc.records.find((r) => /P4Runtime listening on/.test(r.msg));
  const p4 = simLine ? /P4Runtime listening on (\S+)/.exec(simLine.msg)![1]! : "";
  return { proc, socket, openflow: of, p4runtime: p4 };
}

export interface CtlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function ctl(socket: string, ...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [OFP4CTL, "-t", socket, ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export function ofctl(...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile("ovs-ofctl", args, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

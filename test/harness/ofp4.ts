// The real ofp4 process under test: `node bin/ofp4.js start` on its embedded sim with every
// listener on 127.0.0.1 port 0 and a private admin socket; the addresses come from its JSON log
// lines. Offers ofp4ctl commands (inject, dump-entries, stats...) and the process's RSS. stop()
// ends the ofp4 process it started by PID (SIGTERM, then checks the embedded sim's PID is gone)
// and removes its temp directory. Builds dist/ first when it is missing.

import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
const OFP4 = join(ROOT, "bin", "ofp4.js");
const OFP4CTL = join(ROOT, "bin", "ofp4ctl.js");

export interface Ofp4Process {
  /** "tcp:127.0.0.1:PORT" for ovs-ofctl (the first listener; "" with --connect only). */
  readonly target: string;
  readonly pid: number;
  readonly simPid: number | undefined;
  /** The embedded sim's P4Runtime address. */
  readonly p4runtime: string;
  readonly socket: string;
  /** Every log line so far (JSON objects as text). */
  readonly log: () => string;
  /** Resolves with the first log message matching. */
  line(pattern: RegExp): Promise<string>;
  /** Runs `ofp4ctl -t SOCKET args...`. */
  ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Injects a frame (hex) on a sim port of switch br0. */
  inject(port: number, hex: string): Promise<void>;
  /** RSS and peak RSS of the ofp4 process (kB). */
  memory(): { rssKb: number; peakKb: number };
  /** CPU time of the ofp4 process so far (ms, user + system). */
  cpuMs(): number;
  stop(): Promise<{ code: number | null; signal: string | null }>;
}

export interface Ofp4StartOptions {
  ports?: number;
  /** Controllers ofp4 connects out to ("127.0.0.1:PORT"). */
  connect?: readonly string[];
  /** No passive listener (only --connect). */
  noListen?: boolean;
  extra?: readonly string[];
  /** Node flags for the ofp4 process (e.g. --max-old-space-size). */
  nodeArgs?: readonly string[];
  /**
   * A P4Runtime target the test started (e.g. a real bmv2) instead of the embedded sim:
   * `--target KIND --p4runtime ADDR --device-id N --p4info --pipeline [--dataplane ADDR]`.
   */
  target?: {
    kind: "bmv2";
    p4runtime: string;
    dataplane?: string;
    deviceId?: number;
    /** Defaults: p4/ofp4.p4info.txtpb and p4/ofp4.json. */
    p4info?: string;
    pipeline?: string;
  };
}

export function ensureBuilt(): void {
  if (existsSync(join(ROOT, "dist", "src", "cli", "ofp4.js")) && existsSync(join(ROOT, "dist", "targets", "sim", "main.js"))) return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
}

function procStatus(pid: number): { rssKb: number; peakKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(/\d+/.exec(status.split("\n").find((l) => l.startsWith(key)) ?? "0")?.[0] ?? 0);
  return { rssKb: kb("VmRSS:"), peakKb: kb("VmHWM:") };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `ofp4 start --target bmv2` on a bmv2 the test started (device 0, its dataplane service, 4 ports). */
export function startOfp4OnBmv2(
  bmv2: { readonly p4runtimeAddress: string; readonly dataplaneAddress: string },
  options: Omit<Ofp4StartOptions, "target"> = {},
): Promise<Ofp4Process> {
  return startOfp4({ ports: 4, ...options, target: { kind: "bmv2", p4runtime: bmv2.p4runtimeAddress, dataplane: bmv2.dataplaneAddress, deviceId: 0 } });
}

export async function startOfp4(options: Ofp4StartOptions = {}): Promise<Ofp4Process> {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "ofp4-e2e-"));
  const socket = join(dir, "ofp4.ctl");
  const args = [
    ...(options.nodeArgs ?? []),
    OFP4,
    "start",
    "--log-format",
    "json",
    "--admin-socket",
    socket,
    ...(options.target
      ? [
          "--target",
          options.target.kind,
          "--p4runtime",
          options.target.p4runtime,
          "--device-id",
          String(options.target.deviceId ?? 0),
          "--p4info",
          options.target.p4info ?? join("p4", "ofp4.p4info.txtpb"),
          "--pipeline",
          options.target.pipeline ?? join("p4", "ofp4.json"),
          ...(options.target.dataplane !== undefined ? ["--dataplane", options.target.dataplane] : []),
        ]
      : ["--p4runtime", "127.0.0.1:0"]),
    "--ports",
    String(options.ports ?? 4),
    ...(options.noListen ? [] : ["--listen", "127.0.0.1:0"]),
    ...(options.connect ?? []).flatMap((c) => ["--connect", c]),
    ...(options.extra ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  child.stdout!.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    err += c;
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      wake();
      resolve({ code, signal });
    }),
  );
  const messages = (): string[] =>
    out
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => {
        try {
          return String((JSON.parse(l) as { msg?: unknown }).msg ?? l);
        } catch {
          return l;
        }
      });
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const hit = messages().find((m) => pattern.test(m));
      if (hit !== undefined) return hit;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ofp4 exited before logging ${pattern}: ${err.trim()}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const simPidOf = (): number | undefined => {
    for (const l of out.split("\n")) {
      if (!l.includes("embedded sim P4Runtime listening")) continue;
      try {
        const pid = (JSON.parse(l) as { simPid?: unknown }).simPid;
        return typeof pid === "number" ? pid : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  const stop = async () => {
    const simPid = simPidOf();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const result = await exited;
    if (simPid !== undefined) {
      for (let i = 0; i < 100 && alive(simPid); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(simPid)) process.kill(simPid, "SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
    return result;
  };
  try {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ofp4 did not start within 30 s: ${err.trim()}`)), 30_000);
    });
    try {
      await Promise.race([line(/^ofp4 is running/), late]);
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const listen = messages().find((m) => /^OpenFlow listening on tcp:/.test(m));
  const target = listen ? /tcp:\S+/.exec(listen)![0] : "";
  const p4 = /P4Runtime listening on (\S+)/.exec(messages().find((m) => /P4Runtime listening on/.test(m)) ?? "")?.[1] ?? "";
  const ctl = (...a: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [OFP4CTL, "-t", socket, ...a], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 }, (e, stdout, stderr) => {
        resolve({ code: e ? (typeof (e as { code?: unknown }).code === "number" ? ((e as { code: number }).code) : 1) : 0, stdout, stderr });
      });
    });
  return {
    target,
    pid: child.pid!,
    simPid: simPidOf(),
    p4runtime: p4,
    socket,
    log: () => out,
    line,
    ctl,
    inject: async (port, hex) => {
      const r = await ctl("inject", "br0", String(port), hex);
      if (r.code !== 0) throw new Error(`ofp4ctl inject failed: ${r.stderr}`);
    },
    memory: () => procStatus(child.pid!),
    cpuMs: () => {
      const f = readFileSync(`/proc/${child.pid!}/stat`, "utf8");
      const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    },
    stop,
  };
}

// The `ofp4` program: `ofp4 start [--config FILE] [flags]` runs the daemon (with no options:
// switch "br0" on the embedded sim, 8 ports, OpenFlow on 127.0.0.1:6653, the sim's P4Runtime
// on 127.0.0.1:9559, an admin socket); `ofp4 sim [bmv2 flags]` runs the standalone sim.
// Every failure is one line on stderr and a non-zero exit (2: bad usage or config, 1: failed
// to start); SIGINT/SIGTERM stop cleanly with exit 0. Never prints a stack trace alone.

import { pathToFileURL } from "node:url";
import { checkClashes, ConfigError, defaultConfig, defaultSwitch, loadConfigFile, numberedPorts, type ControllerConfig, type DaemonConfig, type SwitchConfig } from "../daemon/config.js";
import { Daemon } from "../daemon/daemon.js";
import { createLogger } from "../daemon/log.js";
import { parseSimArgs, runSim } from "../../targets/sim/main.js";

export const USAGE = `usage: ofp4 start [--config FILE] [--name NAME] [--target sim|bmv2|tofino]
                  [--p4runtime HOST:PORT] [--device-id N] [--election-id N]
                  [--p4info FILE] [--pipeline FILE|DIR] [--mapping FILE]
                  [--tofino-packing stratum|legacy] [--tofino-port-map FILE]
                  [--dataplane HOST:PORT]
                  [--ports N] [--listen HOST:PORT]... [--connect HOST:PORT]...
                  [--fail-mode secure|standalone] [--datapath-id N]
                  [--metrics HOST:PORT] [--admin-socket PATH] [--log-level LEVEL]
                  [--log-format json|text]
       ofp4 sim [--p4runtime ADDR] [--device-id N] [--cpu-port N]
                [--dp-grpc-server-addr ADDR] [--ports N] [--admin ADDR]`;

export class UsageError extends Error {}

export interface StartArgs {
  config: string | undefined;
  logFormat: "json" | "text" | undefined;
  /** Flag name -> values, in order. */
  flags: Map<string, string[]>;
}

const SWITCH_FLAGS = [
  "--name",
  "--target",
  "--p4runtime",
  "--device-id",
  "--election-id",
  "--p4info",
  "--pipeline",
  "--mapping",
  "--tofino-packing",
  "--tofino-port-map",
  "--dataplane",
  "--ports",
  "--listen",
  "--connect",
  "--fail-mode",
  "--datapath-id",
];
const DAEMON_FLAGS = ["--metrics", "--admin-socket", "--log-level"];

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const out: StartArgs = { config: undefined, logFormat: undefined, flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf("=");
    const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const value = eq > 0 && raw.startsWith("--") ? raw.slice(eq + 1) : argv[++i];
    if (!flag.startsWith("--")) throw new UsageError(`unexpected argument '${raw}'`);
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--config") out.config = value;
    else if (flag === "--log-format") {
      if (value !== "json" && value !== "text") throw new UsageError(`--log-format is json or text, not '${value}'`);
      out.logFormat = value;
    } else if (SWITCH_FLAGS.includes(flag) || DAEMON_FLAGS.includes(flag)) {
      const list = out.flags.get(flag) ?? [];
      list.push(value);
      out.flags.set(flag, list);
    } else throw new UsageError(`unknown option ${flag}`);
  }
  return out;
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function address(flag: string, v: string): string {
  const m = ADDRESS.exec(v);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag} needs HOST:PORT, not '${v}'`);
  return v;
}

function big(flag: string, v: string, bits: number): bigint {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v) || BigInt(v) >= 1n << BigInt(bits)) throw new UsageError(`${flag} needs an unsigned ${bits}-bit number, not '${v}'`);
  return BigInt(v);
}

function oneOf<T extends string>(flag: string, v: string, values: readonly T[]): T {
  if (!values.includes(v as T)) throw new UsageError(`${flag} is one of ${values.join(", ")}, not '${v}'`);
  return v as T;
}

/** The configuration to run: the file (or the default) with the command line's flags on top. */
export async function resolveConfig(args: StartArgs): Promise<DaemonConfig> {
  const base = args.config !== undefined ? await loadConfigFile(args.config) : defaultConfig();
  const f = args.flags;
  const last = (flag: string): string | undefined => f.get(flag)?.at(-1);
  const switchFlags = SWITCH_FLAGS.filter((k) => f.has(k));
  let switches = [...base.switches];
  if (switchFlags.length > 0) {
    const name = last("--name");
    let index = switches.length === 1 ? 0 : switches.findIndex((s) => s.name === name);
    if (index < 0) {
      if (switches.length === 0) {
        switches = [defaultSwitch(name ?? "br0")];
        index = 0;
      } else throw new UsageError(`switch flags (${switchFlags.join(", ")}) need --name naming one of the config's switches (${switches.map((s) => s.name).join(", ")})`);
    }
    switches[index] = overrideSwitch(switches[index]!, f);
  }
  const config: DaemonConfig = {
    switches,
    adminSocket: last("--admin-socket") ?? base.adminSocket,
    metrics: f.has("--metrics") ? address("--metrics", last("--metrics")!) : base.metrics,
    logLevel: f.has("--log-level") ? oneOf("--log-level", last("--log-level")!, ["trace", "debug", "info", "warn", "error", "fatal"]) : base.logLevel,
  };
  const problems: string[] = [];
  checkClashes(config, problems);
  if (problems.length > 0) throw new UsageError(problems.join("; "));
  return config;
}

function overrideSwitch(s: SwitchConfig, f: Map<string, string[]>): SwitchConfig {
  const last = (flag: string): string | undefined => f.get(flag)?.at(-1);
  const v = (flag: string): string | undefined => last(flag);
  const target = v("--target") !== undefined ? oneOf("--target", v("--target")!, ["sim", "bmv2", "tofino"]) : s.target;
  let ports = s.ports;
  if (v("--ports") !== undefined) {
    const n = Number(v("--ports"));
    if (!Number.isInteger(n) || n < 1 || n > 510) throw new UsageError(`--ports needs a count from 1 to 510, not '${v("--ports")}'`);
    ports = numberedPorts(n);
  }
  let controllers: readonly ControllerConfig[] = s.controllers;
  if (f.has("--listen") || f.has("--connect")) {
    controllers = [
      ...(f.get("--listen") ?? []).map((a): ControllerConfig => ({ kind: "listen", address: address("--listen", a), tls: undefined })),
      ...(f.get("--connect") ?? []).map((a): ControllerConfig => ({ kind: "connect", address: address("--connect", a), tls: undefined })),
    ];
  }
  const out: SwitchConfig = {
    ...s,
    name: v("--name") ?? s.name,
    target,
    p4runtime: v("--p4runtime") !== undefined ? address("--p4runtime", v("--p4runtime")!) : s.p4runtime,
    deviceId: v("--device-id") !== undefined ? big("--device-id", v("--device-id")!, 64) : s.deviceId,
    electionId: v("--election-id") !== undefined ? big("--election-id", v("--election-id")!, 128) : s.electionId,
    p4info: v("--p4info") ?? s.p4info,
    deviceConfig: v("--pipeline") ?? s.deviceConfig,
    mapping: v("--mapping") ?? s.mapping,
    dataplane: v("--dataplane") !== undefined ? address("--dataplane", v("--dataplane")!) : s.dataplane,
    tofinoPacking: v("--tofino-packing") !== undefined ? oneOf("--tofino-packing", v("--tofino-packing")!, ["stratum", "legacy"]) : s.tofinoPacking,
    tofinoPortMap: v("--tofino-port-map") ?? s.tofinoPortMap,
    ports,
    controllers,
    failMode: v("--fail-mode") !== undefined ? oneOf("--fail-mode", v("--fail-mode")!, ["secure", "standalone"]) : s.failMode,
    datapathId: v("--datapath-id") !== undefined ? big("--datapath-id", v("--datapath-id")!, 64) : s.datapathId,
  };
  if (out.tofinoPortMap !== undefined && out.target !== "tofino") throw new UsageError(`--tofino-port-map is for --target tofino, not ${out.target}`);
  if (out.tofinoPortMap !== undefined && v("--ports") !== undefined) throw new UsageError("--tofino-port-map gives the ports: --ports cannot be given too");
  if (out.target !== "sim" && (out.p4info === undefined || out.deviceConfig === undefined)) {
    throw new UsageError(`--target ${out.target} needs --p4info FILE and --pipeline ${out.target === "tofino" ? "DIR" : "FILE"}`);
  }
  return out;
}

function die(code: number, message: string): never {
  process.stderr.write(`ofp4: ${message}\n`);
  process.exit(code);
}

async function start(argv: readonly string[]): Promise<void> {
  let config: DaemonConfig;
  let args: StartArgs;
  try {
    args = parseStartArgs(argv);
    config = await resolveConfig(args);
  } catch (e) {
    if (e instanceof UsageError) die(2, `${e.message}\n${USAGE}`);
    if (e instanceof ConfigError) die(2, `bad config ${e.file}:\n  ${e.problems.join("\n  ")}`);
    throw e;
  }
  const log = createLogger(config.logLevel, args.logFormat === undefined ? undefined : args.logFormat === "text");
  // Signals are handled from the start: one that arrives while switches are starting stops
  // them as soon as they are up.
  let daemon: Daemon | undefined;
  let signalled: string | undefined;
  const stop = (): void => {
    if (daemon === undefined || signalled === undefined) return;
    log.info({ signal: signalled }, "stopping");
    const force = setTimeout(() => die(1, "shutdown took longer than 15 s"), 15_000);
    force.unref();
    daemon.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (e: unknown) => die(1, `shutdown failed: ${(e as Error).message}`),
    );
  };
  const onSignal = (signal: string): void => {
    if (signalled !== undefined) return;
    signalled = signal;
    stop();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    daemon = await Daemon.start(config, log);
  } catch (e) {
    log.error((e as Error).message);
    die(1, (e as Error).message.split("\n")[0]!);
  }
  stop();
}

async function sim(argv: readonly string[]): Promise<void> {
  const args = parseSimArgs(argv);
  if (typeof args === "string") die(2, `${args}\n${USAGE}`);
  let s;
  try {
    s = await runSim(args, (line) => process.stdout.write(line + "\n"));
  } catch (e) {
    const msg = (e as Error).message;
    die(1, /No address added|EADDRINUSE/.test(msg) ? `P4Runtime or dataplane address already in use (${args.p4runtimeAddress})` : msg.split("\n")[0]!);
  }
  const stop = (): void => {
    void s.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

export async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "start") return start(rest);
  if (command === "sim") return sim(rest);
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE + "\n");
    return;
  }
  die(2, `${command === undefined ? "a command is needed" : `unknown command '${command}'`}\n${USAGE}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => die(1, (e as Error).message?.split("\n")[0] ?? String(e)));
}

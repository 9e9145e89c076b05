// The daemon's configuration: a YAML file describing one or more switches, validated when
// loaded. Every problem (unknown key, wrong type, value out of range, a port or address used
// twice) is reported with the key's path and its line in the file, and a file with any
// problem yields no configuration at all: nothing starts from half a config.

import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from "yaml";

export type TargetKind = "sim" | "bmv2" | "tofino";
export type FailMode = "secure" | "standalone";
export type TofinoPacking = "stratum" | "legacy";

export interface TlsConfig {
  readonly ca: string | undefined;
  readonly cert: string;
  readonly key: string;
}

export type ControllerConfig =
  | { readonly kind: "listen"; readonly address: string; readonly tls: TlsConfig | undefined }
  | { readonly kind: "connect"; readonly address: string; readonly tls: TlsConfig | undefined };

export interface PortConfig {
  /** OpenFlow port number. */
  readonly number: number;
  readonly name: string;
  /** Port number on the P4 target. */
  readonly targetPort: number;
}

export interface SwitchConfig {
  readonly name: string;
  readonly target: TargetKind;
  /** P4Runtime address; for the embedded sim, where its server listens. */
  readonly p4runtime: string;
  readonly deviceId: bigint;
  readonly electionId: bigint;
  readonly role: string;
  readonly p4info: string | undefined;
  readonly deviceConfig: string | undefined;
  /** The mapping file (how OpenFlow lands on the P4 program); ofp4's p4/ofp4.mapping.json when undefined. */
  readonly mapping: string | undefined;
  /** bmv2's dataplane service (--dp-grpc-server-addr) for port up/down, inject and capture; the sim's own for target sim. */
  readonly dataplane: string | undefined;
  readonly tofinoPacking: TofinoPacking;
  /** Tofino only: the board's port-map file; the ports are its front-panel ports (numbered by device port). */
  readonly tofinoPortMap: string | undefined;
  readonly ports: readonly PortConfig[];
  readonly controllers: readonly ControllerConfig[];
  readonly failMode: FailMode;
  readonly datapathId: bigint | undefined;
  readonly counterPollIntervalMs: number;
  readonly writeMaxUpdates: number;
  readonly writeMaxBytes: number;
  readonly writeMaxInFlight: number;
  readonly maxPendingGroups: number;
  /** How long work waits for a lost target before it fails (target_wait_ms). */
  readonly targetWaitMs: number;
}

export interface DaemonConfig {
  readonly switches: readonly SwitchConfig[];
  /** Admin socket path (ofp4ctl). */
  readonly adminSocket: string | undefined;
  /** Prometheus endpoint "HOST:PORT", off when undefined. */
  readonly metrics: string | undefined;
  readonly logLevel: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

export const SWITCH_DEFAULTS = {
  target: "sim" as TargetKind,
  p4runtime: "127.0.0.1:9559",
  deviceId: 1n,
  electionId: 1n,
  role: "",
  tofinoPacking: "stratum" as TofinoPacking,
  portCount: 8,
  failMode: "secure" as FailMode,
  counterPollIntervalMs: 1000,
  writeMaxUpdates: 400,
  writeMaxBytes: 1024 * 1024,
  writeMaxInFlight: 4,
  maxPendingGroups: 400,
  targetWaitMs: 30_000,
  controllers: [{ kind: "listen", address: "127.0.0.1:6653", tls: undefined }] as ControllerConfig[],
};

/** The configuration `ofp4 start` runs with no options: one switch "br0" on the embedded sim. */
export function defaultConfig(): DaemonConfig {
  return {
    switches: [defaultSwitch("br0")],
    adminSocket: undefined,
    metrics: undefined,
    logLevel: "info",
  };
}

export function defaultSwitch(name: string): SwitchConfig {
  return {
    name,
    target: SWITCH_DEFAULTS.target,
    p4runtime: SWITCH_DEFAULTS.p4runtime,
    deviceId: SWITCH_DEFAULTS.deviceId,
    electionId: SWITCH_DEFAULTS.electionId,
    role: SWITCH_DEFAULTS.role,
    p4info: undefined,
    deviceConfig: undefined,
    mapping: undefined,
    dataplane: undefined,
    tofinoPacking: SWITCH_DEFAULTS.tofinoPacking,
    tofinoPortMap: undefined,
    ports: numberedPorts(SWITCH_DEFAULTS.portCount),
    controllers: SWITCH_DEFAULTS.controllers,
    failMode: SWITCH_DEFAULTS.failMode,
    datapathId: undefined,
    counterPollIntervalMs: SWITCH_DEFAULTS.counterPollIntervalMs,
    writeMaxUpdates: SWITCH_DEFAULTS.writeMaxUpdates,
    writeMaxBytes: SWITCH_DEFAULTS.writeMaxBytes,
    writeMaxInFlight: SWITCH_DEFAULTS.writeMaxInFlight,
    maxPendingGroups: SWITCH_DEFAULTS.maxPendingGroups,
    targetWaitMs: SWITCH_DEFAULTS.targetWaitMs,
  };
}

/** Ports 1..n named p1..pn, OpenFlow port n = target port n (DESIGN.md §1). */
export function numberedPorts(n: number): PortConfig[] {
  return Array.from({ length: n }, (_, i) => ({ number: i + 1, name: `p${i + 1}`, targetPort: i + 1 }));
}

export async function loadConfigFile(file: string): Promise<DaemonConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file);
}

/** Parses and validates a YAML config; throws ConfigError listing every problem found. */
export function parseConfig(text: string, file = "<config>"): DaemonConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: string[] = [];
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push(`line ${pos.line}: ${e.message.split("\n")[0]}`);
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  const v = new Validator(lines, problems);
  const root = doc.contents;
  if (root === null || root === undefined) throw new ConfigError(file, ["the file is empty"]);
  if (!isMap(root)) throw new ConfigError(file, [`${v.at(root)}: the top level must be a mapping`]);
  const top = v.fields(root, "", ["switches", "admin_socket", "metrics", "log_level"]);
  const switches: SwitchConfig[] = [];
  const sws = top.get("switches");
  if (sws === undefined) {
    problems.push("'switches' is missing");
  } else if (!isSeq(sws.value)) {
    problems.push(`${v.at(sws.key)}: 'switches' must be a list`);
  } else {
    sws.value.items.forEach((item, i) => {
      const sw = v.switchConfig(item as Node, `switches[${i}]`);
      if (sw) switches.push(sw);
    });
  }
  const config: DaemonConfig = {
    switches,
    adminSocket: v.optString(top.get("admin_socket"), "admin_socket"),
    metrics: v.optAddress(top.get("metrics"), "metrics"),
    logLevel: v.optEnum(top.get("log_level"), "log_level", ["trace", "debug", "info", "warn", "error", "fatal"]) ?? "info",
  };
  v.origin(config, "", root, top);
  if (problems.length === 0) checkClashes(config, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

/**
 * Where the objects of a parsed file came from: their key path and the line of each field, so
 * a clash found after parsing still names the key and the line. Objects made from command-line
 * flags have none, and their clashes name the switch instead.
 */
interface Origin {
  readonly path: string;
  readonly lines: Readonly<Record<string, number>>;
}
const origins = new WeakMap<object, Origin>();

/** "line N: 'path.field'" for an object of a parsed file, else undefined. */
function located(o: object, field: string): string | undefined {
  const origin = origins.get(o);
  const line = origin?.lines[field] ?? origin?.lines[""];
  if (origin === undefined || line === undefined) return undefined;
  const path = origin.path === "" ? field : `${origin.path}.${field}`;
  return `line ${line}: '${path}'`;
}

/** Names, ports and listen addresses must each be used once across the whole file. */
export function checkClashes(config: DaemonConfig, problems: string[]): void {
  const names = new Set<string>();
  const listens = new Map<string, string>();
  const p4rt = new Map<string, string>();
  // One problem: at the key and line when the object came from a file, else as `plain` says.
  const clash = (o: object, field: string, text: string, plain: string, parent?: [object, string]): void => {
    const at = located(o, field) ?? (parent ? located(...parent) : undefined);
    problems.push(at !== undefined ? `${at} ${text}` : plain);
  };
  for (const sw of config.switches) {
    if (names.has(sw.name)) clash(sw, "name", `'${sw.name}' is used twice`, `switch name '${sw.name}' is used twice`);
    names.add(sw.name);
    const key = `${sw.p4runtime}#${sw.deviceId}`;
    const other = p4rt.get(key);
    if (other !== undefined) {
      clash(sw, "p4runtime", `${sw.p4runtime} device ${sw.deviceId} is already driven by '${other}'`, `switches '${other}' and '${sw.name}' both drive device ${sw.deviceId} at ${sw.p4runtime}`);
    }
    p4rt.set(key, sw.name);
    const numbers = new Set<number>();
    const targets = new Set<number>();
    const portNames = new Set<string>();
    for (const p of sw.ports) {
      if (numbers.has(p.number)) clash(p, "number", `${p.number} is mapped twice`, `switch '${sw.name}': OpenFlow port ${p.number} is mapped twice`);
      if (targets.has(p.targetPort)) clash(p, "target_port", `${p.targetPort} is mapped twice`, `switch '${sw.name}': target port ${p.targetPort} is mapped twice`);
      if (portNames.has(p.name)) clash(p, "name", `'${p.name}' is used twice`, `switch '${sw.name}': port name '${p.name}' is used twice`);
      numbers.add(p.number);
      targets.add(p.targetPort);
      portNames.add(p.name);
    }
    for (const c of sw.controllers) {
      if (c.kind !== "listen" || c.address.endsWith(":0")) continue;
      const prev = listens.get(c.address);
      if (prev !== undefined) {
        // A default controller has no line of its own: the switch's 'controllers' (or the switch) is named.
        const text = origins.has(c) ? `${c.address} is already used by '${prev}'` : `(listen ${c.address}, the default) is already used by '${prev}'`;
        clash(c, "listen", text, `switch '${sw.name}': listen address ${c.address} is already used by '${prev}'`, [sw, "controllers"]);
      }
      listens.set(c.address, sw.name);
    }
    if (sw.target === "sim" && !sw.p4runtime.endsWith(":0")) {
      const prev = listens.get(sw.p4runtime);
      if (prev !== undefined) clash(sw, "p4runtime", `${sw.p4runtime} is already used by '${prev}'`, `switch '${sw.name}': address ${sw.p4runtime} is already used by '${prev}'`);
      listens.set(sw.p4runtime, sw.name);
    }
  }
  if (config.metrics !== undefined && listens.has(config.metrics)) {
    const prev = listens.get(config.metrics)!;
    clash(config, "metrics", `${config.metrics} is already used by '${prev}'`, `metrics address ${config.metrics} is already used by '${prev}'`);
  }
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Walks the YAML tree, collecting problems with their lines instead of stopping at the first. */
class Validator {
  constructor(
    private readonly lines: LineCounter,
    private readonly problems: string[],
  ) {}

  /** The line a node starts on, if it has a position. */
  lineOf(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }

  /** Records where `o` came from: its path, its own line and the line of each field's key present. */
  origin<T extends object>(o: T, path: string, node: unknown, fields: ReadonlyMap<string, Pair<Node, Node>>): T {
    const lines: Record<string, number> = {};
    const own = this.lineOf(node);
    if (own !== undefined) lines[""] = own;
    for (const [key, pair] of fields) {
      const line = this.lineOf(pair.key);
      if (line !== undefined) lines[key] = line;
    }
    origins.set(o, { path, lines });
    return o;
  }

  at(node: unknown): string {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!range) return "line ?";
    return `line ${this.lines.linePos(range[0]).line}`;
  }

  problem(node: unknown, path: string, text: string): void {
    this.problems.push(`${this.at(node)}: '${path}' ${text}`);
  }

  /** The pairs of a mapping by key; unknown keys are problems. */
  fields(map: YAMLMap, path: string, known: readonly string[]): Map<string, Pair<Node, Node>> {
    const out = new Map<string, Pair<Node, Node>>();
    for (const pair of map.items as Pair<Node, Node>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const full = path ? `${path}.${key}` : key;
      if (!known.includes(key)) {
        this.problem(pair.key, full, `is not a known key (known: ${known.join(", ")})`);
        continue;
      }
      out.set(key, pair);
    }
    return out;
  }

  scalar(pair: Pair<Node, Node> | undefined, path: string): unknown {
    if (pair === undefined) return undefined;
    if (!isScalar(pair.value)) {
      this.problem(pair.key, path, "must be a single value");
      return undefined;
    }
    return pair.value.value;
  }

  optString(pair: Pair<Node, Node> | undefined, path: string): string | undefined {
    const v = this.scalar(pair, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v === "") {
      this.problem(pair?.key, path, `must be a non-empty string, not ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  optAddress(pair: Pair<Node, Node> | undefined, path: string): string | undefined {
    const v = this.optString(pair, path);
    if (v === undefined) return undefined;
    const m = ADDRESS.exec(v);
    if (!m || Number(m[2]) > 65535) {
      this.problem(pair?.key, path, `must be HOST:PORT, not '${v}'`);
      return undefined;
    }
    return v;
  }

  optEnum<T extends string>(pair: Pair<Node, Node> | undefined, path: string, values: readonly T[]): T | undefined {
    const v = this.scalar(pair, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.problem(pair?.key, path, `must be one of ${values.join(", ")}, not ${JSON.stringify(v)}`);
      return undefined;
    }
    return v as T;
  }

  optInt(pair: Pair<Node, Node> | undefined, path: string, min: number, max: number): number | undefined {
    const v = this.scalar(pair, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.problem(pair?.key, path, `must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  }

  /** A 64- or 128-bit unsigned integer given as a number or a decimal/0x string. */
  optBig(pair: Pair<Node, Node> | undefined, path: string, bits: number): bigint | undefined {
    const v = this.scalar(pair, path);
    if (v === undefined || v === null) return undefined;
    let n: bigint | undefined;
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
    else if (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) n = BigInt(v);
    if (n === undefined || n >= 1n << BigInt(bits)) {
      this.problem(pair?.key, path, `must be an unsigned ${bits}-bit integer, not ${JSON.stringify(v)}`);
      return undefined;
    }
    return n;
  }

  map(pair: Pair<Node, Node>, path: string): YAMLMap | undefined {
    if (!isMap(pair.value)) {
      this.problem(pair.key, path, "must be a mapping");
      return undefined;
    }
    return pair.value;
  }

  tls(pair: Pair<Node, Node> | undefined, path: string): TlsConfig | undefined {
    if (pair === undefined) return undefined;
    const m = this.map(pair, path);
    if (!m) return undefined;
    const f = this.fields(m, path, ["ca", "cert", "key"]);
    const cert = this.optString(f.get("cert"), `${path}.cert`);
    const key = this.optString(f.get("key"), `${path}.key`);
    if (cert === undefined || key === undefined) {
      this.problem(pair.key, path, "needs both 'cert' and 'key'");
      return undefined;
    }
    return { ca: this.optString(f.get("ca"), `${path}.ca`), cert, key };
  }

  controller(node: Node, path: string): ControllerConfig | undefined {
    if (!isMap(node)) {
      this.problem(node, path, "must be a mapping with 'listen' or 'connect'");
      return undefined;
    }
    const f = this.fields(node, path, ["listen", "connect", "tls"]);
    const listen = this.optAddress(f.get("listen"), `${path}.listen`);
    const connect = this.optAddress(f.get("connect"), `${path}.connect`);
    const tls = this.tls(f.get("tls"), `${path}.tls`);
    if ((listen === undefined) === (connect === undefined)) {
      this.problem(node, path, "needs exactly one of 'listen' and 'connect'");
      return undefined;
    }
    const c: ControllerConfig = listen !== undefined ? { kind: "listen", address: listen, tls } : { kind: "connect", address: connect!, tls };
    return this.origin(c, path, node, f);
  }

  port(node: Node, path: string): PortConfig | undefined {
    if (!isMap(node)) {
      this.problem(node, path, "must be a mapping with 'number', 'name' and 'target_port'");
      return undefined;
    }
    const f = this.fields(node, path, ["number", "name", "target_port"]);
    const number = this.optInt(f.get("number"), `${path}.number`, 1, 0xffffff00);
    if (number === undefined) {
      if (!f.has("number")) this.problem(node, path, "needs 'number'");
      return undefined;
    }
    const port: PortConfig = {
      number,
      name: this.optString(f.get("name"), `${path}.name`) ?? `p${number}`,
      targetPort: this.optInt(f.get("target_port"), `${path}.target_port`, 0, 0xffffffff) ?? number,
    };
    return this.origin(port, path, node, f);
  }

  switchConfig(node: Node, path: string): SwitchConfig | undefined {
    if (!isMap(node)) {
      this.problem(node, path, "must be a mapping");
      return undefined;
    }
    const before = this.problems.length;
    const f = this.fields(node, path, [
      "name",
      "target",
      "p4runtime",
      "device_id",
      "election_id",
      "role",
      "p4info",
      "device_config",
      "mapping",
      "dataplane",
      "tofino_packing",
      "tofino_port_map",
      "ports",
      "controllers",
      "fail_mode",
      "datapath_id",
      "counter_poll_interval_ms",
      "write_max_updates",
      "write_max_bytes",
      "write_max_in_flight",
      "max_pending_groups",
      "target_wait_ms",
    ]);
    const name = this.optString(f.get("name"), `${path}.name`);
    if (name === undefined && !f.has("name")) this.problem(node, path, "needs 'name'");
    const d = defaultSwitch(name ?? "?");
    let ports = d.ports;
    const portsPair = f.get("ports");
    if (portsPair !== undefined) {
      if (isScalar(portsPair.value)) {
        const n = this.optInt(portsPair, `${path}.ports`, 1, 512);
        if (n !== undefined) ports = numberedPorts(n);
      } else if (isSeq(portsPair.value)) {
        ports = portsPair.value.items.flatMap((p, i) => this.port(p as Node, `${path}.ports[${i}]`) ?? []);
      } else {
        this.problem(portsPair.key, `${path}.ports`, "must be a count or a list of ports");
      }
    }
    let controllers = d.controllers;
    const ctlPair = f.get("controllers");
    if (ctlPair !== undefined) {
      if (isSeq(ctlPair.value)) {
        controllers = ctlPair.value.items.flatMap((c, i) => this.controller(c as Node, `${path}.controllers[${i}]`) ?? []);
      } else {
        this.problem(ctlPair.key, `${path}.controllers`, "must be a list");
      }
    }
    const target = this.optEnum(f.get("target"), `${path}.target`, ["sim", "bmv2", "tofino"]) ?? d.target;
    const sw: SwitchConfig = {
      name: name ?? "?",
      target,
      p4runtime: this.optAddress(f.get("p4runtime"), `${path}.p4runtime`) ?? d.p4runtime,
      deviceId: this.optBig(f.get("device_id"), `${path}.device_id`, 64) ?? d.deviceId,
      electionId: this.optBig(f.get("election_id"), `${path}.election_id`, 128) ?? d.electionId,
      role: this.optString(f.get("role"), `${path}.role`) ?? d.role,
      p4info: this.optString(f.get("p4info"), `${path}.p4info`),
      deviceConfig: this.optString(f.get("device_config"), `${path}.device_config`),
      mapping: this.optString(f.get("mapping"), `${path}.mapping`),
      dataplane: this.optAddress(f.get("dataplane"), `${path}.dataplane`),
      tofinoPacking: this.optEnum(f.get("tofino_packing"), `${path}.tofino_packing`, ["stratum", "legacy"]) ?? d.tofinoPacking,
      tofinoPortMap: this.optString(f.get("tofino_port_map"), `${path}.tofino_port_map`),
      ports,
      controllers,
      failMode: this.optEnum(f.get("fail_mode"), `${path}.fail_mode`, ["secure", "standalone"]) ?? d.failMode,
      datapathId: this.optBig(f.get("datapath_id"), `${path}.datapath_id`, 64),
      counterPollIntervalMs:
        this.optInt(f.get("counter_poll_interval_ms"), `${path}.counter_poll_interval_ms`, 10, 3_600_000) ?? d.counterPollIntervalMs,
      writeMaxUpdates: this.optInt(f.get("write_max_updates"), `${path}.write_max_updates`, 1, 10_000) ?? d.writeMaxUpdates,
      writeMaxBytes: this.optInt(f.get("write_max_bytes"), `${path}.write_max_bytes`, 1024, 4 * 1024 * 1024) ?? d.writeMaxBytes,
      writeMaxInFlight: this.optInt(f.get("write_max_in_flight"), `${path}.write_max_in_flight`, 1, 64) ?? d.writeMaxInFlight,
      maxPendingGroups: this.optInt(f.get("max_pending_groups"), `${path}.max_pending_groups`, 1, 100_000) ?? d.maxPendingGroups,
      targetWaitMs: this.optInt(f.get("target_wait_ms"), `${path}.target_wait_ms`, 100, 3_600_000) ?? d.targetWaitMs,
    };
    const portMap = f.get("tofino_port_map");
    if (portMap !== undefined && target !== "tofino") this.problem(portMap.key, `${path}.tofino_port_map`, `is for target tofino, not ${target}`);
    if (portMap !== undefined && portsPair !== undefined) this.problem(portMap.key, `${path}.tofino_port_map`, "gives the ports: 'ports' cannot be given too");
    if (target !== "sim" && (sw.p4info === undefined || sw.deviceConfig === undefined)) {
      this.problem(node, path, `with target ${target} needs 'p4info' and 'device_config'`);
    }
    return this.problems.length === before ? this.origin(sw, path, node, f) : undefined;
  }
}

// One switch of the daemon: its pipeline files (pipeline.ts) and its target (target.ts, which
// alone knows sim, bmv2 and tofino apart), the offload provider, the ofproto core (which adopts
// what the provider recovered after an ofp4 restart), the connection manager with its
// listeners and active controllers. Promises either a running switch or one Error whose message is a single line
// naming the address or file at fault, with everything it had started stopped again.

import { readFile } from "node:fs/promises";
import { ConnManager, type Listener, type TlsSettings } from "../connmgr/index.js";
import { DataplanePorts } from "../../targets/bmv2/dataplane-ports.js";
import { OffloadProvider } from "../offload/index.js";
import { Ofproto } from "../ofproto/ofproto.js";
import type { SwitchConfig, TlsConfig } from "./config.js";
import type { EmbeddedSim } from "./embedded-sim.js";
import type { Logger } from "./log.js";
import { userPath } from "./paths.js";
import { pipelineFiles, type PipelineFiles } from "./pipeline.js";
import { startTarget } from "./target.js";

export interface RunningSwitch {
  readonly config: SwitchConfig;
  readonly sw: Ofproto;
  readonly provider: OffloadProvider;
  readonly mgr: ConnManager;
  readonly listeners: readonly Listener[];
  /** The P4Runtime address ofp4 talks to (the embedded sim's real one for target sim). */
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string | undefined;
  readonly sim: EmbeddedSim | undefined;
  close(): Promise<void>;
}

/** Splits "HOST:PORT" ("[::1]:6653" too). */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new Error(`not HOST:PORT: ${address}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

async function readTls(tls: TlsConfig): Promise<TlsSettings> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(userPath(file), "utf8");
    } catch {
      throw new Error(`cannot read the TLS ${what} file ${file}`);
    }
  };
  const cert = await read(tls.cert, "certificate");
  const key = await read(tls.key, "key");
  return tls.ca !== undefined ? { ca: await read(tls.ca, "CA"), cert, key } : { cert, key };
}

/**
 * The target's words for a device id it does not have: bmv2 refuses the pipeline with "Error
 * when trying to assign device", the sim with "No device N in this switch".
 */
const WRONG_DEVICE = /Error when trying to assign device|No device \d+ in this switch/;

/** Why a construct failed, in one line naming the target. */
function constructFailure(address: string, deviceId: bigint, pipeline: string, e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  const first = msg.split("\n")[0]!;
  if (WRONG_DEVICE.test(first)) return `P4Runtime target ${address} refused device id ${deviceId} (${first.replace(/ to \S+: /, ": ")})`;
  if (first.includes("SetForwardingPipelineConfig")) return `P4Runtime target ${address} refused the pipeline ${pipeline} (${first.replace(/ to \S+: /, ": ")})`;
  if (/UNAVAILABLE|ECONNREFUSED|No connection established|deadline/i.test(msg)) return `P4Runtime target ${address} is unreachable (${first})`;
  if (first.includes(address)) return first;
  return `P4Runtime target ${address}: ${first}`;
}

/** Starts one switch; `log` is the switch's own logger (bound to its name); `checked` its pipeline files if already checked. */
export async function startSwitch(given: SwitchConfig, log: Logger, checked?: PipelineFiles): Promise<RunningSwitch> {
  const slog = log;
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async (): Promise<void> => {
    for (const f of cleanup.reverse()) await f();
  };
  try {
    const files = checked ?? pipelineFiles(given);
    const target = await startTarget(given, files, slog);
    cleanup.push(() => target.stop());
    const { p4runtimeAddress, dataplaneAddress, sim } = target;
    // The ports the target gave (a Tofino port map) are the switch's from here on.
    const config: SwitchConfig = target.ports === given.ports ? given : { ...given, ports: target.ports };

    let deviceConfig: Uint8Array;
    try {
      deviceConfig = await readFile(target.deviceConfigPath);
    } catch {
      throw new Error(`cannot read the device config ${target.deviceConfigPath}`);
    }
    const provider = new OffloadProvider({
      p4runtimeAddress,
      deviceId: config.deviceId,
      electionId: config.electionId,
      role: config.role,
      p4info: files.p4info,
      mapping: files.mapping,
      deviceConfig,
      quirks: target.quirks,
      ports: config.ports,
      counterPollIntervalMs: config.counterPollIntervalMs,
      writeMaxUpdates: config.writeMaxUpdates,
      writeMaxBytes: config.writeMaxBytes,
      writeMaxInFlight: config.writeMaxInFlight,
      targetWaitMs: config.targetWaitMs,
      targetName: config.target,
      log: slog,
      ...(config.datapathId !== undefined ? { datapathId: config.datapathId } : {}),
      ...(dataplaneAddress !== undefined ? { portControl: new DataplanePorts(dataplaneAddress, config.deviceId) } : {}),
    });
    let sw: Ofproto;
    try {
      sw = await Ofproto.create(provider, {
        maxPendingGroups: config.maxPendingGroups,
        failMode: config.failMode,
        statsMaxAgeMs: config.counterPollIntervalMs,
        dpDesc: `ofp4 ${config.name}`,
        log: slog,
      });
    } catch (e) {
      throw new Error(constructFailure(p4runtimeAddress, config.deviceId, config.deviceConfig ?? target.deviceConfigPath, e), { cause: e });
    }
    cleanup.push(() => sw.close());

    const mgr: ConnManager = new ConnManager(sw, { logger: slog });
    sw.attach(mgr);
    cleanup.push(() => mgr.close());
    const listeners: Listener[] = [];
    for (const c of config.controllers) {
      const { host, port } = splitAddress(c.address);
      const tls = c.tls ? await readTls(c.tls) : undefined;
      if (c.kind === "listen") {
        let l: Listener;
        try {
          l = await mgr.listen({ host, port, ...(tls ? { tls } : {}) });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === "EADDRINUSE" ? `OpenFlow listen address ${c.address} is already in use` : `cannot listen on ${c.address}: ${(e as Error).message}`;
          throw new Error(why, { cause: e });
        }
        listeners.push(l);
        slog.info({ listener: l.name }, `OpenFlow listening on ${tls ? "ssl" : "tcp"}:${l.host}:${l.port}`);
      } else {
        mgr.connect({ host, port, ...(tls ? { tls } : {}) });
        slog.info(`OpenFlow connecting to ${tls ? "ssl" : "tcp"}:${c.address}`);
      }
    }

    return {
      config,
      sw,
      provider,
      mgr,
      listeners,
      p4runtimeAddress,
      dataplaneAddress,
      sim,
      close: undo,
    };
  } catch (e) {
    await undo();
    throw e;
  }
}

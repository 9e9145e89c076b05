// The P4 target of one switch, whichever kind it is: the embedded sim (a child process ofp4
// starts and stops), a bmv2 the user started (targets/bmv2) or a Tofino switch
// (targets/tofino). Each kind gives the same facts: the P4Runtime and dataplane addresses ofp4
// talks to, the device config file to push, and a stop() for what it started. The switch
// assembly never looks at the kind beyond this module. Errors are one line naming the
// address or file.

import { bmv2Target } from "../../targets/bmv2/target.js";
import { BMV2_QUIRKS, SPEC_QUIRKS, type TargetQuirks } from "../offload/index.js";
import { tofinoTarget } from "../../targets/tofino/target.js";
import type { PortConfig, SwitchConfig, TargetKind } from "./config.js";
import { EmbeddedSim } from "./embedded-sim.js";
import type { Logger } from "./log.js";
import { userPath } from "./paths.js";
import type { PipelineFiles } from "./pipeline.js";

export interface RunningTarget {
  readonly kind: TargetKind;
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string | undefined;
  /** The file pushed with SetForwardingPipelineConfig. */
  readonly deviceConfigPath: string;
  /** The switch's ports when the target names them (a Tofino port map), else the config's. */
  readonly ports: readonly PortConfig[];
  /** The embedded sim, for target sim. */
  readonly sim: EmbeddedSim | undefined;
  /** How the target departs from the P4Runtime specification (bmv2 and the sim alike; Stratum as specified). */
  readonly quirks: TargetQuirks;
  /** Stops what starting the target started (the sim, temporary files). */
  stop(): Promise<void>;
}

/** Ports the embedded sim is started with: enough for the port map, at least 8. */
export function simPortCount(config: SwitchConfig): number {
  return Math.min(510, Math.max(8, ...config.ports.map((p) => p.targetPort)));
}

export async function startTarget(config: SwitchConfig, files: PipelineFiles, log: Logger): Promise<RunningTarget> {
  switch (config.target) {
    case "sim":
      return startSim(config, files, log);
    case "bmv2": {
      const t = await bmv2Target({
        p4runtime: config.p4runtime,
        deviceConfig: files.deviceConfigPath,
        dataplane: config.dataplane,
        ports: config.ports,
        cpuPort: files.mapping.cpuPort,
        dropPort: files.mapping.dropPort,
      });
      return { ...t, ports: config.ports, sim: undefined, quirks: BMV2_QUIRKS, stop: () => Promise.resolve() };
    }
    case "tofino": {
      const t = await tofinoTarget({
        p4runtime: config.p4runtime,
        pipelineDir: files.deviceConfigPath,
        packing: config.tofinoPacking,
        programName: "ofp4",
        dataplane: config.dataplane,
        portMap: config.tofinoPortMap !== undefined ? userPath(config.tofinoPortMap) : undefined,
      });
      return { ...t, ports: t.ports ?? config.ports, sim: undefined, quirks: SPEC_QUIRKS, stop: () => t.stop() };
    }
  }
}

async function startSim(config: SwitchConfig, files: PipelineFiles, log: Logger): Promise<RunningTarget> {
  const sim = await EmbeddedSim.start({
    p4runtimeAddress: config.p4runtime,
    deviceId: config.deviceId,
    ports: simPortCount(config),
    cpuPort: files.mapping.cpuPort,
    log: (line) => log.debug(line),
  });
  let stopping = false;
  sim.child.once("exit", (code, signal) => {
    if (!stopping) log.error({ code, signal }, `the embedded sim (pid ${sim.pid}) exited; the target is lost`);
  });
  log.info({ simPid: sim.pid, dataplane: sim.dataplaneAddress }, `embedded sim P4Runtime listening on ${sim.p4runtimeAddress}`);
  return {
    kind: "sim",
    p4runtimeAddress: sim.p4runtimeAddress,
    dataplaneAddress: sim.dataplaneAddress,
    deviceConfigPath: files.deviceConfigPath,
    ports: config.ports,
    sim,
    quirks: BMV2_QUIRKS,
    stop: () => {
      stopping = true;
      return sim.stop();
    },
  };
}

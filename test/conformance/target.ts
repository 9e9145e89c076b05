// What the conformance suite needs from a P4Runtime target, and the two targets it runs on:
// ofp4's sim (in process, with the fixture program's model) and a real simple_switch_grpc
// (test/setup/bmv2-process.ts). Both listen on loopback, serve bmv2's dataplane service and
// use CPU port 255; `restart()` brings either back empty (no pipeline, no state, no streams)
// on the same addresses. Starting and stopping only: the cases live in ./suite.ts.
import { readFileSync } from "node:fs";
import { Bmv2Process } from "../setup/bmv2-process.js";
import { startSim } from "../../targets/sim/sim.js";
import { simtestPipeline } from "../sim/simtest-pipeline.js";

export interface ConformanceTarget {
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string;
  /** How long no more copies of a frame must arrive before a frame's outputs count as complete. */
  readonly quietMs: number;
  /** Back to empty (no pipeline, entries, groups, streams), on the same addresses. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The end of the target's own log (bmv2's says why an update failed), for failure messages. */
  logTail(): string;
}

export const CPU_PORT = 255;

export async function startSimTarget(): Promise<ConformanceTarget> {
  const sim = await startSim({ pipeline: simtestPipeline, cpuPort: CPU_PORT });
  return {
    p4runtimeAddress: sim.p4runtimeAddress,
    dataplaneAddress: sim.dataplaneAddress!,
    quietMs: 30,
    restart: async () => sim.restart(),
    stop: () => sim.stop(),
    logTail: () => "",
  };
}

export async function startBmv2Target(): Promise<ConformanceTarget> {
  const bmv2 = await Bmv2Process.start({ deviceId: 0, cpuPort: CPU_PORT });
  return {
    p4runtimeAddress: bmv2.p4runtimeAddress,
    dataplaneAddress: bmv2.dataplaneAddress,
    quietMs: 150,
    restart: () => bmv2.restart(),
    stop: () => bmv2.stop(),
    logTail: () => {
      try {
        return readFileSync(`${bmv2.logFile}.txt`, "utf8").slice(-4000);
      } catch {
        return "";
      }
    },
  };
}

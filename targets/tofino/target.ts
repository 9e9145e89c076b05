// The Tofino target: a switch (Stratum, or bf_switchd with PI) programmed over P4Runtime with
// the device config packed from p4c-tofino's output directory in the packing the user chose
// (packing.ts), and its ports from the board's port map (ports.ts) when one is given. Promises
// a file holding the packed bytes for SetForwardingPipelineConfig, kept until stop(); a
// directory lacking an output or a bad port map is a one-line error naming the file. Never
// talks to the switch itself.

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTofinoArtifacts, packTofinoConfig, type TofinoPacking } from "./packing.js";
import { parseTofinoPortMap, type FrontPanelPort } from "./ports.js";

export interface TofinoSettings {
  readonly p4runtime: string;
  /** p4c-tofino's output directory (tofino.bin, context.json, bf-rt.json). */
  readonly pipelineDir: string;
  readonly packing: TofinoPacking;
  /** p4_name in the packed config. */
  readonly programName: string;
  readonly dataplane: string | undefined;
  /** The board's port-map file (front panel to device port), if the ports come from it. */
  readonly portMap?: string | undefined;
}

export interface TofinoTarget {
  readonly kind: "tofino";
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string | undefined;
  /** A temporary file holding the packed device config. */
  readonly deviceConfigPath: string;
  /** The ports from the port map, when one was given. */
  readonly ports: readonly FrontPanelPort[] | undefined;
  /** Removes the temporary file. */
  stop(): Promise<void>;
}

export async function tofinoTarget(s: TofinoSettings): Promise<TofinoTarget> {
  let ports: FrontPanelPort[] | undefined;
  if (s.portMap !== undefined) {
    let text: string;
    try {
      text = await readFile(s.portMap, "utf8");
    } catch (e) {
      throw new Error(`cannot read the Tofino port map ${s.portMap}: ${(e as Error).message}`, { cause: e });
    }
    const parsed = parseTofinoPortMap(text, s.portMap);
    if (typeof parsed === "string") throw new Error(parsed);
    ports = parsed;
  }
  let bytes: Uint8Array;
  try {
    bytes = packTofinoConfig(s.packing, await loadTofinoArtifacts(s.pipelineDir, s.programName));
  } catch (e) {
    throw new Error(`cannot pack the Tofino pipeline from ${s.pipelineDir}: ${(e as Error).message}`, { cause: e });
  }
  const dir = await mkdtemp(join(tmpdir(), "ofp4-tofino-"));
  const file = join(dir, "device_config.bin");
  await writeFile(file, bytes);
  return {
    kind: "tofino",
    p4runtimeAddress: s.p4runtime,
    dataplaneAddress: s.dataplane,
    deviceConfigPath: file,
    ports,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

// The pipeline files of one switch: the P4Info, the device config as the user named it, and
// the mapping file that says how OpenFlow lands on that P4 program (ofp4's own p4/ files
// unless the config names others). Checks the P4Info and the mapping against each other
// before any target is started, so a missing or bad file is one line naming it; both are
// parsed here once. Never reads the device config (each target knows what its device config is).

import { existsSync } from "node:fs";
import { DEFAULT_DEVICE_CONFIG_PATH, DEFAULT_MAPPING_PATH, DEFAULT_P4INFO_PATH, loadMapping, type OffloadMapping } from "../offload/index.js";
import { loadP4InfoFile, type P4InfoIndex } from "../p4runtime/index.js";
import type { SwitchConfig } from "./config.js";
import { ownFile, userPath } from "./paths.js";

export interface PipelineFiles {
  readonly p4infoPath: string;
  /** The device config as given (a bmv2 JSON, a p4c-tofino directory), or ofp4's bmv2 JSON. */
  readonly deviceConfigPath: string;
  readonly mappingPath: string;
  readonly p4info: P4InfoIndex;
  readonly mapping: OffloadMapping;
}

export function mustExist(file: string, what: string): string {
  if (!existsSync(file)) throw new Error(`${what} file ${file} does not exist`);
  return file;
}

const firstLine = (e: unknown): string => ((e as Error).message ?? String(e)).split("\n")[0]!;

/** Resolves and checks the switch's pipeline files; throws one line naming the file at fault. */
export function pipelineFiles(config: SwitchConfig): PipelineFiles {
  const p4infoPath = config.p4info !== undefined ? mustExist(userPath(config.p4info), "P4Info") : ownFile(DEFAULT_P4INFO_PATH);
  const mappingPath = config.mapping !== undefined ? mustExist(userPath(config.mapping), "mapping") : ownFile(DEFAULT_MAPPING_PATH);
  const deviceConfigPath = config.deviceConfig !== undefined ? mustExist(userPath(config.deviceConfig), "device config") : ownFile(DEFAULT_DEVICE_CONFIG_PATH);
  let p4info: P4InfoIndex;
  try {
    p4info = loadP4InfoFile(p4infoPath);
  } catch (e) {
    const line = firstLine(e);
    throw new Error(line.includes(p4infoPath) ? line : `P4Info file ${p4infoPath}: ${line}`, { cause: e });
  }
  let mapping: OffloadMapping;
  try {
    mapping = loadMapping(mappingPath, p4info);
  } catch (e) {
    const line = firstLine(e);
    const why = line.includes(mappingPath) ? line : `mapping file ${mappingPath}: ${line}`;
    throw new Error(why, { cause: e });
  }
  return { p4infoPath, deviceConfigPath, mappingPath, p4info, mapping };
}

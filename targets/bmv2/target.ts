// The bmv2 target: a simple_switch_grpc that the user started, programmed over P4Runtime.
// Owns what is bmv2's own: the device config is the bmv2 JSON exactly as p4c-bm2-ss wrote it
// (checked to be one before it is pushed), the CPU port is the P4 program's (the mapping's
// cpuPort, which simple_switch_grpc's --cpu-port must equal), the dataplane service is
// --dp-grpc-server-addr, and a port's target port is bmv2's port number as given with
// `-i N@iface`. Pure checks return an error line; never starts or stops bmv2.

import { readFile } from "node:fs/promises";

/** bmv2's port numbers are 9 bits; 511 is its drop port. */
export const BMV2_MAX_PORT = 511;

export interface Bmv2Port {
  /** OpenFlow port number. */
  readonly number: number;
  readonly name: string;
  /** bmv2's port number (`-i N@iface`). */
  readonly targetPort: number;
}

export interface Bmv2Settings {
  readonly p4runtime: string;
  /** Path of the bmv2 JSON p4c-bm2-ss wrote. */
  readonly deviceConfig: string;
  /** simple_switch_grpc's --dp-grpc-server-addr, if the user wants port and frame commands. */
  readonly dataplane: string | undefined;
  readonly ports: readonly Bmv2Port[];
  /** The P4 program's CPU port (the mapping's cpuPort). */
  readonly cpuPort: number;
  /** The P4 program's drop port (the mapping's dropPort). */
  readonly dropPort: number;
}

export interface Bmv2Target {
  readonly kind: "bmv2";
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string | undefined;
  /** The file pushed with SetForwardingPipelineConfig, unchanged. */
  readonly deviceConfigPath: string;
  readonly cpuPort: number;
}

/** Why `text` (the contents of `file`) is not a bmv2 JSON, or undefined if it looks like one. */
export function checkBmv2Json(text: string, file: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `device config file ${file} is not a bmv2 JSON: ${(e as Error).message}`;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return `device config file ${file} is not a bmv2 JSON: not a JSON object`;
  const o = doc as Record<string, unknown>;
  for (const key of ["header_types", "parsers", "pipelines"]) {
    if (!Array.isArray(o[key])) return `device config file ${file} is not a bmv2 JSON: no '${key}' list (p4c-bm2-ss writes one)`;
  }
  return undefined;
}

/** Why the port map cannot run on bmv2 with this P4 program, or undefined. */
export function checkBmv2Ports(ports: readonly Bmv2Port[], cpuPort: number, dropPort: number): string | undefined {
  for (const p of ports) {
    const where = `port ${p.number} (${p.name})`;
    if (!Number.isInteger(p.targetPort) || p.targetPort < 0 || p.targetPort >= BMV2_MAX_PORT) {
      return `${where}: bmv2 port ${p.targetPort} is out of range (bmv2 ports are 0 to ${BMV2_MAX_PORT - 1})`;
    }
    if (p.targetPort === cpuPort) return `${where}: bmv2 port ${p.targetPort} is the CPU port`;
    if (p.targetPort === dropPort) return `${where}: bmv2 port ${p.targetPort} is the drop port`;
  }
  return undefined;
}

/** Checks the settings and the device config file; rejects with one line naming what is wrong. */
export async function bmv2Target(s: Bmv2Settings): Promise<Bmv2Target> {
  let text: string;
  try {
    text = await readFile(s.deviceConfig, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `device config file ${s.deviceConfig} does not exist` : `cannot read the device config file ${s.deviceConfig}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const bad = checkBmv2Json(text, s.deviceConfig) ?? checkBmv2Ports(s.ports, s.cpuPort, s.dropPort);
  if (bad !== undefined) throw new Error(bad);
  return { kind: "bmv2", p4runtimeAddress: s.p4runtime, dataplaneAddress: s.dataplane, deviceConfigPath: s.deviceConfig, cpuPort: s.cpuPort };
}

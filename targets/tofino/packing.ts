// Device config packing for Tofino targets: turns p4c-tofino's outputs (tofino.bin,
// context.json, bf-rt.json) into the p4_device_config bytes of SetForwardingPipelineConfig.
// Two packings exist (../shared/p4runtime-facts.md §2.9): Stratum's
// stratum.hal.barefoot.BfPipelineConfig protobuf, and the legacy bf_switchd/PI one
// (three little-endian length-prefixed blobs). Pure functions; file reading is separate.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import protobuf from "protobufjs/minimal.js";

export type TofinoPacking = "stratum" | "legacy";

export interface TofinoArtifacts {
  /** The P4 program name (p4_name). */
  readonly programName: string;
  /** tofino.bin: the compiled pipeline binary. */
  readonly binary: Uint8Array;
  /** context.json of the pipeline profile. */
  readonly context: Uint8Array;
  /** bf-rt.json (BfRuntime info); Stratum needs it, the legacy packing does not carry it. */
  readonly bfrtInfo: Uint8Array;
  /** Profile name in Stratum's packing (p4c-tofino's pipe name, "pipe" by default). */
  readonly profileName?: string;
  /** Pipes the profile applies to; empty means all (Stratum's default). */
  readonly pipeScope?: readonly number[];
}

/**
 * Stratum's BfPipelineConfig: 1 p4_name string; 2 bfruntime_info bytes; 3 profiles repeated
 * Profile { 1 profile_name string; 2 context bytes; 3 binary bytes; 4 pipe_scope repeated uint32 }.
 */
export function packStratum(a: TofinoArtifacts): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string(a.programName);
  w.uint32((2 << 3) | 2).bytes(a.bfrtInfo);
  w.uint32((3 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(a.profileName ?? "pipe");
  w.uint32((2 << 3) | 2).bytes(a.context);
  w.uint32((3 << 3) | 2).bytes(a.binary);
  const scope = a.pipeScope ?? [];
  if (scope.length > 0) {
    w.uint32((4 << 3) | 2).fork();
    for (const pipe of scope) w.uint32(pipe);
    w.ldelim();
  }
  w.ldelim();
  return w.finish();
}

/** Legacy bf_switchd/PI packing: u32 LE length + name, + tofino.bin, + context.json. */
export function packLegacy(a: TofinoArtifacts): Uint8Array {
  const name = Buffer.from(a.programName, "utf8");
  const parts = [name, a.binary, a.context];
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, off);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

export function packTofinoConfig(packing: TofinoPacking, a: TofinoArtifacts): Uint8Array {
  return packing === "stratum" ? packStratum(a) : packLegacy(a);
}

/** Reads tofino.bin, context.json and bf-rt.json from p4c-tofino's output directory. */
export async function loadTofinoArtifacts(dir: string, programName: string): Promise<TofinoArtifacts> {
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return await readFile(join(dir, name));
    } catch (err) {
      throw new Error(`tofino pipeline: cannot read ${join(dir, name)}: ${(err as Error).message}`, { cause: err });
    }
  };
  // Read together, reported in a fixed order: the first missing file of the list is the one named.
  const got = await Promise.allSettled([read("tofino.bin"), read("context.json"), read("bf-rt.json")]);
  const failed = got.find((g): g is PromiseRejectedResult => g.status === "rejected");
  if (failed) throw failed.reason;
  const [binary, context, bfrtInfo] = got.map((g) => (g as PromiseFulfilledResult<Uint8Array>).value) as [Uint8Array, Uint8Array, Uint8Array];
  return { programName, binary, context, bfrtInfo };
}

// Tofino device-config packing: golden bytes for Stratum's BfPipelineConfig and for the
// legacy bf_switchd packing, from the fixture files in test/fixtures/tofino (see its README),
// and the target that writes the packed config for SetForwardingPipelineConfig.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { loadTofinoArtifacts, packLegacy, packStratum, packTofinoConfig } from "../../targets/tofino/packing.js";
import { tofinoTarget } from "../../targets/tofino/target.js";

const dir = fileURLToPath(new URL("../fixtures/tofino", import.meta.url));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ascii = (s: string) => Buffer.from(s, "latin1").toString("hex");

describe("tofino packing", () => {
  test("stratum BfPipelineConfig, byte by byte", async () => {
    const a = await loadTofinoArtifacts(dir, "ofp4");
    const expected =
      "0a04" + ascii("ofp4") + // 1: p4_name, 4 bytes
      "1226" + ascii('{"schema_version":"1.0.0","tables":[]}') + // 2: bfruntime_info, 38 bytes
      "1a2d" + // 3: profiles, 45 bytes:
      "0a04" + ascii("pipe") + //   1: profile_name
      "1217" + ascii('{"program_name":"ofp4"}') + //   2: context, 23 bytes
      "1a0c" + ascii("TOFINOBIN") + "000102"; //   3: binary, 12 bytes
    expect(hex(packStratum(a))).toBe(expected);
    expect(hex(packTofinoConfig("stratum", a))).toBe(expected);
  });

  test("stratum packing with a pipe scope", async () => {
    const a = { ...(await loadTofinoArtifacts(dir, "ofp4")), pipeScope: [0, 2] };
    const out = hex(packStratum(a));
    expect(out.startsWith("0a04" + ascii("ofp4"))).toBe(true);
    // the profile grows by 4 bytes: 22 02 00 02 (field 4, packed, two varints)
    expect(out).toContain("1a31");
    expect(out.endsWith(ascii("TOFINOBIN") + "000102" + "22020002")).toBe(true);
  });

  test("legacy bf_switchd packing, byte by byte", async () => {
    const a = await loadTofinoArtifacts(dir, "ofp4");
    const expected =
      "04000000" + ascii("ofp4") + "0c000000" + ascii("TOFINOBIN") + "000102" + "17000000" + ascii('{"program_name":"ofp4"}');
    expect(hex(packLegacy(a))).toBe(expected);
    expect(hex(packTofinoConfig("legacy", a))).toBe(expected);
  });

  test("a missing file is an error naming it", async () => {
    await expect(loadTofinoArtifacts("/nonexistent-dir", "x")).rejects.toThrow(/cannot read \/nonexistent-dir\/tofino\.bin/);
  });
});

describe("tofino target", () => {
  test("the packed config is written to a file that stop() removes", async () => {
    for (const packing of ["stratum", "legacy"] as const) {
      const t = await tofinoTarget({ p4runtime: "10.0.0.1:9559", pipelineDir: dir, packing, programName: "ofp4", dataplane: undefined });
      expect(t).toMatchObject({ kind: "tofino", p4runtimeAddress: "10.0.0.1:9559", dataplaneAddress: undefined });
      expect(hex(readFileSync(t.deviceConfigPath))).toBe(hex(packTofinoConfig(packing, await loadTofinoArtifacts(dir, "ofp4"))));
      await t.stop();
      expect(existsSync(t.deviceConfigPath)).toBe(false);
    }
  });

  test("a directory without p4c-tofino outputs is one line naming the file", async () => {
    await expect(tofinoTarget({ p4runtime: "10.0.0.1:9559", pipelineDir: "/nonexistent-dir", packing: "stratum", programName: "ofp4", dataplane: undefined })).rejects.toThrow(
      /^cannot pack the Tofino pipeline from \/nonexistent-dir: tofino pipeline: cannot read \/nonexistent-dir\/tofino\.bin/,
    );
  });
});

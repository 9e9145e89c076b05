// Tofino device-config packing: golden bytes for Stratum's BfPipelineConfig and for the
// legacy bf_switchd packing, from the fixture files in test/fixtures/tofino (see its README),
// the target that writes the packed config for SetForwardingPipelineConfig, and the board's
// port map from front-panel ports to device ports.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { loadTofinoArtifacts, packLegacy, packStratum, packTofinoConfig } from "../../targets/tofino/packing.js";
import { parseTofinoPortMap } from "../../targets/tofino/ports.js";
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

describe("tofino port map", () => {
  test("front-panel ports become OpenFlow ports numbered by device port, in front-panel order", () => {
    const ports = parseTofinoPortMap('{"10/0": 40, "2/0": 136, "1/1": 129, "1/0": 128}', "board.json");
    expect(ports).toEqual([
      { number: 128, name: "1/0", targetPort: 128 },
      { number: 129, name: "1/1", targetPort: 129 },
      { number: 136, name: "2/0", targetPort: 136 },
      { number: 40, name: "10/0", targetPort: 40 },
    ]);
  });

  test("a bad file is one line naming it and the entry", () => {
    expect(parseTofinoPortMap("[1]", "b.json")).toBe('Tofino port map b.json: not a JSON object of "N/C": device port');
    expect(parseTofinoPortMap('{"eth0": 1}', "b.json")).toBe("Tofino port map b.json: 'eth0' is not a front-panel port N/C");
    expect(parseTofinoPortMap('{"1/0": 512}', "b.json")).toBe("Tofino port map b.json: '1/0' maps to 512, not a device port from 0 to 511");
    expect(parseTofinoPortMap('{"1/0": "x"}', "b.json")).toBe('Tofino port map b.json: \'1/0\' maps to "x", not a device port from 0 to 511');
    expect(parseTofinoPortMap('{"1/0": 128, "1/1": 128}', "b.json")).toBe("Tofino port map b.json: '1/1' and '1/0' both map to device port 128");
    expect(parseTofinoPortMap("{}", "b.json")).toBe("Tofino port map b.json: no ports");
    expect(parseTofinoPortMap("{", "b.json")).toMatch(/^Tofino port map b\.json: /);
  });

  test("the target reads the map; a missing map is named", async () => {
    const map = join(mkdtempSync(join(tmpdir(), "ofp4-tofino-map-")), "board.json");
    writeFileSync(map, '{"1/0": 128, "1/1": 129}');
    const t = await tofinoTarget({ p4runtime: "10.0.0.1:9559", pipelineDir: dir, packing: "stratum", programName: "ofp4", dataplane: undefined, portMap: map });
    expect(t.ports).toEqual([
      { number: 128, name: "1/0", targetPort: 128 },
      { number: 129, name: "1/1", targetPort: 129 },
    ]);
    await t.stop();
    const none = await tofinoTarget({ p4runtime: "10.0.0.1:9559", pipelineDir: dir, packing: "stratum", programName: "ofp4", dataplane: undefined });
    expect(none.ports).toBeUndefined();
    await none.stop();
    await expect(
      tofinoTarget({ p4runtime: "10.0.0.1:9559", pipelineDir: dir, packing: "stratum", programName: "ofp4", dataplane: undefined, portMap: "/nonexistent/board.json" }),
    ).rejects.toThrow(/^cannot read the Tofino port map \/nonexistent\/board\.json: ENOENT/);
  });
});

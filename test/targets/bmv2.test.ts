// targets/bmv2: the device config is pushed as p4c-bm2-ss wrote it (checked to be a bmv2 JSON
// first), bmv2 port numbers are taken as given and must not be the CPU or drop port.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BMV2_MAX_PORT, bmv2Target, checkBmv2Json, checkBmv2Ports } from "../../targets/bmv2/target.js";

const json = fileURLToPath(new URL("../../p4/ofp4.json", import.meta.url));
const p4info = fileURLToPath(new URL("../../p4/ofp4.p4info.txtpb", import.meta.url));
const ports = [
  { number: 1, name: "p1", targetPort: 1 },
  { number: 2, name: "p2", targetPort: 2 },
];

describe("bmv2 device config", () => {
  test("ofp4's own p4c-bm2-ss output is a bmv2 JSON", () => {
    expect(checkBmv2Json(readFileSync(json, "utf8"), json)).toBeUndefined();
  });

  test("anything else is named with what is missing", () => {
    expect(checkBmv2Json("{}", "x.json")).toBe("device config file x.json is not a bmv2 JSON: no 'header_types' list (p4c-bm2-ss writes one)");
    expect(checkBmv2Json('{"header_types":[],"parsers":[]}', "x.json")).toContain("no 'pipelines' list");
    expect(checkBmv2Json("[1]", "x.json")).toBe("device config file x.json is not a bmv2 JSON: not a JSON object");
    expect(checkBmv2Json(readFileSync(p4info, "utf8"), p4info)).toMatch(new RegExp(`^device config file ${p4info} is not a bmv2 JSON: `));
  });
});

describe("bmv2 ports", () => {
  test("port numbers as given with -i N@iface, 0 included", () => {
    expect(checkBmv2Ports([...ports, { number: 3, name: "p3", targetPort: 0 }], 255, 511)).toBeUndefined();
  });

  test("the CPU port, the drop port and numbers past 9 bits are refused, naming the port", () => {
    expect(checkBmv2Ports([{ number: 5, name: "up", targetPort: 255 }], 255, 511)).toBe("port 5 (up): bmv2 port 255 is the CPU port");
    expect(checkBmv2Ports([{ number: 5, name: "up", targetPort: 64 }], 64, 511)).toBe("port 5 (up): bmv2 port 64 is the CPU port");
    expect(checkBmv2Ports([{ number: 6, name: "d", targetPort: 500 }], 255, 500)).toBe("port 6 (d): bmv2 port 500 is the drop port");
    expect(checkBmv2Ports([{ number: 7, name: "big", targetPort: BMV2_MAX_PORT }], 255, 511)).toBe("port 7 (big): bmv2 port 511 is out of range (bmv2 ports are 0 to 510)");
  });
});

describe("bmv2Target", () => {
  test("gives the file unchanged, the addresses and the CPU port", async () => {
    const t = await bmv2Target({ p4runtime: "127.0.0.1:9559", deviceConfig: json, dataplane: "127.0.0.1:50052", ports, cpuPort: 255, dropPort: 511 });
    expect(t).toEqual({ kind: "bmv2", p4runtimeAddress: "127.0.0.1:9559", dataplaneAddress: "127.0.0.1:50052", deviceConfigPath: json, cpuPort: 255 });
  });

  test("a missing file, a file that is not bmv2 JSON, a bad port: one line each", async () => {
    const base = { p4runtime: "127.0.0.1:9559", dataplane: undefined, ports, cpuPort: 255, dropPort: 511 };
    await expect(bmv2Target({ ...base, deviceConfig: "/nonexistent/ofp4.json" })).rejects.toThrow(/^device config file \/nonexistent\/ofp4\.json does not exist$/);
    await expect(bmv2Target({ ...base, deviceConfig: p4info })).rejects.toThrow(/is not a bmv2 JSON/);
    await expect(bmv2Target({ ...base, deviceConfig: json, ports: [{ number: 1, name: "p1", targetPort: 255 }] })).rejects.toThrow("port 1 (p1): bmv2 port 255 is the CPU port");
  });
});

// The standalone sim's command line: bmv2's flags parsed as simple_switch_grpc takes them,
// bad flags refused with a message, and runSim listening on port 0 with one log line per
// listener naming the real address, serving P4Runtime and the admin interface, then stopping.
import { describe, expect, it } from "vitest";
import { parseSimArgs, runSim } from "../../targets/sim/main.js";
import { TestClient } from "./harness.js";
import { simtestPipeline } from "./simtest-pipeline.js";

describe("sim command line", () => {
  it("takes bmv2's flags, with --grpc-server-addr as an alias of --p4runtime and `--` ignored", () => {
    expect(parseSimArgs(["--device-id", "3", "--", "--grpc-server-addr", "127.0.0.1:0", "--cpu-port", "64", "--dp-grpc-server-addr=127.0.0.1:0", "--ports", "4"])).toEqual({
      p4runtimeAddress: "127.0.0.1:0",
      deviceId: 3n,
      cpuPort: 64,
      dataplaneAddress: "127.0.0.1:0",
      adminAddress: null,
      ports: 4,
    });
  });

  it("defaults like simple_switch_grpc's P4Runtime port, with ofp4's CPU port 255", () => {
    expect(parseSimArgs([])).toMatchObject({ p4runtimeAddress: "127.0.0.1:9559", deviceId: 0n, cpuPort: 255, dataplaneAddress: null });
  });

  it("refuses unknown flags, missing values and bad numbers with a message", () => {
    expect(parseSimArgs(["--bogus", "1"])).toBe("unknown option --bogus");
    expect(parseSimArgs(["--p4runtime"])).toBe("missing value for --p4runtime");
    expect(parseSimArgs(["--cpu-port", "511"])).toMatch(/--cpu-port/);
    expect(parseSimArgs(["--device-id", "x"])).toMatch(/--device-id/);
  });

  it("runSim logs one line per listener with its real port, serves P4Runtime and admin, and stops", async () => {
    const args = parseSimArgs(["--p4runtime", "127.0.0.1:0", "--dp-grpc-server-addr", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--device-id", "5"]);
    if (typeof args === "string") throw new Error(args);
    const lines: string[] = [];
    const sim = await runSim(args, (l) => lines.push(l), simtestPipeline);
    try {
      expect(lines).toHaveLength(3);
      for (const l of lines) expect(l).toMatch(/listening on (http:\/\/)?127\.0\.0\.1:[1-9]\d*/);
      expect(lines[0]).toContain(sim.p4runtimeAddress);
      const client = new TestClient(sim.p4runtimeAddress);
      expect(await client.capabilities()).toBe("1.3.0");
      expect(await client.setConfig({ deviceId: 5n })).toBe(0);
      client.close();
      const state = (await (await fetch(`http://${sim.adminAddress}/state`)).json()) as Record<string, unknown>;
      expect(state).toMatchObject({ deviceId: "5", pipeline: true });
    } finally {
      await sim.stop();
    }
  });
});

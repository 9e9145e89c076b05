// `ofp4 start`'s flags over the configuration (in process, no daemon): defaults, overrides of
// the one switch, a multi-switch file needing --name, refused values; and the terminal log
// formatter.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseStartArgs, resolveConfig, UsageError } from "../../src/cli/ofp4.js";
import { readableLine } from "../../src/daemon/log.js";
import { tempDir } from "./process.js";

const resolve = (argv: string[]) => resolveConfig(parseStartArgs(argv));

describe("ofp4 start flags", () => {
  test("no flags: br0 on the sim at 127.0.0.1:9559, OpenFlow on 127.0.0.1:6653, 8 ports", async () => {
    const c = await resolve([]);
    expect(c.switches).toHaveLength(1);
    expect(c.switches[0]).toMatchObject({ name: "br0", target: "sim", p4runtime: "127.0.0.1:9559" });
    expect(c.switches[0]!.controllers).toEqual([{ kind: "listen", address: "127.0.0.1:6653", tls: undefined }]);
    expect(c.switches[0]!.ports).toHaveLength(8);
    expect(c.metrics).toBeUndefined();
  });

  test("flags replace the switch's values; --listen and --connect repeat", async () => {
    const c = await resolve([
      "--name=s1",
      "--ports",
      "3",
      "--listen",
      "127.0.0.1:0",
      "--listen",
      "127.0.0.1:7000",
      "--connect",
      "10.0.0.1:6653",
      "--election-id",
      "0x10",
      "--datapath-id",
      "42",
      "--fail-mode",
      "standalone",
      "--metrics",
      "127.0.0.1:9100",
      "--mapping",
      "other.mapping.json",
    ]);
    const s = c.switches[0]!;
    expect(s).toMatchObject({ name: "s1", electionId: 16n, datapathId: 42n, failMode: "standalone", mapping: "other.mapping.json" });
    expect(s.ports.map((p) => p.name)).toEqual(["p1", "p2", "p3"]);
    expect(s.controllers.map((x) => `${x.kind} ${x.address}`)).toEqual(["listen 127.0.0.1:0", "listen 127.0.0.1:7000", "connect 10.0.0.1:6653"]);
    expect(c.metrics).toBe("127.0.0.1:9100");
  });

  test("with several switches in the file, switch flags need --name of one of them", async () => {
    const f = join(tempDir(), "two.yaml");
    writeFileSync(f, "switches:\n  - { name: a, p4runtime: '127.0.0.1:9561' }\n  - { name: b, p4runtime: '127.0.0.1:9562', controllers: [{ listen: '127.0.0.1:6654' }] }\n");
    await expect(resolve(["--config", f, "--ports", "2"])).rejects.toThrow(/need --name naming one of the config's switches \(a, b\)/);
    const c = await resolve(["--config", f, "--name", "b", "--ports", "2"]);
    expect(c.switches.map((s) => [s.name, s.ports.length])).toEqual([
      ["a", 8],
      ["b", 2],
    ]);
  });

  test("bad values and unknown flags are usage errors naming the flag", async () => {
    expect(() => parseStartArgs(["--colour", "blue"])).toThrow(new UsageError("unknown option --colour"));
    expect(() => parseStartArgs(["--ports"])).toThrow(new UsageError("--ports needs a value"));
    await expect(resolve(["--target", "p4"])).rejects.toThrow("--target is one of sim, bmv2, tofino, not 'p4'");
    await expect(resolve(["--target", "bmv2"])).rejects.toThrow("--target bmv2 needs --p4info FILE and --pipeline FILE");
    await expect(resolve(["--listen", "6653"])).rejects.toThrow("--listen needs HOST:PORT, not '6653'");
    await expect(resolve(["--ports", "0"])).rejects.toThrow("--ports needs a count from 1 to 510, not '0'");
    await expect(resolve(["--metrics", "127.0.0.1:6653"])).rejects.toThrow("metrics address 127.0.0.1:6653 is already used by 'br0'");
    await expect(resolve(["--tofino-port-map", "board.json"])).rejects.toThrow("--tofino-port-map is for --target tofino, not sim");
    const tofino = ["--target", "tofino", "--p4info", "p.txtpb", "--pipeline", "build/", "--tofino-port-map", "board.json"];
    await expect(resolve([...tofino, "--ports", "4"])).rejects.toThrow("--tofino-port-map gives the ports: --ports cannot be given too");
    expect((await resolve(tofino)).switches[0]!.tofinoPortMap).toBe("board.json");
  });
});

describe("readable log lines", () => {
  test("time, level, switch, message, then the other fields", () => {
    const line = readableLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 6, 5, 4, 321), pid: 1, switch: "br0", msg: "P4Runtime target lost", reason: "gone", n: 2 }));
    expect(line).toBe("06:05:04.321 WARN  br0: P4Runtime target lost  reason=gone n=2");
    expect(readableLine("not json")).toBe("not json");
  });
});

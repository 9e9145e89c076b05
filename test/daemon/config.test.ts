// The YAML configuration: good files load with defaults filled in; every bad file is refused
// whole, with the key and the line of each problem.
import { describe, expect, test } from "vitest";
import { ConfigError, defaultConfig, parseConfig } from "../../src/daemon/config.js";

function problems(text: string): readonly string[] {
  try {
    parseConfig(text, "t.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the config to be refused");
}

describe("config", () => {
  test("the default is one switch br0 on the sim with 8 ports listening on 127.0.0.1:6653", () => {
    const c = defaultConfig();
    expect(c.switches).toHaveLength(1);
    const sw = c.switches[0]!;
    expect(sw.name).toBe("br0");
    expect(sw.target).toBe("sim");
    expect(sw.p4runtime).toBe("127.0.0.1:9559");
    expect(sw.ports.map((p) => p.name)).toEqual(["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"]);
    expect(sw.controllers).toEqual([{ kind: "listen", address: "127.0.0.1:6653", tls: undefined }]);
  });

  test("a full file for two switches loads every key", () => {
    const c = parseConfig(`
admin_socket: /tmp/ofp4.sock
metrics: 127.0.0.1:9100
log_level: debug
switches:
  - name: br0
    ports: 4
    controllers:
      - listen: 127.0.0.1:0
  - name: tor1
    target: bmv2
    p4runtime: 127.0.0.1:50051
    device_id: 7
    election_id: "0x10000000000000000"
    role: ofp4
    p4info: p4/ofp4.p4info.txtpb
    device_config: p4/ofp4.json
    mapping: p4/other.mapping.json
    ports:
      - { number: 1, name: eth1, target_port: 5 }
      - { number: 2, target_port: 6 }
    controllers:
      - connect: 127.0.0.1:6633
        tls: { ca: ca.pem, cert: c.pem, key: k.pem }
    fail_mode: standalone
    datapath_id: "0x00000000000000aa"
    counter_poll_interval_ms: 500
    write_max_updates: 200
    write_max_bytes: 65536
    write_max_in_flight: 2
    max_pending_groups: 80
    target_wait_ms: 2500
`);
    expect(c.adminSocket).toBe("/tmp/ofp4.sock");
    expect(c.metrics).toBe("127.0.0.1:9100");
    expect(c.logLevel).toBe("debug");
    expect(c.switches[0]!.ports).toHaveLength(4);
    const t = c.switches[1]!;
    expect(t.target).toBe("bmv2");
    expect(t.deviceId).toBe(7n);
    expect(t.mapping).toBe("p4/other.mapping.json");
    expect(c.switches[0]!.mapping).toBeUndefined();
    expect(t.electionId).toBe(1n << 64n);
    expect(t.ports).toEqual([
      { number: 1, name: "eth1", targetPort: 5 },
      { number: 2, name: "p2", targetPort: 6 },
    ]);
    expect(t.controllers).toEqual([{ kind: "connect", address: "127.0.0.1:6633", tls: { ca: "ca.pem", cert: "c.pem", key: "k.pem" } }]);
    expect(t.failMode).toBe("standalone");
    expect(t.datapathId).toBe(0xaan);
    expect([t.counterPollIntervalMs, t.writeMaxUpdates, t.writeMaxBytes, t.writeMaxInFlight, t.maxPendingGroups, t.targetWaitMs]).toEqual([
      500, 200, 65536, 2, 80, 2500,
    ]);
    expect(c.switches[0]!.targetWaitMs).toBe(30_000);
  });

  test("an unknown key is named with its line", () => {
    expect(problems("switches:\n  - name: br0\n    colour: blue\n")).toEqual([
      expect.stringMatching(/^line 3: 'switches\[0\]\.colour' is not a known key/),
    ]);
  });

  test("a wrong type is named with its line", () => {
    expect(problems("switches:\n  - name: br0\n    device_id: many\n")).toEqual([
      "line 3: 'switches[0].device_id' must be an unsigned 64-bit integer, not \"many\"",
    ]);
    expect(problems("switches:\n  - name: br0\n    fail_mode: open\n")[0]).toMatch(/^line 3: 'switches\[0\]\.fail_mode' must be one of secure, standalone/);
    expect(problems("switches:\n  - name: br0\n    controllers:\n      - listen: nowhere\n")[0]).toMatch(
      /^line 4: 'switches\[0\]\.controllers\[0\]\.listen' must be HOST:PORT, not 'nowhere'/,
    );
  });

  test("target_wait_ms out of range is named with its line", () => {
    expect(problems("switches:\n  - name: br0\n    target_wait_ms: 5\n")[0]).toMatch(/^line 3: 'switches\[0\]\.target_wait_ms' /);
  });

  test("several problems are all reported", () => {
    expect(problems("switches:\n  - name: a\n    bogus: 1\n    max_pending_groups: 0\n")).toHaveLength(2);
  });

  test("clashing listen addresses, devices, names and port maps are refused at the key and line", () => {
    expect(
      problems(`switches:
  - name: a
    p4runtime: 127.0.0.1:9559
    controllers: [{listen: 127.0.0.1:6653}]
  - name: b
    p4runtime: 127.0.0.1:9560
    controllers: [{listen: 127.0.0.1:6653}]
`),
    ).toEqual(["line 7: 'switches[1].controllers[0].listen' 127.0.0.1:6653 is already used by 'a'"]);
    expect(problems("switches:\n  - name: a\n    ports: [{number: 1}, {number: 1, name: x, target_port: 2}]\n")).toEqual([
      "line 3: 'switches[0].ports[1].number' 1 is mapped twice",
    ]);
    expect(problems("switches:\n  - name: a\n    ports:\n      - {number: 1, name: x}\n      - {number: 2, name: x, target_port: 1}\n")).toEqual([
      "line 5: 'switches[0].ports[1].target_port' 1 is mapped twice",
      "line 5: 'switches[0].ports[1].name' 'x' is used twice",
    ]);
    expect(problems("switches:\n  - name: a\n  - name: a\n    p4runtime: 127.0.0.1:1\n")).toEqual([
      "line 3: 'switches[1].name' 'a' is used twice",
      "line 3: 'switches[1].controllers' (listen 127.0.0.1:6653, the default) is already used by 'a'",
    ]);
    expect(
      problems(`metrics: 127.0.0.1:9100
switches:
  - name: a
    target: bmv2
    p4runtime: 10.0.0.5:9559
    p4info: p.txtpb
    device_config: d.json
    controllers: [{listen: 127.0.0.1:9100}]
  - name: b
    target: bmv2
    p4info: p.txtpb
    device_config: d.json
    controllers: [{listen: 127.0.0.1:6653}]
    p4runtime: 10.0.0.5:9559
`),
    ).toEqual(["line 14: 'switches[1].p4runtime' 10.0.0.5:9559 device 1 is already driven by 'a'", "line 1: 'metrics' 127.0.0.1:9100 is already used by 'a'"]);
  });

  test("a Tofino port map: only for target tofino, and not beside 'ports'", () => {
    const c = parseConfig("switches:\n  - name: t\n    target: tofino\n    p4info: p.txtpb\n    device_config: build/\n    tofino_port_map: board.json\n");
    expect(c.switches[0]!.tofinoPortMap).toBe("board.json");
    expect(problems("switches:\n  - name: b\n    target: bmv2\n    p4info: p.txtpb\n    device_config: d.json\n    tofino_port_map: board.json\n")).toEqual([
      "line 6: 'switches[0].tofino_port_map' is for target tofino, not bmv2",
    ]);
    expect(problems("switches:\n  - name: t\n    target: tofino\n    p4info: p.txtpb\n    device_config: build/\n    ports: 4\n    tofino_port_map: board.json\n")).toEqual([
      "line 7: 'switches[0].tofino_port_map' gives the ports: 'ports' cannot be given too",
    ]);
  });

  test("a bmv2 switch without pipeline files is refused", () => {
    expect(problems("switches:\n  - name: a\n    target: bmv2\n")).toEqual([
      "line 2: 'switches[0]' with target bmv2 needs 'p4info' and 'device_config'",
    ]);
  });

  test("YAML syntax errors carry their line", () => {
    expect(problems("switches:\n  - name: [a\n")[0]).toMatch(/^line \d+: /);
    expect(problems("")).toEqual(["the file is empty"]);
    expect(problems("- 1\n")).toEqual(["line 1: the top level must be a mapping"]);
  });
});

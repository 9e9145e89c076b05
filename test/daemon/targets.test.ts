// The bmv2 and tofino targets, each against a standalone `ofp4 sim` (bmv2's flags): bmv2 with
// its dataplane service for port-down, inject and capture; tofino with the device config packed
// from p4c-tofino outputs (test/fixtures/tofino) in both packings, which the sim (bmv2 JSON
// only) refuses: the refusal is one line naming the target and the pipeline. What bmv2 would
// refuse anyway (a device config that is no bmv2 JSON, the CPU port as a data port) is refused
// before any connection, naming the file or the port.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, expect, test } from "vitest";
import { ctl, ensureBuilt, ofctl, runOfp4, startDaemon, tempDir, type Proc } from "../cli/process.js";

const started: Proc[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

async function standaloneSim(): Promise<{ p4runtime: string; dataplane: string; proc: Proc }> {
  const sim = runOfp4(["sim", "--p4runtime", "127.0.0.1:0", "--device-id", "3", "--cpu-port", "255", "--dp-grpc-server-addr", "127.0.0.1:0", "--ports", "4"]);
  started.push(sim);
  const p4runtime = /P4Runtime listening on (\S+)/.exec(await sim.line(/P4Runtime listening on/))![1]!;
  const dataplane = /dataplane listening on (\S+)/.exec(await sim.line(/dataplane listening on/))![1]!;
  return { p4runtime, dataplane, proc: sim };
}

test("--target bmv2 programs a target it did not start; its dataplane service carries port and frame commands", async () => {
  const sim = await standaloneSim();
  const d = await startDaemon(["--target", "bmv2", "--p4runtime", sim.p4runtime, "--device-id", "3", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json", "--dataplane", sim.dataplane, "--ports", "4"]);
  started.push(d.proc);
  const show = JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { target: { kind: string; p4runtime: string; deviceId: string } };
  expect(show.target).toMatchObject({ kind: "bmv2", p4runtime: sim.p4runtime, deviceId: "3" });
  expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "in_port=2,actions=output:4")).code).toBe(0);
  const frame = "0200000000020200000000030800450000140000000040ff00000a0000010a000002";
  expect((await ctl(d.socket, "inject", "br0", "2", frame)).code).toBe(0);
  let frames: { frame: string }[] = [];
  for (let i = 0; i < 50 && frames.length === 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20)); // two gRPC hops away; nothing to await here
    frames = (JSON.parse((await ctl(d.socket, "--json", "capture", "br0", "4")).stdout) as { frames: { frame: string }[] }).frames;
  }
  expect(frames.map((f) => f.frame)).toEqual([frame]);
  expect((await ctl(d.socket, "port-down", "br0", "4")).code).toBe(0);
  expect((await ctl(d.socket, "show", "br0")).stdout).toContain("4(p4): target port 4, down");
});

test.each(["stratum", "legacy"])("--target tofino packs test/fixtures/tofino (%s); a target that refuses it is named with the pipeline", async (packing) => {
  // The sim takes only bmv2 JSON: it refuses the packed Tofino config as bmv2 would.
  const sim = await standaloneSim();
  const p = runOfp4(["start", "--listen", "127.0.0.1:0", "--admin-socket", "/tmp/ofp4-never.ctl", "--target", "tofino", "--p4runtime", sim.p4runtime, "--device-id", "3", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "test/fixtures/tofino", "--tofino-packing", packing, "--ports", "4"]);
  started.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toBe(
    `ofp4: P4Runtime target ${sim.p4runtime} refused the pipeline test/fixtures/tofino (UNKNOWN: SetForwardingPipelineConfig: Error in first phase of device update: device config is not a bmv2 JSON)\n`,
  );
});

test("--target tofino with a directory lacking p4c-tofino outputs names the missing file", async () => {
  const p = runOfp4(["start", "--listen", "127.0.0.1:0", "--admin-socket", "/tmp/ofp4-never.ctl", "--target", "tofino", "--p4runtime", "127.0.0.1:1", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4"]);
  started.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toMatch(/^ofp4: cannot pack the Tofino pipeline from \S+\/p4: tofino pipeline: cannot read \S+\/p4\/tofino\.bin/);
});

test("--target bmv2 with a device config that is not a bmv2 JSON, or a port on the CPU port, is one line naming it", async () => {
  const base = ["start", "--listen", "127.0.0.1:0", "--admin-socket", "/tmp/ofp4-never.ctl", "--target", "bmv2", "--p4runtime", "127.0.0.1:1", "--p4info", "p4/ofp4.p4info.txtpb"];
  const notJson = runOfp4([...base, "--pipeline", "p4/ofp4.p4info.txtpb"]);
  started.push(notJson);
  expect((await notJson.exited).code).toBe(1);
  expect(notJson.stderr).toMatch(/^ofp4: device config file \S+\/p4\/ofp4\.p4info\.txtpb is not a bmv2 JSON: [^\n]*\n$/);

  const cfg = join(tempDir(), "ofp4.yaml");
  writeFileSync(cfg, "switches:\n  - name: br0\n    target: bmv2\n    p4runtime: 127.0.0.1:1\n    p4info: p4/ofp4.p4info.txtpb\n    device_config: p4/ofp4.json\n    ports: [{ number: 255, name: cpu, target_port: 255 }]\n    controllers: [{ listen: 127.0.0.1:0 }]\n");
  const cpu = runOfp4(["start", "--admin-socket", "/tmp/ofp4-never.ctl", "--config", cfg]);
  started.push(cpu);
  expect((await cpu.exited).code).toBe(1);
  expect(cpu.stderr).toBe("ofp4: port 255 (cpu): bmv2 port 255 is the CPU port\n");
});

test("--target bmv2 with a device id the target does not have is one line naming the address and the id", async () => {
  const sim = await standaloneSim(); // device 3
  const p = runOfp4(["start", "--listen", "127.0.0.1:0", "--admin-socket", "/tmp/ofp4-never.ctl", "--target", "bmv2", "--p4runtime", sim.p4runtime, "--device-id", "4", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json"]);
  started.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toBe(`ofp4: P4Runtime target ${sim.p4runtime} refused device id 4 (UNKNOWN: SetForwardingPipelineConfig: No device 4 in this switch)\n`);
});

test("a target that goes away while ofp4 runs: commands that need it name its address, the daemon keeps running", async () => {
  const sim = await standaloneSim();
  const d = await startDaemon(["--target", "bmv2", "--p4runtime", sim.p4runtime, "--device-id", "3", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json", "--ports", "4"]);
  started.push(d.proc);
  expect(await sim.proc.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
  const entries = await ctl(d.socket, "dump-entries", "br0");
  expect(entries.code).toBe(1);
  expect(entries.stderr).toMatch(new RegExp(`^ofp4ctl: reading the entries from ${sim.p4runtime.replace(/\./g, "\\.")} failed: [^\n]+\n$`));
  let phase = "";
  for (let i = 0; i < 100 && phase !== "lost"; i++) {
    phase = (JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { target: { phase: string } }).target.phase;
  }
  expect(phase).toBe("lost");
  expect((await ctl(d.socket, "list")).stdout).toMatch(/^br0 {2}target=bmv2 .* state=lost /);
  expect(d.proc.child.exitCode).toBeNull();
  expect(await d.proc.stop("SIGTERM")).toEqual({ code: 0, signal: null });
}, 60_000);

test("--tofino-port-map: the board's front-panel ports are the switch's ports (a device port the program cannot use is named)", async () => {
  const dir = tempDir();
  const bad = join(dir, "board.json");
  writeFileSync(bad, '{"1/0": 255, "1/1": 129}'); // 255 is ofp4.p4's CPU port
  const base = ["start", "--listen", "127.0.0.1:0", "--admin-socket", join(dir, "ctl"), "--target", "tofino", "--p4runtime", "127.0.0.1:1", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "test/fixtures/tofino"];
  const p = runOfp4([...base, "--tofino-port-map", bad]);
  started.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toBe("ofp4: port 255 (1/0) cannot be a data port of this P4 program\n");

  const notMap = join(dir, "not-a-map.json");
  writeFileSync(notMap, '{"eth0": 1}');
  const q = runOfp4([...base, "--tofino-port-map", notMap]);
  started.push(q);
  expect((await q.exited).code).toBe(1);
  expect(q.stderr).toBe(`ofp4: Tofino port map ${notMap}: 'eth0' is not a front-panel port N/C\n`);

  // A good map gets as far as the pipeline, which the sim (bmv2 JSON only) refuses.
  const sim = await standaloneSim();
  const good = join(dir, "good.json");
  writeFileSync(good, '{"1/0": 128, "1/1": 129}');
  const r = runOfp4([...base.map((a) => (a === "127.0.0.1:1" ? sim.p4runtime : a)), "--device-id", "3", "--tofino-port-map", good]);
  started.push(r);
  expect((await r.exited).code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^ofp4: P4Runtime target ${sim.p4runtime.replace(/\./g, "\\.")} refused the pipeline test/fixtures/tofino `));
});

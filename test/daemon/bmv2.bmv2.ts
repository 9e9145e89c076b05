// `ofp4 start --target bmv2` against a real simple_switch_grpc this test starts (--no-p4, CPU
// port 255, the dataplane service on loopback): ofp4 pushes the bmv2 JSON as p4c wrote it, a
// flow added with ovs-ofctl forwards a frame injected with ofp4ctl, dump-flows counts it and
// dump-entries shows the entry read back from bmv2 beside its rule; a device id bmv2 does not
// have is one line naming the address and the id.

import { afterEach, beforeAll, expect, test } from "vitest";
import { Bmv2Process } from "../setup/bmv2-process.js";
import { ctl, ensureBuilt, ofctl, runOfp4, startDaemon, tempDir, type Proc } from "../cli/process.js";

const procs: Proc[] = [];
const switches: Bmv2Process[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of procs.splice(0)) await p.stop("SIGTERM");
  for (const b of switches.splice(0)) await b.stop();
});

const PIPELINE = ["--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json"];
// IPv4 from 02:..:03 to 02:..:02 (34 bytes).
const FRAME = "0200000000020200000000030800450000140000000040ff00000a0000010a000002";

test("ofp4 programs a simple_switch_grpc it did not start: flows forward frames, counters and entries read back", async () => {
  const b = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  switches.push(b);
  const d = await startDaemon(["--target", "bmv2", "--p4runtime", b.p4runtimeAddress, "--device-id", "0", ...PIPELINE, "--dataplane", b.dataplaneAddress, "--ports", "4"]);
  procs.push(d.proc);
  const show = JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { target: { kind: string; p4runtime: string; deviceId: string; phase: string }; role: string };
  expect(show).toMatchObject({ target: { kind: "bmv2", p4runtime: b.p4runtimeAddress, deviceId: "0", phase: "ready" }, role: "primary" });

  expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "priority=10,in_port=1,actions=output:2")).code).toBe(0);
  expect((await ctl(d.socket, "inject", "br0", "1", FRAME)).code).toBe(0);
  let frames: { frame: string }[] = [];
  for (let i = 0; i < 100 && frames.length === 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20)); // through bmv2 and back over gRPC; no event reaches this process
    frames = (JSON.parse((await ctl(d.socket, "--json", "capture", "br0", "2")).stdout) as { frames: { frame: string }[] }).frames;
  }
  expect(frames.map((f) => f.frame)).toEqual([FRAME]);

  const flows = await ctl(d.socket, "dump-flows", "br0");
  expect(flows.stdout).toMatch(/n_packets=1, n_bytes=34, priority=10,in_port=1 actions=output:2/);
  const entries = JSON.parse((await ctl(d.socket, "--json", "dump-entries", "br0")).stdout) as { table: string; status: string; rule: string }[];
  expect(entries).toEqual([expect.objectContaining({ table: "ingress.ofp_table_0", status: "rule", rule: "table=0, cookie=0x0, priority=10,in_port=1" })]);
  expect(await d.proc.stop("SIGTERM")).toEqual({ code: 0, signal: null });
});

test("a device id bmv2 does not have: one line naming the address and the id, exit 1", async () => {
  const b = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  switches.push(b);
  const p = runOfp4(["start", "--listen", "127.0.0.1:0", "--admin-socket", `${tempDir()}/ctl`, "--target", "bmv2", "--p4runtime", b.p4runtimeAddress, "--device-id", "5", ...PIPELINE]);
  procs.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toBe(`ofp4: P4Runtime target ${b.p4runtimeAddress} refused device id 5 (UNKNOWN: SetForwardingPipelineConfig: Error when trying to assign device)\n`);
});

// ovs-testcontroller (Debian's openvswitch-testcontroller, a MAC-learning controller that
// pipelines its requests) as an active controller: ofp4 connects out to it. Frames injected on
// two sim ports are learned (packet-ins, flow_mods, packet-outs); afterwards the same frames
// are forwarded by P4 entries: they leave the right ports, the rules' counters move, and the
// controller receives no new packet-in.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../harness/ovs.js";
import { startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { captured, start, udpFrameHex, type Spawned } from "./util.js";

let sw: Ofp4Process | undefined;
let ctrl: Spawned | undefined;
const dir = mkdtempSync(join(tmpdir(), "ofp4-e2e-tc-"));

afterAll(async () => {
  await sw?.stop();
  await ctrl?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const packetIns = (c: Spawned) => (c.err.match(/received: OFPT_PACKET_IN/g) ?? []).length;

it("ovs-testcontroller learns two hosts and its flows then forward in P4", async () => {
  const port = await freePort();
  ctrl = start("ovs-testcontroller", ["-vvconn:console:dbg", `ptcp:${port}:127.0.0.1`], { ...process.env, OVS_RUNDIR: dir });
  sw = await startOfp4({ ports: 4, connect: [`127.0.0.1:${port}`] });
  await ctrl.waitFor(/received: OFPT_FEATURES_REPLY/);

  const aToB = udpFrameHex(0x0a, 0x0b);
  const bToA = udpFrameHex(0x0b, 0x0a);
  // A on port 1 speaks first (B unknown: flooded), then B answers from port 2 (A known: a flow
  // for B->A), then A again (B known now: a flow for A->B).
  await sw.inject(1, aToB);
  await ctrl.waitFor(/received: OFPT_PACKET_IN/);
  expect(await captured(sw, 2)).toContain(aToB);
  await sw.inject(2, bToA);
  expect(await captured(sw, 1)).toContain(bToA);
  await sw.inject(1, aToB);
  expect((await captured(sw, 2, 2)).filter((f) => f === aToB)).toHaveLength(2);

  // Wait until the learned flows are in ofp4 (and so acknowledged by the sim).
  let flows = "";
  for (let i = 0; i < 100; i++) {
    flows = (await sw.ctl("dump-flows", "br0")).stdout;
    if ((flows.match(/actions=output:/g) ?? []).length >= 2) break;
    await new Promise((r) => setTimeout(r, 50)); // the controller's flow_mods arrive asynchronously
  }
  expect(flows).toMatch(/dl_src=02:00:00:00:00:0b,dl_dst=02:00:00:00:00:0a[^\n]* actions=output:1/);
  expect(flows).toMatch(/dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b[^\n]* actions=output:2/);
  const before = packetIns(ctrl);
  const entries = JSON.parse((await sw.ctl("--json", "dump-entries", "br0")).stdout) as { status: string }[];
  expect(entries.filter((e) => e.status === "rule").length).toBeGreaterThanOrEqual(2);

  // Now both directions go through P4 entries.
  for (let i = 0; i < 3; i++) {
    await sw.inject(1, aToB);
    await sw.inject(2, bToA);
  }
  expect((await captured(sw, 2, 5)).filter((f) => f === aToB).length).toBeGreaterThanOrEqual(5);
  expect((await captured(sw, 1, 4)).filter((f) => f === bToA).length).toBeGreaterThanOrEqual(4);
  let counted = "";
  for (let i = 0; i < 60; i++) {
    counted = (await sw.ctl("dump-flows", "br0")).stdout;
    if (/n_packets=[3-9][^\n]*dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b/.test(counted) && /n_packets=[3-9][^\n]*dl_src=02:00:00:00:00:0b,dl_dst=02:00:00:00:00:0a/.test(counted)) break;
    await new Promise((r) => setTimeout(r, 100)); // counters arrive with the next counter poll
  }
  expect(counted).toMatch(/n_packets=[3-9][^\n]*dl_src=02:00:00:00:00:0a,dl_dst=02:00:00:00:00:0b/);
  expect(counted).toMatch(/n_packets=[3-9][^\n]*dl_src=02:00:00:00:00:0b,dl_dst=02:00:00:00:00:0a/);
  expect(packetIns(ctrl)).toBe(before);
}, 60_000);

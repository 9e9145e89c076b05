// End to end with Debian's ovs-ofctl against the real ofp4 process on its embedded sim, in
// OpenFlow 1.0 (default Nicira dumps), 1.0 with -F OpenFlow10-table_id (plain messages) and 1.3:
// show, add-flow(s), mod/del loose and strict, dumps, table/port stats and descriptions,
// packet-out (the frame leaves the sim), error replies quoting the request, and monitor
// receiving a packet-in for a frame injected on a sim port.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { captured, ofctl, start, udpFrameHex } from "./util.js";

let sw: Ofp4Process;
let T: string;
const dir = mkdtempSync(join(tmpdir(), "ofp4-e2e-ofctl-"));

beforeAll(async () => {
  sw = await startOfp4({ ports: 4 });
  T = sw.target;
}, 60_000);

afterAll(async () => {
  const exit = await sw?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

beforeEach(async () => {
  expect((await ofctl("-O", "OpenFlow13", "del-flows", T)).code).toBe(0);
});

const MODES: { name: string; opts: string[] }[] = [
  { name: "OpenFlow 1.0 (Nicira)", opts: ["-O", "OpenFlow10"] },
  { name: "OpenFlow 1.0 -F OpenFlow10-table_id", opts: ["-O", "OpenFlow10", "-F", "OpenFlow10-table_id"] },
  { name: "OpenFlow 1.3", opts: ["-O", "OpenFlow13"] },
];

describe("ovs-ofctl against the ofp4 process", () => {
  it("show over 1.0 and 1.3: features, ports p1-p4, config", async () => {
    const r10 = await ofctl("show", T);
    expect(r10.code).toBe(0);
    expect(r10.stdout).toMatch(/^OFPT_FEATURES_REPLY \(xid=0x\w+\): dpid:[0-9a-f]{16}\nn_tables:4, n_buffers:\d+/);
    for (let p = 1; p <= 4; p++) expect(r10.stdout).toContain(` ${p}(p${p}): addr:`);
    expect(r10.stdout).toMatch(/OFPT_GET_CONFIG_REPLY \(xid=0x\w+\): frags=normal miss_send_len=\d+/);
    const r13 = await ofctl("-O", "OpenFlow13", "show", T);
    expect(r13.code).toBe(0);
    expect(r13.stdout).toMatch(/OFPT_FEATURES_REPLY \(OF1\.3\) \(xid=0x\w+\): dpid:[0-9a-f]{16}\nn_tables:4, n_buffers:\d+/);
    expect(r13.stdout).toContain("OFPST_PORT_DESC reply (OF1.3)");
  });

  for (const mode of MODES) {
    it(`${mode.name}: add-flow, add-flows, dump with and without a match, aggregate, mod and del loose and strict`, async () => {
      const o = (...a: string[]) => ofctl(...mode.opts, ...a);
      expect((await o("add-flow", T, "priority=100,in_port=1,actions=output:2")).code).toBe(0);
      const file = join(dir, `flows-${mode.opts.length}.txt`);
      writeFileSync(file, ["priority=90,ip,nw_dst=10.0.0.0/24,actions=output:3", "priority=80,tcp,nw_src=10.1.0.1,tp_dst=80,actions=output:4", "priority=80,udp,actions=output:1"].join("\n") + "\n");
      expect((await o("add-flows", T, file)).code).toBe(0);
      let dump = await o("dump-flows", T);
      expect(dump.code).toBe(0);
      expect(dump.stdout.match(/ actions=/g)).toHaveLength(4);
      expect(dump.stdout).toMatch(/priority=80,tcp,nw_src=10\.1\.0\.1,tp_dst=80 actions=output:4/);
      const ip = await o("dump-flows", T, "ip");
      expect(ip.stdout.match(/ actions=/g)).toHaveLength(3);
      const agg = await o("dump-aggregate", T);
      expect(agg.stdout).toMatch(/packet_count=0 byte_count=0 flow_count=4/);

      // Strict modify of a priority that does not exist changes nothing; the right one changes.
      expect((await o("--strict", "mod-flows", T, "priority=91,ip,nw_dst=10.0.0.0/24,actions=drop")).code).toBe(0);
      expect((await o("dump-flows", T, "ip,nw_dst=10.0.0.0/24")).stdout).toMatch(/priority=90,ip,nw_dst=10\.0\.0\.0\/24 actions=output:3/);
      // OpenFlow 1.0: a MODIFY that matches nothing adds the rule (1.3: it does nothing).
      const added = await o("dump-flows", T);
      if (mode.opts.includes("OpenFlow10")) {
        expect(added.stdout).toMatch(/priority=91,ip,nw_dst=10\.0\.0\.0\/24 actions=drop/);
        expect((await o("--strict", "del-flows", T, "priority=91,ip,nw_dst=10.0.0.0/24")).code).toBe(0);
      } else expect(added.stdout).not.toMatch(/priority=91/);
      expect((await o("--strict", "mod-flows", T, "priority=90,ip,nw_dst=10.0.0.0/24,actions=output:2")).code).toBe(0);
      expect((await o("dump-flows", T, "ip,nw_dst=10.0.0.0/24")).stdout).toMatch(/nw_dst=10\.0\.0\.0\/24 actions=output:2/);
      // Loose modify: every ip rule.
      expect((await o("mod-flows", T, "ip,actions=output:1")).code).toBe(0);
      dump = await o("dump-flows", T, "ip");
      expect(dump.stdout.match(/ actions=output:1/g)).toHaveLength(3);
      // Strict delete needs the priority; loose delete takes every tcp/udp rule.
      expect((await o("--strict", "del-flows", T, "udp")).code).toBe(0);
      expect((await o("dump-flows", T)).stdout.match(/ actions=/g)).toHaveLength(4);
      expect((await o("--strict", "del-flows", T, "priority=80,udp")).code).toBe(0);
      expect((await o("dump-flows", T)).stdout.match(/ actions=/g)).toHaveLength(3);
      expect((await o("del-flows", T, "ip")).code).toBe(0);
      dump = await o("dump-flows", T);
      expect(dump.stdout.match(/ actions=/g)).toHaveLength(1);
      expect(dump.stdout).toMatch(/priority=100,in_port=1 actions=output:2/);
      // The sim holds exactly the rules ovs-ofctl sees.
      const entries = JSON.parse((await sw.ctl("--json", "dump-entries", "br0")).stdout) as { status: string }[];
      expect(entries.map((e) => e.status)).toEqual(["rule"]);
    }, 60_000);
  }

  it("dump-tables (1.0, 1.3) and dump-table-features (1.3)", async () => {
    await ofctl("-O", "OpenFlow13", "add-flow", T, "table=1,in_port=1,actions=output:2");
    const t10 = await ofctl("dump-tables", T);
    expect(t10.code).toBe(0);
    expect(t10.stdout).toMatch(/^OFPST_TABLE reply \(xid=0x\w+\):/);
    expect(t10.stdout).toMatch(/table 1[^]*?active=1/);
    const t13 = await ofctl("-O", "OpenFlow13", "dump-tables", T);
    expect(t13.stdout).toMatch(/OFPST_TABLE reply \(OF1\.3\)/);
    expect(t13.stdout).toMatch(/table 3:/);
    expect(t13.stdout).not.toMatch(/table 4:/);
    const f = await ofctl("-O", "OpenFlow13", "dump-table-features", T);
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/table 0 \("table0"\):/);
    expect(f.stdout).toMatch(/next tables: 1-3/);
  });

  it("dump-ports and dump-ports-desc (1.0 and 1.3) count a frame the sim forwarded", async () => {
    await ofctl("-O", "OpenFlow13", "add-flow", T, "in_port=1,actions=output:2");
    const frame = udpFrameHex(1, 2);
    await sw.inject(1, frame);
    expect(await captured(sw, 2)).toContain(frame);
    let p13 = await ofctl("-O", "OpenFlow13", "dump-ports", T, "2");
    for (let i = 0; i < 50 && !/tx pkts=1,/.test(p13.stdout); i++) {
      await new Promise((r) => setTimeout(r, 100)); // port counters come from the next counter poll
      p13 = await ofctl("-O", "OpenFlow13", "dump-ports", T, "2");
    }
    expect(p13.stdout).toMatch(/port {2}2: rx pkts=\d+, bytes=\d+, drop=\d+, errs=\d+, frame=\d+, over=\d+, crc=\d+\s+tx pkts=1, bytes=\d+/);
    const p10 = await ofctl("dump-ports", T);
    expect(p10.stdout).toMatch(/^OFPST_PORT reply \(xid=0x\w+\): 4 ports/);
    const d10 = await ofctl("dump-ports-desc", T);
    expect(d10.stdout).toMatch(/OFPST_PORT_DESC reply/);
    const d13 = await ofctl("-O", "OpenFlow13", "dump-ports-desc", T);
    for (let p = 1; p <= 4; p++) expect(d13.stdout).toContain(` ${p}(p${p}): addr:`);
  });

  it("packet-out (1.0 and 1.3) sends the frame out of the sim port", async () => {
    const a = udpFrameHex(5, 6);
    expect((await ofctl("packet-out", T, "1", "output:3", a)).code).toBe(0);
    expect(await captured(sw, 3)).toContain(a);
    const b = udpFrameHex(7, 8);
    expect((await ofctl("-O", "OpenFlow13", "packet-out", T, `in_port=2,packet=${b},actions=output:4`)).code).toBe(0);
    expect(await captured(sw, 4)).toContain(b);
  });

  it("error replies quote the bad request; barriers still answer", async () => {
    const bad = await ofctl("-O", "OpenFlow13", "add-flow", T, "table=7,actions=drop");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/OFPT_ERROR \(OF1\.3\) \(xid=0x\w+\): OFPFMFC_BAD_TABLE_ID\nOFPT_FLOW_MOD \(OF1\.3\) \(xid=0x\w+\): ADD table:7 actions=drop/);
    const grp = await ofctl("-O", "OpenFlow13", "add-flow", T, "actions=group:9");
    expect(grp.stderr).toMatch(/OFPBAC_BAD_OUT_GROUP\nOFPT_FLOW_MOD/);
    const ovl1 = await ofctl("add-flow", T, "priority=5,ip,actions=output:1");
    expect(ovl1.code).toBe(0);
    const ovl = await ofctl("add-flow", T, "check_overlap,priority=5,ip,nw_src=1.1.1.1,actions=output:1");
    expect(ovl.stderr).toMatch(/OFPT_ERROR \(xid=0x\w+\): OFPFMFC_OVERLAP\nOFPT_FLOW_MOD \(xid=0x\w+\): ADD priority=5,ip,nw_src=1\.1\.1\.1 check_overlap actions=output:1/);
    // A stats request for a table that does not exist.
    const dt = await ofctl("-O", "OpenFlow13", "dump-flows", T, "table=9");
    expect(dt.stderr + dt.stdout).toMatch(/BAD_TABLE_ID|OFPST_FLOW reply/);
    // The switch still serves every request after the errors.
    const dump = await ofctl("-O", "OpenFlow13", "dump-flows", T);
    expect(dump.stdout.match(/ actions=/g)).toHaveLength(1);
  });

  for (const version of ["OpenFlow10", "OpenFlow13"]) {
    it(`monitor (${version}) receives a packet-in for a frame injected on the sim`, async () => {
      expect((await ofctl("-O", version, "add-flow", T, "priority=0,actions=CONTROLLER:65535")).code).toBe(0);
      // ovs-ofctl monitor opens a control socket in OVS_RUNDIR: give it a private one.
      const mon = start("ovs-ofctl", ["-O", version, "monitor", T, "65535"], { ...process.env, OVS_RUNDIR: dir });
      try {
        const frame = udpFrameHex(0x11, 0x22);
        // The monitor's connection is set up asynchronously; inject until its packet-in shows.
        let seen = "";
        for (let i = 0; i < 40 && seen === ""; i++) {
          await sw.inject(3, frame);
          seen = await mon.waitFor(/PACKET_IN[^\n]*\n?[^\n]*/, 250).catch(() => "");
        }
        await mon.waitFor(/dl_src=02:00:00:00:00:11,dl_dst=02:00:00:00:00:22/);
        expect(seen).toMatch(/PACKET_IN/);
        // ovs-ofctl monitor prints what it receives on stderr when stdout is not a tty.
        expect(mon.out + mon.err).toMatch(/PACKET_IN[^\n]* in_port=3 \(via no_match\)/);
      } finally {
        await mon.stop();
      }
    }, 30_000);
  }
});

// The real `ofp4 start` process on its embedded sim: ovs-ofctl talks to it, a P4Runtime client
// reads its sim, every ofp4ctl command answers (text and --json), unknown switches and ports
// are errors that name them while the daemon keeps running, and SIGTERM exits 0.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { P4RuntimeClient } from "../../src/p4runtime/index.js";
import { ctl, ensureBuilt, ofctl, startDaemon, type Daemon } from "./process.js";

let d: Daemon;
let of: string;

// An IPv4 frame from 02:00:00:00:00:01 to 10.0.0.1 (34 bytes).
const FRAME = "ffffffffffff0200000000010800450000140000000040ff0000000000000a000001";

beforeAll(async () => {
  ensureBuilt();
  d = await startDaemon();
  of = `tcp:${d.openflow}`;
});

afterAll(async () => {
  if (d) {
    const exit = await d.proc.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
  }
});

describe("ofp4 start with no config", () => {
  test("logs one line per listener with its real port", () => {
    expect(d.openflow).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(d.p4runtime).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(d.proc.records.some((r) => r.msg === `admin socket listening on ${d.socket}`)).toBe(true);
  });

  test("ovs-ofctl show sees 8 ports and 4 tables over OpenFlow 1.3 and 1.0", async () => {
    const r13 = await ofctl("-O", "OpenFlow13", "show", of);
    expect(r13.code).toBe(0);
    expect(r13.stdout).toContain("n_tables:4");
    expect(r13.stdout).toContain(" 8(p8): addr:");
    const r10 = await ofctl("show", of);
    expect(r10.code).toBe(0);
    expect(r10.stdout).toContain("OFPT_FEATURES_REPLY (xid=");
  });

  test("flows added with ovs-ofctl are in the sim, counted in dump-flows and beside their entries", async () => {
    expect((await ofctl("-O", "OpenFlow13", "add-flow", of, "priority=100,in_port=1,actions=output:2")).code).toBe(0);
    expect((await ofctl("-O", "OpenFlow13", "add-flow", of, "cookie=0x7,priority=50,ip,nw_dst=10.0.0.9,actions=output:3")).code).toBe(0);
    const dumped = await ofctl("-O", "OpenFlow13", "dump-flows", of);
    expect(dumped.stdout).toContain("priority=100,in_port=1 actions=output:2");

    // What the sim holds, read with a P4Runtime client of our own.
    const reader = new P4RuntimeClient({ address: d.p4runtime, deviceId: 1n });
    try {
      const entities = await reader.readAll([{ tableEntry: {} }]);
      expect(entities.filter((e) => e.tableEntry && !e.tableEntry.isDefaultAction)).toHaveLength(2);
    } finally {
      reader.close();
    }

    const inj = await ctl(d.socket, "inject", "br0", "1", FRAME);
    expect(inj).toMatchObject({ code: 0, stdout: "br0: injected 34 bytes on port 1\n" });
    // The frame leaves on port 2; capture shows it.
    let cap = await ctl(d.socket, "--json", "capture", "br0", "2");
    for (let i = 0; i < 50 && (JSON.parse(cap.stdout) as { frames: unknown[] }).frames.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20)); // the frame crosses two gRPC hops; no event reaches this process
      cap = await ctl(d.socket, "--json", "capture", "br0", "2");
    }
    expect((JSON.parse(cap.stdout) as { frames: { frame: string }[] }).frames.map((f) => f.frame)).toEqual([FRAME]);
    const captured = await ctl(d.socket, "capture", "br0", "2", "--clear");
    expect(captured.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${FRAME}\n$`));
    expect((await ctl(d.socket, "capture", "br0", "2")).stdout).toBe("br0: port 2: no frames\n");

    const flows = await ctl(d.socket, "dump-flows", "br0");
    expect(flows.code).toBe(0);
    expect(flows.stdout).toMatch(/table=0, n_packets=1, n_bytes=34, priority=100,in_port=1 actions=output:2/);
    expect(flows.stdout).toMatch(/cookie=0x7, .*n_packets=0, n_bytes=0, priority=50,ip,nw_dst=10.0.0.9 actions=output:3/);

    const entries = await ctl(d.socket, "--json", "dump-entries", "br0");
    const list = JSON.parse(entries.stdout) as { table: string; status: string; rule: string }[];
    expect(list.map((e) => e.status)).toEqual(["rule", "rule"]);
    expect(list.map((e) => e.rule).sort()).toEqual(["table=0, cookie=0x0, priority=100,in_port=1", "table=0, cookie=0x7, priority=50,ip,nw_dst=10.0.0.9"]);
    const text = await ctl(d.socket, "dump-entries", "br0");
    expect(text.stdout).toContain("ingress.ofp_table_0: in_port=0x01&&&0xffff");
  });

  test("list, show and stats describe the switch", async () => {
    const list = await ctl(d.socket, "list");
    expect(list.stdout).toMatch(new RegExp(`^br0  target=sim p4runtime=${d.p4runtime} state=ready openflow=${d.openflow}\n$`));
    const show = JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as {
      ports: unknown[];
      tables: { p4Table: string; size: number }[];
      role: string;
      electionId: string;
      target: { p4runtime: string };
    };
    expect(show.ports).toHaveLength(8);
    expect(show.tables[0]).toMatchObject({ p4Table: "ingress.ofp_table_0" });
    expect(show.tables[0]!.size).toBeGreaterThan(0);
    expect(show).toMatchObject({ role: "primary", electionId: "1", target: { p4runtime: d.p4runtime } });
    const stats = await ctl(d.socket, "stats", "br0");
    expect(stats.stdout).toMatch(/^writes: [1-9]\d*, /m);
    expect(stats.stdout).toMatch(/^write latency ms: mean \d/m);
    const sj = JSON.parse((await ctl(d.socket, "--json", "stats", "br0")).stdout) as { pendingGroups: number; entries: number };
    expect(sj).toMatchObject({ pendingGroups: 0, entries: 2 });
  });

  test("port-down sends PORT_STATUS and shows the port down; port-up brings it back", async () => {
    expect((await ctl(d.socket, "port-down", "br0", "3")).stdout).toBe("br0: port 3 down\n");
    let show = await ctl(d.socket, "show", "br0");
    expect(show.stdout).toContain("3(p3): target port 3, down");
    const desc = await ofctl("-O", "OpenFlow13", "dump-ports-desc", of);
    expect(desc.stdout).toMatch(/ 3\(p3\)[^]*?state:\s+LINK_DOWN/);
    expect((await ctl(d.socket, "port-up", "br0", "p3")).stdout).toBe("br0: port 3 up\n");
    show = await ctl(d.socket, "show", "br0");
    expect(show.stdout).toContain("3(p3): target port 3, up");
  });

  test("unknown switches, ports and commands are errors naming them; the daemon keeps running", async () => {
    const a = await ctl(d.socket, "show", "br9");
    expect(a.code).toBe(1);
    expect(a.stderr).toBe("ofp4ctl: no switch named 'br9' (switches: br0)\n");
    const b = await ctl(d.socket, "port-down", "br0", "42");
    expect(b.code).toBe(1);
    expect(b.stderr).toBe("ofp4ctl: switch 'br0' has no port '42'\n");
    const c = await ctl(d.socket, "inject", "br0", "1", "xyz");
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("hex");
    const noCommand = await ctl(d.socket);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr.split("\n")[0]).toBe("ofp4ctl: a command is needed");
    const nobody = await ctl(`${d.socket}.nobody`, "list");
    expect(nobody).toMatchObject({ code: 2, stderr: `ofp4ctl: cannot reach ofp4 at ${d.socket}.nobody: no ofp4 is running there\n` });
    const e = await ctl(d.socket, "frobnicate");
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("unknown command 'frobnicate'");
    expect((await ctl(d.socket, "list")).code).toBe(0);
  });

  test("reconcile finds nothing to repair; flush deletes every rule and entry", async () => {
    const rec = await ctl(d.socket, "--json", "reconcile", "br0");
    expect(JSON.parse(rec.stdout)).toMatchObject({ inserted: 0, modified: 0, deleted: 0 });
    expect((await ctl(d.socket, "flush", "br0")).stdout).toBe("br0: flushed\n");
    expect((await ctl(d.socket, "dump-entries", "br0")).stdout).toBe("br0: no entries\n");
    expect((await ctl(d.socket, "dump-flows", "br0")).stdout).toBe("");
    const dumped = await ofctl("-O", "OpenFlow13", "dump-flows", of);
    expect(dumped.stdout).not.toContain("priority=");
  });
});

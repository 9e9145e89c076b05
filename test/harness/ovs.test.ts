// The Open vSwitch oracle harness itself: a private userspace ovs-vswitchd answers ovs-ofctl
// on loopback with an empty table and the configured ports, and stop() leaves nothing behind.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { startOvs } from "./ovs.js";

const run = promisify(execFile);

test("userspace Open vSwitch serves OpenFlow 1.3 on loopback with ports p1..p3", async () => {
  const ovs = await startOvs({ ports: 3 });
  try {
    const flows = await run("ovs-ofctl", ["-O", "OpenFlow13", "--no-names", "dump-flows", ovs.target]);
    expect(flows.stdout.trim()).toBe("OFPST_FLOW reply (OF1.3) (xid=0x2):");
    const show = await run("ovs-ofctl", ["-O", "OpenFlow13", "--no-names", "show", ovs.target]);
    for (const p of [1, 2, 3]) expect(show.stdout).toContain(` ${p}(p${p}): addr:`);
    await run("ovs-ofctl", ["-O", "OpenFlow13", "add-flow", ovs.target, "priority=5,ip,nw_dst=10.0.0.1,actions=output:2"]);
    const agg = await run("ovs-ofctl", ["-O", "OpenFlow13", "dump-aggregate", ovs.target]);
    expect(agg.stdout).toContain("flow_count=1");
  } finally {
    await ovs.stop();
  }
  expect(existsSync(ovs.dir)).toBe(false);
});

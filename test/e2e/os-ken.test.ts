// os-ken (Debian's python3-os-ken, the maintained fork of Ryu) running test/apps/ofp4_check.py
// as the controller ofp4 connects out to, in OpenFlow 1.0 and 1.3: features, desc, flow adds,
// barrier, flow/aggregate/port stats, role master then slave (flow_mod refused with EPERM /
// IS_SLAVE), master again, delete, barrier, empty flow stats. Run with /usr/bin/python3.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../harness/ovs.js";
import { ROOT, startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { start, type Spawned } from "./util.js";

let sw: Ofp4Process | undefined;
let ctrl: Spawned | undefined;
let dir: string | undefined;

afterEach(async () => {
  await sw?.stop();
  await ctrl?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sw = ctrl = dir = undefined;
}, 30_000);

type Step = { step: string; [k: string]: unknown };

function steps(out: string): Map<string, Step> {
  const m = new Map<string, Step>();
  for (const line of out.split("\n")) {
    if (!line.startsWith("OFP4CHECK ")) continue;
    const s = JSON.parse(line.slice("OFP4CHECK ".length)) as Step;
    m.set(s.step, s);
  }
  return m;
}

describe("os-ken app against the ofp4 process", () => {
  for (const version of ["1.0", "1.3"] as const) {
    it(`OpenFlow ${version}: features, desc, flows, barrier, stats, roles, delete`, async () => {
      dir = mkdtempSync(join(tmpdir(), "ofp4-e2e-osken-"));
      const port = await freePort();
      ctrl = start(
        "/usr/bin/python3",
        ["/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1", "--ofp-tcp-listen-port", String(port), join(ROOT, "test", "apps", "ofp4_check.py")],
        { ...process.env, OFP4_OF_VERSION: version, PYTHONDONTWRITEBYTECODE: "1", HOME: dir },
      );
      sw = await startOfp4({ ports: 4, connect: [`127.0.0.1:${port}`], noListen: true });
      await ctrl.waitFor(/OFP4CHECK \{[^\n]*"step": "(done|exception)"/, 30_000);
      const s = steps(ctrl.out);
      if (s.get("exception")) console.log(ctrl.out, ctrl.err.slice(-3000));
      expect(s.get("exception")).toBeUndefined();
      expect(s.get("features")).toMatchObject({ n_tables: 4, version: version === "1.0" ? 1 : 4 });
      expect(String(s.get("desc")!.dp)).not.toBe("");
      expect(s.get("barrier")).toMatchObject({ errors: [] });
      const three = [10, 20, 30].map((p) => ({ priority: p, cookie: p, table_id: 0, packets: 0 }));
      expect(s.get("flow_stats")!.flows).toEqual(three);
      expect(s.get("aggregate")).toMatchObject({ flow_count: 3, packet_count: 0, byte_count: 0 });
      expect(s.get("port_stats")!.ports).toEqual([1, 2, 3, 4]);
      // OpenFlow 1.3: OFPCR_ROLE_MASTER 2, SLAVE 3; Nicira: NX_ROLE_MASTER 1, SLAVE 2.
      const [master, slave] = version === "1.0" ? [1, 2] : [2, 3];
      expect(s.get("role_master")).toMatchObject({ role: master });
      expect(s.get("role_slave")).toMatchObject({ role: slave });
      // A slave's flow_mod: OFPET_BAD_REQUEST (1) with OFPBRC_EPERM (5, OpenFlow 1.0) or OFPBRC_IS_SLAVE (10, 1.3).
      expect((s.get("slave_flow_mod")!.errors as { type: number; code: number }[]).map((e) => [e.type, e.code])).toEqual([[1, version === "1.0" ? 5 : 10]]);
      expect(s.get("role_master_again")).toMatchObject({ role: master });
      expect(s.get("flow_stats_after_slave")!.flows).toEqual(three);
      expect(s.get("flow_stats_after_delete")!.flows).toEqual([]);
      expect(s.get("done")).toBeDefined();
      // OpenFlow 1.0: os-ken drops the connection on any OFPT_ERROR (its 1.0 error handler
      // raises), so ofp4 reconnected; in 1.3 the same connection went on.
      expect(s.has("reconnected")).toBe(version === "1.0");
      // The sim holds nothing after the delete.
      expect((await sw.ctl("dump-entries", "br0")).stdout).toBe("br0: no entries\n");
    }, 60_000);
  }
});

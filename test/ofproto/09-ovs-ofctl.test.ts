// End to end: Debian's ovs-ofctl (OpenFlow 1.0 and 1.3) -> connmgr -> the core on the
// scripted provider acknowledging each operation after a delay, so every barrier waits for
// acknowledgements. add-flows, mod-flows (loose and --strict), del-flows (loose and
// --strict), dump-flows, dump-aggregate, dump-tables, and an error from a refused flow.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { ofError } from "../../src/openflow/errors.js";
import { Ofproto } from "../../src/ofproto/ofproto.js";
import { ScriptedProvider } from "./scripted-provider.js";

const run = promisify(execFile);

let manager: ConnManager | undefined;
let core: Ofproto | undefined;
let dir: string | undefined;
afterEach(async () => {
  await manager?.close();
  await core?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  manager = undefined;
  core = undefined;
  dir = undefined;
});

async function start(version: string) {
  const provider = new ScriptedProvider({ autoComplete: { delayMs: 2 }, tables: 4, ports: 4 });
  core = await Ofproto.create(provider, { expiryIntervalMs: 0 });
  manager = new ConnManager(core);
  core.attach(manager);
  const listener = await manager.listen({ port: 0 });
  const target = `tcp:127.0.0.1:${listener.port}`;
  const ofctl = async (cmd: string, ...rest: string[]) => {
    const options = cmd === "--strict" ? ["--strict"] : [];
    const [command, ...args] = cmd === "--strict" ? rest : [cmd, ...rest];
    return (await run("ovs-ofctl", ["-O", version, "--no-names", ...options, command!, target, ...args], { timeout: 20_000 }))
      .stdout;
  };
  const named = async (...args: string[]) =>
    (await run("ovs-ofctl", ["-O", version, args[0]!, target, ...args.slice(1)], { timeout: 20_000 })).stdout;
  return { provider, ofctl, named };
}

/** The flows of a dump-flows output without the varying fields (duration, counters, cookie). */
function flows(dump: string): string[] {
  return dump
    .split("\n")
    .filter((l) => l.includes("actions="))
    .map((l) => l.replace(/ (cookie|duration|n_packets|n_bytes|idle_age|hard_age|table)=[^,]*,/g, "").trim())
    .sort();
}

for (const version of ["OpenFlow10", "OpenFlow13"]) {
  describe(`ovs-ofctl ${version}`, () => {
    it("add-flows, mod-flows, del-flows (loose and strict), dump-flows, dump-aggregate, dump-tables", async () => {
      const { provider, ofctl } = await start(version);
      dir = await mkdtemp(path.join(tmpdir(), "ofp4-e2e-"));
      const file = path.join(dir, "flows.txt");
      await writeFile(
        file,
        [
          "priority=100,ip,nw_dst=10.0.0.1,actions=output:1",
          "priority=100,ip,nw_dst=10.0.0.2,actions=output:2",
          "priority=90,ip,nw_dst=10.0.0.2,actions=output:3",
          "priority=10,in_port=4,actions=drop",
        ].join("\n") + "\n",
      );
      await ofctl("add-flows", file);
      expect(provider.pending).toEqual([]);
      expect(flows(await ofctl("dump-flows"))).toEqual([
        "priority=10,in_port=4 actions=drop",
        "priority=100,ip,nw_dst=10.0.0.1 actions=output:1",
        "priority=100,ip,nw_dst=10.0.0.2 actions=output:2",
        "priority=90,ip,nw_dst=10.0.0.2 actions=output:3",
      ]);
      await ofctl("--strict", "mod-flows", "priority=90,ip,nw_dst=10.0.0.2,actions=output:4");
      await ofctl("mod-flows", "ip,nw_dst=10.0.0.1,actions=output:3");
      expect(flows(await ofctl("dump-flows", "ip"))).toEqual([
        "priority=100,ip,nw_dst=10.0.0.1 actions=output:3",
        "priority=100,ip,nw_dst=10.0.0.2 actions=output:2",
        "priority=90,ip,nw_dst=10.0.0.2 actions=output:4",
      ]);
      expect(await ofctl("dump-aggregate")).toMatch(/flow_count=4/);
      expect(await ofctl("dump-tables")).toMatch(/active=4/);
      await ofctl("--strict", "del-flows", "priority=100,ip,nw_dst=10.0.0.2");
      expect(flows(await ofctl("dump-flows", "ip,nw_dst=10.0.0.2"))).toEqual(["priority=90,ip,nw_dst=10.0.0.2 actions=output:4"]);
      await ofctl("del-flows", "ip");
      expect(flows(await ofctl("dump-flows"))).toEqual(["priority=10,in_port=4 actions=drop"]);
      await ofctl("del-flows");
      expect(flows(await ofctl("dump-flows"))).toEqual([]);
      expect(provider.pending).toEqual([]);
    });

    it("a flow the provider fails later comes back as an error quoting the flow_mod", async () => {
      const { provider, ofctl } = await start(version);
      provider.autoComplete = "never";
      const added = ofctl("add-flow", "priority=5,in_port=1,actions=output:2").then(
        () => "ok",
        (e: { stderr?: string }) => e.stderr ?? "error",
      );
      while (provider.pending.length === 0) await new Promise((r) => setImmediate(r));
      provider.completeAll(ofError("FLOW_MOD_FAILED_TABLE_FULL", "the P4 table is full"));
      const out = await added;
      expect(out).toMatch(/OFPFMFC_(ALL_TABLES_FULL|TABLE_FULL)/);
      // The error quotes the first 64 bytes of the flow_mod (type 14), which ovs-ofctl prints in hex.
      expect(out).toMatch(/xid=0x2\)/);
      expect(out).toMatch(/00000000 {2}0[14] 0e 00 [0-9a-f]{2} 00 00 00 02/);
      provider.autoComplete = { delayMs: 1 };
      expect(flows(await ofctl("dump-flows"))).toEqual([]);
    });

    it("with names on: ovs-ofctl fetches the port and table maps first (features/port desc, table stats/features)", async () => {
      const { named } = await start(version);
      await named("add-flow", "priority=3,in_port=p1,actions=output:p2");
      expect(flows(await named("dump-flows"))).toEqual([expect.stringMatching(/^priority=3,in_port=(p1|1) actions=output:(p2|2)$/)]);
      const show = await named("show");
      expect(show).toMatch(/dpid:00000000000000a1/);
      expect(show).toMatch(/1\(p1\)/);
    });
  });
}

// End to end through connmgr: Debian's ovs-ofctl -> ConnManager -> the real ofproto core on
// the scripted provider, which acknowledges each operation after a delay (so every barrier
// waits for acknowledgements). add-flow, dump-flows, del-flows over OpenFlow 1.0 and 1.3.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { Ofproto } from "../../src/ofproto/ofproto.js";
import { ScriptedProvider } from "../ofproto/scripted-provider.js";
import { OxmField } from "../../src/openflow/match.js";

const run = promisify(execFile);

let manager: ConnManager | undefined;
let core: Ofproto | undefined;
afterEach(async () => {
  await manager?.close();
  await core?.close();
  manager = undefined;
  core = undefined;
});

async function start() {
  const provider = new ScriptedProvider({ autoComplete: { delayMs: 5 }, tables: 4, ports: 4 });
  core = await Ofproto.create(provider, { expiryIntervalMs: 0 });
  manager = new ConnManager(core);
  core.attach(manager);
  const listener = await manager.listen({ port: 0 });
  const target = `tcp:127.0.0.1:${listener.port}`;
  return { provider, target };
}

describe("ovs-ofctl through connmgr and the core", () => {
  for (const version of ["OpenFlow10", "OpenFlow13"]) {
    it(`add-flow, dump-flows, del-flows over ${version}`, async () => {
      const { provider, target } = await start();
      const ofctl = async (cmd: string, ...rest: string[]) =>
        (await run("ovs-ofctl", ["-O", version, "--no-names", cmd, target, ...rest], { timeout: 15_000 })).stdout;
      await ofctl("add-flow", "priority=100,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2");
      await ofctl("add-flow", "priority=50,in_port=1,actions=output:3");
      // The barrier after each flow_mod was answered only after the provider acknowledged.
      expect(provider.pending.length).toBe(0);
      const dump = await ofctl("dump-flows");
      expect(dump).toMatch(/priority=100,tcp,nw_src=10\.0\.0\.0\/8,tp_dst=80 actions=output:2/);
      expect(dump).toMatch(/priority=50,in_port=1 actions=output:3/);
      await ofctl("del-flows", "in_port=1");
      const after = await ofctl("dump-flows");
      expect(after).not.toMatch(/in_port=1/);
      expect(after).toMatch(/tp_dst=80/);
    });
  }

  it("OpenFlow 1.0 table=N: NXT_FLOW_MOD_TABLE_ID changes how the next flow_mod is decoded", async () => {
    const { target } = await start();
    const ofctl = async (cmd: string, ...rest: string[]) =>
      (await run("ovs-ofctl", ["-O", "OpenFlow10", "--no-names", cmd, target, ...rest], { timeout: 15_000 })).stdout;
    await ofctl("add-flow", "table=2,priority=7,in_port=4,actions=output:1");
    const dump = await ofctl("dump-flows");
    expect(dump).toMatch(/table=2, .*priority=7,in_port=4 actions=output:1/);
  });

  it("a packet-in flood to the controllers never starves their flow_mods (rate limit)", async () => {
    const { target } = await start();
    const mgr = manager!;
    const closedStats: ReturnType<ConnManager["stats"]> = [];
    mgr.on("closed", (c) => closedStats.push(c.stats()));
    const data = new Uint8Array(200);
    let flooding = true;
    let offered = 0;
    const flood = () => {
      if (!flooding) return;
      for (let i = 0; i < 200; i++) {
        mgr.sendPacketIn({ reason: 0, tableId: 0, cookie: 0n, match: [{ field: OxmField.IN_PORT, value: 1n, mask: 0xffffffffn }], inPort: 1, data, maxLen: "miss_send_len" });
        offered++;
      }
      setImmediate(flood);
    };
    const t0 = performance.now();
    flood();
    const ofctl = async (cmd: string, ...rest: string[]) =>
      (await run("ovs-ofctl", ["-O", "OpenFlow13", "--no-names", cmd, target, ...rest], { timeout: 15_000 })).stdout;
    let dump: string;
    try {
      for (let i = 1; i <= 5; i++) await ofctl("add-flow", `priority=${i},in_port=${i},actions=drop`);
      dump = await ofctl("dump-flows");
    } finally {
      flooding = false;
    }
    const elapsedS = (performance.now() - t0) / 1000;
    expect(dump.match(/actions=drop/g)?.length).toBe(5);
    await new Promise<void>((resolve) => (closedStats.length === 6 ? resolve() : mgr.on("closed", () => closedStats.length === 6 && resolve())));
    expect(offered).toBeGreaterThan(2000);
    for (const st of closedStats) {
      // A connection gets its burst of 100 and then 1,000/s at most.
      expect(st.packetInsSent).toBeLessThanOrEqual(100 + Math.ceil(1000 * elapsedS));
    }
    expect(closedStats.reduce((n, st) => n + st.packetInsRateLimited, 0)).toBeGreaterThan(0);
  });
});

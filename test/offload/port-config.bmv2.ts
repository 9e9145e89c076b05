// port_mod config on a real bmv2 (simple_switch_grpc 1.15.5, which keeps forwarding on a port
// whose oper status is down): the real `ofp4 start --target bmv2` process, ovs-ofctl mod-port.
// NO_FWD and PORT_DOWN are enforced by ofp4.p4's port-config tables (read back from bmv2 over
// P4Runtime as the mapping says), bmv2 killed and restarted empty gets them back by
// reconciliation, and a restarted ofp4 reads them back into its port desc.
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts test/offload/port-config.bmv2.ts

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMapping } from "../../src/offload/mapping.js";
import { portConfigFromEntries, portConfigReads } from "../../src/offload/port-config.js";
import { OFPPC } from "../../src/openflow/messages.js";
import { loadP4InfoFile, P4RuntimeClient } from "../../src/p4runtime/index.js";
import { Tap, udpFrame } from "../e2e/bmv2/dataplane.js";
import { ofctl } from "../e2e/util.js";
import { startOfp4OnBmv2, type Ofp4Process } from "../harness/ofp4.js";
import { Bmv2Process } from "../setup/bmv2-process.js";

const mapping = loadMapping("p4/ofp4.mapping.json", loadP4InfoFile("p4/ofp4.p4info.txtpb"));

let bmv2: Bmv2Process;
let ofp4: Ofp4Process;
let reader: P4RuntimeClient;
let dp: Tap;
let T: string;

async function startSwitch(): Promise<Ofp4Process> {
  return startOfp4OnBmv2(bmv2);
}

beforeAll(async () => {
  bmv2 = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  ofp4 = await startSwitch();
  T = ofp4.target;
  reader = new P4RuntimeClient({ address: bmv2.p4runtimeAddress, deviceId: 0n });
  dp = new Tap(() => ofp4);
}, 60_000);

afterAll(async () => {
  reader?.close();
  const exit = await ofp4?.stop();
  await bmv2?.stop();
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

/** Port -> config bits the port-config entries on bmv2 hold. */
async function onBmv2(): Promise<Record<number, number>> {
  return Object.fromEntries(portConfigFromEntries(mapping, await reader.readAll(portConfigReads(mapping))));
}

async function ok(...args: string[]): Promise<string> {
  const r = await ofctl(...args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

const frame = (n: number): Buffer => udpFrame({ src: 1, dst: n, ipSrc: "10.0.0.1", ipDst: `10.0.0.${n}` });

describe("port_mod config on bmv2", () => {
  it("NO_FWD and PORT_DOWN are enforced, in bmv2's tables, and survive bmv2's and ofp4's restarts", async () => {
    await ok("add-flow", T, "in_port=1,actions=output:2,output:3");
    await ok("add-flow", T, "in_port=4,actions=output:3");
    await ok("mod-port", T, "2", "no-forward");
    await ok("mod-port", T, "4", "down");
    expect(await onBmv2()).toEqual({ 2: OFPPC.NO_FWD, 4: OFPPC.PORT_DOWN });
    expect(await ok("show", T)).toMatch(/ 2\(p2\): addr:[\s\S]*?config:\s+NO_FWD/);

    const check = async (n: number): Promise<void> => {
      await dp.clear();
      await dp.inject(4, frame(n + 100)); // dropped: port 4 is down
      await dp.inject(1, frame(n));
      expect(await dp.frames(3)).toEqual([frame(n).toString("hex")]); // the copy to 3 only
      expect(await dp.frames(2, 0)).toEqual([]);
    };
    await check(10);

    await bmv2.kill();
    await bmv2.restart();
    await ofp4.line(/^reconciliation finished/);
    expect(await onBmv2()).toEqual({ 2: OFPPC.NO_FWD, 4: OFPPC.PORT_DOWN });
    await check(11);

    await ofp4.stop();
    ofp4 = await startSwitch();
    T = ofp4.target;
    expect(await ok("show", T)).toMatch(/ 4\(p4\): addr:[\s\S]*?config:\s+PORT_DOWN/);
    await ok("mod-port", T, "2", "forward");
    await ok("mod-port", T, "4", "up");
    expect(await onBmv2()).toEqual({ 2: 0, 4: 0 });
    await dp.clear();
    await dp.inject(1, frame(12));
    expect(await dp.frames(2)).toEqual([frame(12).toString("hex")]);
  });
});

// port_mod config enforced by the P4 pipeline, on the sim over real gRPC: NO_FWD stops copies
// to a port (port counters show it), NO_RECV and PORT_DOWN drop what a port receives,
// NO_PACKET_IN silences a port's table misses; clearing restores. A port_mod completes when the
// target acknowledged the port-config Write: the port desc and PORT_STATUS change only then, a
// barrier waits for it, a failed Write is PORT_MOD_FAILED with nothing changed. Bits the
// program cannot express are refused precisely. The entries survive a target restart
// (reconciliation) and an ofp4 restart (read back into the port desc).

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyOnly } from "../../src/openflow/actions.js";
import { OFPPC, OFPPR, OFPPS } from "../../src/openflow/messages.js";
import { buildMapping, MappingError } from "../../src/offload/mapping.js";
import { loadP4InfoFile } from "../../src/p4runtime/index.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { Code } from "../../targets/sim/status.js";
import type { TestConn } from "../ofproto/harness.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, MAPPING, P4INFO, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig | undefined;
let sim: Sim | undefined;
afterEach(async () => {
  await rig?.close();
  await sim?.stop();
  rig = undefined;
  sim = undefined;
});

function portMod(r: OffloadRig, c: TestConn, port: number, config: number, mask: number): number {
  const hwAddr = r.sw.ports.get(port)!.hwAddr;
  return r.cm.submit(c, { type: "port_mod", portNo: port, hwAddr, config, mask, advertise: 0 });
}

/** Injects `frames` (port, frame) in order, then a marker on `markerPort` that leaves on `markerOut`; resolves with every emit up to the marker's. */
function emitsUntilMarker(s: Sim, frames: [number, Uint8Array][], markerPort: number, markerOut: number): Promise<[number, number][]> {
  const marker = udpFrame({ ipDst: 0x0a0000fe });
  return new Promise((resolve) => {
    const seen: [number, number][] = [];
    const off = s.onEmit((port, frame) => {
      if (port === markerOut && Buffer.from(frame).equals(Buffer.from(marker))) {
        off();
        resolve(seen);
        return;
      }
      seen.push([port, frame.length]);
    });
    for (const [p, f] of frames) s.inject(p, f);
    s.inject(markerPort, marker);
  });
}

async function portConfigEntries(r: OffloadRig): Promise<string[]> {
  const tables = r.provider.mapping.portConfig!.tables;
  const got = await r.reader.readAll(tables.map((t) => ({ tableEntry: { tableId: t.table.id } })));
  return got
    .map((e) => e.tableEntry!)
    .filter((te) => !te.isDefaultAction)
    .map((te) => {
      const t = tables.find((x) => x.table.id === te.tableId)!;
      const port = te.match![0]!.exact!.value![0];
      const flags = t.params.filter((p) => (te.action!.action!.params!.find((x) => x.paramId === p.param.id)!.value![0] ?? 0) !== 0).map((p) => p.bit);
      return `${t.table.name} ${port} ${flags.reduce((a, b) => a | b, 0)}`;
    })
    .sort();
}

describe("enforced in the pipeline", () => {
  it("NO_FWD: copies to the port stop (port counters show it) and come back when cleared", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2), output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(0xfe), priority: 10, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 1, 4)).toEqual([[2, frame.length], [3, frame.length]]);

    portMod(rig, c, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    expect(rig.sw.ports.get(2)!.config).toBe(OFPPC.NO_FWD);
    expect(await emitsUntilMarker(rig.sim, [[1, frame], [1, frame]], 1, 4)).toEqual([[3, frame.length], [3, frame.length]]);
    await rig.provider.pollCounters();
    expect(rig.provider.portStats(2)[0]).toMatchObject({ txPackets: 1n });
    expect(rig.provider.portStats(3)[0]).toMatchObject({ txPackets: 3n });

    portMod(rig, c, 2, 0, OFPPC.NO_FWD);
    await barrier(rig, c);
    expect(rig.sw.ports.get(2)!.config).toBe(0);
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 1, 4)).toEqual([[2, frame.length], [3, frame.length]]);
  });

  it("NO_RECV and PORT_DOWN: frames received on the port are dropped before any table", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(0xfe), priority: 10, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    for (const bit of [OFPPC.NO_RECV, OFPPC.PORT_DOWN]) {
      portMod(rig, c, 1, bit, bit);
      await barrier(rig, c);
      expect(rig.sw.ports.get(1)!.config).toBe(bit);
      // An administratively down port is not live (OFPPS_LIVE); NO_RECV leaves it live.
      expect(rig.sw.ports.get(1)!.state & OFPPS.LIVE).toBe(bit === OFPPC.PORT_DOWN ? 0 : OFPPS.LIVE);
      expect(await emitsUntilMarker(rig.sim, [[1, frame], [3, frame]], 3, 4)).toEqual([[2, frame.length]]);
      portMod(rig, c, 1, 0, bit);
      await barrier(rig, c);
      expect(rig.sw.ports.get(1)!.state).toBe(OFPPS.LIVE);
    }
    expect(c.errors).toEqual([]);
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 3, 4)).toEqual([[2, frame.length]]);
    await rig.provider.pollCounters();
    // Received (and counted as received) on port 1 three times; forwarded once from it, twice from port 3.
    expect(rig.provider.portStats(1)[0]).toMatchObject({ rxPackets: 3n });
    expect(rig.provider.portStats(2)[0]).toMatchObject({ txPackets: 3n });
  });

  it("PORT_DOWN also stops copies to the port; packet-outs to a NO_FWD port are dropped", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2), output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(0xfe), priority: 10, instructions: applyOnly([output(4)]) }));
    portMod(rig, c, 3, OFPPC.PORT_DOWN, OFPPC.PORT_DOWN);
    portMod(rig, c, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
    await barrier(rig, c);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 1, 4)).toEqual([]);
    const seen: number[] = [];
    const off = rig.sim.onEmit((p) => seen.push(p));
    rig.cm.submit(c, { type: "packet_out", bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [output(2)], data: frame });
    rig.cm.submit(c, { type: "packet_out", bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [output(4)], data: frame });
    await new Promise<void>((resolve) => {
      const stop = rig!.sim.onEmit((p) => p === 4 && (stop(), resolve()));
    });
    off();
    expect(seen).toEqual([4]);
    expect(c.errors).toEqual([]);
  });

  it("NO_PACKET_IN: a table miss on the port raises no packet-in; other ports still do", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    portMod(rig, c, 1, OFPPC.NO_PACKET_IN, OFPPC.NO_PACKET_IN);
    await barrier(rig, c);
    rig.sim.inject(1, udpFrame({ ipDst: 0x0a000009 }));
    rig.sim.inject(3, udpFrame({ ipDst: 0x0a00000a }));
    const [pin] = await rig.cm.packetIn(1);
    expect(pin?.inPort).toBe(3);
    portMod(rig, c, 1, 0, OFPPC.NO_PACKET_IN);
    await barrier(rig, c);
    rig.sim.inject(1, udpFrame({ ipDst: 0x0a000009 }));
    const pins = await rig.cm.packetIn(2);
    expect(pins.map((p) => p.inPort)).toEqual([3, 1]);
  });
});

describe("a port_mod is an operation", () => {
  it("the port desc and PORT_STATUS change only once the target acknowledged; the barrier waits for it", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.ackLatencyMs = 150;
    portMod(rig, c, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
    let replied = false;
    const b = barrier(rig, c).then(() => (replied = true));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(replied).toBe(false);
    expect(rig.sw.ports.get(2)!.config).toBe(0);
    expect(rig.cm.asyncSent).toEqual([]);
    await b;
    // At the barrier reply the Write is acknowledged: desc changed, PORT_STATUS already sent.
    expect(rig.sw.ports.get(2)!.config).toBe(OFPPC.NO_FWD);
    expect(rig.cm.asyncSent.map((a) => [a.kind, a.reason])).toEqual([["portStatus", OFPPR.MODIFY]]);
    expect(await portConfigEntries(rig)).toEqual(["egress.port_config 2 32", "ingress.port_config 2 0"]);
  });

  it("a failed Write is PORT_MOD_FAILED for the controller, and nothing changes", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.failNextUpdates(2, Code.RESOURCE_EXHAUSTED, "no room");
    const xid = portMod(rig, c, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
    await barrier(rig, c);
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([["PORT_MOD_FAILED_EPERM", xid]]);
    expect(c.errors[0]!.error.message).toContain("RESOURCE_EXHAUSTED");
    expect(rig.sw.ports.get(2)!.config).toBe(0);
    expect(rig.cm.asyncSent).toEqual([]);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(0xfe), priority: 10, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 1, 4)).toEqual([[2, frame.length]]);
  });

  it("refuses the bits the program cannot express with BAD_CONFIG naming the bit; NO_STP is stored", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x01);
    portMod(rig, c, 2, OFPPC.NO_FLOOD_10, OFPPC.NO_FLOOD_10);
    portMod(rig, c, 2, OFPPC.NO_RECV_STP_10 | OFPPC.NO_FWD, OFPPC.NO_RECV_STP_10 | OFPPC.NO_FWD);
    expect(c.errors.map((e) => e.error.name)).toEqual(["PORT_MOD_FAILED_BAD_CONFIG", "PORT_MOD_FAILED_BAD_CONFIG"]);
    expect(c.errors[0]!.error.message).toBe("port 2: OFPPC_NO_FLOOD the P4 program cannot express it (a flood replica is not told apart from an explicit output)");
    expect(c.errors[1]!.error.message).toBe("port 2: OFPPC_NO_RECV_STP the P4 program cannot express it (it does not tell 802.1D frames apart)");
    portMod(rig, c, 2, 0, OFPPC.NO_FLOOD_10); // clearing a bit that is clear is fine
    portMod(rig, c, 2, OFPPC.NO_STP_10, OFPPC.NO_STP_10);
    await barrier(rig, c);
    expect(c.errors).toHaveLength(2);
    expect(rig.sw.ports.get(2)!.config).toBe(OFPPC.NO_STP_10);
    expect(await portConfigEntries(rig)).toEqual([]);
  });

  it("with a mapping that has no portConfig, every enforced bit is refused, saying so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ofp4-portcfg-"));
    const m = JSON.parse(readFileSync(MAPPING, "utf8")) as Record<string, unknown>;
    delete m["portConfig"];
    const path = join(dir, "mapping.json");
    writeFileSync(path, JSON.stringify(m));
    rig = await startOffloadRig({ provider: { mappingPath: path } });
    const c = rig.cm.connect(0x04);
    for (const bit of [OFPPC.PORT_DOWN, OFPPC.NO_RECV, OFPPC.NO_FWD, OFPPC.NO_PACKET_IN]) portMod(rig, c, 3, bit, bit);
    await barrier(rig, c);
    expect(c.errors.map((e) => e.error.message)).toEqual(
      ["PORT_DOWN", "NO_RECV", "NO_FWD", "NO_PACKET_IN"].map(
        (n) => `port 3: OFPPC_${n} this P4 program has no port-config tables (no portConfig in its mapping): it cannot express it`,
      ),
    );
    expect(c.errors.every((e) => e.error.name === "PORT_MOD_FAILED_BAD_CONFIG")).toBe(true);
    expect(rig.sw.ports.get(3)!.config).toBe(0);
  });
});

describe("survives restarts", () => {
  it("a target restart: reconciliation writes the port-config entries back", async () => {
    rig = await startOffloadRig();
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(2), output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(0xfe), priority: 10, instructions: applyOnly([output(4)]) }));
    portMod(rig, c, 2, OFPPC.NO_FWD, OFPPC.NO_FWD);
    portMod(rig, c, 1, OFPPC.NO_PACKET_IN, OFPPC.NO_PACKET_IN);
    await barrier(rig, c);
    const before = await portConfigEntries(rig);
    const r = rig;
    const done = new Promise<void>((resolve) => {
      const original = r.sw.reconciliationFinished.bind(r.sw);
      r.sw.reconciliationFinished = () => {
        original();
        r.sw.reconciliationFinished = original;
        resolve();
      };
    });
    rig.sim.restart();
    await done;
    expect(await portConfigEntries(rig)).toEqual(before);
    const frame = udpFrame({ ipDst: 0x0a000002 });
    expect(await emitsUntilMarker(rig.sim, [[1, frame]], 1, 4)).toEqual([[3, frame.length]]);
  });

  it("an ofp4 restart reads the port config back into the port desc", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    rig = await startOffloadRig({ sim });
    const c = rig.cm.connect(0x04);
    portMod(rig, c, 2, OFPPC.NO_FWD | OFPPC.NO_RECV, OFPPC.NO_FWD | OFPPC.NO_RECV);
    await barrier(rig, c);
    await rig.close();
    rig = await startOffloadRig({ sim });
    expect(rig.sw.ports.get(2)!.config).toBe(OFPPC.NO_FWD | OFPPC.NO_RECV);
    expect(rig.sw.ports.get(1)!.config).toBe(0);
    const c2 = rig.cm.connect(0x04);
    portMod(rig, c2, 2, 0, OFPPC.NO_RECV);
    await barrier(rig, c2);
    expect(c2.errors).toEqual([]);
    expect(await portConfigEntries(rig)).toEqual(["egress.port_config 2 32", "ingress.port_config 2 0"]);
  });
});

describe("mapping portConfig", () => {
  const info = loadP4InfoFile(P4INFO);
  const file = JSON.parse(readFileSync(MAPPING, "utf8")) as { portConfig: { tables: { table: string; params: Record<string, string> }[] } };
  const withTables = (tables: unknown): unknown => ({ ...file, portConfig: { ...file.portConfig, tables } });

  it("resolves the enforced bits, and rejects unknown bits, params of the wrong width, tables not keyed on the port", () => {
    expect(buildMapping(file, info).portConfig?.enforced).toBe(OFPPC.PORT_DOWN | OFPPC.NO_RECV | OFPPC.NO_FWD | OFPPC.NO_PACKET_IN);
    const t0 = file.portConfig.tables[0]!;
    expect(() => buildMapping(withTables([{ ...t0, params: { NO_SUCH: "no_recv" } }]), info)).toThrow(MappingError);
    expect(() => buildMapping(withTables([{ ...t0, params: { NO_RECV: "absent" } }]), info)).toThrow(/has no param "absent"/);
    expect(() => buildMapping(withTables([{ ...t0, table: "ingress.ofp_table_0" }]), info)).toThrow(/exactly one key field/);
  });
});

// Issue 9: every P4Runtime error the offload provider receives is logged once, with the switch
// (the daemon's per-switch child logger), the OpenFlow connection and request that caused it,
// the P4Runtime code name and the target's message. The provider logs through a real pino
// logger whose output the test reads back line by line.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { applyOnly } from "../../src/openflow/actions.js";
import { OffloadProvider } from "../../src/offload/provider.js";
import { Ofproto } from "../../src/ofproto/ofproto.js";
import { Code } from "../../src/p4runtime/index.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, providerOptions, startOffloadRig, type OffloadRig } from "./rig.js";

interface Line {
  switch?: string;
  msg: string;
  p4runtime?: string;
  code?: string;
  message?: string;
  conn?: string;
  xid?: number;
  request?: string;
  wholeWrite?: boolean;
  lost?: boolean;
}

/** A pino logger like the daemon's (child bound to the switch name) whose lines the test reads. */
function capture(): { log: pino.Logger; lines: () => Line[] } {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const log = pino({ level: "info" }, sink).child({ switch: "br0" });
  return { log, lines: () => text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Line) };
}

const p4Errors = (lines: Line[]): Line[] => lines.filter((l) => l.msg.startsWith("P4Runtime error"));

let rig: OffloadRig | undefined;
let sim: Sim | undefined;
afterEach(async () => {
  await rig?.close();
  await sim?.stop();
  rig = undefined;
  sim = undefined;
});

describe("P4Runtime errors in the log", () => {
  it("a refused update: one line with the switch, the flow_mod's connection and xid, the code name and the target's message", async () => {
    const cap = capture();
    rig = await startOffloadRig({ provider: { log: cap.log } });
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.failNextUpdates(1, Code.INVALID_ARGUMENT, "Bad action parameter injected");
    const xid = rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(3), priority: 10, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    expect(c.errors.map((e) => e.request.xid)).toEqual([xid]);
    const lines = p4Errors(cap.lines());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      switch: "br0",
      p4runtime: "Write INSERT table_entry",
      code: "INVALID_ARGUMENT",
      message: "Bad action parameter injected",
      conn: c.name,
      xid,
      request: "flow_mod",
    });
    expect(lines[0]!.msg).toContain(`flow_mod xid=${xid} from ${c.name}`);
  });

  it("a Write that fails whole is one line for all its updates, not one per update", async () => {
    const cap = capture();
    rig = await startOffloadRig({ provider: { log: cap.log, targetWaitMs: 20_000 } });
    const c = rig.cm.connect(0x04);
    rig.sim.knobs.refuseWrites = true;
    const xids = [1, 2, 3].map((i) => rig!.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) })));
    await new Promise<void>((resolve) => {
      const original = rig!.sw.targetLost.bind(rig!.sw);
      rig!.sw.targetLost = (reason: string) => {
        original(reason);
        rig!.sim.knobs.refuseWrites = false;
        resolve();
      };
    });
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const writes = p4Errors(cap.lines()).filter((l) => l.p4runtime === "Write" && l.xid !== undefined && xids.includes(l.xid));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ switch: "br0", code: "UNAVAILABLE", wholeWrite: true, conn: c.name, request: "flow_mod" });
    expect(writes[0]!.message).toMatch(/./);
  });

  it("a dropped stream is one error line naming the target; the reconciliation after it logs no error", async () => {
    const cap = capture();
    rig = await startOffloadRig({ provider: { log: cap.log } });
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    const done = new Promise<void>((resolve) => {
      const original = rig!.sw.reconciliationFinished.bind(rig!.sw);
      rig!.sw.reconciliationFinished = () => {
        original();
        resolve();
      };
    });
    rig.sim.dropStreams();
    await done;
    const lines = p4Errors(cap.lines());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ switch: "br0", p4runtime: "StreamChannel", lost: true });
    expect(lines[0]!.code).toMatch(/^[A-Z_]+$/);
    // No "no longer primary" line besides it: the stream's error is the one reason given.
    expect(cap.lines().filter((l) => /target lost/.test(l.msg))).toEqual([]);
  });

  it("a pipeline the target refuses: one line naming SetForwardingPipelineConfig, its code and message", async () => {
    sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined });
    const dir = mkdtempSync(join(tmpdir(), "ofp4-errlog-"));
    const path = join(dir, "not-bmv2.json");
    writeFileSync(path, "this is not a bmv2 JSON");
    const cap = capture();
    const provider = new OffloadProvider(providerOptions(sim, { deviceConfigPath: path, log: cap.log }));
    const refused = await Ofproto.create(provider, { expiryIntervalMs: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(Error);
    const lines = p4Errors(cap.lines());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ switch: "br0", p4runtime: "SetForwardingPipelineConfig", request: "pipeline", code: "UNKNOWN" });
    expect(lines[0]!.message).toMatch(/device config is not a bmv2 JSON/);
  });
});

// SIGTERM while 10,000 flow_mods are pending: ofp4 exits 0, and the standalone sim (started
// with `ofp4 sim`, so it outlives ofp4) holds only whole entries that a restarted ofp4 adopts
// as rules: nothing half-written, nothing orphaned.

import { connect } from "node:net";
import { afterEach, beforeAll, expect, test } from "vitest";
import { applyOnly } from "../../src/openflow/actions.js";
import { encodeMessage } from "../../src/openflow/codec.js";
import { P4RuntimeClient } from "../../src/p4runtime/index.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { ctl, ensureBuilt, runOfp4, startDaemon, type Proc } from "../cli/process.js";

const started: Proc[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

/** Opens an OpenFlow 1.3 connection and writes `n` flow_mods without reading anything back. */
function blast(address: string, n: number): Promise<void> {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
  return new Promise((resolve, reject) => {
    const s = connect({ host, port }, () => {
      s.write(Uint8Array.of(0x04, 0x00, 0x00, 0x08, 0, 0, 0, 1)); // HELLO
      const chunks: Uint8Array[] = [];
      for (let i = 1; i <= n; i++) {
        chunks.push(encodeMessage(0x04, 1000 + i, flowMod("add", { match: ipDst(i), priority: 100, cookie: BigInt(i), instructions: applyOnly([output(1 + (i % 4))]) })));
      }
      s.write(Buffer.concat(chunks), (err) => (err ? reject(err) : resolve()));
    });
    s.on("data", () => undefined);
    s.on("error", () => undefined);
  });
}

test("SIGTERM with 10,000 flow_mods pending exits 0 and leaves only whole entries", async () => {
  const sim = runOfp4(["sim", "--p4runtime", "127.0.0.1:0", "--device-id", "1", "--cpu-port", "255", "--dp-grpc-server-addr", "127.0.0.1:0", "--ports", "8"]);
  started.push(sim);
  const simAddr = /P4Runtime listening on (\S+)/.exec(await sim.line(/P4Runtime listening on/))![1]!;
  const bmv2Flags = ["--target", "bmv2", "--p4runtime", simAddr, "--device-id", "1", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json"];

  const first = await startDaemon(bmv2Flags);
  started.push(first.proc);
  await blast(first.openflow, 10_000);
  // Work is pending: the core has op groups in flight or requests queued.
  const exit = await first.proc.stop("SIGTERM");
  expect(exit).toEqual({ code: 0, signal: null });
  expect(first.proc.stderr).toBe("");

  const reader = new P4RuntimeClient({ address: simAddr, deviceId: 1n });
  let held: number;
  try {
    const entities = await reader.readAll([{ tableEntry: {} }]);
    const entries = entities.map((e) => e.tableEntry!).filter((e) => !e.isDefaultAction);
    held = entries.length;
    // SIGTERM came while flow_mods were still pending or queued: the queued ones were never
    // started (their connection closed unanswered), the pending ones finished.
    expect(held).toBeLessThan(10_000);
    // Each entry is whole: ofp4's metadata tag and an action with its parameters.
    for (const e of entries) {
      expect(e.metadata?.length ?? 0).toBeGreaterThan(0);
      expect(e.action?.action?.params?.length ?? 0).toBeGreaterThan(0);
    }
  } finally {
    reader.close();
  }

  // A new ofp4 on the same sim adopts every entry as a rule: no orphan, no foreign entry.
  const second = await startDaemon(bmv2Flags);
  started.push(second.proc);
  const dump = JSON.parse((await ctl(second.socket, "--json", "dump-entries", "br0")).stdout) as { status: string }[];
  expect(dump).toHaveLength(held);
  expect(new Set(dump.map((e) => e.status))).toEqual(held === 0 ? new Set() : new Set(["rule"]));
  expect((await second.proc.stop("SIGTERM")).code).toBe(0);
}, 120_000);

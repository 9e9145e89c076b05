// The http2 Write transport when its target dies mid-Write and comes back: the sim in its own
// process (dist/src/daemon/sim-child.js, as `ofp4 start` runs it), a Write held by its
// ackLatencyMs knob (set over the admin interface), the process killed (SIGKILL, by PID), then a
// new sim on the same port. Each process this file starts is stopped by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { P4RuntimeClient } from "../../src/p4runtime/client.js";
import { Code } from "../../src/p4runtime/status.js";
import { deviceConfig, entryUpdate, info } from "./write-fixtures.js";

const SIM_CHILD = fileURLToPath(new URL("../../dist/src/daemon/sim-child.js", import.meta.url));

interface SimProcess {
  readonly child: ChildProcess;
  readonly address: string;
  readonly admin: string;
}

const children: ChildProcess[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = once(c, "exit");
      c.kill("SIGKILL");
      await gone;
    }
  }
});

async function startSim(p4runtime: string): Promise<SimProcess> {
  const child = spawn(process.execPath, [SIM_CHILD, "--p4runtime", p4runtime, "--admin", "127.0.0.1:0", "--device-id", "0", "--cpu-port", "255"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const rt = /P4Runtime listening on (\S+)/.exec(out);
      const admin = /admin listening on http:\/\/(\S+)/.exec(out);
      if (rt && admin) resolve({ child, address: rt[1]!, admin: admin[1]! });
    });
    child.once("exit", (code) => reject(new Error(`sim exited (${code}) before listening: ${err}`)));
  });
}

async function knobs(sim: SimProcess, body: Record<string, unknown>): Promise<void> {
  const r = await fetch(`http://${sim.admin}/knobs`, { method: "POST", body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}

async function kill(sim: SimProcess): Promise<void> {
  const gone = once(sim.child, "exit");
  sim.child.kill("SIGKILL");
  await gone;
}

describe("http2 Write transport across a target's death and restart", () => {
  it("a Write in flight when the sim dies: UNAVAILABLE, outcome unknown; while down: refused unsent; after the restart: served", async () => {
    const first = await startSim("127.0.0.1:0");
    const address = first.address;
    const c = new P4RuntimeClient({ address, deviceId: 0, electionId: 1n, backoff: { initialMs: 20, maxMs: 100 }, writeTimeoutMs: 10_000 });
    cleanups.push(() => c.close());
    expect((await c.connect()).isPrimary).toBe(true);
    await c.setPipeline({ p4info: info, deviceConfig });
    expect((await c.write([entryUpdate("INSERT", 1)]))[0]!.code).toBe(0);

    await knobs(first, { ackLatencyMs: 5000 });
    const t0 = performance.now();
    const held = c.write([entryUpdate("INSERT", 2), entryUpdate("INSERT", 3)]);
    await new Promise((r) => setTimeout(r, 200));
    await kill(first);
    const lost = await held;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(lost.map((r) => [r.code, r.outcomeUnknown])).toEqual(Array(2).fill([Code.UNAVAILABLE, true]));
    expect(lost[0]!.message).toMatch(new RegExp(`^P4Runtime target ${address.replace(/\./g, "\\.")} is unreachable \\(Write: connection lost during the Write`));

    const down = await c.write([entryUpdate("INSERT", 4)]);
    expect(down[0]).toMatchObject({ code: Code.UNAVAILABLE, outcomeUnknown: false });
    expect(down[0]!.message).toMatch(/ECONNREFUSED/);

    const back = once(c, "reconnected");
    await startSim(address);
    await back;
    // the Write session reaches the new sim: it has no pipeline yet
    expect((await c.write([entryUpdate("INSERT", 5)]))[0]!.code).toBe(Code.FAILED_PRECONDITION);
    await c.setPipeline({ p4info: info, deviceConfig });
    expect((await c.write([entryUpdate("INSERT", 2), entryUpdate("INSERT", 5)])).map((r) => r.code)).toEqual([0, 0]);
    expect((await c.readAll([{ tableEntry: { tableId: info.table("ofp_table_1").id } }])).length).toBe(2);
  });
});

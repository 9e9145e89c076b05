// The bound on waiting for a lost target, end to end on real bmv2: ofp4 runs with
// `target_wait_ms: 1500` from its config file; bmv2 is killed and not brought back; a flow_mod
// and its barrier are held, then the flow_mod fails with the error the provider documents
// (OFPFMFC_UNKNOWN, naming the target) and the barrier is answered after it; ofp4 stays up and
// serves the OpenFlow view; bmv2 started again, the held-and-failed rule is not there and a new
// flow lands.
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts test/e2e/bmv2/target-wait.bmv2.ts

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOfp4OnBmv2, type Ofp4Process } from "../../harness/ofp4.js";
import { Bmv2Process } from "../../setup/bmv2-process.js";
import { ofctl } from "../util.js";

const dir = mkdtempSync(join(tmpdir(), "ofp4-bmv2-wait-"));
let bmv2: Bmv2Process;
let ofp4: Ofp4Process;

beforeAll(async () => {
  bmv2 = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  const config = join(dir, "ofp4.yaml");
  writeFileSync(config, "switches:\n  - name: br0\n    target_wait_ms: 1500\n");
  ofp4 = await startOfp4OnBmv2(bmv2, { extra: ["--config", config] });
}, 60_000);

afterAll(async () => {
  const exit = await ofp4?.stop();
  await bmv2?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

it("a flow_mod held past target_wait_ms fails with OFPFMFC_UNKNOWN naming the target; ofp4 stays up", async () => {
  const T = ofp4.target;
  expect((await ofctl("-O", "OpenFlow13", "add-flow", T, "priority=5,in_port=1,actions=output:2")).code).toBe(0);
  await bmv2.kill();
  await ofp4.line(/P4Runtime target lost|UNAVAILABLE/);
  const started = Date.now();
  const held = await ofctl("-O", "OpenFlow13", "add-flow", T, "priority=6,in_port=2,actions=output:1");
  const waited = Date.now() - started;
  expect(held.code).not.toBe(0);
  expect(held.stderr).toMatch(/OFPFMFC_UNKNOWN/);
  expect(waited).toBeGreaterThanOrEqual(1400);
  expect(ofp4.log()).toContain(bmv2.p4runtimeAddress);
  // The OpenFlow view still answers, with the acknowledged rule only.
  const dump = await ofctl("-O", "OpenFlow13", "dump-flows", T);
  expect(dump.code).toBe(0);
  expect(dump.stdout).toMatch(/priority=5,in_port=1 actions=output:2/);
  expect(dump.stdout).not.toMatch(/priority=6/);
  // bmv2 back (empty): ofp4 reconciles; the failed rule stays gone, a new one lands.
  await bmv2.restart();
  await ofp4.line(/reconcil/i);
  expect((await ofctl("-O", "OpenFlow13", "add-flow", T, "priority=7,in_port=3,actions=output:4")).code).toBe(0);
  const after = await ofctl("-O", "OpenFlow13", "dump-flows", T);
  expect(after.stdout).toMatch(/priority=5,in_port=1 actions=output:2/);
  expect(after.stdout).toMatch(/priority=7,in_port=3 actions=output:4/);
  expect(after.stdout).not.toMatch(/priority=6/);
});

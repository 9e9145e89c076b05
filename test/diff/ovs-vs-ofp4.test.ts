// Differential tests: each script of ovs-ofctl commands runs against a private userspace Open
// vSwitch and against the real ofp4 process on its embedded sim; normalised transcripts and exit
// codes must be identical step by step, except the steps listed in departures.ts. A difference
// prints both transcripts. Both switches are started once and emptied before each script.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOvs, type OvsSwitch } from "../harness/ovs.js";
import { startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { departureFor, knownDifferenceFor, KNOWN_DIFFERENCES } from "./departures.js";
import { differingSteps, runScript, transcript } from "./runner.js";
import { SCRIPTS } from "./scripts.js";

let ovs: OvsSwitch;
let ofp4: Ofp4Process;

beforeAll(async () => {
  [ovs, ofp4] = await Promise.all([startOvs({ ports: 4 }), startOfp4({ ports: 4 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([ovs?.stop(), ofp4?.stop()]);
}, 30_000);

const RESET = { name: "reset", steps: [{ args: ["del-flows", "TARGET"], version: "OpenFlow13" as const }] };

describe("ovs-ofctl scripts: Open vSwitch vs ofp4", () => {
  it("has at least 30 scripts with distinct names", () => {
    expect(SCRIPTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(SCRIPTS.map((s) => s.name)).size).toBe(SCRIPTS.length);
  });

  for (const script of SCRIPTS) {
    it(script.name, async () => {
      const [resetOvs, resetOfp4] = await Promise.all([runScript(RESET, ovs.target), runScript(RESET, ofp4.target)]);
      expect(resetOvs[0]!.exit).toBe(0);
      expect(resetOfp4[0]!.exit).toBe(0);
      const [a, b] = await Promise.all([runScript(script, ovs.target), runScript(script, ofp4.target)]);
      const ta = transcript(a, ovs.target);
      const tb = transcript(b, ofp4.target);
      const all = differingSteps(ta, tb);
      const differing = all.filter((i) => departureFor(script.name, i) === undefined && knownDifferenceFor(script.name, i) === undefined);
      const fixed = KNOWN_DIFFERENCES.filter((d) => d.script === script.name && !all.includes(d.step));
      if (process.env.OFP4_DIFF_SHOW) console.log([`==== ${script.name}`, ...ta].join("\n"));
      if (differing.length > 0) {
        const report = [
          `script "${script.name}": steps ${differing.join(", ")} differ`,
          "---- Open vSwitch ----",
          ...ta,
          "---- ofp4 ----",
          ...tb,
        ].join("\n");
        console.log(report);
        expect.fail(report);
      }
      // A known difference that went away: remove it from KNOWN_DIFFERENCES.
      expect(fixed.map((d) => `step ${d.step} no longer differs: ${d.reason}`)).toEqual([]);
    }, 60_000);
  }
});

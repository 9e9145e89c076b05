// Golden tests against Open vSwitch's own bytes: every message ovs-ofctl sent for the commands
// in golden-cases.ts (recorded in test/fixtures/openflow/ofctl-codec.json) decodes, and encodes
// back to exactly the same bytes. A second group re-runs each command against the recorder and
// requires the fixture to be what ovs-ofctl sends today. Regenerate the fixtures with
//   OFP4_UPDATE_FIXTURES=1 npx vitest run test/openflow/golden.test.ts
// Multipart/stats messages in the recordings belong to the stats tests (test/openflow/stats*).

import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage } from "../../src/openflow/codec.js";
import { fromHex, recordOfctl, toHex } from "../harness/recorder.js";
import { GOLDEN_CASES } from "./golden-cases.js";

const FIXTURE = new URL("../fixtures/openflow/ofctl-codec.json", import.meta.url);

interface Fixture {
  readonly about: string;
  readonly ovsOfctl: string;
  readonly cases: { name: string; command: string; messages: string[] }[];
}

async function recordAll(): Promise<Fixture["cases"]> {
  const cases: Fixture["cases"] = [];
  for (const c of GOLDEN_CASES) {
    const r = await recordOfctl(c.args, { ports: 4 });
    cases.push({ name: c.name, command: `ovs-ofctl ${c.args.join(" ")}`, messages: r.messages.map((m) => toHex(m.bytes)) });
  }
  return cases;
}

if (process.env.OFP4_UPDATE_FIXTURES === "1") {
  const version = execFileSync("ovs-ofctl", ["--version"]).toString().split("\n")[0] ?? "";
  const fixture: Fixture = {
    about:
      "Bytes Debian's ovs-ofctl sent to test/harness/recorder.ts (answering with 4 ports p1..p4) for each command; TARGET is the recorder. Made by: OFP4_UPDATE_FIXTURES=1 npx vitest run test/openflow/golden.test.ts",
    ovsOfctl: version,
    cases: await recordAll(),
  };
  writeFileSync(FIXTURE, JSON.stringify(fixture, null, 1) + "\n");
}

const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as Fixture;

function isMultipart(bytes: Uint8Array): boolean {
  const [version, type] = [bytes[0], bytes[1]];
  return version === 1 ? type === 16 || type === 17 : type === 18 || type === 19;
}

describe("ovs-ofctl's bytes decode and encode back identically", () => {
  it("covers every case of golden-cases.ts", () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(GOLDEN_CASES.map((c) => c.name));
  });

  for (const c of fixture.cases) {
    it(c.command, () => {
      let flowModTableId = false;
      let checked = 0;
      for (const hex of c.messages) {
        const raw = fromHex(hex);
        if (isMultipart(raw)) continue;
        const d = decodeMessage(raw, { flowModTableId });
        if (!d.ok) throw new Error(`decode failed for ${hex}: ${d.error.name} ${d.error.message}`);
        if (d.value.msg.type === "nx_flow_mod_table_id") flowModTableId = d.value.msg.enable;
        expect(toHex(encodeMessage(d.value.version, d.value.xid, d.value.msg))).toBe(hex);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe("fixtures are what ovs-ofctl sends", () => {
  it("re-recording every command gives the fixture bytes", { timeout: 120_000 }, async () => {
    const live = await recordAll();
    expect(live).toEqual(fixture.cases);
  });
});

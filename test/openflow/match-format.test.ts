// The canonical text form against ovs-ofctl's own: for every flow_mod in the golden fixtures,
// formatMatch prints the match exactly as `ovs-ofctl ofp-print` does, and formatInstructions
// the actions, where the two versions' spellings agree (OpenFlow 1.0's mod_* rewrites print as
// set_field here, and 1.0's untagged match keeps no pcp bit internally).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applyOnly } from "../../src/openflow/actions.js";
import { decodeMessage } from "../../src/openflow/codec.js";
import { formatFlow, formatInstructions, formatMatch } from "../../src/openflow/match-format.js";
import { OxmField } from "../../src/openflow/match.js";
import type { FlowMod } from "../../src/openflow/messages.js";
import { fromHex } from "../harness/recorder.js";

interface Fixture {
  readonly cases: { name: string; messages: string[] }[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/openflow/ofctl-codec.json", import.meta.url), "utf8")) as Fixture;

/** Cases whose actions ovs-ofctl spells the OpenFlow 1.0 way (mod_*), or that it cannot print itself. */
const ACTIONS_DIFFER = new Set(["of10 add-flow 1.0 actions", "of10 add-flow udp set tp"]);
const MATCH_DIFFERS = new Set(["of10 add-flow 1.0 actions"]);
/** ofp-print refuses OVS's own bytes here (set_field vlan_vid without its prerequisite). */
const OVS_CANNOT_PRINT = new Set(["of13 add-flow instructions"]);

function flowMods(): { name: string; hex: string; fm: FlowMod }[] {
  const out: { name: string; hex: string; fm: FlowMod }[] = [];
  for (const c of fixture.cases) {
    let flowModTableId = false;
    for (const hex of c.messages) {
      const d = decodeMessage(fromHex(hex), { flowModTableId });
      if (!d.ok) continue;
      if (d.value.msg.type === "nx_flow_mod_table_id") flowModTableId = d.value.msg.enable;
      if (d.value.msg.type === "flow_mod") out.push({ name: c.name, hex, fm: d.value.msg });
    }
  }
  return out;
}

/** Splits ofp-print's flow_mod line into its match and actions text. */
function ovsText(hex: string): { match: string; actions: string } {
  const line = execFileSync("ovs-ofctl", ["ofp-print", hex]).toString().split("\n")[0]!;
  const body = line.slice(line.indexOf("): ") + 3).split(" ").slice(1);
  const actions = body.find((t) => t.startsWith("actions="))!.slice("actions=".length);
  const match = body.find((t) => !t.startsWith("actions=") && !t.includes(":") && t !== "send_flow_rem" && t !== "check_overlap") ??
    body.find((t) => t.includes("=") && !t.startsWith("actions=")) ??
    "";
  return { match, actions };
}

describe("formatMatch / formatInstructions print what ovs-ofctl prints", () => {
  for (const { name, hex, fm } of flowMods().filter((x) => !OVS_CANNOT_PRINT.has(x.name))) {
    it(name, () => {
      const ovs = ovsText(hex);
      if (!MATCH_DIFFERS.has(name)) expect(formatMatch(fm.match, fm.priority)).toBe(ovs.match);
      if (!ACTIONS_DIFFER.has(name)) expect(formatInstructions(fm.instructions)).toBe(ovs.actions);
    });
  }
});

describe("formatFlow", () => {
  it("prints every instruction kind", () => {
    const fm = flowMods().find((x) => x.name === "of13 add-flow instructions")!.fm;
    expect(formatInstructions(fm.instructions)).toBe(
      "meter:1,set_field:00:00:00:00:00:01->eth_src,push_vlan:0x8100,set_field:5->vlan_vid,group:3,clear_actions,write_actions(output:3),write_metadata:0x1/0xff,goto_table:5",
    );
  });

  it("prints a dump-flows line", () => {
    const line = formatFlow({
      cookie: 0x1234n,
      tableId: 0,
      priority: 7,
      match: [{ field: OxmField.IN_PORT, value: 1n, mask: 0xffffffffn }],
      instructions: applyOnly([{ type: "output", port: 2, maxLen: 0 }]),
      idleTimeout: 10,
      durationSec: 1,
      durationNsec: 500_000_000,
      flags: 1,
      packetCount: 3n,
      byteCount: 180n,
    });
    expect(line).toBe(" cookie=0x1234, duration=1.500s, table=0, n_packets=3, n_bytes=180, idle_timeout=10, send_flow_rem priority=7,in_port=1 actions=output:2");
    expect(formatFlow({ cookie: 0n, tableId: 1, priority: 0x8000, match: [], instructions: applyOnly([]) })).toBe(" cookie=0x0, table=1, actions=drop");
  });
});

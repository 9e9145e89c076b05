// Rules keep compact copies of what the codec built: exact-capacity lists, and one shared
// instructions object per output-only action list.
import { describe, expect, it } from "vitest";
import { NO_INSTRUCTIONS, type Instructions } from "../../src/openflow/actions.js";
import { OxmField } from "../../src/openflow/match.js";
import { compactInstructions, Rule } from "../../src/ofproto/rule.js";

const outputs = (...ports: number[]): Instructions => ({ ...NO_INSTRUCTIONS, applyActions: ports.map((port) => ({ type: "output", port, maxLen: 0 })) });

describe("rule memory", () => {
  it("shares one instructions object among rules with the same output-only actions", () => {
    const a = compactInstructions(outputs(1, 2));
    const b = compactInstructions(outputs(1, 2));
    expect(b).toBe(a);
    expect(a).toEqual(outputs(1, 2));
    expect(compactInstructions(outputs(2, 1))).not.toBe(a);
    expect(compactInstructions(outputs(1))).not.toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it("copies, never shares, instructions with anything but outputs", () => {
    const withGoto: Instructions = { ...outputs(1), gotoTable: 2 };
    const c1 = compactInstructions(withGoto);
    const c2 = compactInstructions(withGoto);
    expect(c1).toEqual(withGoto);
    expect(c1).not.toBe(c2);
    const setField: Instructions = { ...NO_INSTRUCTIONS, applyActions: [{ type: "set_field", field: OxmField.ETH_DST, value: 5n }, { type: "output", port: 1, maxLen: 0 }] };
    expect(compactInstructions(setField)).not.toBe(compactInstructions(setField));
    expect(compactInstructions(setField)).toEqual(setField);
  });

  it("gives a rule its own match list with the same fields, in order", () => {
    const match = [
      { field: OxmField.ETH_TYPE, value: 0x800n, mask: 0xffffn },
      { field: OxmField.IPV4_DST, value: 0x0a000001n, mask: 0xffffffffn },
    ];
    const r = new Rule({ tableId: 0, match, priority: 1, cookie: 0n, flags: 0, idleTimeout: 0, hardTimeout: 0, importance: 0, instructions: outputs(3) }, 0);
    expect(r.match).toEqual(match);
    expect(r.match).not.toBe(match);
    expect(r.instructions).toEqual(outputs(3));
  });
});

// The match a DELETE names, read back from the entry's key (src/offload/delete-key.ts): for every
// expressible rule it is the translated match, byte for byte; keys of other shapes give undefined.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyOnly, type Action } from "../../src/openflow/actions.js";
import { normalizeMatch, OxmField } from "../../src/openflow/match.js";
import { ternaryMatchOfKey } from "../../src/offload/delete-key.js";
import { loadMapping } from "../../src/offload/mapping.js";
import { translateRule, type TranslateContext } from "../../src/offload/translate.js";
import { loadP4InfoFile, tableEntryKey } from "../../src/p4runtime/index.js";
import { MAPPING, P4INFO } from "./rig.js";
import { expressibleFields } from "./arbitraries.js";

const mapping = loadMapping(MAPPING, loadP4InfoFile(P4INFO));
const ctx: TranslateContext = { isPort: (n) => n >= 1 && n <= 4, ports: [1, 2, 3, 4], group: () => undefined };
const out = (port: number): Action => ({ type: "output", port, maxLen: 0 });

describe("ternaryMatchOfKey", () => {
  it("gives back the translated match of any expressible rule (property)", () => {
    fc.assert(
      fc.property(expressibleFields, fc.boolean(), fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 65535 }), (fields, withPort, tableId, priority) => {
        const raw = fields.map(([f, v, m]) => ({ field: f, value: v, mask: m }));
        if (withPort) raw.push({ field: OxmField.IN_PORT, value: 2n, mask: 0xffffffffn });
        const r = translateRule(mapping, { tableId, priority, match: normalizeMatch(raw), instructions: applyOnly([out(1)]) }, ctx);
        if (!r.ok) throw new Error(r.error.message);
        const key = tableEntryKey({ tableId: r.value.table.p4.id, match: r.value.match, priority: r.value.priority });
        const back = ternaryMatchOfKey(key);
        expect(back).toEqual(r.value.match.map((m) => ({ fieldId: m.fieldId, ternary: { value: m.ternary!.value, mask: m.ternary!.mask } })));
      }),
      { numRuns: 300 },
    );
  });

  it("reads the empty match and refuses keys it cannot read exactly", () => {
    expect(ternaryMatchOfKey(tableEntryKey({ tableId: 5, priority: 1, match: [] }))).toEqual([]);
    expect(ternaryMatchOfKey(tableEntryKey({ tableId: 5, priority: 1, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }] }))).toBeUndefined();
    expect(ternaryMatchOfKey(tableEntryKey({ tableId: 5, priority: 1, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(1), prefixLen: 8 } }] }))).toBeUndefined();
    expect(ternaryMatchOfKey(tableEntryKey({ tableId: 5, priority: 1, isDefaultAction: true }))).toBeUndefined();
    // A non-canonical value cannot be given back as the target holds it: the caller translates.
    expect(ternaryMatchOfKey("t5/1/1=0001&ff")).toBeUndefined();
    expect(ternaryMatchOfKey("m1/2")).toBeUndefined();
    expect(ternaryMatchOfKey("t5/1/1=zz&ff")).toBeUndefined();
  });
});

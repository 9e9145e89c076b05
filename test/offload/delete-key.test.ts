// The key a DELETE names (src/offload/entry-codec.ts): the entry's identity written at its ADD —
// canonical TableEntry bytes (table id, match, priority) kept as the rule's P4 identity — names,
// for every expressible rule, exactly the translated match and priority, and is the key a read
// of that entry gives back (p4runtime/entity-key.ts), so DELETE, counters and read-backs agree.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyOnly, type Action } from "../../src/openflow/actions.js";
import { normalizeMatch, OxmField, type Match } from "../../src/openflow/match.js";
import { Rule } from "../../src/ofproto/rule.js";
import { EntryCodec } from "../../src/offload/entry-codec.js";
import { loadMapping } from "../../src/offload/mapping.js";
import { translateRule, type TranslateContext } from "../../src/offload/translate.js";
import { loadP4InfoFile, tableEntryKey, tableEntryOfKey } from "../../src/p4runtime/index.js";
import { MAPPING, P4INFO } from "./rig.js";
import { expressibleFields } from "./arbitraries.js";

const mapping = loadMapping(MAPPING, loadP4InfoFile(P4INFO));
const ctx: TranslateContext = { isPort: (n) => n >= 1 && n <= 4, ports: [1, 2, 3, 4], group: () => undefined };
const out = (port: number): Action => ({ type: "output", port, maxLen: 0 });
const codec = new EntryCodec(mapping, ctx, () => undefined);

function keyOf(tableId: number, priority: number, match: Match): string {
  const rule = new Rule({ tableId, priority, match, cookie: 0n, flags: 0, idleTimeout: 0, hardTimeout: 0, importance: 0, instructions: applyOnly([out(1)]) }, 0);
  const refused = codec.compileKey(rule);
  if (refused !== undefined) throw new Error(refused.message);
  return codec.key;
}

describe("the entry key a DELETE names", () => {
  it("gives back the translated match of any expressible rule (property)", () => {
    fc.assert(
      fc.property(expressibleFields, fc.boolean(), fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 65535 }), (fields, withPort, tableId, priority) => {
        const raw = fields.map(([f, v, m]) => ({ field: f, value: v, mask: m }));
        if (withPort) raw.push({ field: OxmField.IN_PORT, value: 2n, mask: 0xffffffffn });
        const match = normalizeMatch(raw);
        const r = translateRule(mapping, { tableId, priority, match, instructions: applyOnly([out(1)]) }, ctx);
        if (!r.ok) throw new Error(r.error.message);
        const key = keyOf(tableId, priority, match);
        const back = tableEntryOfKey(key);
        expect(back.tableId).toBe(r.value.table.p4.id);
        expect(back.priority).toBe(r.value.priority);
        expect(back.match.map((m) => ({ fieldId: m.fieldId, ternary: { value: Uint8Array.from(m.ternary!.value!), mask: Uint8Array.from(m.ternary!.mask!) } }))).toEqual(
          r.value.match.map((m) => ({ fieldId: m.fieldId, ternary: { value: Uint8Array.from(m.ternary!.value!), mask: Uint8Array.from(m.ternary!.mask!) } })),
        );
        // The key is the one a read of that entry gives back.
        expect(key).toBe(tableEntryKey({ tableId: r.value.table.p4.id, match: r.value.match, priority: r.value.priority }));
      }),
      { numRuns: 300 },
    );
  });

  it("reads the empty match and refuses keys it cannot read exactly", () => {
    const empty = keyOf(0, 0, []);
    expect(tableEntryOfKey(empty).match).toEqual([]);
    expect(empty).toBe(tableEntryKey({ tableId: mapping.tables[0]!.p4.id, priority: 1, match: [] }));
    // Another shape of the same table is another entry: a default entry, another match kind.
    expect(empty).not.toBe(tableEntryKey({ tableId: mapping.tables[0]!.p4.id, priority: 1, isDefaultAction: true }));
    expect(tableEntryKey({ tableId: 5, priority: 1, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }] })).not.toBe(
      tableEntryKey({ tableId: 5, priority: 1, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(1), prefixLen: 8 } }] }),
    );
    // A non-canonical value as a target may send it reads as the canonical key ofp4 wrote.
    const k = keyOf(0, 9, [{ field: OxmField.ARP_OP, value: 1n, mask: 0xffffn }]);
    const te = tableEntryOfKey(k);
    const padded = { ...te, match: te.match.map((m) => ({ fieldId: m.fieldId, ternary: { value: Uint8Array.of(0, 0, ...m.ternary!.value!), mask: Uint8Array.of(0, ...m.ternary!.mask!) } })) };
    expect(tableEntryKey(padded)).toBe(k);
  });
});

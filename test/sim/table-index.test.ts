// The sim's table index (tuple space by mask vector) against a brute-force reference:
// random ternary, exact and LPM entries with random priorities, inserts and deletes, and
// lookups that must return an entry of the highest matching priority.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MatchKind, type TableInfo } from "../../targets/sim/schema.js";
import { entryKey, Table, type TableEntryState } from "../../targets/sim/table.js";

function info(kinds: MatchKind[], needsPriority: boolean): TableInfo {
  const fields = kinds.map((kind, index) => ({ id: index + 1, name: `f${index}`, bitwidth: 8, kind, index }));
  return {
    id: 1,
    name: "t",
    fields,
    fieldsById: new Map(fields.map((f) => [f.id, f])),
    fieldsByName: new Map(fields.map((f) => [f.name, f])),
    actions: new Map(),
    constDefaultActionId: 0,
    initialDefault: undefined,
    directCounterId: 0,
    directMeterId: 0,
    implementationId: 0,
    size: 100000,
    notifyIdle: false,
    isConst: false,
    needsPriority,
    hasRange: kinds.includes(MatchKind.RANGE),
    lpmIndex: kinds.indexOf(MatchKind.LPM),
  };
}

function make(values: bigint[], masks: bigint[], priority: number): TableEntryState {
  const v = values.map((x, i) => x & masks[i]!);
  return { key: entryKey(v, masks, priority), values: v, masks, priority, action: { actionId: 1, params: [] }, controllerMetadata: 0n, metadata: undefined, idleTimeoutNs: 0n, packets: 0, bytes: 0, lastHitMs: 0, notifiedMs: 0 };
}

const byte = fc.integer({ min: 0, max: 255 }).map(BigInt);

describe("table index", () => {
  it("ternary lookup returns an entry of the highest matching priority (vs brute force)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ v: fc.tuple(byte, byte), m: fc.tuple(fc.constantFrom(0n, 0xffn, 0xf0n, 0x0fn), fc.constantFrom(0n, 0xffn, 0x80n)), p: fc.integer({ min: 1, max: 20 }) }), { maxLength: 40 }),
        fc.array(fc.tuple(byte, byte), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, keys, deletions) => {
          const t = new Table(info([MatchKind.TERNARY, MatchKind.TERNARY], true));
          const live: TableEntryState[] = [];
          for (const r of rows) {
            const e = make([...r.v], [...r.m], r.p);
            if (t.get(e.key)) continue;
            t.insert(e);
            live.push(e);
          }
          for (const d of deletions) {
            if (live.length === 0) break;
            const [e] = live.splice(d % live.length, 1);
            t.delete(e!);
          }
          for (const k of keys) {
            const matching = live.filter((e) => e.values.every((v, i) => (k[i]! & e.masks[i]!) === v));
            const best = matching.reduce((m, e) => Math.max(m, e.priority), -1);
            const got = t.lookup([...k]);
            if (best < 0) expect(got).toBeUndefined();
            else expect(got?.priority).toBe(best);
            if (got) expect(matching).toContain(got);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("LPM lookup returns the longest matching prefix", () => {
    const t = new Table(info([MatchKind.LPM], false));
    const prefix = (len: number) => ((1n << BigInt(len)) - 1n) << BigInt(8 - len);
    t.insert(make([0b10000000n], [prefix(1)], 0));
    t.insert(make([0b10100000n], [prefix(3)], 0));
    t.insert(make([0b10100100n], [prefix(6)], 0));
    expect(t.lookup([0b10100111n])?.masks[0]).toBe(prefix(6));
    expect(t.lookup([0b10111111n])?.masks[0]).toBe(prefix(3));
    expect(t.lookup([0b11111111n])?.masks[0]).toBe(prefix(1));
    expect(t.lookup([0b01111111n])).toBeUndefined();
  });

  it("range entries match within their bounds by priority", () => {
    const t = new Table(info([MatchKind.RANGE], true));
    const e1 = { ...make([10n], [20n], 1), values: [10n], masks: [20n] };
    const e2 = { ...make([15n], [16n], 5), values: [15n], masks: [16n], key: "b" };
    t.insert(e1);
    t.insert(e2);
    expect(t.lookup([15n])).toBe(e2);
    expect(t.lookup([12n])).toBe(e1);
    expect(t.lookup([21n])).toBeUndefined();
    t.delete(e2);
    expect(t.lookup([15n])).toBe(e1);
  });
});

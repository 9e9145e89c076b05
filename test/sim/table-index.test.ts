// The sim's table index (tuple space by mask vector, packed keys) against a brute-force
// reference: random ternary entries with random priorities, inserts and deletes, and lookups
// that must return an entry of the highest matching priority; LPM and range ordering.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layoutOf } from "../../targets/sim/packed.js";
import { MatchKind, type TableInfo } from "../../targets/sim/schema.js";
import { Table, type EntryInit, type TableEntryState } from "../../targets/sim/table.js";

function info(kinds: MatchKind[], needsPriority: boolean): TableInfo {
  const fields = kinds.map((kind, index) => ({ id: index + 1, name: `f${index}`, bitwidth: 8, kind, index }));
  return {
    id: 1,
    name: "t",
    fields,
    fieldsById: new Map(fields.map((f) => [f.id, f])),
    fieldsByName: new Map(fields.map((f) => [f.name, f])),
    layout: layoutOf(fields.map((f) => f.bitwidth)),
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

const init = (): EntryInit => ({
  action: { actionId: 1, params: [], packed: "", refs: 1 },
  controllerMetadata: 0n,
  metadata: undefined,
  idleTimeoutNs: 0n,
  packets: 0,
  bytes: 0,
  lastHitMs: 0,
  notifiedMs: 0,
});

/** Values (masked) and masks of one-byte fields (for RANGE fields: low and high). */
function match(values: number[], masks: number[], priority: number, range = false) {
  return { values: Buffer.from(values.map((v, i) => (range ? v : v & masks[i]!))).toString("latin1"), masks: Buffer.from(masks).toString("latin1"), priority };
}

const byte = fc.integer({ min: 0, max: 255 });

describe("table index", () => {
  it("ternary lookup returns an entry of the highest matching priority (vs brute force)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ v: fc.tuple(byte, byte), m: fc.tuple(fc.constantFrom(0, 0xff, 0xf0, 0x0f), fc.constantFrom(0, 0xff, 0x80)), p: fc.integer({ min: 1, max: 20 }) }), { maxLength: 40 }),
        fc.array(fc.tuple(byte, byte), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, keys, deletions) => {
          const t = new Table(info([MatchKind.TERNARY, MatchKind.TERNARY], true));
          const live: { e: TableEntryState; values: number[]; masks: number[] }[] = [];
          for (const r of rows) {
            const m = match([...r.v], [...r.m], r.p);
            if (t.find(m)) continue;
            live.push({ e: t.insert(m, init()), values: [...Buffer.from(m.values, "latin1")], masks: [...Buffer.from(m.masks, "latin1")] });
          }
          expect(t.size).toBe(live.length);
          for (const d of deletions) {
            if (live.length === 0) break;
            const [x] = live.splice(d % live.length, 1);
            t.delete(x!.e);
          }
          expect(t.size).toBe(live.length);
          expect([...t.entries()].length).toBe(live.length);
          for (const k of keys) {
            const matching = live.filter((x) => x.values.every((v, i) => (k[i]! & x.masks[i]!) === v));
            const best = matching.reduce((m, x) => Math.max(m, x.e.priority), -1);
            const got = t.lookup(k.map(BigInt));
            if (best < 0) expect(got).toBeUndefined();
            else expect(got?.priority).toBe(best);
            if (got) expect(matching.map((x) => x.e)).toContain(got);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("LPM lookup returns the longest matching prefix", () => {
    const t = new Table(info([MatchKind.LPM], false));
    const prefix = (len: number) => (0xff << (8 - len)) & 0xff;
    const p1 = t.insert(match([0b10000000], [prefix(1)], 0), init());
    const p3 = t.insert(match([0b10100000], [prefix(3)], 0), init());
    const p6 = t.insert(match([0b10100100], [prefix(6)], 0), init());
    expect(t.lookup([0b10100111n])).toBe(p6);
    expect(t.lookup([0b10111111n])).toBe(p3);
    expect(t.lookup([0b11111111n])).toBe(p1);
    expect(t.lookup([0b01111111n])).toBeUndefined();
  });

  it("range entries match within their bounds by priority", () => {
    const t = new Table(info([MatchKind.RANGE], true));
    const wide = t.insert(match([10], [20], 1, true), init());
    const narrow = t.insert(match([15], [16], 5, true), init());
    expect(t.lookup([15n])).toBe(narrow);
    expect(t.lookup([12n])).toBe(wide);
    expect(t.lookup([21n])).toBeUndefined();
    t.delete(narrow);
    expect(t.lookup([15n])).toBe(wide);
  });
});

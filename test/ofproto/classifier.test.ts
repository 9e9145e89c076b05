// The classifier against a brute-force reference (an array and the predicates of
// src/openflow/match.ts) on random rule sets, plus unit tests for replacement, removal,
// the empty match and hidden priorities.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, type PacketKey } from "../../src/ofproto/classifier.js";
import {
  OxmField,
  fieldMaxValue,
  matchCovers,
  matchEquals,
  matchesOverlap,
  normalizeMatch,
  type Match,
  type MatchField,
} from "../../src/openflow/match.js";

interface Rule {
  readonly match: Match;
  readonly priority: number;
  readonly id: number;
}

/** The reference: every question answered by scanning an array with match.ts predicates. */
class ReferenceTable {
  rules: Rule[] = [];
  insert(rule: Rule): Rule | undefined {
    const i = this.rules.findIndex((r) => r.priority === rule.priority && matchEquals(r.match, rule.match));
    if (i < 0) {
      this.rules.push(rule);
      return undefined;
    }
    const victim = this.rules[i];
    this.rules[i] = rule;
    return victim;
  }
  remove(rule: Rule): boolean {
    const i = this.rules.indexOf(rule);
    if (i < 0) return false;
    this.rules.splice(i, 1);
    return true;
  }
  findExact(match: Match, priority: number): Rule | undefined {
    return this.rules.find((r) => r.priority === priority && matchEquals(r.match, match));
  }
  loose(request: Match): Rule[] {
    return this.rules.filter((r) => matchCovers(request, r.match));
  }
  overlapping(match: Match, priority: number): Rule[] {
    return this.rules.filter((r) => r.priority === priority && matchesOverlap(r.match, match));
  }
  matching(packet: PacketKey): Rule[] {
    return this.rules.filter((r) => packetMatchesRef(r.match, packet));
  }
}

/** A packet matches when every field is present and equal under the mask. */
function packetMatchesRef(match: Match, packet: PacketKey): boolean {
  return match.every((f) => {
    const v = packet.get(f.field);
    return v !== undefined && (v & f.mask) === f.value;
  });
}

// A handful of fields with small value domains, so that equal, covering and overlapping
// matches are common.
const FIELDS = [OxmField.IN_PORT, OxmField.ETH_TYPE, OxmField.IP_PROTO, OxmField.IPV4_DST, OxmField.TCP_DST] as const;

function maskArb(field: OxmField): fc.Arbitrary<bigint> {
  const max = fieldMaxValue(field);
  const bits = BigInt(max.toString(2).length);
  return fc.oneof(
    fc.constant(max),
    fc.integer({ min: 1, max: Number(bits) }).map((n) => (max << (bits - BigInt(n))) & max), // prefix
    fc.integer({ min: 1, max: 7 }).map((m) => BigInt(m)), // low bits
    fc.integer({ min: 1, max: 7 }).map((m) => (BigInt(m) | (max & ~7n)) & max), // all but some low bits
  );
}

function valueArb(field: OxmField): fc.Arbitrary<bigint> {
  const max = fieldMaxValue(field);
  return fc.oneof(
    fc.integer({ min: 0, max: 3 }).map(BigInt),
    fc.integer({ min: 0, max: 3 }).map((n) => max ^ BigInt(n)),
  );
}

const fieldArb: fc.Arbitrary<MatchField> = fc
  .constantFrom(...FIELDS)
  .chain((field) => fc.record({ field: fc.constant(field), value: valueArb(field), mask: maskArb(field) }));

const matchArb: fc.Arbitrary<Match> = fc
  .uniqueArray(fieldArb, { selector: (f) => f.field, maxLength: 4 })
  .map((fields) => normalizeMatch(fields));

const priorityArb = fc.constantFrom(0, 1, 2, 100, 0x8000, 65535, 65536, 70000);

const packetArb: fc.Arbitrary<PacketKey> = fc
  .uniqueArray(
    fc.constantFrom(...FIELDS).chain((field) => fc.tuple(fc.constant(field), valueArb(field))),
    { selector: ([f]) => f },
  )
  .map((entries) => new Map(entries));

type Command =
  | { kind: "insert"; match: Match; priority: number }
  | { kind: "remove"; pick: number }
  | { kind: "removeStranger"; match: Match; priority: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("insert" as const), match: matchArb, priority: priorityArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("removeStranger" as const), match: matchArb, priority: priorityArb }),
  },
);

interface Query {
  match: Match;
  priority: number;
  packet: PacketKey;
}
const queryArb: fc.Arbitrary<Query> = fc.record({ match: matchArb, priority: priorityArb, packet: packetArb });

function sortedIds(rules: Iterable<Rule>): number[] {
  return [...rules].map((r) => r.id).sort((a, b) => a - b);
}

function compare(cls: Classifier<Rule>, ref: ReferenceTable, q: Query): void {
  expect(cls.size).toBe(ref.rules.length);
  expect(sortedIds(cls)).toEqual(sortedIds(ref.rules));
  expect(sortedIds(cls.loose(q.match))).toEqual(sortedIds(ref.loose(q.match)));
  expect(cls.findExact(q.match, q.priority)).toBe(ref.findExact(q.match, q.priority));

  const overlapping = ref.overlapping(q.match, q.priority);
  const found = cls.findOverlap(q.match, q.priority);
  if (overlapping.length === 0) expect(found).toBeUndefined();
  else expect(overlapping).toContain(found);

  const matching = ref.matching(q.packet);
  const hit = cls.lookup(q.packet);
  if (matching.length === 0) {
    expect(hit).toBeUndefined();
  } else {
    expect(matching).toContain(hit);
    expect(hit!.priority).toBe(Math.max(...matching.map((r) => r.priority)));
    expect(cls.lookup(q.packet)).toBe(hit); // deterministic
  }
}

function run(commands: Command[], queries: Query[]): void {
  const cls = new Classifier<Rule>();
  const ref = new ReferenceTable();
  let nextId = 0;
  let qi = 0;
  for (const c of commands) {
    if (c.kind === "insert") {
      const rule: Rule = { match: c.match, priority: c.priority, id: nextId++ };
      expect(cls.insert(rule)).toBe(ref.insert(rule));
    } else if (c.kind === "remove") {
      if (ref.rules.length === 0) continue;
      const rule = ref.rules[c.pick % ref.rules.length]!;
      expect(cls.remove(rule)).toBe(ref.remove(rule));
      expect(cls.remove(rule)).toBe(false);
    } else {
      const stranger: Rule = { match: c.match, priority: c.priority, id: nextId++ };
      expect(cls.remove(stranger)).toBe(false);
    }
    if (queries.length > 0) compare(cls, ref, queries[qi++ % queries.length]!);
  }
  for (const q of queries) compare(cls, ref, q);
  // Queries with every rule's own match: findExact hits, loose includes itself, overlap is non-empty.
  for (const r of ref.rules.slice(0, 20)) {
    compare(cls, ref, { match: r.match, priority: r.priority, packet: new Map() });
  }
}

describe("classifier vs brute-force reference", () => {
  it("agrees on random rule sets with interleaved inserts and removes", () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 60 }), fc.array(queryArb, { minLength: 1, maxLength: 10 }), run),
      { numRuns: 300 },
    );
  });

  it("agrees on larger tables (queries at the end)", () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 200, maxLength: 400 }),
        fc.array(queryArb, { minLength: 20, maxLength: 40 }),
        runAtEnd,
      ),
      { numRuns: 20 },
    );
  });
});

function runAtEnd(commands: Command[], queries: Query[]): void {
  const cls = new Classifier<Rule>();
  const ref = new ReferenceTable();
  let id = 0;
  for (const c of commands) {
    if (c.kind === "insert") {
      const rule: Rule = { match: c.match, priority: c.priority, id: id++ };
      expect(cls.insert(rule)).toBe(ref.insert(rule));
    } else if (c.kind === "remove" && ref.rules.length > 0) {
      const rule = ref.rules[c.pick % ref.rules.length]!;
      expect(cls.remove(rule)).toBe(ref.remove(rule));
    }
  }
  for (const q of queries) compare(cls, ref, q);
}

const ip = (a: number, b: number, c: number, d: number): bigint => BigInt(((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
function m(...fields: [OxmField, bigint, bigint?][]): Match {
  return normalizeMatch(fields.map(([field, value, mask]) => ({ field, value, mask: mask ?? fieldMaxValue(field) })));
}

describe("classifier unit behaviour", () => {
  it("an insert with the same match and priority replaces and returns the victim", () => {
    const cls = new Classifier<Rule>();
    const a: Rule = { match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 0, 1)]), priority: 10, id: 1 };
    // Same match built in another field order: normalized, so equal.
    const b: Rule = { match: m([OxmField.IPV4_DST, ip(10, 0, 0, 1)], [OxmField.ETH_TYPE, 0x800n]), priority: 10, id: 2 };
    const c: Rule = { match: a.match, priority: 11, id: 3 };
    expect(cls.insert(a)).toBeUndefined();
    expect(cls.insert(c)).toBeUndefined();
    expect(cls.insert(b)).toBe(a);
    expect(cls.size).toBe(2);
    expect(cls.findExact(a.match, 10)).toBe(b);
    expect(cls.remove(a)).toBe(false); // the victim is no longer there
    expect(cls.findExact(a.match, 10)).toBe(b);
    expect(cls.remove(b)).toBe(true);
    expect(cls.findExact(a.match, 10)).toBeUndefined();
    expect(cls.findExact(a.match, 11)).toBe(c);
    expect(cls.size).toBe(1);
  });

  it("removal makes a rule invisible to every query", () => {
    const cls = new Classifier<Rule>();
    const r: Rule = { match: m([OxmField.IN_PORT, 3n]), priority: 5, id: 1 };
    cls.insert(r);
    expect(cls.lookup(new Map([[OxmField.IN_PORT, 3n]]))).toBe(r);
    expect(cls.remove(r)).toBe(true);
    expect(cls.remove(r)).toBe(false);
    expect(cls.size).toBe(0);
    expect([...cls]).toEqual([]);
    expect([...cls.loose([])]).toEqual([]);
    expect(cls.findOverlap(r.match, 5)).toBeUndefined();
    expect(cls.lookup(new Map([[OxmField.IN_PORT, 3n]]))).toBeUndefined();
  });

  it("the empty match matches every packet and is covered only by the empty request", () => {
    const cls = new Classifier<Rule>();
    const all: Rule = { match: [], priority: 0, id: 1 };
    const port: Rule = { match: m([OxmField.IN_PORT, 1n]), priority: 0, id: 2 };
    cls.insert(all);
    cls.insert(port);
    expect(cls.lookup(new Map())).toBe(all);
    expect(cls.lookup(new Map([[OxmField.IN_PORT, 2n]]))).toBe(all);
    expect(sortedIds(cls.loose([]))).toEqual([1, 2]);
    expect(sortedIds(cls.loose(port.match))).toEqual([2]);
    expect(cls.findOverlap(m([OxmField.IN_PORT, 9n]), 0)).toBe(all);
    expect(cls.findOverlap(m([OxmField.IN_PORT, 9n]), 1)).toBeUndefined();
    expect(cls.findExact([], 0)).toBe(all);
  });

  it("stores hidden priorities above 65535 and lets them win lookups", () => {
    const cls = new Classifier<Rule>();
    const hidden: Rule = { match: [], priority: 65536 + 10, id: 1 };
    const ctl: Rule = { match: m([OxmField.IN_PORT, 1n]), priority: 65535, id: 2 };
    cls.insert(ctl);
    cls.insert(hidden);
    expect(cls.lookup(new Map([[OxmField.IN_PORT, 1n]]))).toBe(hidden);
    expect(cls.findExact([], 65546)).toBe(hidden);
    expect(sortedIds(cls.loose([]))).toEqual([1, 2]);
    cls.remove(hidden);
    expect(cls.lookup(new Map([[OxmField.IN_PORT, 1n]]))).toBe(ctl);
  });

  it("loose matching respects masks: a /24 request covers /32 rules inside it only", () => {
    const cls = new Classifier<Rule>();
    const inside: Rule = { match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 1, 2, 3)]), priority: 1, id: 1 };
    const outside: Rule = { match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 1, 3, 3)]), priority: 1, id: 2 };
    const wider: Rule = { match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 0, 0), 0xff000000n]), priority: 1, id: 3 };
    for (const r of [inside, outside, wider]) cls.insert(r);
    const req = m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 1, 2, 0), 0xffffff00n]);
    expect(sortedIds(cls.loose(req))).toEqual([1]);
    expect(sortedIds(cls.loose(m([OxmField.ETH_TYPE, 0x800n])))).toEqual([1, 2, 3]);
  });

  it("iterating loose results while removing them is safe", () => {
    const cls = new Classifier<Rule>();
    for (let i = 0; i < 50; i++) cls.insert({ match: m([OxmField.IN_PORT, BigInt(i % 5)]), priority: i, id: i });
    for (const r of cls.loose(m([OxmField.IN_PORT, 2n]))) expect(cls.remove(r)).toBe(true);
    expect(cls.size).toBe(40);
    expect([...cls.loose(m([OxmField.IN_PORT, 2n]))]).toEqual([]);
  });
});

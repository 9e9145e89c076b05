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
  /** Every rule ever inserted, to derive queries from rules that are gone. */
  history: Rule[] = [];
  insert(rule: Rule): Rule | undefined {
    this.history.push(rule);
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
// Widths 8..32 bits, 48 (ETH_DST) and 64/128 (METADATA, IPV6_DST) take different hash paths.
const FIELDS = [
  OxmField.IN_PORT,
  OxmField.METADATA,
  OxmField.ETH_DST,
  OxmField.ETH_TYPE,
  OxmField.IP_PROTO,
  OxmField.IPV4_DST,
  OxmField.TCP_DST,
  OxmField.IPV6_DST,
] as const;

// Few masks per field (full, a prefix, a few low bits), so that rules share subtables.
function maskArb(field: OxmField): fc.Arbitrary<bigint> {
  const max = fieldMaxValue(field);
  return fc.constantFrom(max, max ^ (max >> 4n), 3n, max ^ 1n);
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

const anyMatchArb: fc.Arbitrary<Match> = fc
  .uniqueArray(fieldArb, { selector: (f) => f.field, maxLength: 4 })
  .map((fields) => normalizeMatch(fields));

// Most rules use one of a few field sets with full or prefix masks, so subtables fill up
// (and grow secondary indexes); some are arbitrary.
const TEMPLATES: readonly (readonly OxmField[])[] = [
  [],
  [OxmField.IN_PORT],
  [OxmField.ETH_TYPE, OxmField.IPV4_DST],
  [OxmField.ETH_TYPE, OxmField.IP_PROTO, OxmField.TCP_DST],
  [OxmField.IN_PORT, OxmField.ETH_TYPE, OxmField.IPV4_DST],
  [OxmField.IN_PORT, OxmField.ETH_DST],
  [OxmField.METADATA, OxmField.ETH_TYPE, OxmField.IPV6_DST],
];
const templateMatchArb: fc.Arbitrary<Match> = fc.constantFrom(...TEMPLATES).chain((fields) =>
  fc
    .tuple(
      ...fields.map((field) => {
        const max = fieldMaxValue(field);
        return fc.record({
          field: fc.constant(field),
          value: valueArb(field),
          mask: fc.constantFrom(max, max ^ (max >> 4n)),
        });
      }),
    )
    .map((fs) => normalizeMatch(fs)),
);

const matchArb: fc.Arbitrary<Match> = fc.oneof(
  { weight: 3, arbitrary: templateMatchArb },
  { weight: 1, arbitrary: anyMatchArb },
);

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

/**
 * A query: random, or (derive > 0) derived from a rule picked at query time (derive 3: from
 * every rule ever inserted, removed ones too; else from the current ones): its
 * match widened (fields dropped, masks shortened, per `widen` bits), its priority, and a
 * packet that matches it, so that hits, covers and overlaps are frequent.
 */
interface Query {
  match: Match;
  priority: number;
  packet: PacketKey;
  derive: number;
  pick: number;
  widen: number;
}
const queryArb: fc.Arbitrary<Query> = fc.record({
  match: matchArb,
  priority: priorityArb,
  packet: packetArb,
  derive: fc.integer({ min: 0, max: 3 }),
  pick: fc.nat(),
  widen: fc.nat(),
});

function resolve(q: Query, ref: ReferenceTable): Query {
  const rules = q.derive === 3 ? ref.history : ref.rules;
  if (q.derive === 0 || rules.length === 0) return q;
  const rule = rules[q.pick % rules.length]!;
  const fields: MatchField[] = [];
  rule.match.forEach((f, i) => {
    const how = (q.widen >> (2 * i)) & 3;
    const max = fieldMaxValue(f.field);
    if (how === 1) return; // dropped
    if (how === 2) fields.push({ field: f.field, value: f.value, mask: f.mask & (max ^ (max >> 2n)) });
    else fields.push(f);
  });
  const packet = new Map(q.packet);
  for (const f of rule.match) packet.set(f.field, f.value | ((q.packet.get(f.field) ?? 0n) & ~f.mask & fieldMaxValue(f.field)));
  return { ...q, match: normalizeMatch(fields), priority: q.derive === 1 ? q.priority : rule.priority, packet };
}

function sortedIds(rules: Iterable<Rule>): number[] {
  return [...rules].map((r) => r.id).sort((a, b) => a - b);
}

function compare(cls: Classifier<Rule>, ref: ReferenceTable, query: Query): void {
  const q = resolve(query, ref);
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

/** Two classifiers under test: the default policy, and one that builds secondary indexes eagerly. */
function classifiers(): Classifier<Rule>[] {
  return [new Classifier<Rule>(), new Classifier<Rule>({ indexPolicy: { minRules: 1, minUses: 1, max: 3 } })];
}

function run(commands: Command[], queries: Query[]): void {
  for (const cls of classifiers()) runOn(cls, commands, queries);
}

function runOn(cls: Classifier<Rule>, commands: Command[], queries: Query[]): void {
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
    compare(cls, ref, { match: r.match, priority: r.priority, packet: new Map(), derive: 0, pick: 0, widen: 0 });
  }
}

describe("classifier vs brute-force reference", () => {
  it("agrees on random rule sets with interleaved inserts and removes", () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 60 }), fc.array(queryArb, { minLength: 1, maxLength: 10 }), run),
      { numRuns: 300 },
    );
  });

  it("keeps secondary indexes exact through inserts, replacements and removes", () => {
    // The same few request shapes over and over (each rule's match minus its last field, and
    // its first field alone), so the eager classifier builds indexes and keeps using them,
    // including for rules that were replaced or removed since.
    const shapes = (r: Rule): Match[] => [r.match.slice(0, -1), r.match.slice(0, 1)];
    const templateCommandArb: fc.Arbitrary<Command> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), match: templateMatchArb, priority: fc.constantFrom(1, 2, 3) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(templateCommandArb, { minLength: 10, maxLength: 60 }), (commands) => {
        const cls = new Classifier<Rule>({ indexPolicy: { minRules: 2, minUses: 1, max: 4 } });
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
          for (const r of ref.history.slice(-12)) {
            for (const req of shapes(r)) {
              expect(sortedIds(cls.loose(req))).toEqual(sortedIds(ref.loose(req)));
              const overlapping = ref.overlapping(req, r.priority);
              const found = cls.findOverlap(req, r.priority);
              if (overlapping.length === 0) expect(found).toBeUndefined();
              else expect(overlapping).toContain(found);
            }
          }
        }
      }),
      { numRuns: 100 },
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
  for (const cls of classifiers()) runAtEndOn(cls, commands, queries);
}

function runAtEndOn(cls: Classifier<Rule>, commands: Command[], queries: Query[]): void {
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
    // The same while scanning (a request narrower than the subtable) and over the whole table.
    for (let i = 0; i < 50; i++) cls.insert({ match: m([OxmField.IN_PORT, BigInt(i)], [OxmField.ETH_TYPE, 0x800n]), priority: 1, id: 100 + i });
    let n = 0;
    for (const r of cls.loose(m([OxmField.ETH_TYPE, 0x800n]))) n += cls.remove(r) ? 1 : 0;
    expect(n).toBe(50);
    for (const r of cls) expect(cls.remove(r)).toBe(true);
    expect(cls.size).toBe(0);
    expect(cls.subtableCount).toBe(0);
  });

  it("does not visit unrelated rules", () => {
    const cls = new Classifier<Rule>();
    let id = 0;
    for (let i = 0; i < 1000; i++) {
      cls.insert({ match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, i >> 8, i & 255)]), priority: 100, id: id++ });
      cls.insert({ match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(11, 0, i >> 8, 0), 0xffffff00n]), priority: 50, id: id++ });
      cls.insert({ match: m([OxmField.IN_PORT, BigInt(i % 10)], [OxmField.ETH_DST, BigInt(i)]), priority: 10, id: id++ });
    }
    expect(cls.subtableCount).toBe(3);
    const visits = (f: () => unknown): number => {
      const before = cls.rulesVisited;
      f();
      return cls.rulesVisited - before;
    };
    // Same pattern as a subtable: one probe.
    const one = m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 2, 7)]);
    expect(visits(() => expect([...cls.loose(one)].length).toBe(1))).toBe(1);
    // A field the request pins: the second request of that shape uses an index.
    const port3 = m([OxmField.IN_PORT, 3n]);
    expect([...cls.loose(port3)].length).toBe(100);
    expect(visits(() => expect([...cls.loose(m([OxmField.IN_PORT, 4n]))].length).toBe(100))).toBe(100);
    // Overlap at a priority no subtable holds visits nothing; lookup probes each subtable once.
    expect(visits(() => expect(cls.findOverlap(one, 7)).toBeUndefined())).toBe(0);
    // Overlap with a different eth_type at the /32s' priority: a scan once, then an index miss.
    const v6 = m([OxmField.IN_PORT, 1n], [OxmField.ETH_TYPE, 0x86ddn]);
    expect(visits(() => expect(cls.findOverlap(v6, 100)).toBeUndefined())).toBe(1000);
    expect(visits(() => expect(cls.findOverlap(v6, 100)).toBeUndefined())).toBe(0);
    expect(cls.findOverlap(m([OxmField.IN_PORT, 1n], [OxmField.ETH_TYPE, 0x800n]), 100)?.priority).toBe(100);
    const packet = new Map([[OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 1, 1)]]);
    expect(visits(() => expect(cls.lookup(packet)?.priority).toBe(100))).toBeLessThanOrEqual(1);
  });

  it("ignores packet bits beyond a field's width, as the predicate does", () => {
    const cls = new Classifier<Rule>();
    const r: Rule = { match: m([OxmField.ETH_TYPE, 0x800n], [OxmField.ETH_DST, 0x0200000000ffn]), priority: 1, id: 1 };
    cls.insert(r);
    const packet = new Map([[OxmField.ETH_TYPE, (1n << 40n) | 0x800n], [OxmField.ETH_DST, (5n << 48n) | 0x0200000000ffn]]);
    expect(packetMatchesRef(r.match, packet)).toBe(true);
    expect(cls.lookup(packet)).toBe(r);
  });

  it("finds, replaces and removes among many rules that share one match at many priorities", () => {
    const cls = new Classifier<Rule>({ indexPolicy: { minRules: 1, minUses: 1, max: 4 } });
    const ref = new ReferenceTable();
    const shared = m([OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 0, 1)]);
    const port = (i: number): Match => m([OxmField.IN_PORT, BigInt(i % 3)], [OxmField.ETH_DST, BigInt(i)]);
    let id = 0;
    for (let p = 0; p < 60; p++) {
      for (const rule of [
        { match: shared, priority: p * 7, id: id++ },
        { match: port(p), priority: p % 5, id: id++ },
      ]) expect(cls.insert(rule)).toBe(ref.insert(rule));
    }
    const check = (): void => {
      for (let p = 0; p < 60; p++) expect(cls.findExact(shared, p * 7)).toBe(ref.findExact(shared, p * 7));
      const packet = new Map([[OxmField.ETH_TYPE, 0x800n], [OxmField.IPV4_DST, ip(10, 0, 0, 1)]]);
      expect(cls.lookup(packet)).toBe(ref.matching(packet).sort((a, b) => b.priority - a.priority)[0]);
      for (const req of [m([OxmField.IN_PORT, 1n]), m([OxmField.ETH_TYPE, 0x800n]), shared]) {
        expect(sortedIds(cls.loose(req))).toEqual(sortedIds(ref.loose(req)));
        for (const p of [0, 1, 2, 7, 14]) {
          const found = cls.findOverlap(req, p);
          const overlapping = ref.overlapping(req, p);
          if (overlapping.length === 0) expect(found).toBeUndefined();
          else expect(overlapping).toContain(found);
        }
      }
    };
    check();
    // Replace a third of them, then remove every other rule, checking as we go.
    for (let p = 0; p < 60; p += 3) {
      const rule = { match: shared, priority: p * 7, id: id++ };
      expect(cls.insert(rule)).toBe(ref.insert(rule));
    }
    check();
    for (const r of [...ref.rules].filter((_, i) => i % 2 === 0)) {
      expect(cls.remove(r)).toBe(ref.remove(r));
      if (r.id % 5 === 0) check();
    }
    check();
    expect(cls.size).toBe(ref.rules.length);
  });
});

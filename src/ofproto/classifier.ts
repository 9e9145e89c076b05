// The classifier: one OpenFlow flow table's rules, indexed for the core's questions.
// Owns the indexes only; rule objects belong to the ofproto core and are stored by reference
// (a rule's match and priority must not change while it is inside). Promises answers
// identical to the reference predicates of src/openflow/match.ts (matchEquals,
// matchCovers, matchesOverlap). Never filters hidden rules (priority > 65535): the core does.
//
// Tuple space search, as in Open vSwitch: one subtable per mask pattern (same fields, same
// masks); inside it, a Map from a 30-bit hash of the rule's values to the rule (or a small
// bucket). A request's pattern is found the same way. What each question visits:
// - insert, remove, findExact: one pattern probe, one value probe. No scan.
// - loose(request): only subtables whose pattern has every request field with a mask at
//   least the request's (others cannot hold a covered rule). In such a subtable:
//   * same pattern as the request: one value probe;
//   * empty request: every rule (all are covered);
//   * otherwise a secondary index of the subtable on the request's pattern (built when the
//     subtable has >= 64 rules and the pattern is asked a second time; at most 3 per
//     subtable, the least recently used evicted): one probe, visiting exactly the covered
//     rules plus hash collisions, however unselective the pattern; without an index, a
//     scan of that subtable. An index costs about as much memory as the subtable's map.
// - findOverlap(match, priority): only subtables holding a rule of that priority. The
//   overlap condition is equality under the common pattern P (shared fields, masks ANDed):
//   P equal to the subtable's pattern is one value probe; otherwise an index on
//   (P, priority), built under the same rules (a miss then visits nothing), or a scan of
//   that subtable that stops at the first overlap.
// - lookup(packet): subtables in decreasing order of their highest priority, one probe
//   each, stopping when no later subtable can beat the best hit.
// Every candidate is verified with the predicate before it is returned. Removing rules
// while iterating (loose, the iterator) is safe; rules inserted meanwhile may or may not be
// visited.

import { matchCovers, matchesOverlap, type Match, type OxmField } from "../openflow/match.js";
import { Many, slotRules, slotRulesAt } from "./classifier-bucket.js";
import { DEFAULT_INDEX_POLICY, Pattern, Subtable, patternHashOf, type IndexPolicy } from "./classifier-subtable.js";

export type { IndexPolicy };

export interface ClassifierRule {
  readonly match: Match;
  readonly priority: number;
}

/** A packet's field values (absent = field not present in the packet). */
export type PacketKey = ReadonlyMap<OxmField, bigint>;

/** True when the packet's values satisfy every field of the match. */
export function packetMatches(match: Match, packet: PacketKey): boolean {
  for (const f of match) {
    const v = packet.get(f.field);
    if (v === undefined || (v & f.mask) !== f.value) return false;
  }
  return true;
}

export class Classifier<R extends ClassifierRule> {
  /** Pattern hash → subtable(s) with that hash. */
  readonly #byPattern = new Map<number, Subtable<R> | Subtable<R>[]>();
  /** Every subtable; ordered by decreasing maxPriority unless #orderDirty. */
  #subtables: Subtable<R>[] = [];
  #orderDirty = false;
  #lastMatch: Match | undefined = undefined;
  #lastHash = 0;
  #size = 0;
  #visited = 0;
  readonly #policy: IndexPolicy;

  /** `indexPolicy` tunes when secondary indexes are built (tests force them with small values). */
  constructor(options: { indexPolicy?: Partial<IndexPolicy> } = {}) {
    this.#policy = { ...DEFAULT_INDEX_POLICY, ...options.indexPolicy };
  }

  get size(): number {
    return this.#size;
  }

  /** Rules examined by loose, findOverlap and lookup since creation (a cost measure). */
  get rulesVisited(): number {
    return this.#visited;
  }

  /** Number of subtables (distinct mask patterns). */
  get subtableCount(): number {
    return this.#subtables.length;
  }

  /** Inserts; if a rule with the same match and priority is there, replaces it and returns it (the victim). */
  insert(rule: R): R | undefined {
    let sub = this.#subtableOf(rule.match);
    if (sub === undefined) {
      sub = new Subtable<R>(new Pattern(rule.match), this.#policy);
      this.#addSubtable(sub);
    }
    const before = sub.maxPriority;
    const victim = sub.insert(rule);
    if (victim === undefined) this.#size++;
    if (sub.maxPriority !== before) this.#orderDirty = true;
    return victim;
  }

  /** Removes this exact rule object; false if it was not there. */
  remove(rule: R): boolean {
    const sub = this.#subtableOf(rule.match);
    if (sub === undefined || !sub.remove(rule)) return false;
    this.#size--;
    if (sub.size === 0) this.#dropSubtable(sub);
    else if (sub.maxDirty) this.#orderDirty = true;
    return true;
  }

  findExact(match: Match, priority: number): R | undefined {
    return this.#subtableOf(match)?.find(match, priority);
  }

  /** Rules whose match the request's match covers (OpenFlow loose: request is a superset), any priority. */
  *loose(request: Match): IterableIterator<R> {
    let pattern: Pattern | undefined;
    for (const sub of [...this.#subtables]) {
      if (!mayHoldCovered(sub.pattern, request)) continue;
      if (sub.pattern.isPatternOf(request)) {
        yield* this.#verified(slotRules(sub.rules.get(sub.pattern.hashMatch(request))), (r) =>
          matchCovers(request, r.match),
        );
        continue;
      }
      let candidates: Iterable<R> | undefined;
      if (request.length > 0) {
        pattern ??= new Pattern(request);
        candidates = sub.candidates(pattern, request, undefined);
      }
      yield* this.#verified(candidates ?? sub.all(), (r) => matchCovers(request, r.match));
    }
  }

  /** A rule of the same priority whose match overlaps `match` (OFPFF_CHECK_OVERLAP), or undefined. */
  findOverlap(match: Match, priority: number): R | undefined {
    for (const sub of this.#subtables) {
      if (!sub.priorities.has(priority)) continue;
      const common = commonPattern(sub.pattern, match);
      let candidates: Iterable<R> | undefined;
      if (common.equals(sub.pattern)) candidates = slotRulesAt(sub.rules.get(sub.pattern.hashMatch(match)), priority);
      else candidates = sub.candidates(common, match, priority) ?? sub.all();
      for (const r of candidates) {
        this.#visited++;
        if (r.priority === priority && matchesOverlap(r.match, match)) return r;
      }
    }
    return undefined;
  }

  /** The highest-priority rule matching a packet (ties: one of them, deterministic). */
  lookup(packet: PacketKey): R | undefined {
    this.#order();
    let best: R | undefined;
    for (const sub of this.#subtables) {
      if (best !== undefined && sub.maxPriority <= best.priority) break;
      const h = sub.pattern.hashPacket(packet);
      if (h < 0) continue;
      const slot = sub.rules.get(h);
      if (slot === undefined) continue;
      if (!(slot instanceof Many)) {
        this.#visited++;
        if ((best === undefined || slot.priority > best.priority) && packetMatches(slot.match, packet)) best = slot;
        continue;
      }
      for (const r of slot.all()) {
        this.#visited++;
        if ((best === undefined || r.priority > best.priority) && packetMatches(r.match, packet)) best = r;
      }
    }
    return best;
  }

  *[Symbol.iterator](): IterableIterator<R> {
    for (const sub of [...this.#subtables]) yield* sub.all();
  }

  *#verified(candidates: Iterable<R>, ok: (r: R) => boolean): IterableIterator<R> {
    for (const r of candidates) {
      this.#visited++;
      if (ok(r)) yield r;
    }
  }

  #subtableOf(match: Match): Subtable<R> | undefined {
    // A flow_mod asks for its match's subtable two or three times in a row (find, then insert):
    // matches are never changed once made, so the last one's hash is kept by identity.
    let hash = this.#lastHash;
    if (match !== this.#lastMatch) {
      hash = patternHashOf(match);
      this.#lastMatch = match;
      this.#lastHash = hash;
    }
    const found = this.#byPattern.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return found.pattern.isPatternOf(match) ? found : undefined;
    return found.find((s) => s.pattern.isPatternOf(match));
  }

  #addSubtable(sub: Subtable<R>): void {
    const hash = sub.pattern.hash;
    const found = this.#byPattern.get(hash);
    if (found === undefined) this.#byPattern.set(hash, sub);
    else if (Array.isArray(found)) found.push(sub);
    else this.#byPattern.set(hash, [found, sub]);
    this.#subtables.push(sub);
    this.#orderDirty = true;
  }

  #dropSubtable(sub: Subtable<R>): void {
    const hash = sub.pattern.hash;
    const found = this.#byPattern.get(hash);
    if (found === sub) this.#byPattern.delete(hash);
    else if (Array.isArray(found)) {
      const rest = found.filter((s) => s !== sub);
      this.#byPattern.set(hash, rest.length === 1 ? rest[0]! : rest);
    }
    this.#subtables = this.#subtables.filter((s) => s !== sub);
  }

  /** Restores the decreasing-maxPriority order of subtables that lookup relies on. */
  #order(): void {
    if (!this.#orderDirty) return;
    for (const sub of this.#subtables) sub.refreshMax();
    this.#subtables.sort((a, b) => b.maxPriority - a.maxPriority);
    this.#orderDirty = false;
  }
}

/**
 * True when a subtable of `pattern` can hold a rule that `request` covers: every request
 * field is in the pattern with a mask that includes the request's mask.
 */
function mayHoldCovered(pattern: Pattern, request: Match): boolean {
  let j = 0;
  for (const f of request) {
    while (j < pattern.fields.length && pattern.fields[j]! < f.field) j++;
    if (j === pattern.fields.length || pattern.fields[j] !== f.field) return false;
    if ((pattern.masks[j]! & f.mask) !== f.mask) return false;
  }
  return true;
}

/** The fields shared by a subtable's pattern and a match, with their masks ANDed (zeros dropped). */
function commonPattern(pattern: Pattern, match: Match): Pattern {
  const out: { field: OxmField; mask: bigint }[] = [];
  let j = 0;
  for (let i = 0; i < pattern.fields.length; i++) {
    const field = pattern.fields[i]!;
    while (j < match.length && match[j]!.field < field) j++;
    if (j === match.length) break;
    if (match[j]!.field !== field) continue;
    const mask = pattern.masks[i]! & match[j]!.mask;
    if (mask !== 0n) out.push({ field, mask });
  }
  return new Pattern(out);
}

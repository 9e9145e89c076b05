// A subtable of the tuple-space classifier: every rule whose match has one mask pattern (the
// same fields with the same masks), hashed on its values, plus a few secondary indexes built
// on demand for request patterns seen more than once. Promises that each index holds exactly
// the subtable's rules; hash hits are candidates that the caller verifies. Never decides
// priority order between subtables (the Classifier does).

import { OXM_FIELD_BITS, type Match, type OxmField } from "../openflow/match.js";
import { Many, slotAdd, slotRemove, slotReplace, slotRules, type Slot } from "./classifier-bucket.js";
import { finishHash, maskWords, mixValue, mixWord, patternHash } from "./classifier-hash.js";

const bitsOf = (field: OxmField): number => OXM_FIELD_BITS[field];

/** The hash of a match's mask pattern, equal to `new Pattern(match).hash` without building it. */
export function patternHashOf(match: Match): number {
  return patternHash(match, bitsOf);
}

export interface RuleLike {
  readonly match: Match;
  readonly priority: number;
}

/** A mask pattern: sorted fields with their masks. */
export class Pattern {
  readonly fields: OxmField[] = [];
  readonly bits: number[] = [];
  readonly masks: bigint[] = [];
  readonly words: number[][] = [];
  /** 2^bits per field: packet values at or above it carry bits the field does not have. */
  readonly limits: bigint[] = [];
  readonly hash: number;

  constructor(fields: readonly { readonly field: OxmField; readonly mask: bigint }[]) {
    for (const f of fields) {
      const bits = OXM_FIELD_BITS[f.field];
      this.fields.push(f.field);
      this.bits.push(bits);
      this.masks.push(f.mask);
      this.words.push(maskWords(f.mask, bits));
      this.limits.push(1n << BigInt(bits));
    }
    this.hash = patternHash(fields, bitsOf);
  }

  get length(): number {
    return this.fields.length;
  }

  /** True when `match` has exactly this pattern. */
  isPatternOf(match: Match): boolean {
    if (match.length !== this.fields.length) return false;
    for (let i = 0; i < match.length; i++) {
      const f = match[i]!;
      if (f.field !== this.fields[i] || f.mask !== this.masks[i]) return false;
    }
    return true;
  }

  equals(other: Pattern): boolean {
    if (other.hash !== this.hash || other.fields.length !== this.fields.length) return false;
    for (let i = 0; i < this.fields.length; i++) {
      if (other.fields[i] !== this.fields[i] || other.masks[i] !== this.masks[i]) return false;
    }
    return true;
  }

  /** Hash of `match`'s values under this pattern's masks; `match` must have every field of it. */
  hashMatch(match: Match, seed = 0): number {
    if (match === this.#lastMatch && seed === 0) return this.#lastHash;
    const h = this.#hashMatch(match, seed);
    if (seed === 0) {
      // find() then insert() hash the same match: kept by identity (matches never change).
      this.#lastMatch = match;
      this.#lastHash = h;
    }
    return h;
  }

  #lastMatch: Match | undefined = undefined;
  #lastHash = 0;

  #hashMatch(match: Match, seed: number): number {
    let h = seed;
    let j = 0;
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i]!;
      while (match[j]!.field !== field) j++;
      h = mixValue(h, this.bits[i]!, match[j]!.value, this.words[i]!);
    }
    return finishHash(h);
  }

  /** Hash of a packet's values under this pattern's masks, or -1 if a field is absent. */
  hashPacket(packet: ReadonlyMap<OxmField, bigint>): number {
    let h = 0;
    for (let i = 0; i < this.fields.length; i++) {
      let v = packet.get(this.fields[i]!);
      if (v === undefined) return -1;
      if (v < 0n || v >= this.limits[i]!) v = BigInt.asUintN(this.bits[i]!, v); // bits beyond the field
      h = mixValue(h, this.bits[i]!, v, this.words[i]!);
    }
    return finishHash(h);
  }
}

/** A secondary index: the subtable's rules hashed under a narrower pattern (and maybe priority). */
export class PatternIndex<R extends RuleLike> {
  readonly map = new Map<number, Slot<R>>();
  /** The subtable's use counter when this index last answered (for eviction). */
  lastUse = 0;
  constructor(
    readonly pattern: Pattern,
    readonly withPriority: boolean,
  ) {}

  key(match: Match, priority: number): number {
    return this.pattern.hashMatch(match, this.withPriority ? mixWord(0, priority) : 0);
  }
}

/** When a subtable builds a secondary index for a request pattern. */
export interface IndexPolicy {
  /** Only subtables with at least this many rules (default 64)... */
  readonly minRules: number;
  /** ...for a request pattern asked at least this many times (default 2)... */
  readonly minUses: number;
  /** ...and at most this many indexes per subtable, the least recently used evicted (default 3). */
  readonly max: number;
}

export const DEFAULT_INDEX_POLICY: IndexPolicy = { minRules: 64, minUses: 2, max: 3 };

export class Subtable<R extends RuleLike> {
  /** Value hash → rules with exactly these values (any priority; collisions share). */
  readonly rules = new Map<number, Slot<R>>();
  size = 0;
  /** Priority → number of rules at it. */
  readonly priorities = new Map<number, number>();
  /** An upper bound on the highest priority here; exact unless maxDirty. */
  maxPriority = -Infinity;
  maxDirty = false;
  readonly indexes: PatternIndex<R>[] = [];
  /** Request pattern (hash, with priority flag) → times seen without an index. */
  readonly #uses = new Map<number, number>();
  #tick = 0;

  constructor(
    readonly pattern: Pattern,
    readonly policy: IndexPolicy = DEFAULT_INDEX_POLICY,
  ) {}

  /** The rule with this match (of this subtable's pattern) and priority. */
  find(match: Match, priority: number): R | undefined {
    const slot = this.rules.get(this.pattern.hashMatch(match));
    return slot === undefined ? undefined : sameIn(slot, match, priority);
  }

  /** Inserts; returns the replaced victim, if a rule with the same values and priority was there. */
  insert(rule: R): R | undefined {
    const key = this.pattern.hashMatch(rule.match);
    const slot = this.rules.get(key);
    if (slot !== undefined) {
      const r = sameIn(slot, rule.match, rule.priority);
      if (r !== undefined) {
        slotReplace(this.rules, key, r, rule);
        for (const idx of this.indexes) slotReplace(idx.map, idx.key(r.match, r.priority), r, rule);
        return r;
      }
    }
    slotAdd(this.rules, key, rule);
    for (let i = 0; i < this.indexes.length; i++) {
      const idx = this.indexes[i]!;
      slotAdd(idx.map, idx.key(rule.match, rule.priority), rule);
    }
    this.size++;
    this.priorities.set(rule.priority, (this.priorities.get(rule.priority) ?? 0) + 1);
    if (rule.priority > this.maxPriority) this.maxPriority = rule.priority;
    return undefined;
  }

  /** Removes this rule object; false if it is not here. */
  remove(rule: R): boolean {
    if (!slotRemove(this.rules, this.pattern.hashMatch(rule.match), rule)) return false;
    for (const idx of this.indexes) slotRemove(idx.map, idx.key(rule.match, rule.priority), rule);
    this.size--;
    const n = this.priorities.get(rule.priority)! - 1;
    if (n > 0) {
      this.priorities.set(rule.priority, n);
    } else {
      this.priorities.delete(rule.priority);
      if (rule.priority === this.maxPriority) this.maxDirty = true;
    }
    return true;
  }

  /** Makes maxPriority exact again after removals. */
  refreshMax(): void {
    if (!this.maxDirty) return;
    let max = -Infinity;
    for (const p of this.priorities.keys()) if (p > max) max = p;
    this.maxPriority = max;
    this.maxDirty = false;
  }

  /**
   * Candidates among this subtable's rules whose values under `pattern` (and priority, when
   * given) equal those of `probe`: the slot of a secondary index when one exists or is worth
   * building now, otherwise undefined (the caller scans).
   */
  candidates(pattern: Pattern, probe: Match, priority: number | undefined): readonly R[] | undefined {
    const withPriority = priority !== undefined;
    let idx = this.indexes.find((i) => i.withPriority === withPriority && i.pattern.equals(pattern));
    if (idx === undefined) idx = this.#maybeBuild(pattern, withPriority);
    if (idx === undefined) return undefined;
    idx.lastUse = ++this.#tick;
    return slotRules(idx.map.get(idx.key(probe, priority ?? 0)));
  }

  #maybeBuild(pattern: Pattern, withPriority: boolean): PatternIndex<R> | undefined {
    if (this.size < this.policy.minRules || this.policy.max <= 0) return undefined;
    const useKey = withPriority ? pattern.hash ^ 0x20000000 : pattern.hash;
    const uses = this.#uses.get(useKey) ?? 0;
    if (uses + 1 < this.policy.minUses) {
      if (this.#uses.size >= 256) this.#uses.clear();
      this.#uses.set(useKey, uses + 1);
      return undefined;
    }
    const idx = new PatternIndex<R>(pattern, withPriority);
    for (const r of this.all()) slotAdd(idx.map, idx.key(r.match, r.priority), r);
    this.#uses.delete(useKey);
    if (this.indexes.length >= this.policy.max) {
      // Evict the index that answered least recently.
      let lru = 0;
      for (let i = 1; i < this.indexes.length; i++) if (this.indexes[i]!.lastUse < this.indexes[lru]!.lastUse) lru = i;
      this.indexes.splice(lru, 1);
    }
    this.indexes.push(idx);
    return idx;
  }

  /** Every rule (safe against removal during iteration: a Map iterator skips deleted keys). */
  *all(): IterableIterator<R> {
    for (const slot of this.rules.values()) {
      if (slot instanceof Many) yield* slot.all();
      else yield slot;
    }
  }
}

/** Same values field by field, for two matches of one pattern. */
function sameValues(a: Match, b: Match): boolean {
  for (let i = 0; i < a.length; i++) if (a[i]!.value !== b[i]!.value) return false;
  return true;
}

/** The rule of the slot with these values and priority (a single rule is checked without a list). */
function sameIn<R extends RuleLike>(slot: Slot<R>, match: Match, priority: number): R | undefined {
  if (!(slot instanceof Many)) return slot.priority === priority && sameValues(slot.match, match) ? slot : undefined;
  const at = slot.atPriority(priority);
  for (let i = 0; i < at.length; i++) if (sameValues(at[i]!.match, match)) return at[i];
  return undefined;
}

// Buckets of the classifier's hash maps: a map value is either one rule (the common case,
// no extra object) or a Many holding several rules that share a hash (same values at other
// priorities, a hash collision, or a secondary index key shared by many rules). Promises
// insertion order, and O(1) add, remove and lookup by priority in large buckets. Never
// interprets matches.

const SMALL = 8;

interface Prioritized {
  readonly priority: number;
}

/** Several rules under one hash key: an array while small, then priority → Set of rules. */
export class Many<R extends Prioritized> {
  items: R[] | Map<number, Set<R>>;
  constructor(a: R, b: R) {
    this.items = [a, b];
  }

  /** The rules at `priority` (a fresh array). */
  atPriority(priority: number): readonly R[] {
    const items = this.items;
    if (Array.isArray(items)) return items.filter((r) => r.priority === priority);
    const set = items.get(priority);
    return set === undefined ? [] : [...set];
  }

  /** Every rule (a fresh array, safe against changes while the caller iterates). */
  all(): R[] {
    const items = this.items;
    if (Array.isArray(items)) return [...items];
    const out: R[] = [];
    for (const set of items.values()) for (const r of set) out.push(r);
    return out;
  }

  add(rule: R): void {
    const items = this.items;
    if (!Array.isArray(items)) {
      addTo(items, rule);
    } else if (items.length < SMALL) {
      items.push(rule);
    } else {
      const map = new Map<number, Set<R>>();
      for (const r of items) addTo(map, r);
      addTo(map, rule);
      this.items = map;
    }
  }

  /** Removes `rule`: -1 if it was not here, else 1 when exactly one rule is left, more otherwise. */
  remove(rule: R): number {
    const items = this.items;
    if (Array.isArray(items)) {
      const i = items.indexOf(rule);
      if (i < 0) return -1;
      items.splice(i, 1);
      return items.length;
    }
    const set = items.get(rule.priority);
    if (set === undefined || !set.delete(rule)) return -1;
    if (set.size === 0) items.delete(rule.priority);
    let n = 0;
    for (const s of items.values()) {
      n += s.size;
      if (n > 1) return n;
    }
    return n;
  }

  /** Puts `rule` in the place of `victim` (same priority). */
  replace(victim: R, rule: R): void {
    const items = this.items;
    if (Array.isArray(items)) {
      const i = items.indexOf(victim);
      if (i >= 0) items[i] = rule;
      return;
    }
    const set = items.get(victim.priority);
    if (set !== undefined && set.delete(victim)) set.add(rule);
  }
}

function addTo<R extends Prioritized>(map: Map<number, Set<R>>, rule: R): void {
  const set = map.get(rule.priority);
  if (set === undefined) map.set(rule.priority, new Set([rule]));
  else set.add(rule);
}

export type Slot<R extends Prioritized> = R | Many<R>;

export function slotAdd<R extends Prioritized>(map: Map<number, Slot<R>>, key: number, rule: R): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, rule);
  else if (slot instanceof Many) slot.add(rule);
  else map.set(key, new Many(slot, rule));
}

/** Removes `rule` (by identity); false if it is not under `key`. */
export function slotRemove<R extends Prioritized>(map: Map<number, Slot<R>>, key: number, rule: R): boolean {
  const slot = map.get(key);
  if (slot === undefined) return false;
  if (!(slot instanceof Many)) {
    if (slot !== rule) return false;
    map.delete(key);
    return true;
  }
  const left = slot.remove(rule);
  if (left < 0) return false;
  if (left === 1) map.set(key, slot.all()[0]!);
  return true;
}

/** Puts `rule` where `victim` was (same key, same priority). */
export function slotReplace<R extends Prioritized>(map: Map<number, Slot<R>>, key: number, victim: R, rule: R): void {
  const slot = map.get(key);
  if (slot === victim) map.set(key, rule);
  else if (slot instanceof Many) slot.replace(victim, rule);
}

/** The rules of a slot, as a fresh array when there are several (safe to mutate the map meanwhile). */
export function slotRules<R extends Prioritized>(slot: Slot<R> | undefined): readonly R[] {
  if (slot === undefined) return [];
  if (slot instanceof Many) return slot.all();
  return [slot];
}

/** The rules of a slot at one priority. */
export function slotRulesAt<R extends Prioritized>(slot: Slot<R> | undefined, priority: number): readonly R[] {
  if (slot === undefined) return [];
  if (slot instanceof Many) return slot.atPriority(priority);
  return slot.priority === priority ? [slot] : [];
}

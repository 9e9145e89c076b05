// Buckets of the classifier's hash maps: a map value is either one rule (the common case,
// no extra object) or a Many holding several rules that share a hash (same values at other
// priorities, a hash collision, or an unselective secondary index). Promises insertion
// order and O(1) removal from large buckets. Never interprets rules.

const SMALL = 8;

/** Several rules under one hash key: an array while small, a Set once large. */
export class Many<R> {
  items: R[] | Set<R>;
  constructor(a: R, b: R) {
    this.items = [a, b];
  }
}

export type Slot<R> = R | Many<R>;

export function slotAdd<R>(map: Map<number, Slot<R>>, key: number, rule: R): void {
  const slot = map.get(key);
  if (slot === undefined) {
    map.set(key, rule);
  } else if (slot instanceof Many) {
    const items = slot.items;
    if (items instanceof Set) items.add(rule);
    else if (items.length < SMALL) items.push(rule);
    else slot.items = new Set([...items, rule]);
  } else {
    map.set(key, new Many(slot, rule));
  }
}

/** Removes `rule` (by identity); false if it is not under `key`. */
export function slotRemove<R>(map: Map<number, Slot<R>>, key: number, rule: R): boolean {
  const slot = map.get(key);
  if (slot === undefined) return false;
  if (!(slot instanceof Many)) {
    if (slot !== rule) return false;
    map.delete(key);
    return true;
  }
  const items = slot.items;
  if (items instanceof Set) {
    if (!items.delete(rule)) return false;
    if (items.size === 1) map.set(key, items.values().next().value as R);
    return true;
  }
  const i = items.indexOf(rule);
  if (i < 0) return false;
  items.splice(i, 1);
  if (items.length === 1) map.set(key, items[0]!);
  return true;
}

/** Puts `rule` where `victim` was (same key, same position). */
export function slotReplace<R>(map: Map<number, Slot<R>>, key: number, victim: R, rule: R): void {
  const slot = map.get(key);
  if (slot === victim) {
    map.set(key, rule);
  } else if (slot instanceof Many) {
    const items = slot.items;
    if (items instanceof Set) {
      // Keep order stable enough: Sets cannot replace in place, so delete + add.
      items.delete(victim);
      items.add(rule);
    } else {
      const i = items.indexOf(victim);
      if (i >= 0) items[i] = rule;
    }
  }
}

/** The rules of a slot, as a fresh array when there are several (safe to mutate the map meanwhile). */
export function slotRules<R>(slot: Slot<R> | undefined): readonly R[] {
  if (slot === undefined) return [];
  if (slot instanceof Many) return [...slot.items];
  return [slot];
}

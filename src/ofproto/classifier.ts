// The classifier: one OpenFlow flow table's rules, indexed by (match, priority).
// Owns the indexes only; rule objects belong to the ofproto core and are stored by reference.
// Promises answers identical to the reference predicates of src/openflow/match.ts
// (matchEquals, matchCovers, matchesOverlap). Never filters hidden rules (priority > 65535):
// the core does. (Simple first version: exact lookups hash, the rest scans.)

import { matchCovers, matchesOverlap, type Match, type OxmField } from "../openflow/match.js";

export interface ClassifierRule {
  readonly match: Match;
  readonly priority: number;
}

/** A packet's field values (absent = field not present in the packet). */
export type PacketKey = ReadonlyMap<OxmField, bigint>;

/** Canonical string key of (match, priority). */
export function ruleKey(match: Match, priority: number): string {
  let s = priority.toString(36);
  for (const f of match) s += `|${f.field}:${f.value.toString(36)}/${f.mask.toString(36)}`;
  return s;
}

/** True when the packet's values satisfy every field of the match. */
export function packetMatches(match: Match, packet: PacketKey): boolean {
  for (const f of match) {
    const v = packet.get(f.field);
    if (v === undefined || (v & f.mask) !== f.value) return false;
  }
  return true;
}

export class Classifier<R extends ClassifierRule> {
  readonly #byKey = new Map<string, R>();

  get size(): number {
    return this.#byKey.size;
  }

  /** Inserts; if a rule with the same match and priority is there, replaces it and returns it (the victim). */
  insert(rule: R): R | undefined {
    const key = ruleKey(rule.match, rule.priority);
    const victim = this.#byKey.get(key);
    this.#byKey.set(key, rule);
    return victim;
  }

  /** Removes this exact rule object; false if it was not there. */
  remove(rule: R): boolean {
    const key = ruleKey(rule.match, rule.priority);
    if (this.#byKey.get(key) !== rule) return false;
    this.#byKey.delete(key);
    return true;
  }

  findExact(match: Match, priority: number): R | undefined {
    return this.#byKey.get(ruleKey(match, priority));
  }

  /** Rules whose match the request's match covers (OpenFlow loose: request is a superset), any priority. */
  *loose(request: Match): IterableIterator<R> {
    for (const r of [...this.#byKey.values()]) if (matchCovers(request, r.match)) yield r;
  }

  /** A rule of the same priority whose match overlaps `match` (OFPFF_CHECK_OVERLAP), or undefined. */
  findOverlap(match: Match, priority: number): R | undefined {
    for (const r of this.#byKey.values()) {
      if (r.priority === priority && matchesOverlap(r.match, match)) return r;
    }
    return undefined;
  }

  /** The highest-priority rule matching a packet (ties: any one, deterministic). */
  lookup(packet: PacketKey): R | undefined {
    let best: R | undefined;
    for (const r of this.#byKey.values()) {
      if ((best === undefined || r.priority > best.priority) && packetMatches(r.match, packet)) best = r;
    }
    return best;
  }

  [Symbol.iterator](): IterableIterator<R> {
    return this.#byKey.values();
  }
}

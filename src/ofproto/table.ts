// A flow table: the rules of one OpenFlow table (a Classifier), the rules of that table
// whose deletion is still pending, and what the provider said about it. Owns no policy:
// the switch decides what goes in and out. Never talks to a provider.

import { matchEquals, type Match } from "../openflow/match.js";
import { Classifier } from "./classifier.js";
import type { TableDescription } from "./provider.js";
import type { Rule } from "./rule.js";

/**
 * The rules whose DELETE is in flight: a set, asked only whether it holds a rule of a given
 * match and priority (an ADD of that rule waits). A few are scanned; past that an exact index
 * is built the first time it is asked and kept in step until the set empties — a del-flows of
 * 100,000 rules that nobody asks about costs a Set insertion each.
 */
export class PendingDeletions {
  readonly #rules = new Set<Rule>();
  #index: Classifier<Rule> | undefined;

  get size(): number {
    return this.#rules.size;
  }

  insert(rule: Rule): void {
    this.#rules.add(rule);
    this.#index?.insert(rule);
  }

  remove(rule: Rule): void {
    if (!this.#rules.delete(rule)) return;
    this.#index?.remove(rule);
    if (this.#rules.size === 0) this.#index = undefined;
  }

  /** The pending deletion of exactly this match and priority, if any. */
  findExact(match: Match, priority: number): Rule | undefined {
    if (this.#rules.size === 0) return undefined;
    if (this.#index === undefined && this.#rules.size <= 32) {
      for (const r of this.#rules) if (r.priority === priority && matchEquals(r.match, match)) return r;
      return undefined;
    }
    if (this.#index === undefined) {
      this.#index = new Classifier<Rule>();
      for (const r of this.#rules) this.#index.insert(r);
    }
    return this.#index.findExact(match, priority);
  }
}

export class FlowTable {
  readonly id: number;
  readonly desc: TableDescription;
  /** Rules visible to packets and to requests (including pending ADDs and MODIFYs). */
  readonly rules = new Classifier<Rule>();
  /** Rules whose DELETE is in flight (out of `rules`, not yet out of the target). */
  readonly deleting = new PendingDeletions();

  constructor(id: number, desc: TableDescription) {
    this.id = id;
    this.desc = desc;
  }

  /** True when a rule with this match and priority is being deleted. */
  deletionPending(match: Match, priority: number): boolean {
    return this.deleting.findExact(match, priority) !== undefined;
  }
}

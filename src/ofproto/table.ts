// A flow table: the rules of one OpenFlow table (a Classifier), the rules of that table
// whose deletion is still pending, and what the provider said about it. Owns no policy:
// the switch decides what goes in and out. Never talks to a provider.

import type { Match } from "../openflow/match.js";
import { Classifier } from "./classifier.js";
import type { TableDescription } from "./provider.js";
import type { Rule } from "./rule.js";

export class FlowTable {
  readonly id: number;
  readonly desc: TableDescription;
  /** Rules visible to packets and to requests (including pending ADDs and MODIFYs). */
  readonly rules = new Classifier<Rule>();
  /** Rules whose DELETE is in flight (out of `rules`, not yet out of the target). */
  readonly deleting = new Classifier<Rule>();

  constructor(id: number, desc: TableDescription) {
    this.id = id;
    this.desc = desc;
  }

  /** True when a rule with this match and priority is being deleted. */
  deletionPending(match: Match, priority: number): boolean {
    return this.deleting.size > 0 && this.deleting.findExact(match, priority) !== undefined;
  }
}

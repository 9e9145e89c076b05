// Recovery (provider.ts §1.4): what the provider found on its target at construct becomes the
// core's again after an ofp4 restart. The groups go into the group table first (their users
// need them), then every recovered rule is adopted with an ordinary ADD in one op group of
// the core's own; the provider completes each without a write when the target already holds
// it as the rule says. A rule the provider refuses stays the provider's leftover.

import type { OfError } from "../openflow/errors.js";
import type { GroupEntry } from "./group-table.js";
import type { OpGroup } from "./opgroup.js";
import type { Recovered } from "./provider.js";
import { Rule } from "./rule.js";

/** What adoption needs of the switch. */
export interface AdoptingSwitch {
  readonly groups: Map<number, GroupEntry>;
  now(): number;
  newGroup(): OpGroup;
  startAdd(group: OpGroup, rule: Rule, resetCounts: boolean): OfError | undefined;
  submit(group: OpGroup): void;
  readonly log: { info(msg: string): void; warn(msg: string): void };
}

/** Adopts the recovered groups and rules; returns how many rules were adopted. */
export function adoptRecovered(sw: AdoptingSwitch, recovered: Recovered): number {
  for (const g of recovered.groups) if (!sw.groups.has(g.groupId)) sw.groups.set(g.groupId, { desc: g, created: sw.now() });
  if (recovered.rules.length === 0) return 0;
  const group = sw.newGroup();
  let adopted = 0;
  for (const spec of recovered.rules) {
    const error = sw.startAdd(group, new Rule(spec, sw.now()), false);
    if (error === undefined) adopted++;
    else sw.log.warn(`a rule found on the target was not adopted (table ${spec.tableId}, priority ${spec.priority}): ${error.name}`);
  }
  sw.submit(group);
  sw.log.info(`${adopted} rules found on the target adopted`);
  return adopted;
}

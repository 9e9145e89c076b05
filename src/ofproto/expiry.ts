// Expiry (DESIGN.md §2): a rule past its hard timeout (counted from creation, or from a
// MODIFY that asked OFPFF_RESET_COUNTS) or its idle timeout (counted from the provider's
// last-used time, or creation; or at once on the target's idle-timeout notification) sends
// flow_removed if it asked to, with its final counters, and is deleted through an
// unattached op group. Rules with an operation in flight wait.

import type { OfError } from "../openflow/errors.js";
import { OFPRR } from "../openflow/messages.js";
import type { OpGroup } from "./opgroup.js";
import type { Provider, RuleStats } from "./provider.js";
import type { Rule } from "./rule.js";

/** What expiry needs of the switch. */
export interface ExpirySwitch {
  readonly provider: Pick<Provider, "ruleStats">;
  readonly expirable: ReadonlySet<Rule>;
  readonly log: { warn(msg: string): void };
  newGroup(): OpGroup;
  startDelete(group: OpGroup, rule: Rule, reason: number): OfError | undefined;
  submit(group: OpGroup): void;
  sendFlowRemoved(rule: Rule, reason: number, stats?: RuleStats): void;
}

/** Why a rule expires at `now`, or undefined (with the stats read for an idle check). */
export function expiryReason(sw: Pick<ExpirySwitch, "provider">, rule: Rule, now: number): { reason: number; stats?: RuleStats } | undefined {
  if (rule.hardTimeout > 0 && now >= rule.hardFrom + rule.hardTimeout * 1000) return { reason: OFPRR.HARD_TIMEOUT };
  if (rule.idleTimeout > 0) {
    const stats = sw.provider.ruleStats(rule);
    const last = Math.max(stats.lastUsed ?? rule.created, rule.created);
    if (now >= last + rule.idleTimeout * 1000) return { reason: OFPRR.IDLE_TIMEOUT, stats };
  }
  return undefined;
}

export function runExpiry(sw: ExpirySwitch, now: number): void {
  const expired: Expired[] = [];
  for (const rule of sw.expirable) {
    if (rule.pendingOp !== undefined) continue;
    const why = expiryReason(sw, rule, now);
    if (why !== undefined) expired.push({ rule, ...why });
  }
  expire(sw, expired);
}

interface Expired {
  readonly rule: Rule;
  readonly reason: number;
  readonly stats?: RuleStats;
}

/** Deletes expired rules through one unattached group, each with its flow_removed. */
export function expire(sw: ExpirySwitch, expired: readonly Expired[]): void {
  if (expired.length === 0) return;
  const group = sw.newGroup();
  for (const { rule, reason, stats } of expired) {
    const finalStats = stats ?? sw.provider.ruleStats(rule);
    const error = sw.startDelete(group, rule, reason);
    if (error !== undefined) {
      sw.log.warn(`expiry: provider refused to delete a rule of table ${rule.tableId}: ${error.message}`);
      continue;
    }
    sw.sendFlowRemoved(rule, reason, finalStats);
  }
  sw.submit(group);
}

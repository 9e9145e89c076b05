// Internal rules (DESIGN.md §2 Fail mode): the hidden rules (priority above 65535) the switch
// installs on its own. In standalone fail mode, while no controller is connected, a
// lowest-priority-of-the-hidden rule floods every frame (a hub; ofp4 has no NORMAL pipeline);
// it goes when a controller connects. Secure mode never adds rules of its own. Owns the specs
// and the decision; the switch starts the operations.

import { applyOnly, OFPP } from "../openflow/actions.js";
import type { OfError } from "../openflow/errors.js";
import { OFPRR } from "../openflow/messages.js";
import type { OpGroup } from "./opgroup.js";
import { MAX_CONTROLLER_PRIORITY, Rule, type RuleSpec } from "./rule.js";
import type { FlowTable } from "./table.js";

/** secure: never adds rules of its own. standalone: a hub while no controller is connected. */
export type FailMode = "secure" | "standalone";

/** The lowest hidden priority: the fail-open rule (it outranks every controller rule). */
export const FAIL_OPEN_PRIORITY = MAX_CONTROLLER_PRIORITY + 1;

/** What syncing the internal rules needs of the switch. */
export interface InternalRulesSwitch {
  readonly failMode: FailMode;
  readonly tables: readonly FlowTable[];
  readonly connectionCount: number;
  now(): number;
  newGroup(): OpGroup;
  startAdd(group: OpGroup, rule: Rule, resetCounts: boolean): OfError | undefined;
  startDelete(group: OpGroup, rule: Rule, reason: number): OfError | undefined;
  submit(group: OpGroup): void;
  readonly log: { warn(msg: string): void };
}

/** The internal rules the switch could install. */
export function internalSpecs(failMode: FailMode): RuleSpec[] {
  return failMode === "standalone"
    ? [
        {
          tableId: 0,
          match: [],
          priority: FAIL_OPEN_PRIORITY,
          cookie: 0n,
          flags: 0,
          idleTimeout: 0,
          hardTimeout: 0,
          importance: 0,
          instructions: applyOnly([{ type: "output", port: OFPP.FLOOD, maxLen: 0 }]),
        },
      ]
    : [];
}

/** Standalone with no controller: the fail-open rule floods every frame; otherwise it goes. */
function wanted(sw: InternalRulesSwitch, spec: RuleSpec): boolean {
  return spec.priority === FAIL_OPEN_PRIORITY && sw.connectionCount === 0;
}

/** Adds missing internal rules and removes unwanted ones (the switch retries after every completion). */
export function syncInternalRules(sw: InternalRulesSwitch): void {
  for (const spec of internalSpecs(sw.failMode)) {
    const table = sw.tables[spec.tableId]!;
    const present = table.rules.findExact(spec.match, spec.priority);
    if (wanted(sw, spec) && present === undefined && !table.deletionPending(spec.match, spec.priority)) {
      const group = sw.newGroup();
      const error = sw.startAdd(group, new Rule(spec, sw.now()), false);
      if (error !== undefined) sw.log.warn(`internal rule refused by the provider: ${error.message}`);
      sw.submit(group);
    } else if (!wanted(sw, spec) && present !== undefined && present.pendingOp === undefined) {
      const group = sw.newGroup();
      const error = sw.startDelete(group, present, OFPRR.DELETE);
      if (error !== undefined) sw.log.warn(`internal rule removal refused by the provider: ${error.message}`);
      sw.submit(group);
    }
  }
}

/** How many internal rules table `tableId` holds now (table stats count controllers' rules only). */
export function hiddenRuleCount(failMode: FailMode, tables: readonly FlowTable[], tableId: number): number {
  let n = 0;
  for (const spec of internalSpecs(failMode)) {
    if (spec.tableId === tableId && tables[tableId]!.rules.findExact(spec.match, spec.priority)) n++;
  }
  return n;
}

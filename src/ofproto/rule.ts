// A rule: one OpenFlow flow entry as the core keeps it. Owns the rule's OpenFlow state
// (match, priority, cookie, flags, timeouts, instructions, times) and the one pending
// operation, if any. Promises that hidden rules (priority above 65535) say so. Never talks
// to a provider or a connection: the core and the operation change it.

import type { Instructions } from "../openflow/actions.js";
import type { Match } from "../openflow/match.js";
import type { Operation } from "./operation.js";
import type { ProviderRuleState } from "./provider.js";

/** Highest priority a controller can use; anything above is the core's own (hidden). */
export const MAX_CONTROLLER_PRIORITY = 0xffff;

export interface RuleSpec {
  readonly tableId: number;
  readonly match: Match;
  readonly priority: number;
  readonly cookie: bigint;
  /** OFPFF bits as given by the controller. */
  readonly flags: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly instructions: Instructions;
}

/** Output-only instructions, shared by every rule that has the same ones (bounded). */
const SHARED_OUTPUTS = new Map<string, Instructions>();
const SHARED_OUTPUTS_MAX = 4096;

/** "port/maxLen,..." when `ins` is apply-actions outputs and nothing else, else undefined. */
function outputsKey(ins: Instructions): string | undefined {
  if (ins.clearActions || ins.writeActions !== undefined || ins.writeMetadata !== undefined || ins.gotoTable !== undefined || ins.meterId !== undefined) {
    return undefined;
  }
  let key = "";
  for (const a of ins.applyActions) {
    if (a.type !== "output") return undefined;
    key += `${a.port}/${a.maxLen},`;
  }
  return key;
}

/**
 * The same instructions with exact-capacity arrays: a list built by push() keeps room for 17
 * elements (about 150 bytes) for the rule's lifetime; 100,000 rules hold two lists each.
 * Output-only instructions (most rules) are one shared object per output list. Instructions
 * are never changed in place (a MODIFY replaces the rule's object), so sharing is safe.
 */
export function compactInstructions(ins: Instructions): Instructions {
  // Frozen instructions are already shared and exact (the codec interns the common ones).
  if (Object.isFrozen(ins)) return ins;
  const key = outputsKey(ins);
  if (key !== undefined) {
    const shared = SHARED_OUTPUTS.get(key);
    if (shared !== undefined) return shared;
    const made = Object.freeze(copyInstructions(ins));
    if (SHARED_OUTPUTS.size < SHARED_OUTPUTS_MAX) SHARED_OUTPUTS.set(key, made);
    return made;
  }
  return copyInstructions(ins);
}

function copyInstructions(ins: Instructions): Instructions {
  return {
    applyActions: ins.applyActions.slice(),
    clearActions: ins.clearActions,
    writeActions: ins.writeActions?.slice(),
    writeMetadata: ins.writeMetadata,
    gotoTable: ins.gotoTable,
    meterId: ins.meterId,
  };
}

export class Rule {
  readonly tableId: number;
  readonly match: Match;
  readonly priority: number;
  cookie: bigint;
  readonly flags: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  instructions: Instructions;
  /** Core clock (ms) when the rule was added. */
  readonly created: number;
  /** Core clock (ms) of the last successful MODIFY (equals created until then). */
  modified: number;
  /** Core clock (ms) the hard timeout counts from: created, or a MODIFY that asked to reset counts. */
  hardFrom: number;
  /** The operation in flight on this rule, if any (at most one). */
  pendingOp: Operation | undefined;
  /** What the provider keeps for this rule (its table entry handle; provider.ts §2.1). */
  providerState: ProviderRuleState | undefined;

  constructor(spec: RuleSpec, now: number) {
    this.tableId = spec.tableId;
    // Exact capacity (see compactInstructions); a frozen match (the codec's fast path) already is.
    this.match = Object.isFrozen(spec.match) ? spec.match : spec.match.slice();
    this.priority = spec.priority;
    this.cookie = spec.cookie;
    this.flags = spec.flags;
    this.idleTimeout = spec.idleTimeout;
    this.hardTimeout = spec.hardTimeout;
    this.importance = spec.importance;
    this.instructions = compactInstructions(spec.instructions);
    this.created = now;
    this.modified = now;
    this.hardFrom = now;
    this.pendingOp = undefined;
    this.providerState = undefined;
  }

  /** The core's own rule (fail-open, in-band): controllers never see, match, modify or delete it. */
  get hidden(): boolean {
    return this.priority > MAX_CONTROLLER_PRIORITY;
  }
}

// flow_mod: add, modify, modify_strict, delete, delete_strict (DESIGN.md §2), and the rule
// collection (loose or strict, cookie/cookie_mask, out_port, out_group, table 0xff) that the
// flow and aggregate stats share. Each handler returns "done" (started or answered),
// "postponed" (a postpone rule holds) or an OfError; it never sends an error itself. When
// the provider refuses one rule of a multi-rule MODIFY/DELETE, the rules after it are not
// started and the refusal is the group's error, sent once the started ones complete.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import { OFPG, OFPP, outputGroups, outputPorts, type Action, type Instructions } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import type { Match } from "../openflow/match.js";
import { OFPFF, OFPRR, OFPTT_ALL, type FlowMod } from "../openflow/messages.js";
import { fail, ok, type Result } from "../openflow/result.js";
import type { OpGroup } from "./opgroup.js";
import type { Outcome } from "./outcome.js";
import type { Provider, RuleStats } from "./provider.js";
import { Rule } from "./rule.js";
import type { FlowTable } from "./table.js";

/** What flow_mod needs of the switch. */
export interface FlowModSwitch {
  readonly tables: readonly FlowTable[];
  readonly provider: Pick<Provider, "chooseTable">;
  readonly pendingGroupCount: number;
  readonly maxPendingGroups: number;
  now(): number;
  newGroup(conn?: OfConnView, request?: Request, bufferId?: number): OpGroup;
  startAdd(group: OpGroup, rule: Rule, resetCounts: boolean): OfError | undefined;
  startModify(group: OpGroup, rule: Rule, instructions: Instructions, cookie: bigint, resetCounts: boolean): OfError | undefined;
  startDelete(group: OpGroup, rule: Rule, reason: number): OfError | undefined;
  submit(group: OpGroup): void;
  sendFlowRemoved(rule: Rule, reason: number, stats?: RuleStats): void;
}

/** What selects rules for a modify, a delete or a stats request. */
export interface RuleQuery {
  readonly tableId: number;
  readonly match: Match;
  /** Strict: same match and this priority. Loose: the query's match covers the rule's. */
  readonly strict: boolean;
  readonly priority: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  /** OFPP.ANY: no filter. */
  readonly outPort: number;
  /** OFPG.ANY: no filter. */
  readonly outGroup: number;
}

/**
 * The tables a request names: one, or all for 0xff; an invalid id is an error (never a
 * silent no-op): FLOW_MOD_FAILED_BAD_TABLE_ID for a flow_mod, BAD_REQUEST_BAD_TABLE_ID for stats.
 */
export function tablesOf(all: readonly FlowTable[], tableId: number, forStats = false): Result<readonly FlowTable[]> {
  if (tableId === OFPTT_ALL) return ok(all);
  const table = all[tableId];
  if (table === undefined) {
    return fail(
      ofError(forStats ? "BAD_REQUEST_BAD_TABLE_ID" : "FLOW_MOD_FAILED_BAD_TABLE_ID", `table ${tableId} does not exist (${all.length} tables)`),
    );
  }
  return ok([table]);
}

/** Controller-visible rules the query selects, in table order. */
export function collectRules(all: readonly FlowTable[], q: RuleQuery, forStats = false): Result<Rule[]> {
  const tables = tablesOf(all, q.tableId, forStats);
  if (!tables.ok) return tables;
  const out: Rule[] = [];
  for (const table of tables.value) {
    if (q.strict) {
      const rule = table.rules.findExact(q.match, q.priority);
      if (rule !== undefined && selects(q, rule)) out.push(rule);
    } else {
      for (const rule of table.rules.loose(q.match)) if (selects(q, rule)) out.push(rule);
    }
  }
  return ok(out);
}

function selects(q: RuleQuery, rule: Rule): boolean {
  if (rule.hidden) return false;
  if (((rule.cookie ^ q.cookie) & q.cookieMask) !== 0n) return false;
  if (q.outPort !== OFPP.ANY && !outputPorts(rule.instructions).includes(q.outPort)) return false;
  if (q.outGroup !== OFPG.ANY && !outputGroups(rule.instructions).includes(q.outGroup)) return false;
  return true;
}

/** True when any of the rules has an operation in flight (the request must be postponed). */
export function anyPending(rules: readonly Rule[]): boolean {
  for (const r of rules) if (r.pendingOp !== undefined) return true;
  return false;
}

export function handleFlowMod(sw: FlowModSwitch, conn: OfConnView, request: Request, fm: FlowMod): Outcome {
  if ((fm.flags & OFPFF.EMERG_10) !== 0) {
    // OpenFlow 1.0's emergency flow cache is not supported; Open vSwitch answers "table full".
    return ofError("FLOW_MOD_FAILED_TABLE_FULL", "OpenFlow 1.0 emergency flows are not supported");
  }
  // The back-pressure bound (DESIGN.md §2): postpone while too many groups are in flight.
  if (sw.pendingGroupCount >= sw.maxPendingGroups) return "postponed";
  switch (fm.command) {
    case "add":
      return addFlow(sw, conn, request, fm);
    case "modify":
    case "modify_strict":
      return modifyFlows(sw, conn, request, fm, fm.command === "modify_strict");
    case "delete":
    case "delete_strict":
      return deleteFlows(sw, conn, request, fm, fm.command === "delete_strict");
  }
}

function addFlow(sw: FlowModSwitch, conn: OfConnView, request: Request, fm: FlowMod): Outcome {
  let tableId = fm.tableId;
  if (tableId === OFPTT_ALL) {
    const chosen = sw.provider.chooseTable?.(fm.match, fm.instructions) ?? ok(0);
    if (!chosen.ok) return chosen.error;
    tableId = chosen.value;
  }
  const table = sw.tables[tableId];
  if (table === undefined) {
    return ofError("FLOW_MOD_FAILED_BAD_TABLE_ID", `table ${tableId} does not exist (${sw.tables.length} tables)`);
  }
  const invalid = checkInstructions(sw, tableId, fm.instructions);
  if (invalid !== undefined) return invalid;
  if ((fm.flags & OFPFF.CHECK_OVERLAP) !== 0) {
    const other = table.rules.findOverlap(fm.match, fm.priority);
    if (other !== undefined && !other.hidden) {
      return ofError("FLOW_MOD_FAILED_OVERLAP", `overlaps a rule of priority ${fm.priority} in table ${tableId}`);
    }
  }
  // An ADD waits for a victim with an operation in flight, and for a pending deletion of the same rule.
  const victim = table.rules.findExact(fm.match, fm.priority);
  if (victim?.pendingOp !== undefined) return "postponed";
  if (table.deletionPending(fm.match, fm.priority)) return "postponed";

  // OpenFlow 1.0 has no OFPFF_RESET_COUNTS, and its ADD always starts the counters afresh:
  // record that as the flag (Open vSwitch does the same, and a 1.3 dump shows it).
  const flags = conn.version === 0x01 ? fm.flags | OFPFF.RESET_COUNTS : fm.flags;
  const rule = new Rule(
    {
      tableId,
      match: fm.match,
      priority: fm.priority,
      cookie: fm.cookie,
      flags,
      idleTimeout: fm.idleTimeout,
      hardTimeout: fm.hardTimeout,
      importance: fm.importance ?? 0,
      instructions: fm.instructions,
    },
    sw.now(),
  );
  const group = sw.newGroup(conn, request, fm.bufferId);
  const error = sw.startAdd(group, rule, (flags & OFPFF.RESET_COUNTS) !== 0);
  if (error !== undefined) return error;
  sw.submit(group);
  return "done";
}

/** The rules a modify or delete flow_mod selects. */
function queryOf(fm: FlowMod, strict: boolean, byOutput: boolean): RuleQuery {
  return {
    tableId: fm.tableId,
    match: fm.match,
    strict,
    priority: fm.priority,
    cookie: fm.cookie,
    cookieMask: fm.cookieMask,
    outPort: byOutput ? fm.outPort : OFPP.ANY,
    outGroup: byOutput ? fm.outGroup : OFPG.ANY,
  };
}

function modifyFlows(sw: FlowModSwitch, conn: OfConnView, request: Request, fm: FlowMod, strict: boolean): Outcome {
  // out_port and out_group filter deletes only; a modify ignores them (as the OpenFlow spec says).
  const collected = collectRules(sw.tables, queryOf(fm, strict, false));
  if (!collected.ok) return collected.error;
  const rules = collected.value;
  for (const rule of rules) {
    const invalid = checkInstructions(sw, rule.tableId, fm.instructions);
    if (invalid !== undefined) return invalid;
  }
  if (anyPending(rules)) return "postponed";
  if (rules.length === 0 && conn.version === 0x01) {
    // OpenFlow 1.0: a modify that finds nothing adds the flow. OpenFlow 1.3 does not.
    return addFlow(sw, conn, request, fm);
  }
  // OpenFlow 1.0 (no cookie mask) sets the cookie; otherwise the cookie only filters.
  const setsCookie = conn.version === 0x01 && fm.cookieMask === 0n;
  const resetCounts = (fm.flags & OFPFF.RESET_COUNTS) !== 0;
  const group = sw.newGroup(conn, request, fm.bufferId);
  for (const rule of rules) {
    const error = sw.startModify(group, rule, fm.instructions, setsCookie ? fm.cookie : rule.cookie, resetCounts);
    if (error !== undefined) {
      if (group.started === 0) return error;
      group.recordError(error);
      break;
    }
  }
  sw.submit(group);
  return "done";
}

function deleteFlows(sw: FlowModSwitch, conn: OfConnView, request: Request, fm: FlowMod, strict: boolean): Outcome {
  const collected = collectRules(sw.tables, queryOf(fm, strict, true));
  if (!collected.ok) return collected.error;
  const rules = collected.value;
  if (anyPending(rules)) return "postponed";
  const group = sw.newGroup(conn, request);
  for (const rule of rules) {
    const error = sw.startDelete(group, rule, OFPRR.DELETE);
    if (error !== undefined) {
      if (group.started === 0) return error;
      group.recordError(error);
      break;
    }
    sw.sendFlowRemoved(rule, OFPRR.DELETE);
  }
  sw.submit(group);
  return "done";
}

/**
 * Checks what the core can check of a flow's instructions: goto_table only forward to an
 * existing table, no meters (none in round 1), output ports in range. Whether a port exists
 * and whether the P4 program can express the actions is the provider's to say.
 */
export function checkInstructions(sw: { readonly tables: readonly FlowTable[] }, tableId: number, ins: Instructions): OfError | undefined {
  if (ins.gotoTable !== undefined && (ins.gotoTable <= tableId || ins.gotoTable >= sw.tables.length)) {
    return ofError("BAD_INSTRUCTION_BAD_TABLE_ID", `goto_table:${ins.gotoTable} from table ${tableId}`);
  }
  if (ins.meterId !== undefined) {
    return ofError("METER_MOD_FAILED_UNKNOWN_METER", `meter:${ins.meterId}: this switch has no meters`);
  }
  return checkActions(ins.applyActions, false) ?? (ins.writeActions === undefined ? undefined : checkActions(ins.writeActions, false));
}

/** Output ports must be physical (1..OFPP.MAX) or a reserved port that makes sense here. */
export function checkActions(actions: readonly Action[], packetOut: boolean): OfError | undefined {
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.type !== "output" && a.type !== "enqueue") continue;
    const p = a.port;
    const ok =
      (p >= 1 && p <= OFPP.MAX) ||
      p === OFPP.IN_PORT ||
      p === OFPP.NORMAL ||
      p === OFPP.FLOOD ||
      p === OFPP.ALL ||
      p === OFPP.CONTROLLER ||
      p === OFPP.LOCAL ||
      (packetOut && p === OFPP.TABLE);
    if (!ok || (a.type === "enqueue" && p > OFPP.MAX && p !== OFPP.IN_PORT)) {
      return ofError("BAD_ACTION_BAD_OUT_PORT", `output to port ${p >>> 0} is not allowed here`);
    }
  }
  return undefined;
}

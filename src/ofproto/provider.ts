// The provider interface: what the ofproto core asks of a datapath (the offload provider on a P4
// target, or a test's scripted provider) and what a provider may tell the core. This file is
// the whole contract between them, numbered like Open vSwitch's ofproto-provider.h and like
// the tests in test/ofproto/. The core never touches P4Runtime; a provider never touches the
// classifier, never sends OpenFlow, never decides what a request means or whether it waits.
//
// ── 1. The switch ──────────────────────────────────────────────────────────────────────
//   1.1 The core calls `construct(core)` once. The provider connects to its target
//       (arbitrates, pushes the pipeline if needed) and resolves with a SwitchDescription:
//       datapath id, the tables (how many, names, sizes, features) and the ports. Rejecting
//       means the switch cannot start.
//   1.2 From then on the provider may call the up-calls of `ProviderCore` at any time
//       (§5.2 packetIn, §6.2 portStatus, §8 target life, ruleIdleTimedOut).
//   1.3 `destruct()` is called once at shutdown; no call follows it.
//   1.4 Recovery. The description may carry what the provider found on its target at
//       construct (`recovered`: rules, and the OpenFlow groups they use). The core puts the
//       groups into its group table, then adopts each rule with an ordinary ADD (§2.2, §3) in
//       one op group of its own; the provider completes an adoption without writing when the
//       target already holds the entry as the rule says. Right after starting the adoptions
//       (or at once, when the core was told not to adopt) the core calls `recoveryDone()`:
//       from then on a recovered entry no rule took over is the provider's leftover (its
//       reconciliation removes it).
//
// ── 2. The life of a rule ──────────────────────────────────────────────────────────────
//   2.1 The core validates a flow_mod, picks the table (table 0xff: `chooseTable` if the
//       provider has it, else table 0) and allocates a `Rule`. A provider never allocates
//       or frees rules; it may keep its own per-rule state in `rule.providerState`, an
//       instance of its own subclass of ProviderRuleState.
//   2.2 ADD: the core puts the rule into the classifier at once. If a rule with the same
//       match and priority was there, that rule is the *victim*: it leaves the classifier
//       and is kept on the operation (`op.victim`). The provider's target entry of the
//       victim becomes the new rule's (a P4Runtime MODIFY of the same entry); the provider
//       never destructs the victim separately. Counters carry over from the victim unless
//       the flow_mod has OFPFF_RESET_COUNTS (`op.resetCounts`).
//   2.3 MODIFY: the core swaps the rule's instructions (and cookie) at once and keeps the
//       old ones on the operation (`op.oldInstructions`, `op.oldCookie`).
//   2.4 DELETE: the rule leaves the classifier at once and is listed among the pending
//       deletions of its table until the operation completes.
//   2.5 Rules with priority above 65535 are the core's own (hidden): the provider handles
//       them like any other rule; controllers never see them.
//
// ── 3. The life of an operation ────────────────────────────────────────────────────────
//   3.1 After step 2 the core calls `ruleConstruct(op)` (ADD), `ruleModifyActions(op)`
//       (MODIFY) or `ruleDestruct(op)` (DELETE). The call returns at once:
//       - an OfError: the provider refuses (a match its table cannot express, an action it
//         cannot perform, a full table...). Nothing was queued. The core undoes step 2
//         (the victim comes back, the old instructions come back, the deleted rule comes
//         back) and sends the error to the controller straight away. The provider must not
//         call `op.complete()` for a refused operation.
//       - undefined: the provider accepted; the operation is now in flight.
//   3.2 For an accepted operation the provider calls `op.complete()` or
//       `op.complete(error)` exactly once, later, when the target has answered (the
//       P4Runtime Write for its update). Only the provider calls complete, and never from
//       inside the ruleConstruct / ruleModifyActions / ruleDestruct call that started it
//       (the core treats that as a bug and throws). Operations may complete in any order.
//   3.3 Success: a replaced victim or a deleted rule is forgotten; a MODIFY stamps
//       `rule.modified`. Failure: an ADD is undone (the victim returns to the classifier,
//       or the rule leaves it); a MODIFY gets its old instructions (and cookie) back.
//   3.4 A DELETE must not fail. A target that does not hold the entry (NOT_FOUND) counts
//       as done; any other failure is the provider's to repair (mark the target out of
//       sync, reconcile) and it still calls `op.complete()` without an error. An error
//       passed for a DELETE is logged and otherwise treated as success.
//   3.5 While an operation is in flight `rule.pendingOp` is set; the core never starts a
//       second operation on the same rule (it postpones the request instead), so a
//       provider sees at most one operation per rule at a time.
//   3.6 An operation of an unknown outcome (a Write that ended without per-update results)
//       must not be completed blindly: the provider reads back what the target holds and
//       completes from that.
//   3.7 Back-pressure is the core's: it bounds the op groups in flight (max_pending_groups)
//       and postpones what would pass the bound. A provider bounds its own queues by
//       updates and never refuses an operation because a queue is long.
//
// ── 4. Statistics ──────────────────────────────────────────────────────────────────────
//   4.1 `ruleStats(rule)` returns the provider's latest known counters (UNKNOWN_COUNT when
//       it has none) and when the rule last saw a packet; it never fails and never blocks.
//   4.2 Counter freshness (optional capability): a provider whose counters are read from
//       its target on a schedule reports their age (`countersAgeMs`) and can read them now
//       (`refreshCounters`: resolves, never rejects, once a read that started after the call
//       ended, successful or not). Before it answers a flow, aggregate or port stats request
//       the core asks the age; past its freshness bound it postpones the request, asks for
//       one refresh and answers the request after that refresh, fresh or not. Only the core
//       decides that a request waits.
//   4.3 `portStats` returns cached counters for one port or, for OFPP.ANY, every port.
//
// ── 5. Packets ─────────────────────────────────────────────────────────────────────────
//   5.1 `packetOut` sends a packet through the target; undefined on success or an OfError.
//   5.2 Up-call `packetIn(event)`: a packet reached the controller port, with the OpenFlow
//       table it left from, its in_port and metadata, why (no match, or an action) and the
//       packet's key as the table matched it. The core finds the rule that sent it in its
//       own classifier (the table-miss rule, or the highest-priority rule matching the key),
//       takes its cookie and output:CONTROLLER max_len, and hands the packet to the
//       connections that want it. A provider never searches rules for this.
//
// ── 6. Ports ───────────────────────────────────────────────────────────────────────────
//   6.1 `portMod` returns undefined (done: the core changes the port desc and sends
//       PORT_STATUS), an OfError, or a promise (PortModPending): the port_mod is in flight
//       until it settles — with undefined once the target acknowledged the new port config
//       (then, and only then, the core changes the port desc and sends PORT_STATUS), or with
//       the OfError for the controller (nothing changes). The core counts it like an op group
//       of the connection, so a BARRIER sent after it is answered only once it settled. The
//       promise never rejects. A provider settles one port's port_mods in the order given.
//   6.2 Up-call `portStatus(reason, desc)`: a port appeared, went away or changed.
//
// ── 7. Groups ──────────────────────────────────────────────────────────────────────────
//   7.1 `groupMod` (OpenFlow 1.3 group table) returns undefined on success or an OfError;
//       the core keeps the group table and deletes the flows that use a deleted group.
//
// ── 8. Flush and the target's life ─────────────────────────────────────────────────────
//   8.1 `flush` (optional) is told when the core flushes every rule, before the per-rule
//       DELETE operations start, so a provider can batch them; it still completes each.
//   8.2 Up-calls `targetLost`, `targetRegained`, `reconciliationFinished` report the
//       target's state for logs and ofp4ctl; operations already started wait in the
//       provider meanwhile (bounded by its own wait limit, then failed with an error).

import type { Action, Instructions } from "../openflow/actions.js";
import type { OfError } from "../openflow/errors.js";
import type { Match, OxmField } from "../openflow/match.js";
import { OFPPC, OFPPS, type PortDesc } from "../openflow/messages.js";
import type { GroupDesc, GroupFeatures, GroupMod, PortStats, TableFeatures } from "../openflow/multipart-types.js";
import type { Result } from "../openflow/result.js";
import type { Operation } from "./operation.js";
import type { Rule, RuleSpec } from "./rule.js";

/** One OpenFlow table as the provider reports it. */
export interface TableDescription {
  readonly name: string;
  /** How many entries the table holds (table stats max_entries, table features). */
  readonly maxEntries: number;
  /** OpenFlow 1.0 OFPFW_* wildcards the table supports (table stats). */
  readonly wildcards: number;
  /** Table features as the provider can honestly describe them (properties may be empty). */
  readonly features?: TableFeatures;
}

/** §1.4: what the provider found on its target at construct. */
export interface Recovered {
  /** OpenFlow 1.3 groups the recovered rules use, by the definitions the target recorded. */
  readonly groups: readonly GroupDesc[];
  readonly rules: readonly RuleSpec[];
}

/** What `construct` reports about the switch (§1.1). */
export interface SwitchDescription {
  readonly datapathId: bigint;
  readonly tables: readonly TableDescription[];
  readonly ports: readonly PortDesc[];
  /** OpenFlow 1.0 features_reply actions bitmap (OFPAT10 bits). */
  readonly actions10: number;
  /** Texts of the desc stats reply. */
  readonly hwDesc: string;
  readonly serialNum: string;
  /** OpenFlow 1.3 group features; none when absent (group_mod is then the provider's to refuse). */
  readonly groupFeatures?: GroupFeatures;
  /** §1.4: rules and groups found on the target, for the core to adopt. */
  readonly recovered?: Recovered;
}

/** §2.1: the base of what a provider keeps per rule (rule.providerState); providers subclass it. */
export abstract class ProviderRuleState {}

/** A packet the controller wants sent (packet_out, or a buffered packet after its flow_mod). */
export interface PacketOut {
  /** An OpenFlow port number, OFPP.CONTROLLER, OFPP.LOCAL or OFPP.ANY (none). */
  readonly inPort: number;
  readonly data: Uint8Array;
  readonly actions: readonly Action[];
}

/** A packet's field values as a table matched them (absent: the field is not in the packet). */
export type PacketKey = ReadonlyMap<OxmField, bigint>;

/** §5.2: a packet that reached the controller port. */
export interface PacketIn {
  /** No flow entry matched (the table-miss behaviour sent it), or a flow entry's action did. */
  readonly reason: "no_match" | "action";
  /** The OpenFlow table it left from; 0xff when no table sent it (a packet_out to CONTROLLER). */
  readonly tableId: number;
  readonly inPort: number;
  /** The OpenFlow metadata when it was sent (0 when none was written). */
  readonly metadata: bigint;
  /** The packet's key (in_port and metadata included), to find the rule that sent it. */
  readonly key: PacketKey;
  readonly frame: Uint8Array;
  /** max_len of a packet_out's output:CONTROLLER (no rule sent it); undefined otherwise. */
  readonly maxLen?: number;
}

/** Counters of one rule; UNKNOWN_COUNT where the provider does not know. */
export interface RuleStats {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  /** Milliseconds (core clock) of the last time the packet counter moved; undefined if never. */
  readonly lastUsed: number | undefined;
}

/** A port_mod as the provider sees it (already checked against the port's hardware address). */
export interface PortModRequest {
  readonly portNo: number;
  readonly config: number;
  readonly mask: number;
  readonly advertise: number;
}

/**
 * The port state that goes with a port config (the core and providers agree): an
 * administratively down port is never OFPPS_LIVE; back up, it is live unless its link is down.
 */
export function liveState(config: number, state: number): number {
  if ((config & OFPPC.PORT_DOWN) !== 0) return state & ~OFPPS.LIVE;
  return (state & OFPPS.LINK_DOWN) === 0 ? state | OFPPS.LIVE : state;
}

/** §6.1: a port_mod in flight; settles with undefined (done) or the error to send. */
export type PortModPending = Promise<OfError | undefined>;

/** Up-calls from the provider to the core (§1.2). */
export interface ProviderCore {
  /** §5.2 */
  packetIn(event: PacketIn): void;
  /** §6.2: a port appeared (OFPPR.ADD), went away (DELETE) or changed (MODIFY). */
  portStatus(reason: number, desc: PortDesc): void;
  /** §8.2: the target stream is gone; operations already started wait in the provider. */
  targetLost(reason: string): void;
  /** §8.2: the target is back; reconciliation follows. */
  targetRegained(): void;
  /** §8.2: the target's tables are the core's again. */
  reconciliationFinished(): void;
  /**
   * The target says the rule's entry has been idle for its idle timeout (a P4Runtime
   * IdleTimeoutNotification): the core expires it now unless an operation is in flight.
   */
  ruleIdleTimedOut(rule: Rule): void;
  /** Every rule in the tables, hidden ones and pending ADDs included, pending deletions not (for reconciliation). */
  rules(): Iterable<Rule>;
  /** Milliseconds on the core's clock (for RuleStats.lastUsed). */
  now(): number;
}

/** The TypeScript counterpart of Open vSwitch's ofproto_class. */
export interface Provider {
  /** A short name for logs and the desc reply ("sim", "bmv2", "scripted"). */
  readonly name: string;
  /** 1.1: connect, arbitrate, push the pipeline; report tables, ports and what was recovered. */
  construct(core: ProviderCore): Promise<SwitchDescription>;
  /** 1.3: disconnect; nothing is called after. */
  destruct(): Promise<void>;
  /** 1.4: the core has started adopting the recovered rules it takes over; the rest are leftovers. */
  recoveryDone?(): void;
  /** 2.1: the table for an ADD with table_id 0xff; a failed Result refuses the flow. */
  chooseTable?(match: Match, instructions: Instructions): Result<number>;
  /** 3.1 ADD. */
  ruleConstruct(op: Operation): OfError | undefined;
  /** 3.1 MODIFY. */
  ruleModifyActions(op: Operation): OfError | undefined;
  /** 3.1 DELETE. */
  ruleDestruct(op: Operation): OfError | undefined;
  /** 4.1 */
  ruleStats(rule: Rule): RuleStats;
  /** 4.2: milliseconds since the cached counters were read (Infinity before the first read). */
  countersAgeMs?(): number;
  /** 4.2: resolves after a counter read that started after this call; never rejects. */
  refreshCounters?(): Promise<void>;
  /** 4.3 */
  portStats(portNo: number): readonly PortStats[];
  /** 5.1 */
  packetOut(packet: PacketOut): OfError | undefined;
  /** 6.1 */
  portMod(request: PortModRequest): OfError | undefined | PortModPending;
  /** 7.1 */
  groupMod(mod: GroupMod): OfError | undefined;
  /** 8.1 */
  flush?(): void;
}

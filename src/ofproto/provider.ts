// The provider interface: what the ofproto core asks of a datapath (the offload provider on
// a P4 target, or the scripted provider of the tests), and what a provider may tell the core.
// It promises the contract below, numbered like the tests in test/ofproto/. The core never
// touches P4Runtime; a provider never touches the classifier, never sends OpenFlow, never
// decides what a request means.
//
// ── 1. The switch ──────────────────────────────────────────────────────────────────────
//   1.1 The core calls `construct(core)` once. The provider connects to its target
//       (arbitrate, push the pipeline if needed) and resolves with a SwitchDescription:
//       datapath id, the tables (how many, names, sizes) and the ports. Rejecting means the
//       switch cannot start.
//   1.2 From then on the provider may call the up-calls of `ProviderCore` at any time
//       (packetIn, portStatus, targetLost, targetRegained, reconciliationFinished,
//       ruleIdleTimedOut).
//   1.3 `destruct()` is called once at shutdown; no call follows it.
//
// ── 2. The life of a rule ──────────────────────────────────────────────────────────────
//   2.1 The core validates a flow_mod, picks the table (table 0xff: `chooseTable` if the
//       provider has it, else table 0) and allocates a `Rule`. A provider never allocates
//       or frees rules; it may keep its own per-rule state in `rule.providerState`.
//   2.2 ADD: the core puts the rule into the classifier at once. If a rule with the same
//       match and priority was there, that rule is the *victim*: it leaves the classifier
//       and is kept on the operation (`op.victim`). The provider's target entry of the
//       victim becomes the new rule's (a P4Runtime MODIFY of the same entry); the provider
//       never destructs the victim separately. Counters carry over from the victim unless
//       the flow_mod has OFPFF_RESET_COUNTS (`op.resetCounts`).
//   2.3 MODIFY: the core swaps the rule's instructions at once and keeps the old ones on
//       the operation (`op.oldInstructions`).
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
//   3.2 For an accepted operation, the provider calls `op.complete()` or
//       `op.complete(error)` exactly once, later, when the target has answered (the
//       P4Runtime Write for its update). Only the provider calls complete; never from
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
//   3.6 An operation of an unknown outcome (a Write that ended without per-update
//       results) must not be completed blindly: the provider reads back what the target
//       holds and completes from that.
//
// ── 4. Everything else ─────────────────────────────────────────────────────────────────
//   4.1 `ruleStats(rule)` returns the provider's latest known counters (UNKNOWN_COUNT when
//       it has none) and when the rule last saw a packet; it never fails and never blocks.
//   4.2 `packetOut`, `portMod`, `groupMod` return undefined on success or an OfError.
//   4.5 `portMod` may instead return a promise (PortModPending): the port_mod is in flight
//       until it settles — with undefined once the target acknowledged the new port config
//       (then, and only then, the core changes the port desc and sends PORT_STATUS), or with
//       the OfError for the controller (nothing changes). The core counts it like an op group
//       of the connection, so a BARRIER sent after it is answered only once it settled. The
//       promise never rejects. A provider settles one port's port_mods in the order given.
//   4.3 `portStats` returns cached counters for one port or, for OFPP.ANY, every port.
//   4.4 `flush` (optional) is told when the core flushes every rule, before the per-rule
//       DELETE operations start, so a provider can batch them; it still completes each.

import type { Action, Instructions } from "../openflow/actions.js";
import type { OfError } from "../openflow/errors.js";
import type { Match } from "../openflow/match.js";
import { OFPPC, OFPPS, type PortDesc } from "../openflow/messages.js";
import type { PacketInEvent } from "../connmgr/endpoint.js";
import type { GroupFeatures, GroupMod, PortStats, TableFeatures } from "../openflow/multipart-types.js";
import type { Operation } from "./operation.js";
import type { Rule } from "./rule.js";

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

/** What `construct` reports about the switch. */
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
}

/** A packet the controller wants sent (packet_out, or a buffered packet after its flow_mod). */
export interface PacketOut {
  /** An OpenFlow port number, OFPP.CONTROLLER, OFPP.LOCAL or OFPP.ANY (none). */
  readonly inPort: number;
  readonly data: Uint8Array;
  readonly actions: readonly Action[];
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

/** provider.ts §4.5: a port_mod in flight; settles with undefined (done) or the error to send. */
export type PortModPending = Promise<OfError | undefined>;

/** Up-calls from the provider to the core. */
export interface ProviderCore {
  /** A packet for the controllers (table miss or output:CONTROLLER). */
  packetIn(event: PacketInEvent): void;
  /** A port appeared (OFPPR.ADD), went away (DELETE) or changed (MODIFY). */
  portStatus(reason: number, desc: PortDesc): void;
  /** The target stream is gone; operations already started wait in the provider. */
  targetLost(reason: string): void;
  /** The target is back; reconciliation follows. */
  targetRegained(): void;
  /** The target's tables are the core's again. */
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
  /** 1.1: connect, arbitrate, push the pipeline; report tables and ports. */
  construct(core: ProviderCore): Promise<SwitchDescription>;
  /** 1.3: disconnect; nothing is called after. */
  destruct(): Promise<void>;
  /** 2.1: the table for an ADD with table_id 0xff; an OfError refuses the flow. */
  chooseTable?(match: Match, instructions: Instructions): number | OfError;
  /** 3.1 ADD. */
  ruleConstruct(op: Operation): OfError | undefined;
  /** 3.1 MODIFY. */
  ruleModifyActions(op: Operation): OfError | undefined;
  /** 3.1 DELETE. */
  ruleDestruct(op: Operation): OfError | undefined;
  /** 4.1 */
  ruleStats(rule: Rule): RuleStats;
  /** 4.2 */
  packetOut(packet: PacketOut): OfError | undefined;
  /** 4.2, 4.5 */
  portMod(request: PortModRequest): OfError | undefined | PortModPending;
  /** 4.2 OpenFlow 1.3 group table. */
  groupMod(mod: GroupMod): OfError | undefined;
  /** 4.3 */
  portStats(portNo: number): readonly PortStats[];
  /** 4.4 */
  flush?(): void;
}

// The switch: tables, ports, datapath id, the NORMAL / FLUSH state machine, op groups and
// operations (DESIGN.md §2, provider.ts §2-§3), connections' pending groups and the one place
// where an OfError becomes a wire error. It implements connmgr's OfprotoEndpoint and the
// provider's ProviderCore. Request handlers live beside it, one concept per file (flow-mod.ts,
// stats.ts, role.ts, config.ts, port.ts, group-table.ts, expiry.ts), each given only what it
// needs of the switch; so do internal rules, packet-in, recovery and counter freshness. It
// never touches P4Runtime and never encodes bytes.

import { channel } from "node:diagnostics_channel";
import { OPENFLOW_ERROR_CHANNEL, type ConnManagerPort, type HandleResult, type OfConnView, type OfprotoEndpoint, type OpenflowErrorEvent, type Request } from "../connmgr/endpoint.js";
import { OFPP } from "../openflow/actions.js";
import { type OfError } from "../openflow/errors.js";
import { OFP_NO_BUFFER, OFPFF, OFPPC, OFPPR, OFPRR, type FlowRemoved, type OfMessage, type PortDesc } from "../openflow/messages.js";
import { UNKNOWN_COUNT } from "../openflow/multipart-types.js";
import { expire, runExpiry } from "./expiry.js";
import { CounterFreshness } from "./fresh-stats.js";
import { dispatch } from "./dispatch.js";
import type { GroupEntry } from "./group-table.js";
import { hiddenRuleCount, syncInternalRules, type FailMode } from "./internal-rules.js";
import { Operation, type OperationSink } from "./operation.js";
import { OpGroup, QUOTED_REQUEST_BYTES } from "./opgroup.js";
import { packetInEvent } from "./packet-in.js";
import type { PacketIn, Provider, ProviderCore, RuleStats, SwitchDescription } from "./provider.js";
import { adoptRecovered } from "./recovery.js";
import { compactInstructions, type Rule, type RuleSpec } from "./rule.js";
import { FlowTable } from "./table.js";
import { SILENT, type Log } from "../util/log.js";

export { FAIL_OPEN_PRIORITY, type FailMode } from "./internal-rules.js";

export type { Outcome } from "./outcome.js";

/** NORMAL: requests are processed. FLUSH: none is; rules are being deleted (DESIGN.md §2). */
export type SwitchState = "normal" | "flush";

/** Where the target stands, as the provider told us. */
export type TargetState = "connected" | "lost" | "reconciling";

/** The core's log: ofp4's one Log interface. */
export type CoreLog = Log;

/**
 * The diagnostics channel each completed operation is published on (while someone subscribes:
 * metrics): the switch, its table, type, result and how long it was in flight.
 */
export const OPERATION_CHANNEL = "ofp4:operation";

export interface OperationEvent {
  readonly sw: Ofproto;
  readonly table: number;
  readonly type: "add" | "modify" | "delete";
  readonly ok: boolean;
  readonly seconds: number;
}

const operations = channel(OPERATION_CHANNEL);
const openflowErrors = channel(OPENFLOW_ERROR_CHANNEL);

export interface OfprotoOptions {
  /** Back-pressure bound: flow_mods are postponed while this many op groups are pending. */
  readonly maxPendingGroups?: number;
  readonly failMode?: FailMode;
  /** Milliseconds; the clock for rule times and expiry (tests pass their own). */
  readonly now?: () => number;
  /** How often expiry runs, in ms; 0 = never by itself (call runExpiry()). Default 1000. */
  readonly expiryIntervalMs?: number;
  /** n_buffers of the features reply (the packet buffers connmgr keeps per connection). */
  readonly nBuffers?: number;
  readonly dpDesc?: string;
  readonly log?: CoreLog;
  /** provider.ts §4.2: stats requests wait for a counter read when counters are older than this (ms). Default 1000. */
  readonly statsMaxAgeMs?: number;
  /** provider.ts §1.4: adopt the rules the provider recovered (default true), or those a filter keeps. */
  readonly adoptRecovered?: boolean | ((rule: RuleSpec) => boolean);
}

/**
 * 400: one full P4Runtime Write (the batcher's 400 updates) in flight. 50 made every Write carry
 * 50 updates (2,000 gRPC calls per 100,000 flows); 1000 cost more CPU and memory for the same
 * rate on a busy 2-core machine (bench/profiles/README.md).
 */
export const DEFAULT_MAX_PENDING_GROUPS = 400;

/** OFPC_FRAG_* of set_config: how IP fragments are handled. */
export type FragHandling = "normal" | "drop";

interface ConnState {
  pendingGroups: number;
}

/** A request longer than this is kept by an op group only as its quote (QUOTED_REQUEST_BYTES). */
const KEEP_WHOLE_UP_TO = 1024;

export class Ofproto implements OfprotoEndpoint, OperationSink, ProviderCore {
  readonly provider: Provider;
  readonly maxPendingGroups: number;
  readonly failMode: FailMode;
  readonly nBuffers: number;
  readonly dpDesc: string;
  readonly log: CoreLog;
  readonly now: () => number;
  readonly freshness: CounterFreshness;

  datapathId = 0n;
  tables: FlowTable[] = [];
  readonly ports = new Map<number, PortDesc>();
  /** The OpenFlow 1.3 group table. */
  readonly groups = new Map<number, GroupEntry>();
  description: SwitchDescription | undefined;
  fragHandling: FragHandling = "normal";
  /** The last generation id of a master/slave role request (OF1.3), if any. */
  generationId: bigint | undefined;
  targetState: TargetState = "connected";

  #state: SwitchState = "normal";
  #port: ConnManagerPort | undefined;
  readonly #conns = new Map<OfConnView, ConnState>();
  /** Groups with operations in flight. */
  #pendingGroups = 0;
  /** Rules with a timeout, for expiry without scanning every table. */
  readonly expirable = new Set<Rule>();
  #wakeScheduled = false;
  #flushDone: (() => void) | undefined;
  #flushPromise: Promise<void> | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #wake = (): void => {
    this.#wakeScheduled = false;
    this.#port?.wake();
  };

  private constructor(provider: Provider, options: OfprotoOptions) {
    this.provider = provider;
    this.maxPendingGroups = options.maxPendingGroups ?? DEFAULT_MAX_PENDING_GROUPS;
    if (!(this.maxPendingGroups >= 1)) throw new Error("maxPendingGroups must be at least 1");
    this.failMode = options.failMode ?? "secure";
    this.nBuffers = options.nBuffers ?? 256;
    this.dpDesc = options.dpDesc ?? "ofp4";
    this.log = options.log ?? SILENT;
    this.now = options.now ?? Date.now;
    this.freshness = new CounterFreshness(provider, options.statsMaxAgeMs ?? 1000, () => this.#scheduleWake());
  }

  /**
   * Builds the switch: constructs the provider (provider.ts §1.1), adopts what it recovered
   * (§1.4) and installs internal rules.
   */
  static async create(provider: Provider, options: OfprotoOptions = {}): Promise<Ofproto> {
    const sw = new Ofproto(provider, options);
    const desc = await provider.construct(sw);
    if (desc.tables.length === 0 || desc.tables.length > 254) {
      throw new Error(`provider ${provider.name} reported ${desc.tables.length} tables (1..254 allowed)`);
    }
    sw.description = desc;
    sw.datapathId = desc.datapathId;
    sw.tables = desc.tables.map((t, i) => new FlowTable(i, t));
    for (const p of desc.ports) sw.ports.set(p.portNo, p);
    const adopt = options.adoptRecovered ?? true;
    if (desc.recovered !== undefined && adopt !== false) {
      adoptRecovered(sw, adopt === true ? desc.recovered : { groups: desc.recovered.groups, rules: desc.recovered.rules.filter(adopt) });
    }
    provider.recoveryDone?.();
    sw.syncInternalRules();
    const interval = options.expiryIntervalMs ?? 1000;
    if (interval > 0) {
      sw.#expiryTimer = setInterval(() => sw.runExpiry(), interval);
      sw.#expiryTimer.unref();
    }
    return sw;
  }

  /** Joins the switch to the connection manager. */
  attach(port: ConnManagerPort): void {
    this.#port = port;
  }

  /** Stops the expiry timer and destructs the provider (provider.ts §1.3). */
  async close(): Promise<void> {
    if (this.#expiryTimer !== undefined) clearInterval(this.#expiryTimer);
    this.#expiryTimer = undefined;
    await this.provider.destruct();
  }

  get state(): SwitchState {
    return this.#state;
  }

  /** Op groups with operations in flight, on the whole switch. */
  get pendingGroupCount(): number {
    return this.#pendingGroups;
  }

  /** Op groups in flight that answer this connection. */
  pendingGroupsOf(conn: OfConnView): number {
    return this.#conns.get(conn)?.pendingGroups ?? 0;
  }

  /** Controllers connected now. */
  get connections(): Iterable<OfConnView> {
    return this.#conns.keys();
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  // ── OfprotoEndpoint ───────────────────────────────────────────────────────────────────

  connected(conn: OfConnView): void {
    this.#conns.set(conn, { pendingGroups: 0 });
    this.syncInternalRules();
  }

  disconnected(conn: OfConnView): void {
    // Its pending groups keep running; finishing them sends nothing (the conn is unknown then).
    this.#conns.delete(conn);
    this.syncInternalRules();
  }

  /**
   * Handles one request: "done" when answered or started, "postponed" when it must wait
   * (DESIGN.md §2). An error outcome of a handler is sent here, quoting the request.
   */
  handle(conn: OfConnView, request: Request): HandleResult {
    if (this.#state === "flush") return "postponed";
    // A connection the core was not told about yet is one now (its groups must be counted).
    if (!this.#conns.has(conn)) this.connected(conn);
    const outcome = dispatch(this, conn, request);
    if (outcome === "done" || outcome === "postponed") return outcome;
    this.#sendError(conn, outcome, request);
    return "done";
  }

  /** The one place an OfError goes to the wire. */
  #sendError(conn: OfConnView, error: OfError, request: Request): void {
    this.log.info(`${conn.name}: ${error.name} (${error.message})`);
    if (openflowErrors.hasSubscribers) openflowErrors.publish({ endpoint: this, error: error.name } satisfies OpenflowErrorEvent);
    conn.sendError(error, request);
  }

  // ── Op groups and operations (DESIGN.md §2, provider.ts §2-§3) ────────────────────────

  /**
   * A new op group answering `request` on `conn` (none for the core's own work). The group
   * keeps the request to quote it in an error; a large one only by its quoted bytes.
   */
  newGroup(conn?: OfConnView, request?: Request, bufferId: number = OFP_NO_BUFFER): OpGroup {
    const kept = request === undefined || request.raw.length <= KEEP_WHOLE_UP_TO ? request : quoted(request);
    return new OpGroup(conn, kept, bufferId);
  }

  /** Steps 2-3 of an ADD: into the classifier (victim out), then the provider. An OfError: refused and undone. */
  startAdd(group: OpGroup, rule: Rule, resetCounts: boolean): OfError | undefined {
    const table = this.tables[rule.tableId]!;
    const victim = table.rules.insert(rule);
    if (victim !== undefined) this.expirable.delete(victim);
    if (rule.idleTimeout > 0 || rule.hardTimeout > 0) this.expirable.add(rule);
    const op = new Operation(this, group, "add", rule, victim, undefined, rule.cookie, resetCounts, 0);
    rule.pendingOp = op;
    const error = this.provider.ruleConstruct(op);
    if (error !== undefined) {
      this.#refused(op);
      table.rules.remove(rule);
      this.expirable.delete(rule);
      if (victim !== undefined) this.#reinsert(victim);
      return error;
    }
    this.#started(group, op);
    return undefined;
  }

  /** Steps 2-3 of a MODIFY: swap the instructions (and cookie), then the provider. */
  startModify(group: OpGroup, rule: Rule, instructions: Rule["instructions"], cookie: bigint, resetCounts: boolean): OfError | undefined {
    const op = new Operation(this, group, "modify", rule, undefined, rule.instructions, rule.cookie, resetCounts, 0);
    rule.instructions = compactInstructions(instructions);
    rule.cookie = cookie;
    rule.pendingOp = op;
    const error = this.provider.ruleModifyActions(op);
    if (error !== undefined) {
      this.#refused(op);
      rule.instructions = op.oldInstructions!;
      rule.cookie = op.oldCookie;
      return error;
    }
    this.#started(group, op);
    return undefined;
  }

  /** Steps 2-3 of a DELETE: out of the classifier into the pending deletions, then the provider. */
  startDelete(group: OpGroup, rule: Rule, reason: number): OfError | undefined {
    const table = this.tables[rule.tableId]!;
    table.rules.remove(rule);
    table.deleting.insert(rule);
    this.expirable.delete(rule);
    const op = new Operation(this, group, "delete", rule, undefined, undefined, rule.cookie, false, reason);
    rule.pendingOp = op;
    const error = this.provider.ruleDestruct(op);
    if (error !== undefined) {
      this.#refused(op);
      table.deleting.remove(rule);
      this.#reinsert(rule);
      return error;
    }
    this.#started(group, op);
    return undefined;
  }

  #refused(op: Operation): void {
    op.state = "done";
    op.rule.pendingOp = undefined;
  }

  #started(group: OpGroup, op: Operation): void {
    op.state = "pending";
    if (operations.hasSubscribers) op.startedMs = performance.now();
    group.pending++;
    group.started++;
  }

  #reinsert(rule: Rule): void {
    this.tables[rule.tableId]!.rules.insert(rule);
    if (rule.idleTimeout > 0 || rule.hardTimeout > 0) this.expirable.add(rule);
  }

  /**
   * The request handler has started every operation of the group. A group with nothing in
   * flight finishes now (its error, if any, goes out straight away); otherwise it counts
   * as pending on the switch and on its connection until its last operation completes.
   */
  submit(group: OpGroup): void {
    group.submitted = true;
    if (group.pending === 0) {
      this.#finish(group, false);
      return;
    }
    this.#pendingGroups++;
    const conn = group.conn;
    if (conn !== undefined) {
      const cs = this.#conns.get(conn);
      if (cs !== undefined) cs.pendingGroups++;
    }
  }

  /** provider.ts §3.3-§3.4: what a completion means. */
  operationCompleted(op: Operation, error: OfError | undefined): void {
    const rule = op.rule;
    if (op.startedMs !== 0 && operations.hasSubscribers) {
      operations.publish({ sw: this, table: rule.tableId, type: op.type, ok: error === undefined, seconds: (performance.now() - op.startedMs) / 1000 } satisfies OperationEvent);
    }
    const table = this.tables[rule.tableId]!;
    rule.pendingOp = undefined;
    switch (op.type) {
      case "add":
        if (error !== undefined) {
          table.rules.remove(rule);
          this.expirable.delete(rule);
          if (op.victim !== undefined) this.#reinsert(op.victim);
          op.group.recordError(error);
        }
        break;
      case "modify":
        if (error !== undefined) {
          rule.instructions = op.oldInstructions!;
          rule.cookie = op.oldCookie;
          op.group.recordError(error);
        } else {
          rule.modified = this.now();
          if (op.resetCounts) rule.hardFrom = rule.modified;
        }
        break;
      case "delete":
        table.deleting.remove(rule);
        if (error !== undefined) {
          this.log.warn(`provider failed a DELETE in table ${rule.tableId} (${error.name}: ${error.message}); treated as done`);
        }
        break;
    }
    const group = op.group;
    group.pending--;
    if (group.pending === 0 && group.submitted) this.#finish(group, true);
  }

  /**
   * Work of a group that is no operation on a rule (a port_mod's port-config Write, port.ts)
   * is done: its error goes into the group like an operation's, and the group finishes after
   * its last piece of work. The caller counted it in group.pending and group.started.
   */
  groupWorkDone(group: OpGroup, error: OfError | undefined): void {
    if (error !== undefined) group.recordError(error);
    group.pending--;
    if (group.pending === 0 && group.submitted) this.#finish(group, true);
  }

  /** Step 6: the group's last operation is done. */
  #finish(group: OpGroup, counted: boolean): void {
    group.finished = true;
    const conn = group.conn;
    const cs = conn === undefined ? undefined : this.#conns.get(conn);
    if (counted) {
      this.#pendingGroups--;
      if (cs !== undefined) cs.pendingGroups--;
    }
    const request = group.request;
    if (cs !== undefined && conn !== undefined && request !== undefined) {
      if (group.firstError !== undefined) this.#sendError(conn, group.firstError, quoted(request));
      else if (group.bufferId !== OFP_NO_BUFFER) this.#sendBufferedPacket(conn, group.bufferId, request);
    } else if (group.firstError !== undefined && conn === undefined) {
      this.log.warn(`internal operation failed: ${group.firstError.name} (${group.firstError.message})`);
    }
    if (!counted) return;
    if (this.#state === "flush") this.#continueFlush();
    else this.syncInternalRules();
    this.#scheduleWake();
  }

  /** Step 5: a buffered packet leaves through the tables once its flow_mod is in hardware. */
  #sendBufferedPacket(conn: OfConnView, bufferId: number, request: Request): void {
    const packet = conn.takeBuffer(bufferId);
    if (!packet.ok) {
      this.#sendError(conn, packet.error, request);
      return;
    }
    const error = this.provider.packetOut({
      inPort: packet.value.inPort,
      data: packet.value.data,
      actions: [{ type: "output", port: OFPP.TABLE, maxLen: 0 }],
    });
    if (error !== undefined) this.#sendError(conn, error, request);
  }

  /** Retries postponed requests once the current call stack (a provider's completion loop) is done. */
  #scheduleWake(): void {
    if (this.#wakeScheduled) return;
    this.#wakeScheduled = true;
    queueMicrotask(this.#wake);
  }

  // ── Flush (DESIGN.md §2) ──────────────────────────────────────────────────────────────

  /**
   * Deletes every rule (controllers' and hidden), then re-adds the internal rules. Resolves
   * when the switch is back in NORMAL; no request is processed until then.
   */
  flushFlows(): Promise<void> {
    if (this.#flushPromise !== undefined) return this.#flushPromise;
    this.#state = "flush";
    this.#flushPromise = new Promise<void>((resolve) => (this.#flushDone = resolve));
    this.provider.flush?.();
    this.#continueFlush();
    return this.#flushPromise;
  }

  #continueFlush(): void {
    const doomed: Rule[] = [];
    for (const table of this.tables) for (const rule of table.rules) if (rule.pendingOp === undefined) doomed.push(rule);
    if (doomed.length > 0) {
      const group = this.newGroup();
      for (const rule of doomed) {
        const error = this.startDelete(group, rule, OFPRR.DELETE);
        if (error !== undefined) {
          this.log.warn(`flush: provider refused to delete a rule of table ${rule.tableId}: ${error.message}`);
        } else {
          this.sendFlowRemoved(rule, OFPRR.DELETE);
        }
      }
      this.submit(group);
    }
    if (this.#pendingGroups === 0) {
      this.#state = "normal";
      this.syncInternalRules();
      const done = this.#flushDone;
      this.#flushDone = undefined;
      this.#flushPromise = undefined;
      done?.();
      this.#scheduleWake();
    }
  }

  // ── Internal rules (internal-rules.ts) ──────────────────────────────────────────────────

  /** Adds missing internal rules and removes unwanted ones; retried after every completion. */
  syncInternalRules(): void {
    if (this.#state !== "normal" || this.tables.length === 0) return;
    syncInternalRules(this);
  }

  /** How many internal rules table `tableId` holds now (for active counts). */
  hiddenRuleCount(tableId: number): number {
    return hiddenRuleCount(this.failMode, this.tables, tableId);
  }

  // ── Expiry and flow_removed ────────────────────────────────────────────────────────────

  /** Deletes rules whose hard or idle timeout has passed (DESIGN.md §2 Expiry). */
  runExpiry(now: number = this.now()): void {
    if (this.#state !== "normal") return;
    runExpiry(this, now);
  }

  /** Sends flow_removed for a rule that asked for it (OFPFF_SEND_FLOW_REM), with its last counters. */
  sendFlowRemoved(rule: Rule, reason: number, stats?: RuleStats): void {
    if (rule.hidden || (rule.flags & OFPFF.SEND_FLOW_REM) === 0 || this.#port === undefined) return;
    const s = stats ?? this.provider.ruleStats(rule);
    const age = Math.max(0, this.now() - rule.created);
    const msg: FlowRemoved = {
      type: "flow_removed",
      cookie: rule.cookie,
      priority: rule.priority,
      reason,
      tableId: rule.tableId,
      durationSec: Math.floor(age / 1000),
      durationNsec: (age % 1000) * 1_000_000,
      idleTimeout: rule.idleTimeout,
      hardTimeout: rule.hardTimeout,
      packetCount: s.packetCount,
      byteCount: s.byteCount,
      match: rule.match,
    };
    this.#port.sendAsync(msg, reason, "flowRemoved");
  }

  // ── ProviderCore (up-calls) ────────────────────────────────────────────────────────────

  packetIn(event: PacketIn): void {
    const port = this.ports.get(event.inPort);
    if (port !== undefined && (port.config & OFPPC.NO_PACKET_IN) !== 0) return;
    this.#port?.sendPacketIn(packetInEvent(this.tables, event));
  }

  portStatus(reason: number, desc: PortDesc): void {
    if (reason === OFPPR.DELETE) this.ports.delete(desc.portNo);
    else this.ports.set(desc.portNo, desc);
    this.sendPortStatus(reason, desc);
  }

  sendPortStatus(reason: number, desc: PortDesc): void {
    const msg: OfMessage = { type: "port_status", reason, desc };
    this.#port?.sendAsync(msg, reason, "portStatus");
  }

  targetLost(reason: string): void {
    this.targetState = "lost";
    this.log.warn(`target lost: ${reason}`);
  }

  targetRegained(): void {
    this.targetState = "reconciling";
    this.log.info("target regained; reconciling");
  }

  reconciliationFinished(): void {
    this.targetState = "connected";
    this.log.info("reconciliation finished");
    this.#scheduleWake();
  }

  ruleIdleTimedOut(rule: Rule): void {
    const table = this.tables[rule.tableId];
    if (this.#state !== "normal" || rule.idleTimeout === 0 || rule.pendingOp !== undefined) return;
    if (table === undefined || table.rules.findExact(rule.match, rule.priority) !== rule) return;
    expire(this, [{ rule, reason: OFPRR.IDLE_TIMEOUT }]);
  }

  *rules(): IterableIterator<Rule> {
    for (const table of this.tables) yield* table.rules;
  }
}

/** The request as an asynchronous error quotes it: its first QUOTED_REQUEST_BYTES bytes. */
function quoted(request: Request): Request {
  return request.raw.length <= QUOTED_REQUEST_BYTES ? request : { msg: request.msg, xid: request.xid, raw: request.raw.subarray(0, QUOTED_REQUEST_BYTES) };
}

/** Counters a provider does not know. */
export const UNKNOWN_STATS: RuleStats = { packetCount: UNKNOWN_COUNT, byteCount: UNKNOWN_COUNT, lastUsed: undefined };

// The offload provider: ofproto's Provider on a P4Runtime target (DESIGN.md §3, §4, §6). Owns
// the client, the write batcher, each rule's table entry state, the multicast groups, the
// counter poller and the target's life cycle (connecting -> ready -> lost -> reconciling ->
// ready). Promises provider.ts's contract: refusals at once with the precise OfError, every
// accepted operation completed exactly once when its own update is answered, DELETE never
// failing, unknown outcomes read back. Never touches the classifier, never speaks OpenFlow.
//
// P4Runtime outcome of a rule's update -> what the operation completes with:
//   OK                                        success
//   RESOURCE_EXHAUSTED (spec) / UNKNOWN "Error when adding match entry to target" (bmv2)
//                                             FLOW_MOD_FAILED_TABLE_FULL
//   INVALID_ARGUMENT                          BAD_MATCH_BAD_VALUE when the target's message is
//                                             about the key (match, priority), else
//                                             BAD_ACTION_BAD_ARGUMENT; the message is logged
//   ALREADY_EXISTS on INSERT, NOT_FOUND on MODIFY
//                                             the entry is read back: as written = success,
//                                             else MODIFY / INSERT as the target needs (at
//                                             most 4 read-backs, then FLOW_MOD_FAILED_UNKNOWN)
//   NOT_FOUND on DELETE                       success (DELETE never fails)
//   PERMISSION_DENIED                         FLOW_MOD_FAILED_EPERM (ofp4 is not primary)
//   outcome unknown (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, a dropped connection...)
//                                             the entry is read back once the target answers;
//                                             present as written = success, else written again
//   target away longer than targetWaitMs      FLOW_MOD_FAILED_UNKNOWN naming the target
//   anything else                             FLOW_MOD_FAILED_UNKNOWN with the code and message
// A DELETE that fails otherwise completes without error and marks the target out of sync:
// reconciliation follows.
//
// Decisions: every table's default action is the table-miss behaviour `tableMiss` (default
// "controller": a miss with no table-miss flow entry reaches the controllers with cookie
// 0xffffffffffffffff; filtering per OpenFlow version is connmgr's). ofp4 owns the replication
// engine's multicast groups (reconciliation deletes groups no rule uses). Entries found at
// construct are kept as recovered rules (`recoveredRules()`) until the core adopts them with
// ordinary ADDs (no write when the entry is already as the rule says) or `forgetRecovered()`.
// The OpenFlow 1.3 groups a rule sends to are recorded in its entry's metadata (group-record.ts)
// and rebuilt at construct (`recoveredGroups()`, for the core's group table before adoption).
// Every P4Runtime error received is logged once (error-log.ts), naming the OpenFlow request.
// port_mod config is the ports' port-config entries (port-config.ts): written when enforced bits
// change, acknowledged before the port desc changes, read back at construct, rewritten by
// reconciliation. PORT_DOWN no longer calls the dataplane service (bmv2 forwards anyway).

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { OFPP, type Action, type Instructions } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { OxmField, type Match } from "../openflow/match.js";
import { OFPPF, OFPPR, OFPPS, OFPR, type PortDesc } from "../openflow/messages.js";
import { portStatsOf, type GroupDesc, type GroupFeatures, type GroupMod, type PortStats } from "../openflow/multipart-types.js";
import { describeTable } from "../openflow/table-features.js";
import type { Operation } from "../ofproto/operation.js";
import {
  liveState,
  type PacketOut,
  type PortModPending,
  type PortModRequest,
  type Provider,
  type ProviderCore,
  type RuleStats,
  type SwitchDescription,
  type TableDescription,
} from "../ofproto/provider.js";
import type { Rule } from "../ofproto/rule.js";
import {
  Code,
  P4RuntimeClient,
  P4RuntimeError,
  codeName,
  describeTableEntry,
  loadP4InfoFile,
  tableEntryKey,
  type P4InfoIndex,
  WriteBatcher,
  type UpdateStatus,
  type p4,
} from "../p4runtime/index.js";
import { CounterPoller } from "./counters.js";
import { ternaryMatchOfKey } from "./delete-key.js";
import { logP4Error, originOf, type ErrorOrigin } from "./error-log.js";
import { decodeEntryMetadata, encodeEntryMetadata } from "./group-record.js";
import { isDataPortNumber, loadMapping, type OffloadMapping, type TableMap } from "./mapping.js";
import { hasOfp4Tag, sameBytes, type RuleRecord } from "./metadata.js";
import { MulticastGroups, multicastEntity, type MulticastGroup } from "./multicast.js";
import { packetKey, packetOutMetadata, planPacketOut, readPacketIn } from "./packet-io.js";
import { portConfigFromEntries, portConfigHeld, portConfigReads, portConfigUpdates, refusePortConfig } from "./port-config.js";
import { DataplanePorts } from "./port-status.js";
import { reconcile as runReconcile, type ReconcileReport } from "./reconcile.js";
import { buildTableEntry, matchFromKey, translateMatch, translateRule, type EntryPlan, type GroupView, type TranslateContext } from "./translate.js";

export interface OffloadLog {
  info(o: object | string, msg?: string): void;
  warn(o: object | string, msg?: string): void;
  error(o: object | string, msg?: string): void;
}

export interface OffloadOptions {
  p4runtimeAddress: string;
  deviceId: bigint;
  electionId: bigint;
  role?: string;
  /** PEM file paths. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Defaults: p4/ofp4.p4info.txtpb, p4/ofp4.json, p4/ofp4.mapping.json. */
  p4infoPath: string;
  deviceConfigPath: string;
  mappingPath: string;
  ports: readonly { number: number; name: string; targetPort: number }[];
  datapathId?: bigint;
  counterPollIntervalMs?: number;
  writeMaxUpdates?: number;
  writeMaxBytes?: number;
  writeMaxInFlight?: number;
  /** "sim" | "bmv2" | "tofino", for logs and the desc reply. */
  targetName?: string;
  /** bmv2's dataplane service on the target (sim, bmv2 --dp-grpc-server-addr): port down/up. */
  dataplaneAddress?: string;
  log?: OffloadLog;
  /** Default action of every table with no table-miss flow entry (default "controller"). */
  tableMiss?: "controller" | "drop";
  /** How long operations wait for a target that is away before failing (default 30,000 ms). */
  targetWaitMs?: number;
  /** Deadline of each Write, ms (default 10,000). */
  writeTimeoutMs?: number;
}

export const DEFAULT_P4INFO_PATH = "p4/ofp4.p4info.txtpb";
export const DEFAULT_DEVICE_CONFIG_PATH = "p4/ofp4.json";
export const DEFAULT_MAPPING_PATH = "p4/ofp4.mapping.json";

/** connecting: construct running; ready: writes flow; lost: target away; reconciling: repairing. */
export type TargetPhase = "connecting" | "ready" | "lost" | "reconciling" | "closed";

export interface OffloadStats {
  readonly phase: TargetPhase;
  readonly entries: number;
  readonly pendingUpdates: number;
  readonly waitingUpdates: number;
  readonly writes: number;
  readonly updatesPerWrite: number;
  readonly writeLatencyMs: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly counterPollMs: number;
  readonly counterPolls: number;
  readonly reconciliations: number;
  /** Entries read back to settle an operation (unknown outcomes, target disagreements). */
  readonly readBacks: number;
  readonly multicastGroups: number;
  readonly recoveredEntries: number;
}

export interface EntryDump {
  readonly table: string;
  readonly key: string;
  readonly description: string;
  /** rule: belongs to a rule of the core; recovered: ofp4's, read back, not adopted yet; orphan: ofp4's, no rule; foreign: not ofp4's. */
  readonly status: "rule" | "recovered" | "orphan" | "foreign";
  readonly rule?: { readonly tableId: number; readonly priority: number; readonly cookie: bigint; readonly match: Match };
}

/** A rule read back from the target (for the core to adopt after an ofp4 restart). */
export interface RecoveredRule extends RuleRecord {
  readonly match: Match;
}

/** What the provider keeps per rule (rule.providerState). */
interface EntryState {
  readonly rule: Rule;
  readonly key: string;
  readonly table: TableMap;
  /**
   * The target holds this rule's entry as the rule says (acknowledged). The entry itself is
   * not kept: it is rebuilt from the rule when needed (reconciliation), and a DELETE reads its
   * match back from `key` (delete-key.ts), which keeps memory per rule small.
   */
  installed: boolean;
  /** The multicast group the installed entry sends to. */
  installedGroup: MulticastGroup | undefined;
  /** The rule's counts: what the target counted, kept across a target that lost its counters. */
  packets: bigint;
  bytes: bigint;
  /** The entry's direct counter as last read from the target. */
  rawPackets: bigint;
  rawBytes: bigint;
  lastUsed: number | undefined;
  busy: boolean;
  /**
   * The OpenFlow request of the operation in flight (for the log line of a P4Runtime error);
   * undefined once it completed (not kept per rule).
   */
  origin: ErrorOrigin | undefined;
}

/** Work held back while the target is away: run when it is back, failed past the wait bound. */
interface Waiting {
  readonly run: () => void;
  readonly fail: (why: string) => void;
  readonly since: number;
}

const RECONCILIATION: ErrorOrigin = { request: "reconciliation" };
const PIPELINE: ErrorOrigin = { request: "pipeline" };
const UNKNOWN_TABLE_FULL = "Error when adding match entry to target";
const MAX_READ_BACKS = 4;
const ALL_ONES = 0xffffffffffffffffn;

function isTableFull(s: UpdateStatus): boolean {
  return s.code === Code.RESOURCE_EXHAUSTED || (s.code === Code.UNKNOWN && s.message.includes(UNKNOWN_TABLE_FULL));
}

function status(code: number, message: string, outcomeUnknown = false): UpdateStatus {
  return { code, message, space: "", targetCode: 0, outcomeUnknown };
}

function portDesc(number: number, name: string): PortDesc {
  return {
    portNo: number,
    hwAddr: Uint8Array.of(0x02, 0x0f, 0x94, 0, (number >> 8) & 0xff, number & 0xff),
    name,
    config: 0,
    state: OFPPS.LIVE,
    curr: OFPPF["10GB_FD"] | OFPPF.COPPER,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 10_000_000,
    maxSpeed: 10_000_000,
  };
}

const SILENT: OffloadLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export class OffloadProvider implements Provider {
  readonly name: string;
  readonly mapping: OffloadMapping;
  readonly p4info: P4InfoIndex;
  readonly client: P4RuntimeClient;
  readonly #o: OffloadOptions;
  readonly #log: OffloadLog;
  readonly #deviceConfig: Uint8Array;
  readonly #cookie: bigint;
  readonly #batcher: WriteBatcher;
  readonly #groups = new MulticastGroups();
  /** OpenFlow 1.3 groups as group_mod defined them (or as rule metadata recorded them: recovery). */
  readonly #ofGroups = new Map<number, GroupDesc>();
  readonly #groupViews = new Map<number, GroupView>();
  /** Groups rebuilt from rule metadata at construct (for the core: recoveredGroups()). */
  readonly #recoveredGroups = new Map<number, GroupDesc>();
  readonly #byKey = new Map<string, EntryState>();
  /** Per OpenFlow table, the rules that can send a packet-in with reason ACTION (packet-in lookup). */
  readonly #toController: Set<EntryState>[];
  readonly #count: number[];
  readonly #recovered = new Map<string, { entry: p4.v1.ITableEntry; record: RecoveredRule; group: MulticastGroup | undefined }>();
  readonly #ports: number[];
  readonly #portDescs = new Map<number, PortDesc>();
  /** Per data port: the config bits acknowledged (the port-config entries hold the enforced ones). */
  readonly #portConfig = new Map<number, number>();
  /** Data ports whose port-config entries are on the target. */
  readonly #portConfigEntries = new Set<number>();
  /** Per data port: its last port_mod write, so the next one starts after it settled. */
  readonly #portConfigChain = new Map<number, Promise<OfError | undefined>>();
  readonly #dataplane: DataplanePorts | undefined;
  readonly #portSet: Set<number>;
  readonly #ctx: TranslateContext;
  #core: ProviderCore | undefined;
  #phase: TargetPhase = "connecting";
  #waiting: Waiting[] = [];
  #waitTimer: NodeJS.Timeout | undefined;
  #poller: CounterPoller | undefined;
  #reconciling: Promise<void> | undefined;
  #reconcileAgain = false;
  #reconciliations = 0;
  #latencies: number[] = [];
  #readBacks = 0;
  lastReconcile: ReconcileReport | undefined;

  constructor(options: OffloadOptions) {
    this.#o = options;
    this.#log = options.log ?? SILENT;
    this.name = options.targetName ?? "p4runtime";
    this.p4info = loadP4InfoFile(options.p4infoPath);
    this.mapping = loadMapping(options.mappingPath, this.p4info);
    this.#deviceConfig = readFileSync(options.deviceConfigPath);
    this.#cookie = createHash("sha256").update(this.p4info.encoded).update(this.#deviceConfig).digest().readBigUInt64BE(0);
    const tls = options.tls
      ? {
          ca: options.tls.ca ? readFileSync(options.tls.ca) : undefined,
          cert: options.tls.cert ? readFileSync(options.tls.cert) : undefined,
          key: options.tls.key ? readFileSync(options.tls.key) : undefined,
        }
      : undefined;
    this.client = new P4RuntimeClient({
      address: options.p4runtimeAddress,
      deviceId: options.deviceId,
      electionId: options.electionId,
      role: options.role,
      tls,
      writeTimeoutMs: options.writeTimeoutMs,
      backoff: { initialMs: 50, maxMs: 2000 },
    });
    const write = this.client.writeEncoded.bind(this.client);
    const timed = (updates: readonly Uint8Array[], bytes: number): Promise<readonly UpdateStatus[]> => {
      const t0 = performance.now();
      return write(updates, bytes).then((r) => {
        this.#latency(performance.now() - t0);
        return r;
      });
    };
    this.#batcher = new WriteBatcher(timed, {
      maxUpdates: options.writeMaxUpdates,
      maxBytes: options.writeMaxBytes,
      maxInFlight: options.writeMaxInFlight,
    });
    this.#toController = this.mapping.tables.map(() => new Set<EntryState>());
    this.#count = this.mapping.tables.map(() => 0);
    this.#ports = options.ports.map((p) => p.number).sort((a, b) => a - b);
    for (const p of options.ports) {
      if (!isDataPortNumber(this.mapping, p.number)) throw new Error(`port ${p.number} (${p.name}) cannot be a data port of this P4 program`);
      if (p.targetPort !== p.number) throw new Error(`port ${p.name}: OpenFlow port ${p.number} must be target port ${p.number} (ofp4.p4 has no port translation)`);
    }
    this.#portSet = new Set(this.#ports);
    for (const p of options.ports) this.#portDescs.set(p.number, portDesc(p.number, p.name));
    this.#dataplane = options.dataplaneAddress ? new DataplanePorts(options.dataplaneAddress, options.deviceId) : undefined;
    this.#ctx = {
      isPort: (n) => this.#portSet.has(n),
      ports: this.#ports,
      group: (id) => this.#groupViews.get(id),
    };
  }

  // ── 1. The switch ─────────────────────────────────────────────────────────────────────

  async construct(core: ProviderCore): Promise<SwitchDescription> {
    this.#core = core;
    const arb = await this.client.connect();
    if (!arb.isPrimary) {
      this.client.close();
      throw new Error(`P4Runtime target ${this.#o.p4runtimeAddress}: election id ${this.#o.electionId} is not primary (${arb.message})`);
    }
    try {
      await this.#ensurePipeline();
      await this.#recover();
      await this.#recoverPortConfig();
    } catch (e) {
      this.client.close();
      throw e;
    }
    // A dropped stream says "primaryLost" then "disconnected" in one go: the stream's error is the one logged.
    this.client.on("primaryLost", () => queueMicrotask(() => this.#lost("ofp4 is no longer primary on the target")));
    this.client.on("disconnected", (e) => this.#lost(e.message, e));
    this.client.on("streamError", (e) =>
      logP4Error(this.#log, "error", { p4runtime: "StreamChannel", code: e.canonicalCode ?? 0, message: e.message ?? "", detail: { target: this.#o.p4runtimeAddress } }),
    );
    this.client.on("primary", () => {
      if (this.#phase === "lost") void this.reconcile();
    });
    this.client.on("packetIn", (pin) => this.#packetIn(pin));
    this.#poller = new CounterPoller(this.client, this.mapping, (k, p, b, now) => this.#counted(k, p, b, now), () => core.now(), this.#o.counterPollIntervalMs ?? 1000);
    this.#poller.start();
    this.#phase = "ready";
    const n = this.mapping.tables.length;
    const fields = [...this.mapping.matchFields.keys()];
    const tables: TableDescription[] = this.mapping.tables.map((t) => ({
      name: `table${t.ofTable}`,
      maxEntries: t.p4.size,
      wildcards: 0x3fffff,
      features: describeTable({
        tableId: t.ofTable,
        name: `table${t.ofTable}`,
        maxEntries: t.p4.size,
        metadataMatch: ALL_ONES,
        metadataWrite: ALL_ONES,
        instructions:
          t.ofTable === n - 1
            ? ["APPLY_ACTIONS", "WRITE_ACTIONS", "CLEAR_ACTIONS", "WRITE_METADATA"]
            : ["APPLY_ACTIONS", "WRITE_ACTIONS", "CLEAR_ACTIONS", "WRITE_METADATA", "GOTO_TABLE"],
        nextTables: Array.from({ length: n - t.ofTable - 1 }, (_, i) => t.ofTable + 1 + i),
        writeActions: ["output", "group", "set_field", "push_vlan", "pop_vlan", "dec_nw_ttl"],
        applyActions: ["output", "group", "set_field", "push_vlan", "pop_vlan", "dec_nw_ttl"],
        match: fields.map((field) => ({ field, maskable: field !== OxmField.IN_PORT })),
        wildcards: fields,
        writeSetfield: [...this.mapping.flow.setFields.keys()],
        applySetfield: [...this.mapping.flow.setFields.keys()],
      }),
    }));
    const groupFeatures: GroupFeatures = {
      types: (1 << 0) | (1 << 2),
      capabilities: 0,
      maxGroups: [this.#groups.maxId, 0, this.#groups.maxId, 0],
      actions: [1, 0, 1 | (1 << 17) | (1 << 18) | (1 << 23) | (1 << 25), 0],
    };
    return {
      datapathId: this.#o.datapathId ?? 0x0f94_0000_0000_0001n,
      tables,
      ports: [...this.#portDescs.values()],
      actions10: 0xfff & ~(1 << 11),
      hwDesc: `${this.name} P4Runtime target ${this.#o.p4runtimeAddress} (device ${this.#o.deviceId})`,
      serialNum: this.#cookie.toString(16),
      groupFeatures,
    };
  }

  async destruct(): Promise<void> {
    this.#phase = "closed";
    this.#poller?.stop();
    clearTimeout(this.#waitTimer);
    for (const w of this.#waiting) w.fail("ofp4 is shutting down");
    this.#waiting = [];
    await Promise.race([this.#batcher.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.client.close();
    this.#dataplane?.close();
  }

  /** GetForwardingPipelineConfig COOKIE_ONLY; push only when the target has none or another. */
  async #ensurePipeline(): Promise<boolean> {
    let current: bigint | undefined;
    try {
      const cfg = await this.client.getPipeline("COOKIE_ONLY");
      current = cfg.cookie ? BigInt(cfg.cookie.cookie ?? 0) : undefined;
    } catch (e) {
      // FAILED_PRECONDITION is the target's "no pipeline yet": the answer expected, not an error.
      if (!(e instanceof P4RuntimeError) || e.code !== Code.FAILED_PRECONDITION) {
        if (e instanceof P4RuntimeError && !this.#loggedErrors.has(e)) {
          this.#loggedErrors.add(e);
          logP4Error(this.#log, "error", { p4runtime: "GetForwardingPipelineConfig", code: e.code, message: e.message.replace(/^[A-Z_]+: /, ""), origin: PIPELINE });
        }
        throw e;
      }
    }
    const pushed = current !== this.#cookie;
    if (pushed) {
      this.#log.info({ target: this.#o.p4runtimeAddress, cookie: this.#cookie.toString(16) }, "pushing the P4 pipeline");
      await this.#rpc("SetForwardingPipelineConfig", PIPELINE, () =>
        this.client.setPipeline({ action: "VERIFY_AND_COMMIT", p4info: this.p4info, deviceConfig: this.#deviceConfig, cookie: this.#cookie }),
      );
    }
    await this.#setMissDefaults();
    return pushed;
  }

  /** Every table's default action: the configured table-miss behaviour. */
  async #setMissDefaults(): Promise<void> {
    const want = this.#o.tableMiss ?? "controller";
    const updates: p4.v1.IUpdate[] = this.mapping.tables.map((t) => ({
      type: 2,
      entity: {
        tableEntry: { tableId: t.p4.id, isDefaultAction: true, action: { action: { actionId: t.miss[want] ?? t.miss.drop ?? this.mapping.dropActionId, params: [] } } },
      },
    }));
    const results = await this.client.write(updates);
    results.forEach((r, i) => this.#received(updates[i]!, r, PIPELINE));
    const bad = results.find((r) => r.code !== 0);
    if (bad) {
      const e = new Error(`setting the table-miss default actions failed: ${codeName(bad.code)} ${bad.message}`);
      this.#loggedErrors.add(e);
      throw e;
    }
  }

  /** Reads ofp4's entries back from the target (a restarted ofp4): kept for adoption, counted. */
  async #recover(): Promise<void> {
    const groups = new Map<number, p4.v1.IMulticastGroupEntry>();
    const recovery: ErrorOrigin = { request: "recovery" };
    const groupEntities = await this.#rpc("Read", recovery, () => this.client.readAll([{ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 0 } } }]));
    for (const e of groupEntities) {
      const g = e.packetReplicationEngineEntry?.multicastGroupEntry;
      if (g) groups.set(g.multicastGroupId ?? 0, g);
    }
    const entities = await this.#rpc("Read", recovery, () => this.client.readAll(this.mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } }))));
    for (const e of entities) {
      const te = e.tableEntry;
      if (!te || te.isDefaultAction) continue;
      const record = decodeEntryMetadata(te.metadata, this.#recoveredGroups);
      const table = this.mapping.tables.find((t) => t.p4.id === te.tableId);
      if (!record || !table) continue;
      const match = matchFromKey(this.mapping, table, te.match ?? []);
      if (!match) continue;
      let group: MulticastGroup | undefined;
      const mcast = this.#mcastParam(te);
      if (mcast !== 0) {
        const g = groups.get(mcast);
        if (g) {
          const replicas = (g.replicas ?? []).map((r) => ({ port: Number(r.egressPort ?? 0), instance: r.instance ?? 0 }));
          replicas.sort((a, b) => a.port - b.port || a.instance - b.instance);
          group = this.#groups.adopt(mcast, replicas);
          group.users++;
        }
      }
      this.#recovered.set(tableEntryKey(te), { entry: te, record: { ...record, match }, group });
      this.#count[table.ofTable]!++;
    }
    for (const g of this.#recoveredGroups.values()) if (!this.#ofGroups.has(g.groupId)) this.#setGroup(g);
    if (this.#recovered.size > 0) this.#log.info({ entries: this.#recovered.size, groups: this.#recoveredGroups.size }, "found ofp4 entries on the target");
  }

  #mcastParam(te: p4.v1.ITableEntry): number {
    const a = te.action?.action;
    if (!a || a.actionId !== this.mapping.flow.action.id) return 0;
    const kind = a.params?.find((p) => p.paramId === this.mapping.flow.params.outKind.id);
    if (!kind?.value || Number(BigInt("0x0" + Buffer.from(kind.value).toString("hex"))) !== this.mapping.flow.outKind.group) return 0;
    const g = a.params?.find((p) => p.paramId === this.mapping.flow.params.mcastGrp.id);
    return g?.value ? Number(BigInt("0x0" + Buffer.from(g.value).toString("hex"))) : 0;
  }

  #setGroup(desc: GroupDesc): void {
    this.#ofGroups.set(desc.groupId, desc);
    if (desc.groupType === "all" || desc.groupType === "indirect") {
      this.#groupViews.set(desc.groupId, { type: desc.groupType, buckets: desc.buckets.map((b) => b.actions) });
    } else this.#groupViews.delete(desc.groupId);
  }

  /**
   * The OpenFlow 1.3 groups rebuilt at construct from the group records in the recovered
   * entries' metadata (group-record.ts), by group id: the core puts them in its group table
   * before adopting the rules that use them. A group no rule used is not on the target.
   */
  recoveredGroups(): GroupDesc[] {
    return [...this.#recoveredGroups.values()].sort((a, b) => a.groupId - b.groupId);
  }

  /** Rules found on the target at construct that no rule of the core has taken over yet. */
  recoveredRules(): RecoveredRule[] {
    return [...this.#recovered.values()].map((r) => r.record);
  }

  /**
   * Drops the rules recovered at construct that the core did not adopt: from now on their
   * entries are ofp4's leftovers, deleted by the next reconciliation.
   */
  forgetRecovered(): void {
    for (const r of this.#recovered.values()) {
      const t = this.mapping.tables[r.record.tableId];
      if (t) this.#count[t.ofTable]!--;
      if (r.group) this.#groups.release(r.group.id);
    }
    this.#recovered.clear();
  }

  // ── Target life cycle ────────────────────────────────────────────────────────────────

  get phase(): TargetPhase {
    return this.#phase;
  }

  #lost(reason: string, error?: P4RuntimeError): void {
    if (this.#phase === "closed" || this.#phase === "lost") return;
    const was = this.#phase;
    this.#phase = "lost";
    if (error) {
      logP4Error(this.#log, "error", {
        p4runtime: "StreamChannel",
        code: error.code,
        message: error.message.replace(/^[A-Z_]+: /, ""),
        detail: { target: this.#o.p4runtimeAddress, lost: true, waitingMs: this.#o.targetWaitMs ?? 30_000 },
      });
    } else this.#log.warn({ target: this.#o.p4runtimeAddress, reason }, "P4Runtime target lost");
    if (was !== "connecting") this.#core?.targetLost(reason);
  }

  /**
   * Re-arbitrated (the client does), re-pushes the pipeline if the target lost it, resolves
   * unknown outcomes, reads every entry back and writes the difference, then lets waiting
   * operations go. Resolves when done; concurrent calls share one run (and one follow-up).
   */
  reconcile(): Promise<void> {
    if (this.#reconciling) {
      this.#reconcileAgain = true;
      return this.#reconciling;
    }
    const run = async (): Promise<void> => {
      do {
        this.#reconcileAgain = false;
        await this.#reconcileOnce();
      } while (this.#reconcileAgain && this.#phase !== "closed");
    };
    this.#reconciling = run().finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    if (this.#phase === "closed") return;
    if (!this.client.isPrimary) return; // the "primary" event brings us back
    const wasLost = this.#phase === "lost";
    this.#phase = "reconciling";
    if (wasLost) this.#core?.targetRegained();
    try {
      await this.#batcher.idle();
      await this.#ensurePipeline();
      this.lastReconcile = await runReconcile({
        mapping: this.mapping,
        read: (entities) => this.#rpc("Read", RECONCILIATION, () => this.client.readAll(entities)),
        write: (u) => this.#batcher.submitAsync(u).then((s) => (this.#received(u, s, RECONCILIATION), s)),
        desired: () => this.#desired(),
        untouchable: (key) => this.#recovered.has(key) || this.#byKey.get(key)?.busy === true,
        groups: () => this.#groups.all(),
      });
      await this.#reconcilePortConfig();
      this.#reconciliations++;
      if (this.lastReconcile.foreign.length > 0) this.#log.warn({ entries: this.lastReconcile.foreign.length }, "entries on the target that are not ofp4's (left alone)");
    } catch (e) {
      // A P4Runtime error was logged where it was received; anything else is logged here.
      if (!this.#loggedErrors.has(e as object)) this.#log.warn({ error: String(e) }, "reconciliation failed; retried");
      this.#lost(`reconciliation failed: ${String(e)}`);
      // Still primary (the target answers but refuses): try again soon; else the "primary" event does.
      if (this.client.isPrimary) setTimeout(() => void this.reconcile(), 200).unref();
      return;
    }
    if (this.#phase !== "reconciling") return;
    this.#phase = "ready";
    this.#flushWaiting();
    if (wasLost) this.#core?.reconciliationFinished();
  }

  *#desired(): Iterable<{ key: string; entry: p4.v1.ITableEntry }> {
    for (const [key, st] of this.#byKey) {
      if (!st.installed || st.busy) continue;
      const entry = this.#entryOf(st);
      if (entry) yield { key, entry };
    }
  }

  /** Sends an update now (target ready) or when the target is back (bounded by targetWaitMs). */
  /** `key`: the update's entity key when the caller has it (a table entry's st.key), else computed by the batcher. */
  /** `origin`: the OpenFlow request behind the update, named in the log line of its error. */
  #submit(update: p4.v1.IUpdate, cb: (s: UpdateStatus) => void, key?: string, origin?: ErrorOrigin): void {
    const answered = (s: UpdateStatus): void => {
      if (s.code !== 0) this.#received(update, s, origin);
      cb(s);
    };
    if (this.#phase === "ready") {
      this.#batcher.submit(update, answered, key);
      return;
    }
    this.#defer(
      () => this.#batcher.submit(update, answered, key),
      (why) => cb(status(Code.UNAVAILABLE, why)),
    );
  }

  /** Errors already logged (a failed RPC is logged once, not again by whoever catches it). */
  readonly #loggedErrors = new WeakSet<object>();

  /**
   * Logs a P4Runtime error answer to one update, once. A Write that failed as a whole gives
   * every one of its updates the same frozen status (p4runtime/status.ts wholeRpcFailure): that
   * failure is logged once, with the origin of the first update whose callback sees it.
   */
  #received(update: p4.v1.IUpdate, s: UpdateStatus, origin: ErrorOrigin | undefined): void {
    if (s.code === 0 || this.#loggedErrors.has(s)) return;
    const whole = Object.isFrozen(s);
    if (whole) this.#loggedErrors.add(s);
    const kind = ["UNSPECIFIED", "INSERT", "MODIFY", "DELETE"][update.type ?? 0] ?? String(update.type);
    const entity = update.entity?.tableEntry
      ? "table_entry"
      : update.entity?.packetReplicationEngineEntry
        ? `multicast_group ${update.entity.packetReplicationEngineEntry.multicastGroupEntry?.multicastGroupId ?? 0}`
        : "entity";
    logP4Error(this.#log, whole ? "error" : "warn", {
      p4runtime: whole ? "Write" : `Write ${kind} ${entity}`,
      code: s.code,
      message: s.message,
      origin,
      detail: whole ? { target: this.#o.p4runtimeAddress, wholeWrite: true } : { target: this.#o.p4runtimeAddress },
    });
  }

  /** Runs one P4Runtime RPC; its error is logged once here (and marked, so callers do not log it again). */
  async #rpc<T>(p4runtime: string, origin: ErrorOrigin | undefined, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof P4RuntimeError && !this.#loggedErrors.has(e)) {
        this.#loggedErrors.add(e);
        logP4Error(this.#log, "error", { p4runtime, code: e.code, message: e.message.replace(/^[A-Z_]+: /, ""), origin, detail: { target: this.#o.p4runtimeAddress } });
      }
      throw e;
    }
  }

  /** Holds work until the target is ready again (reconciled); fails it past targetWaitMs. */
  #defer(run: () => void, fail: (why: string) => void): void {
    this.#waiting.push({ run, fail, since: Date.now() });
    this.#armWaitTimer();
  }

  #armWaitTimer(): void {
    if (this.#waitTimer || this.#waiting.length === 0) return;
    const bound = this.#o.targetWaitMs ?? 30_000;
    const first = Math.min(...this.#waiting.map((w) => w.since));
    this.#waitTimer = setTimeout(() => {
      this.#waitTimer = undefined;
      const now = Date.now();
      const expired = this.#waiting.filter((w) => now - w.since >= bound);
      this.#waiting = this.#waiting.filter((w) => now - w.since < bound);
      for (const w of expired) w.fail(`P4Runtime target ${this.#o.p4runtimeAddress} unavailable for ${bound} ms`);
      this.#armWaitTimer();
    }, Math.max(0, first + bound - Date.now()));
    this.#waitTimer.unref();
  }

  #flushWaiting(): void {
    clearTimeout(this.#waitTimer);
    this.#waitTimer = undefined;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.run();
  }

  /**
   * A status that says the target went away or lost its pipeline under us (not a verdict on
   * the update): the update's fate is checked again after reconciliation.
   */
  #troubled(s: UpdateStatus): boolean {
    const trouble =
      s.outcomeUnknown || s.code === Code.UNAVAILABLE || s.code === Code.FAILED_PRECONDITION || s.code === Code.PERMISSION_DENIED;
    if (trouble) this.#scheduleReconcile();
    return trouble;
  }

  // ── 2-3. Rules and operations ────────────────────────────────────────────────────────

  chooseTable(): number {
    return 0;
  }

  ruleConstruct(op: Operation): OfError | undefined {
    const rule = op.rule;
    const planned = translateRule(this.mapping, rule, this.#ctx);
    if (!planned.ok) return planned.error;
    const plan = planned.value;
    const key = tableEntryKey({ tableId: plan.table.p4.id, match: plan.match, priority: plan.priority });
    const victim = op.victim?.providerState as EntryState | undefined;
    const recovered = this.#recovered.get(key);
    const t = plan.table.ofTable;
    if (!victim && !recovered && this.#count[t]! >= plan.table.p4.size) {
      return ofError("FLOW_MOD_FAILED_TABLE_FULL", `table ${t} (${plan.table.p4.name}) holds ${plan.table.p4.size} entries`);
    }
    let group: MulticastGroup | undefined;
    let created = false;
    if (plan.replicas) {
      const got = this.#groups.acquire(plan.replicas);
      if (!got) return ofError("FLOW_MOD_FAILED_TABLE_FULL", `no multicast group id left for outputs to ${plan.replicas.map((r) => r.port).join(",")}`);
      group = got.group;
      created = got.created;
    }
    const metadata = this.#metadata(rule);
    const entry = buildTableEntry(this.mapping, plan, group?.id ?? 0, metadata);
    const st = this.#newState(rule, key, plan);
    if (victim) {
      st.installed = victim.installed;
      st.installedGroup = victim.installedGroup;
      if (!op.resetCounts) {
        st.packets = victim.packets;
        st.bytes = victim.bytes;
        st.rawPackets = victim.rawPackets;
        st.rawBytes = victim.rawBytes;
        st.lastUsed = victim.lastUsed;
      }
      this.#unindex(victim);
    } else if (recovered) {
      this.#recovered.delete(key);
      st.installed = true;
      st.installedGroup = recovered.group;
    } else this.#count[t]!++;
    rule.providerState = st;
    this.#index(st);
    st.busy = true;
    st.origin = originOf(op, "adoption");

    const rollback = (error: OfError): void => {
      st.busy = false;
      st.origin = undefined;
      this.#unindex(st);
      if (group) this.#releaseGroup(group.id);
      if (victim) this.#index(victim);
      else if (recovered) this.#recovered.set(key, recovered);
      else this.#count[t]!--;
      op.complete(error);
    };
    const succeed = (): void => {
      const old = st.installedGroup;
      st.installed = true;
      st.installedGroup = group;
      st.busy = false;
      st.origin = undefined;
      if (op.resetCounts) {
        // A poll may have read the replaced entry's counter before the reset landed.
        st.packets = st.bytes = st.rawPackets = st.rawBytes = 0n;
      }
      if (old) this.#releaseGroup(old.id);
      op.complete();
    };
    if (recovered && !op.resetCounts && sameBytes(recovered.entry.metadata, metadata) && recovered.group === group) {
      // Adopting what the target already holds (an ofp4 restart): nothing to write.
      queueMicrotask(succeed);
      return undefined;
    }
    const exists = victim?.installed === true || recovered !== undefined;
    const write = (): void => this.#writeEntry(st, entry, exists ? 2 : 1, op.resetCounts && exists, succeed, rollback);
    if (group) this.#afterGroup(group, created, write, () => rollback(ofError("FLOW_MOD_FAILED_UNKNOWN", `multicast group ${group.id} could not be written`)), st.origin);
    else write();
    return undefined;
  }

  ruleModifyActions(op: Operation): OfError | undefined {
    const rule = op.rule;
    const st = rule.providerState as EntryState | undefined;
    if (!st) return ofError("FLOW_MOD_FAILED_UNKNOWN", "the rule has no table entry");
    const planned = translateRule(this.mapping, rule, this.#ctx);
    if (!planned.ok) return planned.error;
    const plan = planned.value;
    let group: MulticastGroup | undefined;
    let created = false;
    if (plan.replicas) {
      const got = this.#groups.acquire(plan.replicas);
      if (!got) return ofError("FLOW_MOD_FAILED_TABLE_FULL", `no multicast group id left for outputs to ${plan.replicas.map((r) => r.port).join(",")}`);
      group = got.group;
      created = got.created;
    }
    const entry = buildTableEntry(this.mapping, plan, group?.id ?? 0, this.#metadata(rule));
    st.busy = true;
    st.origin = originOf(op);
    if (mayPacketIn(rule.instructions)) this.#toController[st.table.ofTable]!.add(st);
    const saved = { packets: st.packets, bytes: st.bytes, rawPackets: st.rawPackets, rawBytes: st.rawBytes };
    const succeed = (): void => {
      const old = st.installedGroup;
      st.installed = true;
      st.installedGroup = group;
      st.busy = false;
      st.origin = undefined;
      if (op.resetCounts) {
        st.packets = 0n;
        st.bytes = 0n;
        st.rawPackets = 0n;
        st.rawBytes = 0n;
      }
      if (old) this.#releaseGroup(old.id);
      op.complete();
      this.#refreshPacketIn(st);
    };
    const rollback = (error: OfError): void => {
      st.busy = false;
      st.origin = undefined;
      st.packets = saved.packets;
      st.bytes = saved.bytes;
      st.rawPackets = saved.rawPackets;
      st.rawBytes = saved.rawBytes;
      if (group) this.#releaseGroup(group.id);
      op.complete(error);
      this.#refreshPacketIn(st);
    };
    const write = (): void => this.#writeEntry(st, entry, st.installed ? 2 : 1, op.resetCounts, succeed, rollback);
    if (group) this.#afterGroup(group, created, write, () => rollback(ofError("FLOW_MOD_FAILED_UNKNOWN", `multicast group ${group.id} could not be written`)), st.origin);
    else write();
    return undefined;
  }

  ruleDestruct(op: Operation): OfError | undefined {
    const st = op.rule.providerState as EntryState | undefined;
    if (!st || !st.installed) {
      queueMicrotask(() => op.complete());
      return undefined;
    }
    st.busy = true;
    const del: p4.v1.ITableEntry = { tableId: st.table.p4.id, match: this.#deleteMatch(st), priority: op.rule.priority + this.mapping.priorityOffset };
    const origin = originOf(op, op.reason !== 0 ? "expiry" : "ofp4");
    this.#submit({ type: 3, entity: { tableEntry: del } }, (s) => {
      // DELETE never fails: the target is out of sync; reconciliation removes the leftover.
      if (s.code !== 0 && s.code !== Code.NOT_FOUND) this.#scheduleReconcile();
      st.busy = false;
      this.#unindex(st);
      this.#count[st.table.ofTable]!--;
      if (st.installedGroup) this.#releaseGroup(st.installedGroup.id);
      st.installed = false;
      st.installedGroup = undefined;
      op.complete();
    }, st.key, origin);
    return undefined;
  }

  /** The match a DELETE of the rule's entry names: read from its key (no translation), else translated. */
  #deleteMatch(st: EntryState): p4.v1.IFieldMatch[] {
    const fromKey = ternaryMatchOfKey(st.key);
    if (fromKey) return fromKey;
    const key = translateMatch(this.mapping, st.table, st.rule.match, this.#ctx);
    if (!key.ok) throw new Error(`bug: the match of an installed rule no longer translates: ${key.error.message}`);
    return key.value;
  }

  flush(): void {
    // Each DELETE of the flush still completes on its own; the batcher packs them together.
  }

  /**
   * Writes one entry (INSERT=1 / MODIFY=2) and maps the outcome (see the header table).
   * `attempt` counts read-backs, so a target that keeps disagreeing ends in an error.
   */
  #writeEntry(st: EntryState, entry: p4.v1.ITableEntry, type: 1 | 2, resetCounts: boolean, ok: () => void, fail: (e: OfError) => void, attempt = 0): void {
    const te: p4.v1.ITableEntry = resetCounts && type === 2 ? { ...entry, counterData: { packetCount: 0n, byteCount: 0n } } : entry;
    this.#submit({ type, entity: { tableEntry: te } }, (s) => {
      if (s.code === 0) return ok();
      if (this.#troubled(s)) {
        this.#deferCheck(st, entry, resetCounts, ok, fail, attempt);
        return;
      }
      const mismatch = (type === 1 && s.code === Code.ALREADY_EXISTS) || (type === 2 && s.code === Code.NOT_FOUND);
      if (mismatch && attempt < MAX_READ_BACKS) return this.#readBack(st, entry, resetCounts, ok, fail, attempt + 1);
      fail(this.#errorFor(st, s));
    }, st.key, st.origin);
  }

  #deferCheck(st: EntryState, entry: p4.v1.ITableEntry, resetCounts: boolean, ok: () => void, fail: (e: OfError) => void, attempt: number): void {
    const run = (): void => this.#readBack(st, entry, resetCounts, ok, fail, attempt + 1);
    const failWith = (why: string): void => fail(ofError("FLOW_MOD_FAILED_UNKNOWN", why));
    this.#defer(run, failWith);
  }

  /** Completes an operation from what the target holds: as written = done, else written as needed. */
  #readBack(st: EntryState, entry: p4.v1.ITableEntry, resetCounts: boolean, ok: () => void, fail: (e: OfError) => void, attempt: number): void {
    this.#readBacks++;
    if (attempt > MAX_READ_BACKS) {
      fail(ofError("FLOW_MOD_FAILED_UNKNOWN", `table ${st.table.ofTable}: the target kept disagreeing about the entry after ${MAX_READ_BACKS} read-backs`));
      return;
    }
    this.#rpc("Read", st.origin, () => this.client.readAll([{ tableEntry: { tableId: entry.tableId, match: entry.match, priority: entry.priority } }])).then(
      (found) => {
        const te = found.find((e) => e.tableEntry)?.tableEntry;
        if (te && sameBytes(te.metadata, entry.metadata)) ok();
        else this.#writeEntry(st, entry, te ? 2 : 1, resetCounts && te !== undefined, ok, fail, attempt);
      },
      (e: unknown) => {
        if (e instanceof P4RuntimeError && (e.code === Code.NOT_FOUND || e.code === Code.INVALID_ARGUMENT)) {
          this.#writeEntry(st, entry, 1, false, ok, fail, attempt);
        } else this.#deferCheck(st, entry, resetCounts, ok, fail, attempt);
      },
    );
  }

  #errorFor(st: EntryState, s: UpdateStatus): OfError {
    const what = `table ${st.table.ofTable} (${st.table.p4.name}): ${codeName(s.code)} ${s.message}`;
    if (isTableFull(s)) return ofError("FLOW_MOD_FAILED_TABLE_FULL", what);
    if (s.code === Code.INVALID_ARGUMENT) {
      return /match|key|priority|mask|field/i.test(s.message) ? ofError("BAD_MATCH_BAD_VALUE", what) : ofError("BAD_ACTION_BAD_ARGUMENT", what);
    }
    if (s.code === Code.PERMISSION_DENIED) return ofError("FLOW_MOD_FAILED_EPERM", what);
    return ofError("FLOW_MOD_FAILED_UNKNOWN", what);
  }

  /** Runs `write` once the group is on the target (writing it first when new). */
  #afterGroup(group: MulticastGroup, created: boolean, write: () => void, failed: () => void, origin?: ErrorOrigin): void {
    if (created) {
      const insert = (): void =>
        this.#submit({ type: 1, entity: multicastEntity(group.id, group.replicas) }, (s) => {
          if (s.code !== 0 && s.code !== Code.ALREADY_EXISTS && this.#troubled(s)) {
            this.#defer(insert, () => this.#groups.settle(group, false));
            return;
          }
          this.#groups.settle(group, s.code === 0 || s.code === Code.ALREADY_EXISTS);
        }, undefined, origin);
      insert();
    }
    this.#groups.whenReady(group, (ok) => (ok ? write() : failed()));
  }

  #releaseGroup(id: number): void {
    if (!this.#groups.release(id)) return;
    this.#submit({ type: 3, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: id } } } }, (s) => {
      if (s.code !== 0 && s.code !== Code.NOT_FOUND) this.#scheduleReconcile();
    });
  }

  #reconcileScheduled = false;

  /** Reconciles soon (once for a burst of troubles) when the target is up; a lost target reconciles when it is back. */
  #scheduleReconcile(): void {
    if (this.#phase !== "ready" || this.#reconcileScheduled) return;
    this.#reconcileScheduled = true;
    setImmediate(() => {
      this.#reconcileScheduled = false;
      void this.reconcile();
    });
  }

  #record(rule: Rule): RuleRecord {
    return {
      tableId: rule.tableId,
      priority: rule.priority,
      cookie: rule.cookie,
      flags: rule.flags,
      idleTimeout: rule.idleTimeout,
      hardTimeout: rule.hardTimeout,
      importance: rule.importance,
      instructions: rule.instructions,
    };
  }

  /** The entry metadata of a rule: its record, and the records of the OpenFlow groups it uses. */
  #metadata(rule: Rule): Uint8Array {
    return encodeEntryMetadata(this.#record(rule), (id) => this.#ofGroups.get(id));
  }

  #newState(rule: Rule, key: string, plan: EntryPlan): EntryState {
    return { rule, key, table: plan.table, installed: false, installedGroup: undefined, packets: 0n, bytes: 0n, rawPackets: 0n, rawBytes: 0n, lastUsed: undefined, busy: false, origin: undefined };
  }

  /** The entry the target holds for an installed rule, rebuilt from the rule. */
  #entryOf(st: EntryState): p4.v1.ITableEntry | undefined {
    const planned = translateRule(this.mapping, st.rule, this.#ctx);
    if (!planned.ok) return undefined;
    return buildTableEntry(this.mapping, planned.value, st.installedGroup?.id ?? 0, this.#metadata(st.rule));
  }

  #index(st: EntryState): void {
    this.#byKey.set(st.key, st);
    this.#refreshPacketIn(st);
  }

  /** Keeps the packet-in candidates in step with the rule's instructions. */
  #refreshPacketIn(st: EntryState): void {
    const set = this.#toController[st.table.ofTable]!;
    if (this.#byKey.get(st.key) === st && mayPacketIn(st.rule.instructions)) set.add(st);
    else set.delete(st);
  }

  #unindex(st: EntryState): void {
    if (this.#byKey.get(st.key) === st) this.#byKey.delete(st.key);
    this.#toController[st.table.ofTable]!.delete(st);
  }

  // ── 4. Counters, packets, ports, groups ───────────────────────────────────────────────

  #counted(key: string, packets: bigint, bytes: bigint, now: number): void {
    const st = this.#byKey.get(key);
    if (!st) return;
    // A counter that went back means the target lost it (restarted; the entry was written again):
    // what it had counted stays in the rule's statistics, as flow counters never go back.
    const restarted = packets < st.rawPackets || bytes < st.rawBytes;
    const dp = restarted ? packets : packets - st.rawPackets;
    const db = restarted ? bytes : bytes - st.rawBytes;
    st.rawPackets = packets;
    st.rawBytes = bytes;
    if (dp > 0n) st.lastUsed = now;
    st.packets += dp;
    st.bytes += db;
  }

  ruleStats(rule: Rule): RuleStats {
    const st = rule.providerState as EntryState | undefined;
    if (!st) return { packetCount: 0n, byteCount: 0n, lastUsed: undefined };
    return { packetCount: st.packets, byteCount: st.bytes, lastUsed: st.lastUsed };
  }

  /**
   * How old the cached counters are, in ms (Infinity before the first poll). A flow-stats or
   * aggregate request finding them older than the poll interval should await pollCounters().
   */
  countersAgeMs(): number {
    return this.#poller?.ageMs ?? Infinity;
  }

  /** Resolves after a counter poll that started after this call (fresh flow stats). */
  pollCounters(): Promise<void> {
    return this.#poller?.fresh() ?? Promise.resolve();
  }

  portStats(portNo: number): readonly PortStats[] {
    return this.#ports
      .filter((p) => portNo === OFPP.ANY || p === portNo)
      .map((p) => portStatsOf(p, this.#poller?.ports.get(p)));
  }

  #packetIn(pin: p4.v1.PacketIn): void {
    const core = this.#core;
    if (!core) return;
    const h = readPacketIn(this.mapping, pin);
    const data = pin.payload ?? new Uint8Array();
    const noMatch = h.reason === this.mapping.packetIn.reasons.NO_MATCH;
    const st = this.#ruleFor(h.tableId, data, h.inPort, h.metadata, noMatch);
    let maxLen: number | "miss_send_len" = "miss_send_len";
    if (st) {
      const out = controllerOutput(st.rule.instructions);
      if (out !== undefined) maxLen = out;
    }
    const match: Match = [
      { field: OxmField.IN_PORT, value: BigInt(h.inPort), mask: 0xffffffffn },
      ...(h.metadata !== 0n ? [{ field: OxmField.METADATA, value: h.metadata, mask: ALL_ONES }] : []),
    ];
    core.packetIn({
      reason: noMatch ? OFPR.NO_MATCH : OFPR.ACTION,
      tableId: h.tableId,
      cookie: st ? st.rule.cookie : ALL_ONES,
      match,
      inPort: h.inPort,
      data,
      maxLen,
    });
  }

  /** The rule that sent a packet-in: the table-miss rule on a miss, else the highest-priority match. */
  #ruleFor(tableId: number, frame: Uint8Array, inPort: number, metadata: bigint, miss: boolean): EntryState | undefined {
    const table = this.mapping.tables[tableId];
    if (!table) return undefined;
    if (miss) {
      const st = this.#byKey.get(tableEntryKey({ tableId: table.p4.id, priority: this.mapping.priorityOffset, match: [] }));
      return st;
    }
    const k = packetKey(frame, inPort, metadata);
    const fields = this.mapping.matchFields;
    let best: EntryState | undefined;
    for (const st of this.#toController[tableId]!) {
      if (best && st.rule.priority <= best.rule.priority) continue;
      const hit = st.rule.match.every((f) => {
        const m = fields.get(f.field);
        return m !== undefined && ((k.get(m.p4Name) ?? 0n) & f.mask) === f.value;
      });
      if (hit) best = st;
    }
    return best;
  }

  packetOut(packet: PacketOut): OfError | undefined {
    const plan = planPacketOut(this.mapping, (n) => this.#portSet.has(n), this.#ports, packet.inPort, packet.data, packet.actions);
    if ("name" in plan) return plan;
    if (plan.sends.length > 0 && this.#phase !== "ready") {
      return ofError("BAD_REQUEST_EPERM", `packet_out: P4Runtime target ${this.#o.p4runtimeAddress} is not available`);
    }
    for (const s of plan.sends) this.client.packetOut(s.payload, packetOutMetadata(this.mapping, s));
    for (const c of plan.toController) {
      this.#core?.packetIn({
        reason: OFPR.ACTION,
        tableId: 0xff,
        cookie: ALL_ONES,
        match: [{ field: OxmField.IN_PORT, value: BigInt(packet.inPort >>> 0), mask: 0xffffffffn }],
        inPort: packet.inPort,
        data: c.frame,
        maxLen: c.maxLen,
      });
    }
    return undefined;
  }

  /**
   * port_mod (provider.ts §4.5): a config the program cannot express is refused with
   * BAD_CONFIG naming the bit; a change of enforced bits (PORT_DOWN, NO_RECV, NO_FWD,
   * NO_PACKET_IN with ofp4.p4) is written as the port's port-config entries and settles when
   * the target answered; anything else (NO_STP, advertise) is stored at once. One port's
   * writes go one after the other, so they settle in order.
   */
  portMod(request: PortModRequest): OfError | undefined | PortModPending {
    const port = request.portNo;
    if (!this.#portSet.has(port)) return ofError("PORT_MOD_FAILED_BAD_PORT", `port ${port} is not a data port`);
    const refused = refusePortConfig(this.mapping, port, request.config, request.mask);
    if (refused) return refused;
    const enforced = this.mapping.portConfig?.enforced ?? 0;
    const previous = this.#portConfigChain.get(port);
    if ((request.mask & enforced) === 0 && previous === undefined) {
      this.#storePortConfig(port, request.config, request.mask);
      return undefined;
    }
    const done = (previous ?? Promise.resolve(undefined)).then(() => this.#writePortConfig(request));
    this.#portConfigChain.set(port, done);
    void done.then(() => {
      if (this.#portConfigChain.get(port) === done) this.#portConfigChain.delete(port);
    });
    return done;
  }

  /** Writes one port_mod's config as the port's port-config entries; the OfError when the target refused. */
  async #writePortConfig(request: PortModRequest): Promise<OfError | undefined> {
    const port = request.portNo;
    const enforced = this.mapping.portConfig?.enforced ?? 0;
    const old = this.#portConfig.get(port) ?? 0;
    const next = (old & ~request.mask) | (request.config & request.mask);
    if ((next & enforced) !== (old & enforced) || !this.#portConfigEntries.has(port)) {
      const type = this.#portConfigEntries.has(port) ? 2 : 1;
      const origin: ErrorOrigin = { request: "port_mod" };
      const write = (u: p4.v1.IUpdate): Promise<UpdateStatus> => new Promise((resolve) => this.#submit(u, resolve, undefined, origin));
      const results = await Promise.all(portConfigUpdates(this.mapping, port, next, type).map((u) => this.#upsert(u, write)));
      const bad = results.find((r) => r.code !== 0);
      if (bad) {
        // A table may hold the new config and another not: reconciliation writes the acknowledged one back.
        if (this.#reconciling) this.#reconcileAgain = true;
        this.#scheduleReconcile();
        return ofError("PORT_MOD_FAILED_EPERM", `port ${port}: the target did not take the port config (${codeName(bad.code)}: ${bad.message})`);
      }
      this.#portConfigEntries.add(port);
    }
    this.#storePortConfig(port, request.config, request.mask);
    return undefined;
  }

  /** An INSERT that finds the entry there becomes a MODIFY, a MODIFY that finds none an INSERT (once). */
  async #upsert(u: p4.v1.IUpdate, write: (u: p4.v1.IUpdate) => Promise<UpdateStatus>): Promise<UpdateStatus> {
    const s = await write(u);
    if ((u.type === 1 && s.code === Code.ALREADY_EXISTS) || (u.type === 2 && s.code === Code.NOT_FOUND)) {
      return write({ ...u, type: u.type === 1 ? 2 : 1 });
    }
    return s;
  }

  /** The acknowledged config of a port (and its desc, for later port status messages). */
  #storePortConfig(port: number, config: number, mask: number): void {
    const next = ((this.#portConfig.get(port) ?? 0) & ~mask) | (config & mask);
    this.#portConfig.set(port, next);
    const desc = this.#portDescs.get(port);
    if (desc) this.#portDescs.set(port, { ...desc, config: next, state: liveState(next, desc.state) });
  }

  /** Reconciliation: every port-config entry ofp4 wrote is on the target as acknowledged. */
  async #reconcilePortConfig(): Promise<void> {
    if (!this.mapping.portConfig || this.#portConfigEntries.size === 0) return;
    const entities = await this.#rpc("Read", RECONCILIATION, () => this.client.readAll(portConfigReads(this.mapping)));
    const write = (u: p4.v1.IUpdate): Promise<UpdateStatus> => this.#batcher.submitAsync(u).then((s) => (this.#received(u, s, RECONCILIATION), s));
    const writes: Promise<UpdateStatus>[] = [];
    for (const port of this.#portConfigEntries) {
      if (this.#portConfigChain.has(port)) continue; // a port_mod in flight writes the whole config; a failure reconciles again
      const config = this.#portConfig.get(port) ?? 0;
      if (portConfigHeld(this.mapping, entities, port, config)) continue;
      for (const u of portConfigUpdates(this.mapping, port, config, 1)) writes.push(this.#upsert(u, write));
    }
    const bad = (await Promise.all(writes)).find((r) => r.code !== 0);
    if (bad) throw new Error(`port config not written back: ${codeName(bad.code)} ${bad.message}`);
  }

  /** ofp4 restart: the port-config entries on the target are the ports' config. */
  async #recoverPortConfig(): Promise<void> {
    if (!this.mapping.portConfig) return;
    const entities = await this.#rpc("Read", { request: "recovery" }, () => this.client.readAll(portConfigReads(this.mapping)));
    for (const [port, config] of portConfigFromEntries(this.mapping, entities)) {
      if (!this.#portSet.has(port)) continue;
      this.#portConfigEntries.add(port);
      this.#storePortConfig(port, config, this.mapping.portConfig.enforced);
    }
  }

  /**
   * Takes a data port down or up (ofp4ctl): tells the target's dataplane service when there is
   * one, then the core (PORT_STATUS MODIFY with OFPPS_LINK_DOWN or LIVE). Rejects when the port
   * is unknown or the target refuses.
   */
  async setPortUp(portNo: number, up: boolean): Promise<void> {
    const desc = this.#portDescs.get(portNo);
    if (!desc) throw new Error(`port ${portNo} is not a data port of this switch`);
    await this.#dataplane?.setOperStatus(portNo, up);
    const next: PortDesc = { ...desc, state: liveState(desc.config, up ? OFPPS.LIVE : OFPPS.LINK_DOWN) };
    this.#portDescs.set(portNo, next);
    this.#core?.portStatus(OFPPR.MODIFY, next);
  }

  groupMod(mod: GroupMod): OfError | undefined {
    if (mod.command === "delete") {
      if (mod.groupId === 0xfffffffc) {
        this.#ofGroups.clear();
        this.#groupViews.clear();
      } else {
        this.#ofGroups.delete(mod.groupId);
        this.#groupViews.delete(mod.groupId);
      }
      return undefined;
    }
    if (mod.groupType === "select") return ofError("GROUP_MOD_FAILED_BAD_TYPE", "SELECT groups: the P4 program has no action selector");
    if (mod.groupType === "ff") return ofError("GROUP_MOD_FAILED_BAD_TYPE", "fast-failover groups: the P4 program has no liveness watch");
    if (mod.groupType === "indirect" && mod.buckets.length !== 1) return ofError("GROUP_MOD_FAILED_BAD_BUCKET", "an INDIRECT group has exactly one bucket");
    for (const [i, b] of mod.buckets.entries()) {
      if (mod.groupType === "all" && b.actions.some((a) => a.type !== "output")) {
        return ofError("GROUP_MOD_FAILED_BAD_BUCKET", `ALL group ${mod.groupId} bucket ${i}: the program replicates to ports only (outputs, no per-bucket actions)`);
      }
      for (const a of b.actions) if (a.type === "group") return ofError("GROUP_MOD_FAILED_CHAINING_UNSUPPORTED", `group ${mod.groupId} bucket ${i} chains to group ${a.groupId}`);
    }
    if (mod.command === "modify") {
      for (const st of this.#byKey.values()) {
        const ins = st.rule.instructions;
        if ([...ins.applyActions, ...(ins.writeActions ?? [])].some((a) => a.type === "group" && a.groupId === mod.groupId)) {
          return ofError("GROUP_MOD_FAILED_EPERM", `group ${mod.groupId} is used by flows: modifying it in place is not supported; delete and re-add`);
        }
      }
    }
    this.#setGroup({ groupType: mod.groupType, groupId: mod.groupId, buckets: mod.buckets });
    return undefined;
  }

  // ── For the daemon and ofp4ctl ────────────────────────────────────────────────────────

  #latency(ms: number): void {
    this.#latencies.push(ms);
    if (this.#latencies.length > 4096) this.#latencies = this.#latencies.slice(-2048);
  }

  stats(): OffloadStats {
    const b = this.#batcher.stats;
    const sorted = [...this.#latencies].sort((x, y) => x - y);
    const pct = (q: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return {
      phase: this.#phase,
      entries: this.#count.reduce((a, n) => a + n, 0),
      pendingUpdates: b.pending + b.inFlight,
      waitingUpdates: this.#waiting.length,
      writes: b.batchesSent,
      updatesPerWrite: b.meanUpdatesPerBatch,
      writeLatencyMs: { mean: b.meanWriteLatencyMs, p50: pct(0.5), p99: pct(0.99), max: b.maxWriteLatencyMs },
      counterPollMs: this.#poller?.stats.lastDurationMs ?? 0,
      counterPolls: this.#poller?.stats.polls ?? 0,
      reconciliations: this.#reconciliations,
      readBacks: this.#readBacks,
      multicastGroups: this.#groups.size,
      recoveredEntries: this.#recovered.size,
    };
  }

  /** Every entry the target holds now, with the rule it belongs to or its status. */
  async dumpEntries(): Promise<EntryDump[]> {
    const entities = await this.#rpc("Read", { request: "dump-entries" }, () => this.client.readAll(this.mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } }))));
    const out: EntryDump[] = [];
    for (const e of entities) {
      const te = e.tableEntry;
      if (!te || te.isDefaultAction) continue;
      const key = tableEntryKey(te);
      const table = this.p4info.tables.find(te.tableId ?? 0)?.name ?? `table#${te.tableId ?? 0}`;
      const description = describeTableEntry(this.p4info, te);
      const st = this.#byKey.get(key);
      if (st) {
        const r = st.rule;
        out.push({ table, key, description, status: "rule", rule: { tableId: r.tableId, priority: r.priority, cookie: r.cookie, match: r.match } });
      } else if (this.#recovered.has(key)) {
        const r = this.#recovered.get(key)!.record;
        out.push({ table, key, description, status: "recovered", rule: { tableId: r.tableId, priority: r.priority, cookie: r.cookie, match: r.match } });
      } else out.push({ table, key, description, status: hasOfp4Tag(te.metadata) ? "orphan" : "foreign" });
    }
    return out;
  }

  /** Resolves when no update is queued, waiting or in flight (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.#batcher.idle();
  }
}

/** Can a rule with these instructions send a packet-in with reason ACTION (output:CONTROLLER, or a group)? */
function mayPacketIn(ins: Instructions): boolean {
  for (const list of [ins.applyActions, ins.writeActions ?? []]) {
    for (const a of list) if ((a.type === "output" && a.port === OFPP.CONTROLLER) || a.type === "group") return true;
  }
  return false;
}

/** max_len of the rule's output:CONTROLLER action, if it has one. */
function controllerOutput(ins: Instructions): number | undefined {
  const all: readonly Action[] = [...ins.applyActions, ...(ins.writeActions ?? [])];
  for (const a of all) if (a.type === "output" && a.port === OFPP.CONTROLLER) return a.maxLen;
  return undefined;
}

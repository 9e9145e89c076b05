// The offload provider: ofproto's Provider on a P4Runtime target (DESIGN.md §3, §4, §6), the
// small class that wires its rooms together, each keeping one concept and its contract:
//   target-session.ts  the client, pipeline push by cookie, phases, work waiting for the target,
//                      reconciliation runs, the log line of each P4Runtime error
//   entry-codec.ts     a rule → its entry's identity key and update bytes, in one pass
//   entry-writer.ts    the rules' entries and one state machine per operation in flight
//   recovery.ts        entries found on the target at construct (an ofp4 restart)
//   reconcile.ts       the target's tables made what ofp4 says they are
//   replication.ts     multicast groups for rules with several outputs
//   of-groups.ts       OpenFlow 1.3 groups the program can hold
//   ports.ts           port descs, port_mod as port-config entries, port up/down
//   packet-io.ts       packet-in to the core, packet_out to the target
//   counters.ts        counter polls, rule and port stats
//   p4-errors.ts       what a refused update means for the controller
// It is built from what the daemon loaded (P4Info, mapping, device config bytes), never from
// paths. It keeps provider.ts's contract: refusals at once with the precise OfError, every
// accepted operation completed exactly once when its own update is answered, DELETE never
// failing, unknown outcomes read back. Never touches the classifier, never speaks OpenFlow.

import { OxmField } from "../openflow/match.js";
import type { GroupFeatures, GroupMod, PortStats } from "../openflow/multipart-types.js";
import type { OfError } from "../openflow/errors.js";
import { describeTable } from "../openflow/table-features.js";
import type { Operation } from "../ofproto/operation.js";
import type { PacketOut, PortModPending, PortModRequest, Provider, ProviderCore, RuleStats, SwitchDescription, TableDescription } from "../ofproto/provider.js";
import type { Rule } from "../ofproto/rule.js";
import { Code, updateKindName, type P4InfoIndex, type UpdateType, type p4 } from "../p4runtime/index.js";
import { CounterPoller, ruleStats } from "./counters.js";
import { dumpEntries, type EntryDump } from "./dump.js";
import { EntryCodec } from "./entry-codec.js";
import { EntryWriter } from "./entry-writer.js";
import { isDataPortNumber, type OffloadMapping } from "./mapping.js";
import { OfGroups } from "./of-groups.js";
import { BMV2_QUIRKS, type TargetQuirks } from "./p4-errors.js";
import { PacketIo } from "./packet-io.js";
import { Ports, type PortControl, type PortSpec } from "./ports.js";
import { reconcile as runReconcile, type ReconcileReport } from "./reconcile.js";
import { Recovery } from "./recovery.js";
import { Replication } from "./replication.js";
import { TargetSession, type OffloadLog, type TargetPhase } from "./target-session.js";
import { SILENT } from "../util/log.js";

export type { EntryDump } from "./dump.js";
export type { OffloadLog, TargetPhase } from "./target-session.js";
export type { PortControl } from "./ports.js";

export interface OffloadOptions {
  p4runtimeAddress: string;
  deviceId: bigint;
  electionId: bigint;
  role?: string;
  /** PEM bytes. */
  tls?: { ca?: Uint8Array; cert?: Uint8Array; key?: Uint8Array };
  p4info: P4InfoIndex;
  mapping: OffloadMapping;
  /** What SetForwardingPipelineConfig pushes (the bmv2 JSON, or a packed Tofino config). */
  deviceConfig: Uint8Array;
  ports: readonly PortSpec[];
  datapathId?: bigint;
  counterPollIntervalMs?: number;
  writeMaxUpdates?: number;
  writeMaxBytes?: number;
  writeMaxInFlight?: number;
  /** Updates queued in the batcher past which new writes wait un-encoded (default 8 Writes' worth). */
  writeMaxQueued?: number;
  /** "sim" | "bmv2" | "tofino", for logs and the desc reply. */
  targetName?: string;
  /** Port down/up on the target (its dataplane service), when it has one. */
  portControl?: PortControl;
  log?: OffloadLog;
  /** Default action of every table with no table-miss flow entry (default "controller"). */
  tableMiss?: "controller" | "drop";
  /** How long operations wait for a target that is away before failing (default 30,000 ms). */
  targetWaitMs?: number;
  /** Deadline of each Write, ms (default 10,000). */
  writeTimeoutMs?: number;
  /** How the target departs from the P4Runtime specification (default: as bmv2 does). */
  quirks?: TargetQuirks;
}

export const DEFAULT_P4INFO_PATH = "p4/ofp4.p4info.txtpb";
export const DEFAULT_DEVICE_CONFIG_PATH = "p4/ofp4.json";
export const DEFAULT_MAPPING_PATH = "p4/ofp4.mapping.json";

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

const ALL_ONES = 0xffffffffffffffffn;

export class OffloadProvider implements Provider {
  readonly name: string;
  readonly mapping: OffloadMapping;
  readonly p4info: P4InfoIndex;
  readonly session: TargetSession;
  readonly #o: OffloadOptions;
  readonly #log: OffloadLog;
  readonly #ports: Ports;
  readonly #groups: OfGroups;
  readonly #replication: Replication;
  readonly #recovery: Recovery;
  readonly #codec: EntryCodec;
  readonly #writer: EntryWriter;
  readonly #packets: PacketIo;
  #poller: CounterPoller | undefined;
  #readBacks = 0;
  lastReconcile: ReconcileReport | undefined;

  constructor(options: OffloadOptions) {
    this.#o = options;
    this.#log = options.log ?? SILENT;
    this.name = options.targetName ?? "p4runtime";
    this.p4info = options.p4info;
    this.mapping = options.mapping;
    for (const p of options.ports) {
      if (!isDataPortNumber(this.mapping, p.number)) throw new Error(`port ${p.number} (${p.name}) cannot be a data port of this P4 program`);
      if (p.targetPort !== p.number) throw new Error(`port ${p.name}: OpenFlow port ${p.number} must be target port ${p.number} (ofp4.p4 has no port translation)`);
    }
    this.session = new TargetSession({
      address: options.p4runtimeAddress,
      deviceId: options.deviceId,
      electionId: options.electionId,
      role: options.role,
      tls: options.tls,
      p4info: options.p4info,
      deviceConfig: options.deviceConfig,
      mapping: options.mapping,
      log: this.#log,
      tableMiss: options.tableMiss ?? "controller",
      targetWaitMs: options.targetWaitMs ?? 30_000,
      writeTimeoutMs: options.writeTimeoutMs,
      writeMaxUpdates: options.writeMaxUpdates,
      writeMaxBytes: options.writeMaxBytes,
      writeMaxInFlight: options.writeMaxInFlight,
      writeMaxQueued: options.writeMaxQueued,
    });
    this.#ports = new Ports(this.mapping, this.session, options.ports, options.portControl);
    this.#replication = new Replication(this.session);
    this.#recovery = new Recovery(this.mapping);
    this.#groups = new OfGroups(
      (id) => this.#writer.usesGroup(id),
      () => this.#codec.groupsChanged(),
    );
    const ports = this.#ports;
    this.#codec = new EntryCodec(
      this.mapping,
      { isPort: (n) => ports.isPort(n), ports: ports.numbers, group: (id) => this.#groups.view(id) },
      (id) => this.#groups.get(id),
    );
    this.#writer = new EntryWriter({
      mapping: this.mapping,
      session: this.session,
      codec: this.#codec,
      replication: this.#replication,
      recovery: this.#recovery,
      quirks: options.quirks ?? BMV2_QUIRKS,
      readBack: () => this.#readBacks++,
    });
    this.#packets = new PacketIo(this.mapping, this.session, ports, options.p4runtimeAddress);
  }

  /** The P4Runtime client (for ofp4ctl show: primary or backup). */
  get client(): TargetSession["client"] {
    return this.session.client;
  }

  // ── 1. The switch ─────────────────────────────────────────────────────────────────────

  async construct(core: ProviderCore): Promise<SwitchDescription> {
    const session = this.session;
    await session.open(core, { repair: () => this.#repair(), room: () => this.#writer.room() });
    try {
      await this.#recovery.read(session, this.#replication.groups);
      for (const g of this.#recovery.groups()) this.#groups.seed(g);
      await this.#ports.recover();
    } catch (e) {
      session.client.close();
      throw e;
    }
    this.#ports.attach(core);
    this.#packets.attach(core);
    session.start();
    this.#poller = new CounterPoller(
      session.client,
      this.mapping,
      (key, packets, bytes, now) => this.#writer.byKey.get(key)?.counted(packets, bytes, now),
      () => core.now(),
      this.#o.counterPollIntervalMs ?? 1000,
    );
    this.#poller.start();
    if (this.#recovery.size > 0) this.#log.info({ entries: this.#recovery.size, groups: [...this.#recovery.groups()].length }, "found ofp4 entries on the target");
    return {
      datapathId: this.#o.datapathId ?? 0x0f94_0000_0000_0001n,
      tables: this.#tables(),
      ports: this.#ports.descs(),
      actions10: 0xfff & ~(1 << 11),
      hwDesc: `${this.name} P4Runtime target ${this.#o.p4runtimeAddress} (device ${this.#o.deviceId})`,
      serialNum: session.cookie.toString(16),
      groupFeatures: this.#groupFeatures(),
      recovered: this.#recovery.description(),
    };
  }

  #tables(): TableDescription[] {
    const n = this.mapping.tables.length;
    const fields = [...this.mapping.matchFields.keys()];
    return this.mapping.tables.map((t) => ({
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
  }

  #groupFeatures(): GroupFeatures {
    const max = this.#replication.groups.maxId;
    return {
      types: (1 << 0) | (1 << 2),
      capabilities: 0,
      maxGroups: [max, 0, max, 0],
      actions: [1, 0, 1 | (1 << 17) | (1 << 18) | (1 << 23) | (1 << 25), 0],
    };
  }

  recoveryDone(): void {
    this.#recovery.forget((g) => void this.#replication.groups.release(g.id));
  }

  async destruct(): Promise<void> {
    this.#poller?.stop();
    await this.session.close();
    this.#ports.close();
  }

  get phase(): TargetPhase {
    return this.session.phase;
  }

  /** Reads the target back and writes what differs (ofp4ctl reconcile; tests). */
  reconcile(): Promise<void> {
    return this.session.reconcile();
  }

  async #repair(): Promise<void> {
    const session = this.session;
    const writer = this.#writer;
    const codec = this.#codec;
    const origin = { request: "reconciliation" };
    this.lastReconcile = await runReconcile({
      mapping: this.mapping,
      read: (entities) => session.rpc("Read", origin, () => session.client.readAll(entities)),
      write: (u: p4.v1.IUpdate) =>
        session.batcher.submitAsync(u).then((s) => {
          session.logUpdate(s, updateKindName(u.type), u.entity?.tableEntry ? "table_entry" : "multicast_group", origin);
          return s;
        }),
      desired: function* () {
        for (const e of writer.settled()) {
          yield {
            key: e.key,
            metadata: () => (codec.compilePlan(e.rule) === undefined ? codec.metadataOf(e.rule, codec.plan!.usesGroups) : new Uint8Array()),
            action: () => codec.actionOf(e.rule, e.group?.id ?? 0),
            write: (type: UpdateType) =>
              new Promise((resolve) => {
                const refused = writer.rewrite(e, type, (s) => {
                  session.logUpdate(s, updateKindName(type), "table_entry", origin);
                  resolve(s);
                });
                if (refused !== undefined) resolve({ code: Code.INVALID_ARGUMENT, message: refused.message, space: "", targetCode: 0, outcomeUnknown: false });
              }),
          };
        }
      },
      untouchable: (key) => this.#recovery.has(key) || writer.byKey.get(key)?.busy === true,
      groups: () => this.#replication.groups.all(),
    });
    await this.#ports.reconcile();
    if (this.lastReconcile.foreign.length > 0) this.#log.warn({ entries: this.lastReconcile.foreign.length }, "entries on the target that are not ofp4's (left alone)");
  }

  // ── 2-3. Rules and operations (entry-writer.ts) ──────────────────────────────────────

  ruleConstruct(op: Operation): OfError | undefined {
    return this.#writer.add(op);
  }

  ruleModifyActions(op: Operation): OfError | undefined {
    return this.#writer.modify(op);
  }

  ruleDestruct(op: Operation): OfError | undefined {
    return this.#writer.destruct(op);
  }

  flush(): void {
    // Each DELETE of the flush still completes on its own; the batcher packs them together.
  }

  // ── 4. Statistics (counters.ts) ────────────────────────────────────────────────────────

  ruleStats(rule: Rule): RuleStats {
    return ruleStats(rule);
  }

  countersAgeMs(): number {
    return this.#poller?.ageMs ?? Infinity;
  }

  refreshCounters(): Promise<void> {
    return this.#poller?.fresh() ?? Promise.resolve();
  }

  /** The same as refreshCounters (ofp4ctl dump-flows, tests). */
  pollCounters(): Promise<void> {
    return this.refreshCounters();
  }

  portStats(portNo: number): readonly PortStats[] {
    return this.#ports.stats(portNo, this.#poller?.ports ?? new Map());
  }

  // ── 5-7. Packets, ports, groups ───────────────────────────────────────────────────────

  packetOut(packet: PacketOut): OfError | undefined {
    return this.#packets.packetOut(packet);
  }

  portMod(request: PortModRequest): OfError | undefined | PortModPending {
    return this.#ports.portMod(request);
  }

  setPortUp(portNo: number, up: boolean): Promise<void> {
    return this.#ports.setUp(portNo, up);
  }

  groupMod(mod: GroupMod): OfError | undefined {
    return this.#groups.groupMod(mod);
  }

  // ── For the daemon and ofp4ctl ────────────────────────────────────────────────────────

  stats(): OffloadStats {
    const b = this.session.batcher.stats;
    let entries = 0;
    for (const n of this.#writer.counts) entries += n;
    for (const n of this.#recovery.counts) entries += n;
    return {
      phase: this.session.phase,
      entries,
      pendingUpdates: b.pending + b.inFlight,
      waitingUpdates: this.session.waitingCount,
      writes: b.batchesSent,
      updatesPerWrite: b.meanUpdatesPerBatch,
      writeLatencyMs: this.session.latencyMs(),
      counterPollMs: this.#poller?.stats.lastDurationMs ?? 0,
      counterPolls: this.#poller?.stats.polls ?? 0,
      reconciliations: this.session.reconciliations,
      readBacks: this.#readBacks,
      multicastGroups: this.#replication.groups.size,
      recoveredEntries: this.#recovery.size,
    };
  }

  /** Every entry the target holds now, with the rule it belongs to or its status. */
  dumpEntries(): Promise<EntryDump[]> {
    return dumpEntries(this.session, this.p4info, this.mapping, this.#writer.byKey, this.#recovery);
  }

  /** Resolves when no update is queued, waiting or in flight (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.session.batcher.idle();
  }
}

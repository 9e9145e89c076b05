// The sim's device: one P4Runtime device's forwarding state — pipeline config, tables,
// indirect counters, the replication engine, idle timers — and the P4Runtime semantics of
// writing and reading it, with PI/bmv2's checks and codes (../shared/p4runtime-facts.md §2).
// Each update is validated completely before anything changes, so an update is applied whole
// or not at all. Implements ForwardingState for the pipeline model. Never does I/O or gRPC.
import { p4 } from "../../src/generated/proto.js";
import type { ForwardingState, TableHit } from "./forwarding.js";
import { ReplicationEngine } from "./pre.js";
import { actionMessage, counterData, ReadEntities, tableEntryMessage, type ReadSink } from "./read-encode.js";
import { buildSchema, CounterUnit, type ActionCall, type Schema, type TableInfo } from "./schema.js";
import { bad, Code, good, OK, status, type Checked, type P4Status } from "./status.js";
import { Table, type EntryAction, type TableEntryState } from "./table.js";
import { checkAction, checkMatch, unpackParams, type PackedAction } from "./table-entry-check.js";

export enum UpdateType {
  UNSPECIFIED = 0,
  INSERT = 1,
  MODIFY = 2,
  DELETE = 3,
}

export enum PipelineAction {
  UNSPECIFIED = 0,
  VERIFY = 1,
  VERIFY_AND_SAVE = 2,
  VERIFY_AND_COMMIT = 3,
  COMMIT = 4,
  RECONCILE_AND_COMMIT = 5,
}

/** A pipeline config as set: the P4Info exactly as its bytes arrived, and its schema. */
export interface PipelineConfig {
  readonly p4infoBytes: Uint8Array;
  readonly deviceConfig: Uint8Array;
  readonly cookie: bigint | undefined;
  readonly schema: Schema;
}

interface CounterCells {
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
}

const NS_PER_MS = 1_000_000n;
/** A still-idle entry is notified again after this long (PI's idle buffer). */
const RENOTIFY_MS = 2000;

export class Device implements ForwardingState {
  config: PipelineConfig | undefined;
  /**
   * A P4Info was accepted while no pipeline runs (a VERIFY, or a device config that failed to
   * load): bmv2 then answers Get with OK and an empty config.
   */
  verifiedOnly = false;
  /** A VERIFY_AND_SAVE (or a failed reconcile) awaits its COMMIT. */
  private saved = false;
  /**
   * bmv2 after a failed RECONCILE_AND_COMMIT: every later VERIFY_AND_COMMIT, VERIFY_AND_SAVE and
   * RECONCILE_AND_COMMIT fails in its first phase until the switch restarts.
   */
  private wedged = false;
  private tables = new Map<number, Table>();
  private tablesByName = new Map<string, Table>();
  private counters = new Map<number, CounterCells>();
  private countersByName = new Map<string, CounterCells>();
  readonly pre = new ReplicationEngine();
  /** Entries with an idle timeout, and their table. */
  private readonly idle = new Map<TableEntryState, Table>();
  /** The controller's metadata bytes on each table's default entry (bmv2 keeps and reads them back). */
  private readonly defaultMetadata = new WeakMap<Table, Uint8Array>();
  /** Entry actions shared by action id and packed params, reference-counted. */
  private actionPool = new Map<number, Map<string, EntryAction>>();

  constructor(
    readonly deviceId: bigint,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Loses everything: the pipeline and all forwarding state (the "restart" knob). */
  reset(): void {
    this.config = undefined;
    this.verifiedOnly = false;
    this.saved = false;
    this.wedged = false;
    this.install(undefined);
  }

  get entryCount(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  // ---- pipeline config (§2.9, as bmv2 1.15.5 answers: test/conformance) --------------------

  /**
   * SetForwardingPipelineConfig after the RPC-level checks; `p4infoBytes` is the raw P4Info.
   * As bmv2: VERIFY checks the P4Info only; VERIFY_AND_SAVE loads the new config at once (Get,
   * Read and Write see it, the forwarding state starts empty) and COMMIT keeps what was written
   * since; VERIFY_AND_COMMIT loads and clears; an action value past RECONCILE_AND_COMMIT is OK
   * and does nothing.
   */
  setPipeline(action: number, config: p4.v1.IForwardingPipelineConfig | null | undefined, p4infoBytes: Uint8Array): P4Status {
    if (action === PipelineAction.UNSPECIFIED) return status(Code.INVALID_ARGUMENT, "Invalid SetForwardingPipelineConfig action UNSPECIFIED");
    if (action > PipelineAction.RECONCILE_AND_COMMIT) return OK;
    if (action === PipelineAction.COMMIT) {
      if (!this.saved) return status(Code.UNKNOWN, "COMMIT without a saved config");
      this.saved = false;
      return OK;
    }
    const schema = buildSchema(config?.p4info ?? {});
    if (typeof schema === "string") return status(Code.UNKNOWN, `Invalid P4Info: ${schema}`);
    if (action === PipelineAction.VERIFY) {
      if (!this.config) this.verifiedOnly = true;
      return OK;
    }
    if (this.wedged) return status(Code.UNKNOWN, "Error in first phase of device update");
    const deviceConfig = config?.p4DeviceConfig ?? new Uint8Array();
    if (!loadsAsBmv2Json(deviceConfig)) {
      if (!this.config) this.verifiedOnly = true;
      return status(Code.UNKNOWN, "Error in first phase of device update: device config is not a bmv2 JSON");
    }
    const cookie = config?.cookie ? config.cookie.cookie ?? 0n : undefined;
    const next: PipelineConfig = { p4infoBytes, deviceConfig, cookie, schema };
    if (action === PipelineAction.RECONCILE_AND_COMMIT && this.config) return this.reconcile(next);
    this.config = next;
    this.verifiedOnly = false;
    this.saved = action === PipelineAction.VERIFY_AND_SAVE;
    this.install(next);
    return OK;
  }

  /** RECONCILE_AND_COMMIT: keep the forwarding state, re-inserted under the new P4Info. */
  private reconcile(next: PipelineConfig): P4Status {
    if (this.config!.schema.counters.size > 0) {
      // bmv2 re-INSERTs every indirect counter cell, which PI refuses ("INSERT update type not
      // supported for counters"): the reconcile fails after the cookie was taken and the
      // replication engine emptied; entries stay; pipeline changes fail until a restart.
      this.config = { ...this.config!, cookie: next.cookie };
      this.pre.clear();
      for (const cells of this.counters.values()) {
        cells.packets.fill(0);
        cells.bytes.fill(0);
      }
      this.wedged = true;
      this.saved = true;
      return status(Code.UNKNOWN, "Error when reconciling config");
    }
    const entries: p4.v1.ITableEntry[] = [];
    const defaults: p4.v1.ITableEntry[] = [];
    for (const t of this.tables.values()) {
      for (const e of t.entries()) entries.push({ ...this.entryMessage(t, e, true, false), idleTimeoutNs: e.idleTimeoutNs });
      if (t.defaultAction !== t.info.initialDefault && t.defaultAction) {
        const metadata = this.defaultMetadata.get(t);
        defaults.push({ tableId: t.info.id, isDefaultAction: true, action: { action: actionMessage(this.config!.schema, t.defaultAction) }, ...(metadata ? { metadata } : {}) });
      }
    }
    const oldCounters = this.counters;
    const previous = { config: this.config, tables: this.tables, byName: this.tablesByName, counters: this.counters, cbn: this.countersByName, pool: this.actionPool };
    const idle = new Map(this.idle);
    this.config = next;
    this.install(next, true);
    for (const te of entries) {
      const d = this.writeTableEntry(UpdateType.INSERT, te);
      if (d.code !== Code.OK) {
        this.config = previous.config;
        this.tables = previous.tables;
        this.tablesByName = previous.byName;
        this.counters = previous.counters;
        this.countersByName = previous.cbn;
        this.actionPool = previous.pool;
        this.idle.clear();
        for (const [k, v] of idle) this.idle.set(k, v);
        return status(Code.UNKNOWN, `Reconcile failed: ${d.message}`);
      }
    }
    for (const te of defaults) this.writeTableEntry(UpdateType.MODIFY, te);
    for (const [id, cells] of oldCounters) {
      const now = this.counters.get(id);
      if (now) {
        now.packets.set(cells.packets.subarray(0, now.packets.length));
        now.bytes.set(cells.bytes.subarray(0, now.bytes.length));
      }
    }
    return OK;
  }

  private install(config: PipelineConfig | undefined, keepPre = false): void {
    this.tables = new Map();
    this.tablesByName = new Map();
    this.counters = new Map();
    this.countersByName = new Map();
    this.idle.clear();
    if (!keepPre) this.pre.clear();
    this.actionPool = new Map();
    if (!config) return;
    for (const info of config.schema.tables.values()) {
      const t = new Table(info);
      this.tables.set(info.id, t);
      this.tablesByName.set(info.name, t);
    }
    for (const c of config.schema.counters.values()) {
      const cells = { packets: new Float64Array(c.size), bytes: new Float64Array(c.size) };
      this.counters.set(c.id, cells);
      this.countersByName.set(c.name, cells);
    }
  }

  // ---- Write (§2.2, §2.4, §2.5 counter writes, §2.6) ----------------------------------------

  /** Applies one update whole, or returns why not (and changes nothing). */
  write(update: p4.v1.IUpdate): P4Status {
    const schema = this.config?.schema;
    if (!schema) return status(Code.FAILED_PRECONDITION, "No forwarding pipeline config set");
    const type = update.type ?? 0;
    const e = update.entity;
    if (!e) return status(Code.UNKNOWN, "Empty entity");
    if (e.tableEntry) return this.writeTableEntry(type, e.tableEntry);
    if (e.counterEntry) return this.writeCounter(type, e.counterEntry);
    if (e.directCounterEntry) return this.writeDirectCounter(type, e.directCounterEntry);
    if (e.packetReplicationEngineEntry) {
      if (!isType(type)) return status(Code.INVALID_ARGUMENT, `Invalid update type ${type}`);
      return this.pre.write(type, e.packetReplicationEngineEntry);
    }
    if (e.externEntry || e.valueSetEntry || e.registerEntry) return status(Code.UNIMPLEMENTED, `${e.entity ?? "entity"} writes are not supported`);
    if (e.actionProfileMember || e.actionProfileGroup || e.meterEntry || e.directMeterEntry || e.digestEntry) {
      return this.unsupportedEntity(schema, e);
    }
    return status(Code.UNKNOWN, "Empty entity");
  }

  private unsupportedEntity(schema: Schema, e: p4.v1.IEntity): P4Status {
    const id =
      e.actionProfileMember?.actionProfileId ??
      e.actionProfileGroup?.actionProfileId ??
      e.meterEntry?.meterId ??
      e.digestEntry?.digestId ??
      e.directMeterEntry?.tableEntry?.tableId ??
      0;
    const known = schema.otherIds.has(id) || (e.directMeterEntry !== undefined && e.directMeterEntry !== null && schema.tables.get(id)?.directMeterId);
    // bmv2: an unknown digest id is NOT_FOUND, every other unknown id INVALID_ARGUMENT.
    if (!known && e.digestEntry) return status(Code.NOT_FOUND, `No digest with id ${id}`);
    if (!known) return status(Code.INVALID_ARGUMENT, `Invalid P4 id ${id} for ${e.entity ?? "entity"}`);
    return status(Code.UNIMPLEMENTED, `${e.entity ?? "entity"} is not supported by the sim`);
  }

  private writeTableEntry(type: number, te: p4.v1.ITableEntry): P4Status {
    const schema = this.config!.schema;
    const table = this.tables.get(te.tableId ?? 0);
    if (!table) return status(Code.INVALID_ARGUMENT, `Invalid P4 id ${te.tableId ?? 0}: no such table`);
    const info = table.info;
    if (!isType(type)) return status(Code.INVALID_ARGUMENT, `Invalid update type ${type}`);
    if (te.timeSinceLastHit) return status(Code.INVALID_ARGUMENT, "time_since_last_hit cannot be written");
    if (te.isDefaultAction) return this.writeDefault(schema, table, type, te);
    if (info.isConst) return status(Code.PERMISSION_DENIED, `Table '${info.name}' is const`);
    const match = checkMatch(info, te);
    if (!match.ok) return match.status;
    if (type === UpdateType.DELETE) {
      const existing = table.find(match.value);
      if (!existing) return status(Code.NOT_FOUND, `No such entry in table '${info.name}'`);
      table.delete(existing);
      this.release(existing.action);
      this.idle.delete(existing);
      return OK;
    }
    if (!te.action) return status(Code.INVALID_ARGUMENT, `${type === UpdateType.INSERT ? "INSERT" : "MODIFY"} of an entry of table '${info.name}' without an action`);
    const action = checkAction(schema, info, te.action, false);
    if (!action.ok) return action.status;
    if (te.counterData && info.directCounterId === 0) return status(Code.INVALID_ARGUMENT, `Table '${info.name}' has no direct counter`);
    if (te.meterConfig && info.directMeterId === 0) return status(Code.INVALID_ARGUMENT, `Table '${info.name}' has no direct meter`);
    const ttl = te.idleTimeoutNs ?? 0n;
    if (ttl < 0n) return status(Code.INVALID_ARGUMENT, "Negative idle_timeout_ns");
    if (ttl > 0n && !info.notifyIdle) return status(Code.INVALID_ARGUMENT, `Table '${info.name}' does not support idle timeouts`);
    // A copy: decoded bytes are views into the whole request buffer.
    const metadata = te.metadata && te.metadata.length > 0 ? Uint8Array.prototype.slice.call(te.metadata) : undefined;
    const existing = table.find(match.value);
    const now = this.now();
    if (type === UpdateType.INSERT) {
      if (existing) return status(Code.ALREADY_EXISTS, `Match entry exists in table '${info.name}'`);
      // bmv2 answers a full table with UNKNOWN; the P4Runtime specification asks for
      // RESOURCE_EXHAUSTED. The sim answers as bmv2 does.
      if (table.full) return status(Code.UNKNOWN, "Error when adding match entry to target");
      const entry = table.insert(match.value, {
        action: this.acquire(action.value),
        controllerMetadata: te.controllerMetadata ?? 0n,
        metadata,
        idleTimeoutNs: ttl,
        packets: Number(te.counterData?.packetCount ?? 0n),
        bytes: Number(te.counterData?.byteCount ?? 0n),
        lastHitMs: now,
        notifiedMs: 0,
      });
      if (ttl > 0n) this.idle.set(entry, table);
      return OK;
    }
    if (!existing) return status(Code.NOT_FOUND, `No such entry in table '${info.name}'`);
    const previous = existing.action;
    existing.action = this.acquire(action.value);
    this.release(previous);
    existing.controllerMetadata = te.controllerMetadata ?? 0n;
    existing.metadata = metadata;
    existing.idleTimeoutNs = ttl;
    existing.lastHitMs = now;
    existing.notifiedMs = 0;
    if (te.counterData) {
      existing.packets = Number(te.counterData.packetCount ?? 0n);
      existing.bytes = Number(te.counterData.byteCount ?? 0n);
    }
    if (ttl > 0n) this.idle.set(existing, table);
    else this.idle.delete(existing);
    return OK;
  }

  private writeDefault(schema: Schema, table: Table, type: number, te: p4.v1.ITableEntry): P4Status {
    const info = table.info;
    if (type !== UpdateType.MODIFY) return status(Code.INVALID_ARGUMENT, `The default entry of table '${info.name}' can only be modified`);
    if ((te.match ?? []).length > 0) return status(Code.INVALID_ARGUMENT, "A default entry has no match");
    if ((te.priority ?? 0) !== 0) return status(Code.INVALID_ARGUMENT, "A default entry has no priority");
    if (info.implementationId !== 0) return status(Code.INVALID_ARGUMENT, `Table '${info.name}' is indirect: its default entry cannot be set`);
    if (info.constDefaultActionId !== 0) return status(Code.PERMISSION_DENIED, `Table '${info.name}' has a const default action`);
    if (te.counterData || te.meterConfig) return status(Code.UNIMPLEMENTED, "Direct resources on a default entry are not supported");
    if (!te.action) {
      table.defaultAction = info.initialDefault;
      this.defaultMetadata.delete(table);
      return OK;
    }
    const action = checkAction(schema, info, te.action, true);
    if (!action.ok) return action.status;
    table.defaultAction = { actionId: action.value.actionId, params: unpackParams(schema, action.value.actionId, action.value.packed) };
    if (te.metadata && te.metadata.length > 0) this.defaultMetadata.set(table, Uint8Array.from(te.metadata));
    else this.defaultMetadata.delete(table);
    return OK;
  }

  /** The shared action object for a packed action (one per distinct action and params). */
  private acquire(a: PackedAction): EntryAction {
    let byParams = this.actionPool.get(a.actionId);
    if (!byParams) {
      byParams = new Map();
      this.actionPool.set(a.actionId, byParams);
    }
    let shared = byParams.get(a.packed);
    if (!shared) {
      shared = { actionId: a.actionId, packed: a.packed, params: unpackParams(this.config!.schema, a.actionId, a.packed), refs: 0 };
      byParams.set(a.packed, shared);
    }
    shared.refs++;
    return shared;
  }

  private release(a: EntryAction): void {
    if (--a.refs === 0) this.actionPool.get(a.actionId)?.delete(a.packed);
  }

  private counterFor(id: number): Checked<{ cells: CounterCells; unit: CounterUnit; size: number; name: string }> {
    const schema = this.config!.schema;
    const info = schema.counters.get(id);
    if (!info) {
      if (schema.directCounters.has(id)) return bad(Code.INVALID_ARGUMENT, `Counter id ${id} is a direct counter: use DirectCounterEntry`);
      return bad(Code.INVALID_ARGUMENT, `Invalid P4 id ${id}: no such counter`);
    }
    return good({ cells: this.counters.get(id)!, unit: info.unit, size: info.size, name: info.name });
  }

  private writeCounter(type: number, ce: p4.v1.ICounterEntry): P4Status {
    const c = this.counterFor(ce.counterId ?? 0);
    if (!c.ok) return c.status;
    if (!isType(type)) return status(Code.INVALID_ARGUMENT, `Invalid update type ${type}`);
    if (type === UpdateType.INSERT) return status(Code.INVALID_ARGUMENT, "Counter entries cannot be inserted, only modified");
    if (!ce.index) return status(Code.UNIMPLEMENTED, "Writing every cell of a counter at once is not supported");
    const index = Number(ce.index.index ?? 0n);
    if (index < 0) return status(Code.INVALID_ARGUMENT, `Negative counter index ${index}`);
    // bmv2 refuses a cell past the counter's size in the target: UNKNOWN, as for a full table.
    if (index >= c.value.size) return status(Code.UNKNOWN, `Error when writing counter '${c.value.name}' in target: index ${index} out of range`);
    // PI quirk: DELETE zeroes the cell.
    c.value.cells.packets[index] = type === UpdateType.DELETE ? 0 : Number(ce.data?.packetCount ?? 0n);
    c.value.cells.bytes[index] = type === UpdateType.DELETE ? 0 : Number(ce.data?.byteCount ?? 0n);
    return OK;
  }

  private writeDirectCounter(type: number, dce: p4.v1.IDirectCounterEntry): P4Status {
    const found = this.directCounterTarget(dce);
    if (!found.ok) return found.status;
    if (!isType(type)) return status(Code.INVALID_ARGUMENT, `Invalid update type ${type}`);
    if (type !== UpdateType.MODIFY) return status(Code.INVALID_ARGUMENT, "Direct counter entries can only be modified");
    const { table, entries } = found.value;
    const named = entries === "all" ? [...table.entries()] : entries;
    if (named.length !== 1) return status(Code.INVALID_ARGUMENT, "A direct counter write needs the match of one entry");
    const e = named[0]!;
    e.packets = Number(dce.data?.packetCount ?? 0n);
    e.bytes = Number(dce.data?.byteCount ?? 0n);
    return OK;
  }

  /** The entries a DirectCounterEntry names: one, or (no key) every entry of the table. */
  private directCounterTarget(dce: p4.v1.IDirectCounterEntry): Checked<{ table: Table; entries: readonly TableEntryState[] | "all" }> {
    const te = dce.tableEntry;
    if (!te) return bad(Code.INVALID_ARGUMENT, "DirectCounterEntry without a table_entry");
    if ((te.tableId ?? 0) === 0) return bad(Code.UNIMPLEMENTED, "DirectCounterEntry over all tables is not supported");
    const table = this.tables.get(te.tableId ?? 0);
    if (!table) return bad(Code.INVALID_ARGUMENT, `Invalid P4 id ${te.tableId ?? 0}: no such table`);
    if (table.info.directCounterId === 0) return bad(Code.INVALID_ARGUMENT, `Table '${table.info.name}' has no direct counter`);
    if ((te.match ?? []).length === 0 && !te.isDefaultAction && (te.priority ?? 0) === 0) return good({ table, entries: "all" });
    const match = checkMatch(table.info, te);
    if (!match.ok) return bad(match.status.code, match.status.message);
    const e = table.find(match.value);
    if (!e) return bad(Code.INVALID_ARGUMENT, "Cannot map table entry to handle");
    return good({ table, entries: [e] });
  }

  // ---- Read (§2.5) ----------------------------------------------------------------------------

  /**
   * Hands what `entity` selects to `sink` (an array: appends the messages), in order; the first
   * failure stops the read.
   */
  read(entity: p4.v1.IEntity, sink: ReadSink | p4.v1.IEntity[]): P4Status {
    const schema = this.config?.schema;
    if (!schema) return status(Code.FAILED_PRECONDITION, "No forwarding pipeline config set");
    const out = Array.isArray(sink) ? new ReadEntities(schema, sink) : sink;
    if (entity.tableEntry) return this.readTableEntries(entity.tableEntry, out);
    if (entity.counterEntry) return this.readCounters(schema, entity.counterEntry, out);
    if (entity.directCounterEntry) {
      const found = this.directCounterTarget(entity.directCounterEntry);
      if (!found.ok) return found.status;
      const unit = schema.directCounters.get(found.value.table.info.directCounterId)!.unit;
      const { table, entries } = found.value;
      for (const e of entries === "all" ? table.entries() : entries) out.directCounter(table, e, unit);
      return OK;
    }
    if (entity.packetReplicationEngineEntry) {
      const pre: p4.v1.IEntity[] = [];
      const s = this.pre.read(entity.packetReplicationEngineEntry, pre);
      for (const m of pre) out.entity(m);
      return s;
    }
    if (entity.externEntry || entity.valueSetEntry || entity.registerEntry) return status(Code.UNIMPLEMENTED, `${entity.entity ?? "entity"} reads are not supported`);
    if (entity.actionProfileMember || entity.actionProfileGroup || entity.meterEntry || entity.directMeterEntry || entity.digestEntry) {
      return this.unsupportedEntity(schema, entity);
    }
    return status(Code.UNKNOWN, "Empty entity");
  }

  private readTableEntries(req: p4.v1.ITableEntry, out: ReadSink): P4Status {
    const id = req.tableId ?? 0;
    let tables: Table[];
    if (id === 0) tables = [...this.tables.values()];
    else {
      const t = this.tables.get(id);
      if (!t) return status(Code.INVALID_ARGUMENT, `Invalid P4 id ${id}: no such table`);
      tables = [t];
    }
    const withCounters = req.counterData !== null && req.counterData !== undefined;
    const withHit = req.timeSinceLastHit !== null && req.timeSinceLastHit !== undefined;
    if (withHit) {
      const lacking = tables.find((t) => !t.info.notifyIdle);
      if (lacking) return status(Code.INVALID_ARGUMENT, `Table '${lacking.info.name}' does not support idle timeouts`);
    }
    if (req.isDefaultAction) {
      for (const t of tables) out.defaultEntry(t, t.defaultAction, this.defaultMetadata.get(t));
      return OK;
    }
    const hasKey = (req.match ?? []).length > 0;
    if (hasKey && id !== 0) {
      const t = tables[0]!;
      const match = checkMatch(t.info, req);
      if (!match.ok) return match.status;
      const e = t.find(match.value);
      if (e) out.tableEntry(t, e, this.counterUnit(t, withCounters), withHit ? this.sinceLastHitNs(e) : undefined);
      return OK;
    }
    for (const t of tables) {
      const unit = this.counterUnit(t, withCounters);
      if (withHit) for (const e of t.entries()) out.tableEntry(t, e, unit, this.sinceLastHitNs(e));
      else for (const e of t.entries()) out.tableEntry(t, e, unit, undefined);
    }
    return OK;
  }

  private readCounters(schema: Schema, req: p4.v1.ICounterEntry, out: ReadSink): P4Status {
    const id = req.counterId ?? 0;
    const ids = id === 0 ? [...schema.counters.keys()] : [id];
    for (const cid of ids) {
      const c = this.counterFor(cid);
      if (!c.ok) return c.status;
      const { cells, unit, size } = c.value;
      if (req.index) {
        const index = Number(req.index.index ?? 0n);
        if (index < 0) return status(Code.INVALID_ARGUMENT, `Negative counter index ${index}`);
        if (index >= size) return status(Code.UNKNOWN, `Error when reading counter '${c.value.name}' from target: index ${index} out of range`);
        out.entity({ counterEntry: { counterId: cid, index: { index: BigInt(index) }, data: counterData(unit, cells.packets[index]!, cells.bytes[index]!) } });
        continue;
      }
      for (let i = 0; i < size; i++) {
        out.entity({ counterEntry: { counterId: cid, index: { index: BigInt(i) }, data: counterData(unit, cells.packets[i]!, cells.bytes[i]!) } });
      }
    }
    return OK;
  }

  /** The unit of `t`'s direct counter when counter_data is asked for and `t` has one. */
  private counterUnit(t: Table, withCounters: boolean): CounterUnit | undefined {
    if (!withCounters || t.info.directCounterId === 0) return undefined;
    return this.config!.schema.directCounters.get(t.info.directCounterId)?.unit ?? CounterUnit.BOTH;
  }

  /** The P4Runtime form of a stored entry: canonical bytes, don't-care fields omitted. */
  entryMessage(t: Table, e: TableEntryState, withCounters: boolean, withHit: boolean): p4.v1.ITableEntry {
    return tableEntryMessage(this.config!.schema, t, e, this.counterUnit(t, withCounters), withHit ? this.sinceLastHitNs(e) : undefined);
  }

  /**
   * As bmv2 1.15.5 reports it: the TTL minus the remaining TTL, counted in whole ms, whose
   * nanoseconds pass through 32 bits — so above 2^32 ns (about 4.29 s) the value wraps
   * (test/conformance). Notifications are not affected.
   */
  private sinceLastHitNs(e: TableEntryState): bigint {
    if (e.idleTimeoutNs === 0n) return 0n;
    const ttlMs = e.idleTimeoutNs / NS_PER_MS;
    const elapsedMs = BigInt(Math.floor(this.now() - e.lastHitMs));
    const remainingMs = elapsedMs < ttlMs ? ttlMs - elapsedMs : 0n;
    return e.idleTimeoutNs - ((remainingMs * NS_PER_MS) % 2n ** 32n);
  }

  // ---- idle timeout (§2.10) -------------------------------------------------------------

  /** The entries whose TTL ran out since their last hit, to notify now (re-notified every ~2 s). */
  sweepIdle(): p4.v1.ITableEntry[] {
    const now = this.now();
    const out: p4.v1.ITableEntry[] = [];
    for (const [e, t] of this.idle) {
      const ttlMs = Number(e.idleTimeoutNs / NS_PER_MS);
      if (now - e.lastHitMs < ttlMs) continue;
      if (e.notifiedMs !== 0 && now - e.notifiedMs < RENOTIFY_MS) continue;
      e.notifiedMs = now;
      const m = this.entryMessage(t, e, false, false);
      out.push({ tableId: m.tableId, match: m.match, priority: m.priority, controllerMetadata: m.controllerMetadata, idleTimeoutNs: e.idleTimeoutNs });
    }
    return out;
  }

  // ---- ForwardingState (for the pipeline model) ---------------------------------------------

  applyTable(name: string, key: ReadonlyMap<string, bigint>, bytes: number): TableHit {
    const t = this.tablesByName.get(name);
    if (!t) return { action: "NoAction", params: new Map(), hit: false };
    const fields = t.info.fields.map((f) => key.get(f.name) ?? 0n);
    const e = t.lookup(fields);
    if (e) {
      e.packets++;
      e.bytes += bytes;
      e.lastHitMs = this.now();
      e.notifiedMs = 0;
      return this.hit(e.action, true);
    }
    if (!t.defaultAction) return { action: "NoAction", params: new Map(), hit: false };
    return this.hit(t.defaultAction, false);
  }

  private hit(call: ActionCall, hit: boolean): TableHit {
    const action = this.config!.schema.actions.get(call.actionId)!;
    const params = new Map<string, bigint>();
    for (const p of action.params) params.set(p.name, call.params[p.index]!);
    return { action: action.name, params, hit };
  }

  multicastGroup(groupId: number): readonly { readonly port: number; readonly instance: number }[] | undefined {
    return this.pre.groups.get(groupId);
  }

  countIndirect(counter: string, index: number, bytes: number): void {
    const cells = this.countersByName.get(counter);
    if (!cells || index < 0 || index >= cells.packets.length) return;
    cells.packets[index]!++;
    cells.bytes[index]! += bytes;
  }

  /** The table info by P4Info name (for tests and tools). */
  table(name: string): TableInfo | undefined {
    return this.tablesByName.get(name)?.info;
  }
}

function isType(type: number): boolean {
  return type === UpdateType.INSERT || type === UpdateType.MODIFY || type === UpdateType.DELETE;
}

/** bmv2 loads its device config as JSON; anything else fails the first phase. */
function loadsAsBmv2Json(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"));
    return typeof v === "object" && v !== null;
  } catch {
    return false;
  }
}


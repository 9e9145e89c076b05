// The entry writer: provider.ts §2-§3 for table entries. Owns the rules' entries by key, each
// OpenFlow table's entry count against its P4Info size, and one small state machine per
// operation in flight (EntryWrite):
//
//   written ──OK──▶ acknowledged ──▶ completed
//      │ ──refused──▶ rolled back (the controller gets flowModError's OfError)
//      │ ──ALREADY_EXISTS on INSERT / NOT_FOUND on MODIFY──▶ read back
//      └─outcome unknown / target away──▶ unknown ──target back──▶ read back
//   read back ──as written──▶ completed ; ──else──▶ written again (INSERT or MODIFY as the
//   target needs; at most MAX_READ_BACKS times, then rolled back with FLOW_MOD_FAILED_UNKNOWN)
//
// A DELETE never fails: NOT_FOUND is done, anything else is done and schedules reconciliation.
// The hot path makes three objects per ADD (the Entry, its key string, the EntryWrite) and
// writes the update once, into the Write it travels in; completions are method calls.
// Updates wait un-encoded while the batcher is full (onRoom writes them) or the target is away
// (the session holds them). Operations complete only from the batcher's answers or a microtask,
// never inside the call that started them.

import type { Operation } from "../ofproto/operation.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { Code, P4RuntimeError, tableEntryOfKey, updateKindName, type UpdateOwner, type UpdateStatus } from "../p4runtime/index.js";
import { Entry, entryOf } from "./entry.js";
import { UpdateType, type ActionPlan, type EntryCodec } from "./entry-codec.js";
import { originOf } from "./error-log.js";
import type { OffloadMapping } from "./mapping.js";
import { sameBytes } from "./metadata.js";
import type { MulticastGroup } from "./multicast.js";
import { flowModError, type TargetQuirks } from "./p4-errors.js";
import type { RecoveredEntry, Recovery } from "./recovery.js";
import type { Replication } from "./replication.js";
import type { TargetSession, Waiter } from "./target-session.js";

const MAX_READ_BACKS = 4;

/** Where an EntryWrite stands. */
const enum Phase {
  /** Waiting for its multicast group, for room in the batcher or for the target. */
  Waiting,
  Written,
  /** Its outcome is unknown: it waits for the target, then reads back. */
  Unknown,
  ReadBack,
  Done,
}

/** One operation in flight on one entry. */
class EntryWrite implements UpdateOwner, Waiter {
  phase = Phase.Waiting;
  /** The update type written now (an INSERT may become a MODIFY after a read-back, and back). */
  type: UpdateType;
  resetCounts: boolean;
  attempt = 0;
  since = 0;
  /** Counts before a MODIFY (restored when it is rolled back). */
  saved: [bigint, bigint, bigint, bigint] | undefined = undefined;

  constructor(
    readonly w: EntryWriter,
    readonly op: Operation,
    readonly entry: Entry,
    readonly plan: ActionPlan | undefined,
    /** The multicast group this write makes the entry use (acquired for it). */
    readonly group: MulticastGroup | undefined,
    readonly victim: Entry | undefined,
    readonly recovered: RecoveredEntry | undefined,
    type: UpdateType,
    resetCounts: boolean,
  ) {
    this.type = type;
    this.resetCounts = resetCounts;
  }

  answered(s: UpdateStatus): void {
    this.w.answered(this, s);
  }

  resume(): void {
    if (this.phase === Phase.Unknown) this.w.readBack(this);
    else this.w.write(this);
  }

  abandon(why: string): void {
    this.w.fail(this, ofError("FLOW_MOD_FAILED_UNKNOWN", why));
  }
}

export interface WriterOptions {
  readonly mapping: OffloadMapping;
  readonly session: TargetSession;
  readonly codec: EntryCodec;
  readonly replication: Replication;
  readonly recovery: Recovery;
  readonly quirks: TargetQuirks;
  /** Counts read-backs (stats). */
  readBack(): void;
}

export class EntryWriter {
  /** The rules' entries by key (pending ADDs included). */
  readonly byKey = new Map<string, Entry>();
  /** Per OpenFlow table: entries of rules counted against the P4 table's size. */
  readonly counts: number[];
  readonly #o: WriterOptions;
  readonly #session: TargetSession;
  readonly #codec: EntryCodec;
  /** Writes waiting for room in the batcher, oldest first (head index into the array). */
  #roomQueue: (EntryWrite | undefined)[] = [];
  #roomHead = 0;
  /** Operations to complete at the next microtask (adoptions, deletes of entries never written). */
  #soon: { op: Operation; error: OfError | undefined }[] = [];

  constructor(o: WriterOptions) {
    this.#o = o;
    this.#session = o.session;
    this.#codec = o.codec;
    this.counts = o.mapping.tables.map(() => 0);
  }

  // ── The operations (provider.ts §3.1) ───────────────────────────────────────────────────

  add(op: Operation): OfError | undefined {
    const rule = op.rule;
    const codec = this.#codec;
    const refused = codec.compileKey(rule) ?? codec.compilePlan(rule);
    if (refused !== undefined) return refused;
    const key = codec.key;
    const plan = codec.plan!;
    const table = this.#o.mapping.tables[rule.tableId]!;
    const t = table.ofTable;
    const victim = op.victim === undefined ? undefined : entryOf(op.victim);
    const recovery = this.#o.recovery;
    const recovered = victim === undefined ? recovery.get(key) : undefined;
    if (victim === undefined && recovered === undefined && this.counts[t]! + recovery.counts[t]! >= table.p4.size) {
      return ofError("FLOW_MOD_FAILED_TABLE_FULL", `table ${t} (${table.p4.name}) holds ${table.p4.size} entries`);
    }
    let group: MulticastGroup | undefined;
    if (plan.replicas !== undefined) {
      group = this.#o.replication.acquire(plan.replicas, originOf(op));
      if (group === undefined) return ofError("FLOW_MOD_FAILED_TABLE_FULL", `no multicast group id left for outputs to ${plan.replicas.map((r) => r.port).join(",")}`);
    }
    const entry = new Entry(rule, key, table);
    if (victim !== undefined) {
      entry.inherit(victim, !op.resetCounts);
      this.#unindex(victim);
    } else if (recovered !== undefined) {
      recovery.take(key, t);
      entry.installed = true;
      entry.group = recovered.group;
    }
    if (victim === undefined) this.counts[t]!++;
    rule.providerState = entry;
    this.byKey.set(key, entry);
    entry.busy = true;
    const exists = victim?.installed === true || recovered !== undefined;
    const ew = new EntryWrite(this, op, entry, plan, group, victim, recovered, exists ? UpdateType.MODIFY : UpdateType.INSERT, op.resetCounts && exists);
    if (recovered !== undefined && !op.resetCounts && recovered.group === group && sameBytes(recovered.metadata, codec.metadataOf(rule, plan.usesGroups))) {
      // Adopting what the target already holds (an ofp4 restart): nothing to write.
      ew.phase = Phase.Done;
      this.#succeed(ew);
      return undefined;
    }
    this.#afterGroup(ew);
    return undefined;
  }

  modify(op: Operation): OfError | undefined {
    const rule = op.rule;
    const entry = entryOf(rule);
    if (entry === undefined) return ofError("FLOW_MOD_FAILED_UNKNOWN", "the rule has no table entry");
    const codec = this.#codec;
    const refused = codec.compilePlan(rule);
    if (refused !== undefined) return refused;
    const plan = codec.plan!;
    let group: MulticastGroup | undefined;
    if (plan.replicas !== undefined) {
      group = this.#o.replication.acquire(plan.replicas, originOf(op));
      if (group === undefined) return ofError("FLOW_MOD_FAILED_TABLE_FULL", `no multicast group id left for outputs to ${plan.replicas.map((r) => r.port).join(",")}`);
    }
    entry.busy = true;
    const ew = new EntryWrite(this, op, entry, plan, group, undefined, undefined, entry.installed ? UpdateType.MODIFY : UpdateType.INSERT, op.resetCounts);
    ew.saved = [entry.packets, entry.bytes, entry.rawPackets, entry.rawBytes];
    this.#afterGroup(ew);
    return undefined;
  }

  destruct(op: Operation): OfError | undefined {
    const entry = entryOf(op.rule);
    if (entry === undefined || !entry.installed) {
      if (entry !== undefined) this.#forget(entry);
      this.#completeSoon(op, undefined);
      return undefined;
    }
    entry.busy = true;
    const ew = new EntryWrite(this, op, entry, undefined, undefined, undefined, undefined, UpdateType.DELETE, false);
    this.write(ew);
    return undefined;
  }

  // ── Writing ───────────────────────────────────────────────────────────────────────────

  /** Writes once the entry's new multicast group (if any) is on the target. */
  #afterGroup(ew: EntryWrite): void {
    const group = ew.group;
    if (group === undefined) {
      this.write(ew);
      return;
    }
    this.#o.replication.whenReady(group, (ok) => {
      if (ok) this.write(ew);
      else this.fail(ew, ofError("FLOW_MOD_FAILED_UNKNOWN", `multicast group ${group.id} could not be written`));
    });
  }

  /** Puts the update into the batcher now, or waits for room or for the target. */
  write(ew: EntryWrite): void {
    const session = this.#session;
    if (!session.ready) {
      ew.phase = Phase.Waiting;
      session.defer(ew);
      return;
    }
    if (session.batcher.full || this.#roomHead < this.#roomQueue.length) {
      ew.phase = Phase.Waiting;
      this.#roomQueue.push(ew);
      return;
    }
    this.#put(ew);
  }

  /** Writes the update into the batcher. */
  #put(ew: EntryWrite): void {
    ew.phase = Phase.Written;
    const batcher = this.#session.batcher;
    const out = batcher.begin();
    const entry = ew.entry;
    this.#codec.writeUpdate(out, ew.type, entry.key, entry.rule, ew.plan, ew.group?.id ?? 0, ew.resetCounts);
    batcher.end(ew);
  }

  /** The batcher has room again: writes what waited for it, in order (or what the target, away now, must wait for). */
  room(): void {
    const session = this.#session;
    while (this.#roomHead < this.#roomQueue.length && !session.batcher.full) {
      const q = this.#roomQueue;
      const ew = q[this.#roomHead]!;
      q[this.#roomHead++] = undefined;
      if (this.#roomHead === q.length) {
        this.#roomQueue = [];
        this.#roomHead = 0;
      }
      if (ew.phase !== Phase.Waiting) continue;
      if (session.ready) this.#put(ew);
      else session.defer(ew);
    }
  }

  /** The target answered the update. */
  answered(ew: EntryWrite, s: UpdateStatus): void {
    if (ew.phase !== Phase.Written) return;
    const session = this.#session;
    if (s.code !== 0) session.logUpdate(s, updateKindName(ew.type), "table_entry", originOf(ew.op, this.#fallback(ew)));
    if (ew.type === UpdateType.DELETE) {
      // DELETE never fails: the target is out of sync; reconciliation removes the leftover.
      if (s.code !== 0 && s.code !== Code.NOT_FOUND) session.scheduleReconcile();
      ew.phase = Phase.Done;
      this.#deleted(ew);
      return;
    }
    if (s.code === 0) {
      ew.phase = Phase.Done;
      this.#succeed(ew);
      return;
    }
    if (session.troubled(s)) {
      ew.phase = Phase.Unknown;
      session.defer(ew);
      return;
    }
    const mismatch = (ew.type === UpdateType.INSERT && s.code === Code.ALREADY_EXISTS) || (ew.type === UpdateType.MODIFY && s.code === Code.NOT_FOUND);
    if (mismatch && ew.attempt < MAX_READ_BACKS) {
      this.readBack(ew);
      return;
    }
    this.fail(ew, flowModError(ew.entry.table, ew.type === UpdateType.INSERT, s, this.#o.quirks));
  }

  /** Completes the operation from what the target holds: as written = done, else written as needed. */
  readBack(ew: EntryWrite): void {
    ew.attempt++;
    this.#o.readBack();
    if (ew.attempt > MAX_READ_BACKS) {
      this.fail(ew, ofError("FLOW_MOD_FAILED_UNKNOWN", `table ${ew.entry.table.ofTable}: the target kept disagreeing about the entry after ${MAX_READ_BACKS} read-backs`));
      return;
    }
    ew.phase = Phase.ReadBack;
    const session = this.#session;
    const entry = ew.entry;
    const want = this.#codec.metadataOf(entry.rule, ew.plan?.usesGroups ?? false);
    session.rpc("Read", originOf(ew.op), () => session.client.readAll([{ tableEntry: tableEntryOfKey(entry.key) }])).then(
      (found) => {
        if (ew.phase !== Phase.ReadBack) return;
        const te = found.find((e) => e.tableEntry)?.tableEntry;
        if (te && sameBytes(te.metadata, want)) {
          ew.phase = Phase.Done;
          this.#succeed(ew);
          return;
        }
        ew.resetCounts = ew.resetCounts && te !== undefined;
        ew.type = te ? UpdateType.MODIFY : UpdateType.INSERT;
        this.write(ew);
      },
      (e: unknown) => {
        if (ew.phase !== Phase.ReadBack) return;
        if (e instanceof P4RuntimeError && (e.code === Code.NOT_FOUND || e.code === Code.INVALID_ARGUMENT)) {
          ew.type = UpdateType.INSERT;
          ew.resetCounts = false;
          this.write(ew);
        } else {
          ew.phase = Phase.Unknown;
          session.defer(ew);
        }
      },
    );
  }

  // ── Completion ───────────────────────────────────────────────────────────────────────────

  #succeed(ew: EntryWrite): void {
    const entry = ew.entry;
    const old = entry.group;
    if (ew.type === UpdateType.INSERT) entry.written();
    entry.installed = true;
    entry.group = ew.group;
    entry.busy = false;
    if (ew.op.resetCounts) entry.resetCounts(); // a poll may have read the replaced counter before the reset landed
    if (old !== undefined) this.#o.replication.release(old.id);
    this.#complete(ew.op, undefined);
  }

  /** Rolls the operation back and completes it with `error`. */
  fail(ew: EntryWrite, error: OfError): void {
    if (ew.phase === Phase.Done) return;
    ew.phase = Phase.Done;
    const entry = ew.entry;
    entry.busy = false;
    if (ew.group !== undefined) this.#o.replication.release(ew.group.id);
    if (ew.op.type === "add") {
      this.#unindex(entry);
      if (ew.victim !== undefined) this.byKey.set(ew.victim.key, ew.victim);
      else if (ew.recovered !== undefined) {
        this.counts[entry.table.ofTable]!--;
        this.#o.recovery.restore(entry.key, entry.table.ofTable, ew.recovered);
      } else this.counts[entry.table.ofTable]!--;
    } else if (ew.saved !== undefined) {
      [entry.packets, entry.bytes, entry.rawPackets, entry.rawBytes] = ew.saved;
    }
    this.#complete(ew.op, error);
  }

  #deleted(ew: EntryWrite): void {
    const entry = ew.entry;
    entry.busy = false;
    this.#forget(entry);
    this.#complete(ew.op, undefined);
  }

  /** The entry leaves the index and its table's count; its group loses a user. */
  #forget(entry: Entry): void {
    this.#unindex(entry);
    this.counts[entry.table.ofTable]!--;
    if (entry.group !== undefined) this.#o.replication.release(entry.group.id);
    entry.installed = false;
    entry.group = undefined;
  }

  #unindex(entry: Entry): void {
    if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
  }

  /** Completes an operation, never inside the provider call that started it (provider.ts §3.2). */
  #complete(op: Operation, error: OfError | undefined): void {
    if (op.state === "starting") this.#completeSoon(op, error);
    else op.complete(error);
  }

  #completeSoon(op: Operation, error: OfError | undefined): void {
    if (this.#soon.length === 0) queueMicrotask(() => this.#flushSoon());
    this.#soon.push({ op, error });
  }

  #flushSoon(): void {
    const soon = this.#soon;
    this.#soon = [];
    for (const s of soon) s.op.complete(s.error);
  }

  #fallback(ew: EntryWrite): string {
    return ew.op.type === "delete" ? (ew.op.reason !== 0 ? "expiry" : "ofp4") : ew.recovered !== undefined ? "adoption" : "ofp4";
  }

  // ── For the other rooms ─────────────────────────────────────────────────────────────────

  /** Entries installed and not being changed: what the target should hold (reconciliation). */
  *settled(): IterableIterator<Entry> {
    for (const e of this.byKey.values()) if (e.installed && !e.busy) yield e;
  }

  /** Writes an entry as a reconciliation needs it, through the general path; `done` gets the status. */
  rewrite(entry: Entry, type: UpdateType, done: (s: UpdateStatus) => void): OfError | undefined {
    const codec = this.#codec;
    const refused = codec.compilePlan(entry.rule);
    if (refused !== undefined) return refused;
    const w = this.#session.batcher.begin();
    codec.writeUpdate(w, type, entry.key, entry.rule, codec.plan, entry.group?.id ?? 0, false);
    this.#session.batcher.end({
      answered: (s) => {
        if (s.code === 0 && type === UpdateType.INSERT) entry.written();
        done(s);
      },
    });
    return undefined;
  }

  /** Does any rule send to OpenFlow group `groupId`? */
  usesGroup(groupId: number): boolean {
    for (const e of this.byKey.values()) {
      const ins = e.rule.instructions;
      for (const a of ins.applyActions) if (a.type === "group" && a.groupId === groupId) return true;
      for (const a of ins.writeActions ?? []) if (a.type === "group" && a.groupId === groupId) return true;
    }
    return false;
  }

}

// What a Read answers, in two forms behind one ReadSink: ReadEntities builds p4.v1.IEntity
// messages (the reference form, and what idle notifications and reconciles reuse), and
// ReadResponseWriter writes one encoded ReadResponse straight from the stored entries into a
// growing Buffer, with no per-entry protobufjs objects — byte for byte what protobufjs encodes from
// the message form (fields by number, proto3 defaults left out). Never decides what a Read
// selects or checks a request: that is Device's.
import { p4 } from "../../src/generated/proto.js";
import { canonical, ones } from "./bitstring.js";
import { canonicalSlice, getBig, isZero, popcountBytes } from "./packed.js";
import { CounterUnit, MatchKind, type ActionCall, type Schema } from "./schema.js";
import type { MaskGroup, Table, TableEntryState } from "./table.js";

/** Where Device puts what a Read selects, in order. */
export interface ReadSink {
  /** Any other entity (indirect counters, replication engine), as a message. */
  entity(m: p4.v1.IEntity): void;
  /**
   * A stored entry as a TableEntry. `counters`: the unit of the table's direct counter when
   * counter_data was asked for and the table has one; `hitNs`: time_since_last_hit when asked for.
   */
  tableEntry(t: Table, e: TableEntryState, counters: CounterUnit | undefined, hitNs: bigint | undefined): void;
  /** A table's default entry (a read with is_default_action). */
  defaultEntry(t: Table, action: ActionCall | undefined, metadata: Uint8Array | undefined): void;
  /** A stored entry's direct counter: its table entry's key (id, match, priority) and counts. */
  directCounter(t: Table, e: TableEntryState, unit: CounterUnit): void;
}

// ---- the message form ------------------------------------------------------------------------

export function actionMessage(schema: Schema, call: ActionCall): p4.v1.IAction {
  const params = schema.actions.get(call.actionId)?.params ?? [];
  return { actionId: call.actionId, params: call.params.map((v, i) => ({ paramId: params[i]?.id ?? i + 1, value: canonical(v) })) };
}

export function counterData(unit: CounterUnit, packets: number, bytes: number): p4.v1.ICounterData {
  const d: p4.v1.ICounterData = {};
  if (unit === CounterUnit.PACKETS || unit === CounterUnit.BOTH) d.packetCount = BigInt(packets);
  if (unit === CounterUnit.BYTES || unit === CounterUnit.BOTH) d.byteCount = BigInt(bytes);
  return d;
}

/** The P4Runtime form of a stored entry: canonical bytes, don't-care fields omitted. */
export function tableEntryMessage(schema: Schema, t: Table, e: TableEntryState, counters: CounterUnit | undefined, hitNs: bigint | undefined): p4.v1.ITableEntry {
  const match: p4.v1.IFieldMatch[] = [];
  const values = Buffer.from(e.values, "latin1");
  const masks = e.group.masks;
  const { offsets, widths } = t.info.layout;
  for (const f of t.info.fields) {
    const off = offsets[f.index]!;
    const w = widths[f.index]!;
    switch (f.kind) {
      case MatchKind.EXACT:
        match.push({ fieldId: f.id, exact: { value: canonicalSlice(values, off, w) } });
        break;
      case MatchKind.LPM:
        if (!isZero(masks, off, w)) match.push({ fieldId: f.id, lpm: { value: canonicalSlice(values, off, w), prefixLen: popcountBytes(masks, off, w) } });
        break;
      case MatchKind.TERNARY:
        if (!isZero(masks, off, w)) match.push({ fieldId: f.id, ternary: { value: canonicalSlice(values, off, w), mask: canonicalSlice(masks, off, w) } });
        break;
      case MatchKind.OPTIONAL:
        if (!isZero(masks, off, w)) match.push({ fieldId: f.id, optional: { value: canonicalSlice(values, off, w) } });
        break;
      case MatchKind.RANGE:
        if (!(isZero(values, off, w) && getBig(masks, off, w) === ones(f.bitwidth))) {
          match.push({ fieldId: f.id, range: { low: canonicalSlice(values, off, w), high: canonicalSlice(masks, off, w) } });
        }
        break;
      default:
        break;
    }
  }
  const msg: p4.v1.ITableEntry = { tableId: t.info.id, match, action: { action: actionMessage(schema, e.action) } };
  if (e.priority > 0) msg.priority = e.priority;
  if (e.controllerMetadata !== 0n) msg.controllerMetadata = e.controllerMetadata;
  if (e.metadata) msg.metadata = e.metadata;
  if (e.idleTimeoutNs !== 0n) msg.idleTimeoutNs = e.idleTimeoutNs;
  if (counters !== undefined) msg.counterData = counterData(counters, e.packets, e.bytes);
  if (hitNs !== undefined) msg.timeSinceLastHit = { elapsedNs: hitNs };
  return msg;
}

/** A Read's entities as messages, appended to `entities`. */
export class ReadEntities implements ReadSink {
  constructor(
    private readonly schema: Schema,
    readonly entities: p4.v1.IEntity[] = [],
  ) {}

  entity(m: p4.v1.IEntity): void {
    this.entities.push(m);
  }

  tableEntry(t: Table, e: TableEntryState, counters: CounterUnit | undefined, hitNs: bigint | undefined): void {
    this.entities.push({ tableEntry: tableEntryMessage(this.schema, t, e, counters, hitNs) });
  }

  defaultEntry(t: Table, action: ActionCall | undefined, metadata: Uint8Array | undefined): void {
    this.entities.push({
      tableEntry: {
        tableId: t.info.id,
        isDefaultAction: true,
        ...(action ? { action: { action: actionMessage(this.schema, action) } } : {}),
        ...(metadata ? { metadata } : {}),
      },
    });
  }

  directCounter(t: Table, e: TableEntryState, unit: CounterUnit): void {
    const m = tableEntryMessage(this.schema, t, e, undefined, undefined);
    this.entities.push({ directCounterEntry: { tableEntry: { tableId: m.tableId, match: m.match, priority: m.priority }, data: counterData(unit, e.packets, e.bytes) } });
  }
}

// ---- the encoded form ------------------------------------------------------------------------

/** Protobuf tags (field number << 3 | wire type) of the fields written here. */
const TAG = {
  responseEntity: (1 << 3) | 2,
  entityTableEntry: (2 << 3) | 2,
  entityDirectCounter: (8 << 3) | 2,
  tableId: (1 << 3) | 0,
  match: (2 << 3) | 2,
  action: (3 << 3) | 2,
  priority: (4 << 3) | 0,
  controllerMetadata: (5 << 3) | 0,
  counterData: (7 << 3) | 2,
  isDefaultAction: (8 << 3) | 0,
  idleTimeoutNs: (9 << 3) | 0,
  timeSinceLastHit: (10 << 3) | 2,
  metadata: (11 << 3) | 2,
  fieldId: (1 << 3) | 0,
  /** FieldMatch's oneof, by match kind. */
  exact: (2 << 3) | 2,
  ternary: (3 << 3) | 2,
  lpm: (4 << 3) | 2,
  range: (6 << 3) | 2,
  optional: (7 << 3) | 2,
  /** Field 1 (bytes) and field 2 (bytes) of Exact/Ternary/Range/Optional/LPM, LPM's prefix_len. */
  first: (1 << 3) | 2,
  second: (2 << 3) | 2,
  prefixLen: (2 << 3) | 0,
  byteCount: (1 << 3) | 0,
  packetCount: (2 << 3) | 0,
  elapsedNs: (1 << 3) | 0,
  dcTableEntry: (1 << 3) | 2,
  dcData: (2 << 3) | 2,
} as const;

/** How one match field of a mask group is written. */
interface FieldPlan {
  readonly kind: MatchKind;
  readonly width: number;
  /** Where the field's value starts in an entry's key, or -1 when the key leaves it out (all zero). */
  readonly keyPos: number;
  /** The field is written whatever its value (EXACT; TERNARY, LPM, OPTIONAL with a non-zero mask). */
  readonly always: boolean;
  /** RANGE whose high bound is the field's all-ones: left out when the low bound is 0 too. */
  readonly fullHigh: boolean;
  /** FieldMatch's field_id (tag and value), then the tag of its match kind. */
  readonly head: Uint8Array;
  /** What follows the value in the kind's message: the mask (TERNARY), high bound (RANGE) or prefix_len (LPM). */
  readonly tail: Uint8Array;
}

/** Per mask group (its masks never change): how each field is written, P4Info order. */
const plans = new WeakMap<MaskGroup, readonly FieldPlan[]>();

const KIND_TAG: ReadonlyMap<MatchKind, number> = new Map([
  [MatchKind.EXACT, TAG.exact],
  [MatchKind.TERNARY, TAG.ternary],
  [MatchKind.LPM, TAG.lpm],
  [MatchKind.RANGE, TAG.range],
  [MatchKind.OPTIONAL, TAG.optional],
]);

function planOf(t: Table, g: MaskGroup): readonly FieldPlan[] {
  let plan = plans.get(g);
  if (plan) return plan;
  const { offsets, widths } = t.info.layout;
  // The key holds the group's active fields one after another, in P4Info order.
  const keyPosAt = new Map<number, number>();
  for (let i = 0, k = 0; i < g.active.length; i += 3) {
    keyPosAt.set(g.active[i]!, k);
    k += g.active[i + 1]!;
  }
  plan = t.info.fields.map((f): FieldPlan => {
    const off = offsets[f.index]!;
    const w = widths[f.index]!;
    const masked = !isZero(g.masks, off, w);
    const head = f.id !== 0 ? [TAG.fieldId, ...varintBytes(f.id)] : [];
    head.push(KIND_TAG.get(f.kind) ?? 0);
    let tail: number[] = [];
    if (f.kind === MatchKind.TERNARY || f.kind === MatchKind.RANGE) {
      const second = canonicalSlice(g.masks, off, w);
      tail = [TAG.second, ...varintBytes(second.length), ...second];
    } else if (f.kind === MatchKind.LPM) {
      const len = popcountBytes(g.masks, off, w);
      if (len !== 0) tail = [TAG.prefixLen, ...varintBytes(len)];
    }
    return {
      kind: f.kind,
      width: w,
      keyPos: keyPosAt.get(off) ?? -1,
      always: f.kind === MatchKind.EXACT || (masked && (f.kind === MatchKind.TERNARY || f.kind === MatchKind.LPM || f.kind === MatchKind.OPTIONAL)),
      fullHigh: f.kind === MatchKind.RANGE && getBig(g.masks, off, w) === ones(f.bitwidth),
      head: Uint8Array.from(head),
      tail: Uint8Array.from(tail),
    };
  });
  plans.set(g, plan);
  return plan;
}

/** Bytes of a varint. */
function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** The varint of a non-negative integer below 2^32. */
function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Writes the varint of a non-negative integer below 2^32 at `p`; returns the position after it. */
function putVarint(b: Buffer, p: number, v: number): number {
  while (v >= 128) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p++] = v;
  return p;
}

/**
 * One ReadResponse, written as the Read goes. Sub-messages get a one-byte length slot that is
 * widened (the body moved right) when the body reaches 128 bytes.
 */
export class ReadResponseWriter implements ReadSink {
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  /** Encoded TableAction (with its tag) of each action call met in this Read. */
  private readonly actions = new Map<ActionCall, Uint8Array>();
  private lastGroup: MaskGroup | undefined;
  private lastPlan: readonly FieldPlan[] = [];

  constructor(private readonly schema: Schema) {}

  /** The ReadResponse's bytes (a view of the writer's buffer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  entity(m: p4.v1.IEntity): void {
    this.bytesField(TAG.responseEntity, p4.v1.Entity.encode(m).finish());
  }

  tableEntry(t: Table, e: TableEntryState, counters: CounterUnit | undefined, hitNs: bigint | undefined): void {
    const outer = this.begin(TAG.responseEntity);
    const inner = this.begin(TAG.entityTableEntry);
    if (t.info.id !== 0) this.tag(TAG.tableId).varint(t.info.id);
    this.match(t, e);
    this.raw(this.actionBytes(e.action));
    if (e.priority > 0) this.tag(TAG.priority).varint(e.priority);
    if (e.controllerMetadata !== 0n) this.tag(TAG.controllerMetadata).varint64(e.controllerMetadata);
    if (counters !== undefined) this.counterData(TAG.counterData, counters, e.packets, e.bytes);
    if (e.idleTimeoutNs !== 0n) this.tag(TAG.idleTimeoutNs).varint64(e.idleTimeoutNs);
    if (hitNs !== undefined) {
      const at = this.begin(TAG.timeSinceLastHit);
      if (hitNs !== 0n) this.tag(TAG.elapsedNs).varint64(hitNs);
      this.end(at);
    }
    if (e.metadata && e.metadata.length > 0) this.bytesField(TAG.metadata, e.metadata);
    this.end(inner);
    this.end(outer);
  }

  defaultEntry(t: Table, action: ActionCall | undefined, metadata: Uint8Array | undefined): void {
    const outer = this.begin(TAG.responseEntity);
    const inner = this.begin(TAG.entityTableEntry);
    if (t.info.id !== 0) this.tag(TAG.tableId).varint(t.info.id);
    if (action) this.raw(this.actionBytes(action));
    this.tag(TAG.isDefaultAction).varint(1);
    if (metadata && metadata.length > 0) this.bytesField(TAG.metadata, metadata);
    this.end(inner);
    this.end(outer);
  }

  directCounter(t: Table, e: TableEntryState, unit: CounterUnit): void {
    const outer = this.begin(TAG.responseEntity);
    const dc = this.begin(TAG.entityDirectCounter);
    const te = this.begin(TAG.dcTableEntry);
    if (t.info.id !== 0) this.tag(TAG.tableId).varint(t.info.id);
    this.match(t, e);
    if (e.priority > 0) this.tag(TAG.priority).varint(e.priority);
    this.end(te);
    this.counterData(TAG.dcData, unit, e.packets, e.bytes);
    this.end(dc);
    this.end(outer);
  }

  // ---- pieces ----

  /** The entry's FieldMatches: each one's size is known before it is written (no length slots). */
  private match(t: Table, e: TableEntryState): void {
    // Entries come group by group: the last group's plan is usually the one.
    if (e.group !== this.lastGroup) {
      this.lastGroup = e.group;
      this.lastPlan = planOf(t, e.group);
    }
    const plan = this.lastPlan;
    const key = e.key;
    for (let i = 0; i < plan.length; i++) {
      const f = plan[i]!;
      if (f.kind === MatchKind.RANGE) {
        if (f.fullHigh && (f.keyPos < 0 || keyIsZero(key, f.keyPos, f.width))) continue;
      } else if (!f.always) continue;
      // The canonical value: the key's chars [from, end) without leading zeros (one 0 for zero).
      let from = f.keyPos;
      const end = f.keyPos + f.width;
      if (from >= 0) while (from < end - 1 && key.charCodeAt(from) === 0) from++;
      const n = from >= 0 ? end - from : 1;
      const { head, tail } = f;
      const kindBody = 1 + varintSize(n) + n + tail.length;
      const body = head.length + varintSize(kindBody) + kindBody;
      this.ensure(1 + varintSize(body) + body);
      const b = this.buf;
      b[this.pos] = TAG.match;
      let p = putVarint(b, this.pos + 1, body);
      for (let k = 0; k < head.length; k++) b[p++] = head[k]!;
      p = putVarint(b, p, kindBody);
      b[p++] = TAG.first;
      p = putVarint(b, p, n);
      if (from >= 0) for (let k = from; k < end; k++) b[p++] = key.charCodeAt(k);
      else b[p++] = 0;
      for (let k = 0; k < tail.length; k++) b[p++] = tail[k]!;
      this.pos = p;
    }
  }

  private counterData(tag: number, unit: CounterUnit, packets: number, bytes: number): void {
    const at = this.begin(tag);
    if ((unit === CounterUnit.BYTES || unit === CounterUnit.BOTH) && bytes !== 0) this.tag(TAG.byteCount).varintNumber(bytes);
    if ((unit === CounterUnit.PACKETS || unit === CounterUnit.BOTH) && packets !== 0) this.tag(TAG.packetCount).varintNumber(packets);
    this.end(at);
  }

  private actionBytes(call: ActionCall): Uint8Array {
    let b = this.actions.get(call);
    if (!b) {
      const w = p4.v1.TableAction.encode({ action: actionMessage(this.schema, call) }).finish();
      b = new Uint8Array(w.length + 1 + varintSize(w.length));
      b[0] = TAG.action;
      let p = 1;
      for (let v = w.length; ; ) {
        if (v < 128) {
          b[p++] = v;
          break;
        }
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b.set(w, p);
      this.actions.set(call, b);
    }
    return b;
  }

  // ---- the wire ----

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private tag(t: number): this {
    this.ensure(1);
    this.buf[this.pos++] = t;
    return this;
  }

  /** A varint of a non-negative integer below 2^32. */
  private varint(v: number): this {
    this.ensure(5);
    while (v >= 128) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** A varint of a non-negative integer up to 2^53 (a counter). */
  private varintNumber(v: number): this {
    if (v < 2 ** 31) return this.varint(v);
    return this.varint64(BigInt(v));
  }

  /** A (u)int64 varint: negative values as their 64-bit two's complement. */
  private varint64(v: bigint): this {
    if (v >= 0n && v < 2n ** 31n) return this.varint(Number(v));
    let x = BigInt.asUintN(64, v);
    this.ensure(10);
    while (x >= 128n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
    return this;
  }

  private bytesField(tag: number, bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n + 6);
    this.buf[this.pos++] = tag;
    this.varint(n);
    // A byte loop for short values (masks, params), where set() costs more than the copy.
    if (n < 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  private raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n < 32) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) b[p++] = bytes[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  /** Writes `tag` and a one-byte length slot; returns the slot's position for end(). */
  private begin(tag: number): number {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    return this.pos++;
  }

  /** Fills the length slot at `at` with the length of what was written since, widening it if needed. */
  private end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let v = len;
    while (v >= 128) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
  }
}

function keyIsZero(key: string, pos: number, w: number): boolean {
  for (let i = pos; i < pos + w; i++) if (key.charCodeAt(i) !== 0) return false;
  return true;
}

// A hand-written, one-pass decoder for the one Update shape that dominates Writes: a table entry
// with a direct action (tableId, match, action + params, priority, metadata, controller metadata,
// idle timeout, default flag). Scalars are read; match values and params stay where they are in
// the request, as byte ranges (WireTableEntry, WireAction), which table-entry-check.ts packs
// straight into an entry's key and action — no view or object per field. Reading `match` or
// `params` gives the same plain values protobufjs would (views into the request), built on demand.
// It promises nothing beyond that shape: every other entity, field, wire type, repeated singular
// message or oneof choice makes it answer undefined, and the caller decodes with protobufjs
// (which also reports malformed bytes).
import type { p4 } from "../../src/generated/proto.js";

/** Thrown inside the decoder to give up; never escapes it. */
const BAIL = new Error("not the fast shape");

const EMPTY = new Uint8Array(0);

/** FieldMatch oneof choices, by their field numbers in p4runtime.proto. */
export enum Choice {
  NONE = 0,
  EXACT = 2,
  TERNARY = 3,
  LPM = 4,
  RANGE = 6,
  OPTIONAL = 7,
}

/**
 * Numbers per field match in WireTableEntry.fields: field id, choice, then the byte range
 * (start, end) of the first bytes field (value / low) and of the second (mask / high); LPM keeps
 * its prefix length where the second range starts. An absent bytes field is an empty range, as
 * proto3 reads it (absent bytes = empty bytes).
 */
export const FIELD_STRIDE = 6;
/** Numbers per param in WireAction.ranges: param id, start, end. */
export const PARAM_STRIDE = 3;

const NONE: number[] = [];

/**
 * Numbers collected while one message is read (reused: growing a fresh array per update was
 * most of the decoder's garbage), then copied once into an array of the exact size.
 */
class Collector {
  private readonly items: number[] = [];
  length = 0;
  push3(a: number, b: number, c: number): void {
    const items = this.items;
    const n = this.length;
    if (n + 3 > items.length) items.push(0, 0, 0);
    items[n] = a;
    items[n + 1] = b;
    items[n + 2] = c;
    this.length = n + 3;
  }
  /** The numbers collected, in a new array; the collector is empty again. */
  take(): number[] {
    const n = this.length;
    if (n === 0) return NONE;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[i]!;
    this.length = 0;
    return out;
  }
}
const paramNumbers = new Collector();
const fieldNumbers = new Collector();

function view(buf: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
}

/** A direct action read by the decoder: its id, and each param as (id, byte range of `wire`). */
export class WireAction implements p4.v1.IAction {
  actionId = 0;
  /** PARAM_STRIDE numbers per param, in arrival order. */
  ranges: number[] = NONE;
  constructor(readonly wire: Uint8Array) {}

  get paramCount(): number {
    return this.ranges.length / PARAM_STRIDE;
  }

  /** The params as protobufjs gives them (views into the request). */
  get params(): p4.v1.Action.IParam[] {
    const out: p4.v1.Action.IParam[] = [];
    const r = this.ranges;
    for (let k = 0; k < r.length; k += PARAM_STRIDE) out.push({ paramId: r[k]!, value: view(this.wire, r[k + 1]!, r[k + 2]!) });
    return out;
  }
}

/** A table entry read by the decoder: scalars as values, the match as byte ranges of `wire`. */
export class WireTableEntry implements p4.v1.ITableEntry {
  tableId = 0;
  priority = 0;
  controllerMetadata: bigint | undefined = undefined;
  isDefaultAction: boolean | undefined = undefined;
  idleTimeoutNs: bigint | undefined = undefined;
  metadata: Uint8Array | undefined = undefined;
  action: { action?: WireAction } | undefined = undefined;
  /** FIELD_STRIDE numbers per field match, in arrival order. */
  fields: number[] = NONE;
  constructor(readonly wire: Uint8Array) {}

  get fieldCount(): number {
    return this.fields.length / FIELD_STRIDE;
  }

  /** The match as protobufjs gives it (views into the request). */
  get match(): p4.v1.IFieldMatch[] {
    const out: p4.v1.IFieldMatch[] = [];
    const f = this.fields;
    const w = this.wire;
    for (let k = 0; k < f.length; k += FIELD_STRIDE) {
      const one = view(w, f[k + 2]!, f[k + 3]!);
      const two = (): Uint8Array => view(w, f[k + 4]!, f[k + 5]!);
      const fm: p4.v1.IFieldMatch = {};
      switch (f[k + 1]) {
        case Choice.EXACT:
          fm.exact = { value: one };
          break;
        case Choice.TERNARY:
          fm.ternary = { value: one, mask: two() };
          break;
        case Choice.LPM:
          fm.lpm = { value: one, prefixLen: f[k + 4]! };
          break;
        case Choice.RANGE:
          fm.range = { low: one, high: two() };
          break;
        case Choice.OPTIONAL:
          fm.optional = { value: one };
          break;
        default:
          break;
      }
      fm.fieldId = f[k]!;
      out.push(fm);
    }
    return out;
  }
}

/** The bytes being decoded and the read position (one decode at a time; fields, not module lets, for speed). */
class Cursor {
  buf: Uint8Array = EMPTY;
  pos = 0;

  /** Low 32 bits of a varint of up to 10 bytes, as protobufjs's uint32() reads it. */
  varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= buf.length) throw BAIL;
    const b0 = buf[pos++]!;
    if (b0 < 0x80) {
      this.pos = pos;
      return b0;
    }
    let v = b0 & 0x7f;
    for (let shift = 7; shift < 70; shift += 7) {
      if (pos >= buf.length) throw BAIL;
      const b = buf[pos++]!;
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    throw BAIL;
  }

  varint64(): bigint {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.buf.length) throw BAIL;
      const b = this.buf[this.pos++]!;
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    }
    throw BAIL;
  }

  /** End offset of the length-delimited field starting at pos. */
  lengthEnd(limit: number): number {
    const n = this.varint32();
    const end = this.pos + n;
    if (end > limit) throw BAIL;
    return end;
  }
}

const c = new Cursor();

function param(limit: number): void {
  const end = c.lengthEnd(limit);
  let paramId = 0;
  let start = 0;
  let stop = 0;
  while (c.pos < end) {
    const tag = c.varint32();
    if (tag === ((2 << 3) | 0)) paramId = c.varint32();
    else if (tag === ((3 << 3) | 2)) {
      stop = c.lengthEnd(end);
      start = c.pos;
      c.pos = stop;
    } else throw BAIL;
  }
  if (c.pos !== end) throw BAIL;
  paramNumbers.push3(paramId, start, stop);
}

function action(limit: number): WireAction {
  const end = c.lengthEnd(limit);
  const buf = c.buf;
  const a = new WireAction(buf);
  paramNumbers.length = 0;
  while (c.pos < end) {
    // The usual param, read in place: 0x22 len, 0x10 id, 0x1a n value (id < 128, n < 124: one-byte lengths).
    const p = c.pos;
    if (buf[p] === 0x22 && buf[p + 2] === 0x10 && buf[p + 4] === 0x1a && p + 5 < end) {
      const len = buf[p + 1]!;
      const id = buf[p + 3]!;
      const n = buf[p + 5]!;
      if (len === n + 4 && id < 0x80 && n < 0x7c && p + 6 + n <= end) {
        paramNumbers.push3(id, p + 6, p + 6 + n);
        c.pos = p + 6 + n;
        continue;
      }
    }
    const tag = c.varint32();
    if (tag === ((1 << 3) | 0)) a.actionId = c.varint32();
    else if (tag === ((4 << 3) | 2)) param(end);
    else throw BAIL;
  }
  if (c.pos !== end) throw BAIL;
  a.ranges = paramNumbers.take();
  return a;
}

function tableAction(limit: number): { action?: WireAction } {
  const end = c.lengthEnd(limit);
  let a: WireAction | undefined;
  while (c.pos < end) {
    const tag = c.varint32();
    if (tag !== ((1 << 3) | 2) || a) throw BAIL;
    a = action(end);
  }
  if (c.pos !== end) throw BAIL;
  return a ? { action: a } : {};
}

/**
 * One FieldMatch: Exact, Ternary, LPM, Range, Optional have bytes fields 1 and 2 (LPM: field 2
 * is the int32 prefix length; Exact and Optional have no field 2).
 */
function fieldMatch(limit: number): void {
  const end = c.lengthEnd(limit);
  let fieldId = 0;
  let choice: number = Choice.NONE;
  let s1 = 0;
  let e1 = 0;
  let s2 = 0;
  let e2 = 0;
  while (c.pos < end) {
    const tag = c.varint32();
    if (tag === ((1 << 3) | 0)) {
      fieldId = c.varint32();
      continue;
    }
    // A second choice (or the same one again, which protobufjs merges) is not this shape.
    if (choice !== Choice.NONE || (tag & 7) !== 2) throw BAIL;
    choice = tag >>> 3;
    if (choice !== Choice.EXACT && choice !== Choice.TERNARY && choice !== Choice.LPM && choice !== Choice.RANGE && choice !== Choice.OPTIONAL) throw BAIL;
    const kindEnd = c.lengthEnd(end);
    const lpm = choice === Choice.LPM;
    const two = choice === Choice.TERNARY || choice === Choice.RANGE;
    while (c.pos < kindEnd) {
      const t = c.varint32();
      if (t === ((1 << 3) | 2)) {
        e1 = c.lengthEnd(kindEnd);
        s1 = c.pos;
        c.pos = e1;
      } else if (two && t === ((2 << 3) | 2)) {
        e2 = c.lengthEnd(kindEnd);
        s2 = c.pos;
        c.pos = e2;
      } else if (lpm && t === ((2 << 3) | 0)) s2 = c.varint32() | 0;
      else throw BAIL;
    }
    if (c.pos !== kindEnd) throw BAIL;
  }
  if (c.pos !== end) throw BAIL;
  fieldNumbers.push3(fieldId, choice, s1);
  fieldNumbers.push3(e1, s2, e2);
}

function tableEntry(limit: number): WireTableEntry {
  const end = c.lengthEnd(limit);
  const te = new WireTableEntry(c.buf);
  fieldNumbers.length = 0;
  while (c.pos < end) {
    const tag = c.varint32();
    switch (tag) {
      case (1 << 3) | 0:
        te.tableId = c.varint32();
        break;
      case (2 << 3) | 2:
        fieldMatch(end);
        break;
      case (3 << 3) | 2:
        if (te.action) throw BAIL;
        te.action = tableAction(end);
        break;
      case (4 << 3) | 0:
        te.priority = c.varint32() | 0;
        break;
      case (5 << 3) | 0:
        te.controllerMetadata = BigInt.asUintN(64, c.varint64());
        break;
      case (8 << 3) | 0:
        te.isDefaultAction = c.varint32() !== 0;
        break;
      case (9 << 3) | 0:
        te.idleTimeoutNs = BigInt.asIntN(64, c.varint64());
        break;
      case (11 << 3) | 2: {
        const stop = c.lengthEnd(end);
        te.metadata = view(c.buf, c.pos, stop);
        c.pos = stop;
        break;
      }
      default:
        throw BAIL;
    }
  }
  if (c.pos !== end) throw BAIL;
  te.fields = fieldNumbers.take();
  return te;
}

function entity(limit: number): WireTableEntry {
  const end = c.lengthEnd(limit);
  let te: WireTableEntry | undefined;
  while (c.pos < end) {
    const tag = c.varint32();
    if (tag !== ((2 << 3) | 2) || te) throw BAIL;
    te = tableEntry(end);
  }
  if (c.pos !== end || !te) throw BAIL;
  return te;
}

/** The Update in `bytes` when it is a table-entry update of the common shape, else undefined. */
export function decodeTableUpdate(bytes: Uint8Array): p4.v1.IUpdate | undefined {
  c.buf = bytes;
  c.pos = 0;
  try {
    let type = 0;
    let te: WireTableEntry | undefined;
    const end = bytes.length;
    while (c.pos < end) {
      const tag = c.varint32();
      if (tag === ((1 << 3) | 0)) type = c.varint32() | 0;
      else if (tag === ((2 << 3) | 2) && !te) te = entity(end);
      else throw BAIL;
    }
    if (!te) return undefined;
    return { type: type as p4.v1.Update.Type, entity: { tableEntry: te } };
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  } finally {
    c.buf = EMPTY;
  }
}

// A hand-written encoder for the Update shape the write path sends most: a table entry with a
// direct action (table id, exact/ternary/LPM/range/optional matches, action params, priority,
// controller metadata, default flag, idle timeout, metadata). It writes the same bytes as
// protobufjs's Update.encode (same field order, defaults omitted) straight into one buffer,
// without a Writer and its per-field objects. Any other shape answers undefined (the caller
// encodes with protobufjs). Pure; never throws on a shape it does not take.
import type { p4 } from "../generated/proto.js";
import { putVarint as putVarintAt, varintSize } from "./proto-writer.js";

type Bytes = Uint8Array | null | undefined;


/** Size of an int32 as protobufjs writes it (negative: 10 bytes, sign-extended; else as uint32). */
function int32Size(v: number): number {
  return v < 0 ? 10 : varintSize(v >>> 0);
}

/** An int32 field the fast path can write: absent/0 -> 0, an integer, else NaN (give up). */
function int32Of(v: unknown): number {
  if (v == null || v === 0) return 0;
  return typeof v === "number" && Number.isSafeInteger(v) ? v : NaN;
}

function bytesSize(b: Bytes): number {
  const n = b ? b.length : 0;
  return n ? 1 + varintSize(n) + n : 0;
}

function u64(v: bigint | number): bigint {
  return BigInt.asUintN(64, typeof v === "bigint" ? v : BigInt(v));
}

/** A 64-bit field as its unsigned wire value; undefined when absent or zero (not written); null: give up. */
function nonZero64(v: bigint | number | null | undefined): bigint | undefined | null {
  if (v == null || v == 0) return undefined;
  if (typeof v === "number" && !Number.isSafeInteger(v)) return null;
  return u64(v);
}

function u64Size(v: bigint): number {
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Body size of a FieldMatch, or -1 when it is not of the fast shape. */
function fieldMatchSize(fm: p4.v1.IFieldMatch): number {
  if (fm.other != null) return -1;
  let size = fm.fieldId ? 1 + varintSize(fm.fieldId >>> 0) : 0;
  let kinds = 0;
  let inner = 0;
  if (fm.exact != null) {
    kinds++;
    inner = bytesSize(fm.exact.value);
  }
  if (fm.ternary != null) {
    kinds++;
    inner = bytesSize(fm.ternary.value) + bytesSize(fm.ternary.mask);
  }
  if (fm.lpm != null) {
    kinds++;
    const len = int32Of(fm.lpm.prefixLen);
    if (Number.isNaN(len)) return -1;
    inner = bytesSize(fm.lpm.value) + (len ? 1 + int32Size(len) : 0);
  }
  if (fm.range != null) {
    kinds++;
    inner = bytesSize(fm.range.low) + bytesSize(fm.range.high);
  }
  if (fm.optional != null) {
    kinds++;
    inner = bytesSize(fm.optional.value);
  }
  if (kinds > 1) return -1;
  if (kinds === 1) size += 1 + varintSize(inner) + inner;
  return size;
}

let out: Uint8Array = new Uint8Array(0);
let pos = 0;

function putVarint(v: number): void {
  pos = putVarintAt(out, pos, v);
}

function putU64(v: bigint): void {
  while (v >= 0x80n) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
}

function putInt32(v: number): void {
  if (v < 0) putU64(BigInt.asUintN(64, BigInt(v)));
  else putVarint(v >>> 0);
}

function putBytes(tag: number, b: Bytes): void {
  const n = b ? b.length : 0;
  if (!n) return;
  out[pos++] = tag;
  putVarint(n);
  if (n <= 16) {
    // A byte loop beats TypedArray.set for the few bytes of a key field or param.
    for (let i = 0; i < n; i++) out[pos + i] = b![i]!;
  } else out.set(b!, pos);
  pos += n;
}

function putFieldMatch(fm: p4.v1.IFieldMatch, size: number): void {
  out[pos++] = 0x12; // TableEntry.match
  putVarint(size);
  if (fm.fieldId) {
    out[pos++] = 0x08;
    putVarint(fm.fieldId >>> 0);
  }
  if (fm.exact != null) {
    out[pos++] = 0x12;
    putVarint(bytesSize(fm.exact.value));
    putBytes(0x0a, fm.exact.value);
  } else if (fm.ternary != null) {
    out[pos++] = 0x1a;
    putVarint(bytesSize(fm.ternary.value) + bytesSize(fm.ternary.mask));
    putBytes(0x0a, fm.ternary.value);
    putBytes(0x12, fm.ternary.mask);
  } else if (fm.lpm != null) {
    const len = int32Of(fm.lpm.prefixLen);
    out[pos++] = 0x22;
    putVarint(bytesSize(fm.lpm.value) + (len ? 1 + int32Size(len) : 0));
    putBytes(0x0a, fm.lpm.value);
    if (len) {
      out[pos++] = 0x10;
      putInt32(len);
    }
  } else if (fm.range != null) {
    out[pos++] = 0x32;
    putVarint(bytesSize(fm.range.low) + bytesSize(fm.range.high));
    putBytes(0x0a, fm.range.low);
    putBytes(0x12, fm.range.high);
  } else if (fm.optional != null) {
    out[pos++] = 0x3a;
    putVarint(bytesSize(fm.optional.value));
    putBytes(0x0a, fm.optional.value);
  }
}

const matchSizes: number[] = [];
const paramSizes: number[] = [];

function isStringBytes(b: unknown): boolean {
  return typeof b === "string";
}

/** The encoded Update when it is a table-entry update of the fast shape, else undefined. */
export function encodeTableUpdate(u: p4.v1.IUpdate): Uint8Array | undefined {
  const e = u.entity;
  if (e == null) return undefined;
  const te = e.tableEntry;
  if (te == null) return undefined;
  for (const k in e) if (k !== "tableEntry" && (e as Record<string, unknown>)[k] != null) return undefined;
  if (te.meterConfig != null || te.counterData != null || te.meterCounterData != null || te.timeSinceLastHit != null || te.isConst) return undefined;
  if ((te as { $unknowns?: unknown }).$unknowns != null || (e as { $unknowns?: unknown }).$unknowns != null) return undefined;

  // Sizes, innermost first.
  let teSize = te.tableId ? 1 + varintSize(te.tableId >>> 0) : 0;
  const match = te.match;
  const nMatch = match ? match.length : 0;
  for (let i = 0; i < nMatch; i++) {
    const fm = match![i]!;
    const s = fieldMatchSize(fm);
    if (s < 0) return undefined;
    const v = fm.exact?.value ?? fm.ternary?.value ?? fm.lpm?.value ?? fm.range?.low ?? fm.optional?.value;
    if (isStringBytes(v) || isStringBytes(fm.ternary?.mask) || isStringBytes(fm.range?.high)) return undefined;
    matchSizes[i] = s;
    teSize += 1 + varintSize(s) + s;
  }
  const ta = te.action;
  let taSize = 0;
  let aSize = 0;
  const a = ta?.action;
  const params = a?.params;
  const nParams = params ? params.length : 0;
  if (ta != null) {
    if (ta.actionProfileMemberId || ta.actionProfileGroupId || ta.actionProfileActionSet != null) return undefined;
    if (a != null) {
      aSize = a.actionId ? 1 + varintSize(a.actionId >>> 0) : 0;
      for (let i = 0; i < nParams; i++) {
        const p = params![i]!;
        if (isStringBytes(p.value)) return undefined;
        const s = (p.paramId ? 1 + varintSize(p.paramId >>> 0) : 0) + bytesSize(p.value);
        paramSizes[i] = s;
        aSize += 1 + varintSize(s) + s;
      }
      taSize = 1 + varintSize(aSize) + aSize;
    }
    teSize += 1 + varintSize(taSize) + taSize;
  }
  const priority = int32Of(te.priority);
  if (Number.isNaN(priority)) return undefined;
  if (priority) teSize += 1 + int32Size(priority);
  const cm = nonZero64(te.controllerMetadata);
  if (cm === null) return undefined;
  if (cm !== undefined) teSize += 1 + u64Size(cm);
  if (te.isDefaultAction) teSize += 2;
  const idle = nonZero64(te.idleTimeoutNs);
  if (idle === null) return undefined;
  if (idle !== undefined) teSize += 1 + u64Size(idle);
  if (isStringBytes(te.metadata)) return undefined;
  teSize += bytesSize(te.metadata);
  const eSize = 1 + varintSize(teSize) + teSize;
  const type = int32Of(u.type);
  if (Number.isNaN(type)) return undefined;
  const total = (type ? 1 + int32Size(type) : 0) + 1 + varintSize(eSize) + eSize;

  out = Buffer.allocUnsafe(total);
  pos = 0;
  if (type) {
    out[pos++] = 0x08;
    putInt32(type);
  }
  out[pos++] = 0x12; // Update.entity
  putVarint(eSize);
  out[pos++] = 0x12; // Entity.table_entry
  putVarint(teSize);
  if (te.tableId) {
    out[pos++] = 0x08;
    putVarint(te.tableId >>> 0);
  }
  for (let i = 0; i < nMatch; i++) putFieldMatch(match![i]!, matchSizes[i]!);
  if (ta != null) {
    out[pos++] = 0x1a; // TableEntry.action
    putVarint(taSize);
    if (a != null) {
      out[pos++] = 0x0a; // TableAction.action
      putVarint(aSize);
      if (a.actionId) {
        out[pos++] = 0x08;
        putVarint(a.actionId >>> 0);
      }
      for (let i = 0; i < nParams; i++) {
        const p = params![i]!;
        out[pos++] = 0x22; // Action.params
        putVarint(paramSizes[i]!);
        if (p.paramId) {
          out[pos++] = 0x10;
          putVarint(p.paramId >>> 0);
        }
        putBytes(0x1a, p.value);
      }
    }
  }
  if (priority) {
    out[pos++] = 0x20;
    putInt32(priority);
  }
  if (cm !== undefined) {
    out[pos++] = 0x28;
    putU64(cm);
  }
  if (te.isDefaultAction) {
    out[pos++] = 0x40;
    out[pos++] = 0x01;
  }
  if (idle !== undefined) {
    out[pos++] = 0x48;
    putU64(idle);
  }
  putBytes(0x5a, te.metadata);
  const done = out;
  out = EMPTY;
  if (pos !== total) throw new Error(`bug: encoded ${pos} of ${total} bytes`);
  return done;
}

const EMPTY = new Uint8Array(0);

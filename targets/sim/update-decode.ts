// A hand-written decoder for the one Update shape that dominates Writes: a table entry with a
// direct action (tableId, match, action + params, priority, metadata, controller metadata, idle
// timeout, default flag). It builds the same plain values Device.write reads from protobufjs
// objects, with bytes as views into the request. It promises nothing beyond that shape: every
// other entity, field, wire type, repeated singular message or oneof choice makes it answer
// undefined, and the caller decodes with protobufjs (which also reports malformed bytes).
import type { p4 } from "../../src/generated/proto.js";

/** Thrown inside the decoder to give up; never escapes it. */
const BAIL = new Error("not the fast shape");

let buf: Uint8Array = new Uint8Array(0);
let pos = 0;

function varint32(): number {
  // Low 32 bits of a varint of up to 10 bytes, as protobufjs's uint32() reads it.
  let v = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= buf.length) throw BAIL;
    const b = buf[pos++]!;
    if (shift < 32) v |= (b & 0x7f) << shift;
    if (b < 0x80) return v >>> 0;
  }
  throw BAIL;
}

function varint64(): bigint {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= buf.length) throw BAIL;
    const b = buf[pos++]!;
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
function lengthEnd(limit: number): number {
  const n = varint32();
  const end = pos + n;
  if (end > limit) throw BAIL;
  return end;
}

function bytesField(limit: number): Uint8Array {
  const end = lengthEnd(limit);
  const v = new Uint8Array(buf.buffer, buf.byteOffset + pos, end - pos);
  pos = end;
  return v;
}

function param(limit: number): p4.v1.Action.IParam {
  const end = lengthEnd(limit);
  let paramId = 0;
  let value: Uint8Array | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag === ((2 << 3) | 0)) paramId = varint32();
    else if (tag === ((3 << 3) | 2)) value = bytesField(end);
    else throw BAIL;
  }
  if (pos !== end) throw BAIL;
  return { paramId, value };
}

function action(limit: number): p4.v1.IAction {
  const end = lengthEnd(limit);
  let actionId = 0;
  const params: p4.v1.Action.IParam[] = [];
  while (pos < end) {
    const tag = varint32();
    if (tag === ((1 << 3) | 0)) actionId = varint32();
    else if (tag === ((4 << 3) | 2)) params.push(param(end));
    else throw BAIL;
  }
  if (pos !== end) throw BAIL;
  return { actionId, params };
}

function tableAction(limit: number): p4.v1.ITableAction {
  const end = lengthEnd(limit);
  let a: p4.v1.IAction | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag !== ((1 << 3) | 2) || a) throw BAIL;
    a = action(end);
  }
  if (pos !== end) throw BAIL;
  return a ? { action: a } : {};
}

/** Exact, Ternary, LPM, Range, Optional: bytes fields 1 and 2 (LPM: field 2 is an int32). */
function matchKind(limit: number, lpm: boolean): { one: Uint8Array | undefined; two: Uint8Array | undefined; len: number } {
  const end = lengthEnd(limit);
  let one: Uint8Array | undefined;
  let two: Uint8Array | undefined;
  let len = 0;
  while (pos < end) {
    const tag = varint32();
    if (tag === ((1 << 3) | 2)) one = bytesField(end);
    else if (!lpm && tag === ((2 << 3) | 2)) two = bytesField(end);
    else if (lpm && tag === ((2 << 3) | 0)) len = varint32() | 0;
    else throw BAIL;
  }
  if (pos !== end) throw BAIL;
  return { one, two, len };
}

function fieldMatch(limit: number): p4.v1.IFieldMatch {
  const end = lengthEnd(limit);
  let fieldId = 0;
  let fm: p4.v1.IFieldMatch | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag === ((1 << 3) | 0)) {
      fieldId = varint32();
      continue;
    }
    if (fm) throw BAIL; // a second choice (or the same one again, which protobufjs merges)
    switch (tag) {
      case (2 << 3) | 2: {
        const k = matchKind(end, false);
        if (k.two) throw BAIL;
        fm = { exact: { value: k.one } };
        break;
      }
      case (3 << 3) | 2: {
        const k = matchKind(end, false);
        fm = { ternary: { value: k.one, mask: k.two } };
        break;
      }
      case (4 << 3) | 2: {
        const k = matchKind(end, true);
        fm = { lpm: { value: k.one, prefixLen: k.len } };
        break;
      }
      case (6 << 3) | 2: {
        const k = matchKind(end, false);
        fm = { range: { low: k.one, high: k.two } };
        break;
      }
      case (7 << 3) | 2: {
        const k = matchKind(end, false);
        if (k.two) throw BAIL;
        fm = { optional: { value: k.one } };
        break;
      }
      default:
        throw BAIL;
    }
  }
  if (pos !== end) throw BAIL;
  const out = fm ?? {};
  out.fieldId = fieldId;
  return out;
}

function tableEntry(limit: number): p4.v1.ITableEntry {
  const end = lengthEnd(limit);
  const te: p4.v1.ITableEntry = { tableId: 0, match: [], priority: 0 };
  const match = te.match!;
  while (pos < end) {
    const tag = varint32();
    switch (tag) {
      case (1 << 3) | 0:
        te.tableId = varint32();
        break;
      case (2 << 3) | 2:
        match.push(fieldMatch(end));
        break;
      case (3 << 3) | 2:
        if (te.action) throw BAIL;
        te.action = tableAction(end);
        break;
      case (4 << 3) | 0:
        te.priority = varint32() | 0;
        break;
      case (5 << 3) | 0:
        te.controllerMetadata = BigInt.asUintN(64, varint64());
        break;
      case (8 << 3) | 0:
        te.isDefaultAction = varint32() !== 0;
        break;
      case (9 << 3) | 0:
        te.idleTimeoutNs = BigInt.asIntN(64, varint64());
        break;
      case (11 << 3) | 2:
        te.metadata = bytesField(end);
        break;
      default:
        throw BAIL;
    }
  }
  if (pos !== end) throw BAIL;
  return te;
}

function entity(limit: number): p4.v1.IEntity {
  const end = lengthEnd(limit);
  let te: p4.v1.ITableEntry | undefined;
  while (pos < end) {
    const tag = varint32();
    if (tag !== ((2 << 3) | 2) || te) throw BAIL;
    te = tableEntry(end);
  }
  if (pos !== end || !te) throw BAIL;
  return { tableEntry: te };
}

/** The Update in `bytes` when it is a table-entry update of the common shape, else undefined. */
export function decodeTableUpdate(bytes: Uint8Array): p4.v1.IUpdate | undefined {
  buf = bytes;
  pos = 0;
  try {
    let type = 0;
    let e: p4.v1.IEntity | undefined;
    const end = bytes.length;
    while (pos < end) {
      const tag = varint32();
      if (tag === ((1 << 3) | 0)) type = varint32() | 0;
      else if (tag === ((2 << 3) | 2) && !e) e = entity(end);
      else throw BAIL;
    }
    if (!e) return undefined;
    return { type: type as p4.v1.Update.Type, entity: e };
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  } finally {
    buf = EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

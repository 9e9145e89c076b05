// Counter reads without protobufjs objects: walks the raw bytes of a ReadResponse and hands each
// DirectCounterEntry (as its table entry's key, exactly tableEntryKey's identity string) and each
// CounterEntry (counter id, index) with its packet and byte counts to the caller. A counter poll of
// 100,000 entries builds no Entity, TableEntry or FieldMatch object. Pure; bytes that are not a
// well-formed ReadResponse end the scan with an error value, never an exception.

import { identityOf, putCanonical, putInt32Field, sortFieldMatches } from "./entity-key.js";
import { ProtoWriter } from "./proto-writer.js";

/** One shared bigint per count below 2^16 (idle entries read 0 at every poll). */
const SMALL: bigint[] = [];

/** One counter cell read: packets and bytes (int64 on the wire, read as unsigned). */
export interface ScanSink {
  /**
   * Direct counters that read zero packets and zero bytes are not reported (their key is not
   * even made): for an owner whose entries start at zero when written, they carry no news.
   */
  readonly skipZero?: boolean;
  /** A direct counter: `key` is tableEntryKey() of its table entry. */
  direct(key: string, packets: bigint, bytes: bigint): void;
  /** An indirect counter cell. */
  counter(counterId: number, index: number, packets: bigint, bytes: bigint): void;
}

/** Reader state over one buffer: `pos` moves; `bad` is set on malformed input. */
class Cursor {
  pos: number;
  bad = false;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** A varint of up to 32 significant bits as an unsigned number (higher bits dropped). */
  u32(): number {
    const b = this.buf;
    let result = 0;
    let shift = 0;
    while (this.pos < this.end) {
      const x = b[this.pos++]!;
      if (shift < 32) result |= (x & 0x7f) << shift;
      if (x < 0x80) return result >>> 0;
      shift += 7;
      if (shift > 63) break;
    }
    this.bad = true;
    return 0;
  }

  /** A varint as an unsigned 64-bit bigint. */
  u64(): bigint {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    while (this.pos < this.end) {
      const x = b[this.pos++]!;
      const bits = x & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (shift - 32);
      if (x < 0x80) {
        lo >>>= 0;
        hi >>>= 0;
        if (hi === 0) return lo < 0x10000 ? (SMALL[lo] ??= BigInt(lo)) : BigInt(lo);
        return (BigInt(hi) << 32n) | BigInt(lo);
      }
      shift += 7;
      if (shift > 63) break;
    }
    this.bad = true;
    return 0n;
  }

  /** Skips one field of wire type `wt`. */
  skip(wt: number): void {
    switch (wt) {
      case 0:
        this.u64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const n = this.u32();
        this.pos += n;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        this.bad = true;
        return;
    }
    if (this.pos > this.end) this.bad = true;
  }

  /** A length-delimited field's [start, end), checked against this cursor's end. */
  span(): number {
    const n = this.u32();
    const e = this.pos + n;
    if (e > this.end) this.bad = true;
    return e;
  }
}

const scratch = new ProtoWriter(1024);

/** The [start, end) of bytes fields 1 and 2 of the message in [c.pos, end) (the last of each wins; -1 when absent). */
function twoRanges(c: Cursor, end: number, out: number[]): void {
  out[0] = out[1] = out[2] = out[3] = -1;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    const f = tag >>> 3;
    if ((f === 1 || f === 2) && (tag & 7) === 2) {
      const e = c.span();
      if (c.bad) break;
      out[(f - 1) * 2] = c.pos;
      out[(f - 1) * 2 + 1] = e;
      c.pos = e;
    } else c.skip(tag & 7);
  }
  c.pos = end;
}

const ranges = [0, 0, 0, 0];

/** The canonical FieldMatch (entity-key.ts) of the one in [c.pos, end), as a latin1 string. */
function fieldMatchAt(c: Cursor, end: number): string {
  const w = scratch;
  const start = w.pos;
  const buf = c.buf;
  let id = 0;
  let kind = 0;
  let a0 = -1;
  let a1 = -1;
  let b0 = -1;
  let b1 = -1;
  let prefix = 0;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === 0) id = c.u32();
    else if (wt === 2 && (f === 2 || f === 3 || f === 4 || f === 6 || f === 7 || f === 100)) {
      const e = c.span();
      if (c.bad) break;
      kind = f;
      const inner = new Cursor(buf, c.pos, e);
      if (f === 4) {
        // LPM: value = 1 (bytes), prefix_len = 2 (int32)
        a0 = a1 = -1;
        prefix = 0;
        while (inner.pos < e && !inner.bad) {
          const t = inner.u32();
          if (t === 0x0a) {
            const ve = inner.span();
            if (inner.bad) break;
            a0 = inner.pos;
            a1 = ve;
            inner.pos = ve;
          } else if (t === 0x10) prefix = inner.u32() | 0;
          else inner.skip(t & 7);
        }
      } else {
        twoRanges(inner, e, ranges);
        [a0, a1, b0, b1] = ranges as [number, number, number, number];
      }
      if (inner.bad) c.bad = true;
      c.pos = e;
    } else c.skip(wt);
  }
  if (id !== 0) w.uintField(1, id);
  if (kind !== 0) {
    const mark = w.open(kind);
    switch (kind) {
      case 2:
      case 7:
        putCanonical(w, 1, buf, Math.max(a0, 0), Math.max(a1, 0));
        break;
      case 3:
      case 6:
        putCanonical(w, 1, buf, Math.max(a0, 0), Math.max(a1, 0));
        putCanonical(w, 2, buf, Math.max(b0, 0), Math.max(b1, 0));
        break;
      case 4:
        putCanonical(w, 1, buf, Math.max(a0, 0), Math.max(a1, 0));
        putInt32Field(w, 2, prefix);
        break;
      case 100:
        // google.protobuf.Any: type_url = 1, value = 2, kept as they are (not bytestrings).
        if (a1 > a0) w.bytesField(1, buf.subarray(a0, a1));
        if (b1 > b0) w.bytesField(2, buf.subarray(b0, b1));
        break;
    }
    w.close(mark);
  }
  const k = w.latin1Of(start);
  w.pos = start;
  return k;
}

/** A minimal varint at `o` (< end): its end offset, or -1 (truncated, too long, or with redundant bytes). */
function minimalVarint(buf: Uint8Array, o: number, end: number): number {
  for (let i = 0; i < 5 && o + i < end; i++) {
    const x = buf[o + i]!;
    if (x < 0x80) return i > 0 && x === 0 ? -1 : o + i + 1;
  }
  return -1;
}

/** The value of the varint ending before `e` that starts at `o` (a minimal one, < 2^35). */
function varintValue(buf: Uint8Array, o: number, e: number): number {
  let v = 0;
  for (let i = e - 1; i >= o; i--) v = v * 128 + (buf[i]! & 0x7f);
  return v;
}

/** A canonical bytestring field with tag `tag` at `o`: its end, or -1. */
function canonicalBytes(buf: Uint8Array, o: number, end: number, tag: number): number {
  if (o >= end || buf[o] !== tag) return -1;
  const n = buf[o + 1]!;
  if (o + 1 >= end || n === 0 || n >= 0x80) return -1;
  if (n > 1 && buf[o + 2] === 0) return -1;
  const e = o + 2 + n;
  return e <= end ? e : -1;
}

/** The end of a FieldMatch in the canonical form entity-key.ts writes, at [o, end); -1 if not. */
function canonicalFieldMatch(buf: Uint8Array, o: number, end: number): number {
  if (buf[o] !== 0x08) return -1;
  o = minimalVarint(buf, o + 1, end);
  if (o < 0 || o + 2 > end) return -1;
  const tag = buf[o]!;
  const n = buf[o + 1]!;
  if (n >= 0x80 || o + 2 + n !== end) return -1;
  let p = o + 2;
  switch (tag) {
    case 0x12: // exact
    case 0x3a: // optional
      p = canonicalBytes(buf, p, end, 0x0a);
      break;
    case 0x1a: // ternary
    case 0x32: // range
      p = canonicalBytes(buf, p, end, 0x0a);
      if (p >= 0) p = canonicalBytes(buf, p, end, 0x12);
      break;
    case 0x22: // lpm
      p = canonicalBytes(buf, p, end, 0x0a);
      if (p >= 0 && p < end) {
        if (buf[p] !== 0x10) return -1;
        const e = minimalVarint(buf, p + 1, end);
        if (e < 0 || buf[p + 1] === 0 || buf[e - 1]! & 0x80 || e - p - 1 > 4) return -1;
        p = e;
      }
      break;
    default:
      return -1;
  }
  return p === end ? end : -1;
}

/**
 * True when buf[start, end) is a table entry identity already in canonical form (as targets
 * send it back: table id, match fields by ascending id with canonical bytestrings, priority):
 * its bytes are then its key as they are.
 */
function isCanonicalIdentity(buf: Uint8Array, start: number, end: number): boolean {
  let o = start;
  if (o < end && buf[o] === 0x08) {
    const e = minimalVarint(buf, o + 1, end);
    if (e < 0 || buf[o + 1] === 0) return false;
    o = e;
  }
  let lastId = 0;
  while (o < end && buf[o] === 0x12) {
    const le = minimalVarint(buf, o + 1, end);
    if (le < 0) return false;
    const fe = le + varintValue(buf, o + 1, le);
    if (fe > end) return false;
    const idEnd = minimalVarint(buf, le + 1, fe);
    if (idEnd < 0) return false;
    const id = varintValue(buf, le + 1, idEnd);
    if (id <= lastId || canonicalFieldMatch(buf, le, fe) < 0) return false;
    lastId = id;
    o = fe;
  }
  if (o < end && buf[o] === 0x20) {
    const e = minimalVarint(buf, o + 1, end);
    if (e < 0 || buf[o + 1] === 0) return false;
    if (varintValue(buf, o + 1, e) > 0x7fffffff) return false;
    o = e;
  }
  if (o + 1 < end && buf[o] === 0x40 && buf[o + 1] === 0x01) o += 2;
  return o === end;
}

/**
 * tableEntryKey() of the TableEntry encoded in buf[start, end), or undefined when the bytes
 * are malformed. An entry already in canonical form (what targets send for a direct counter)
 * is its own key: one string, nothing decoded.
 */
export function tableEntryKeyAt(buf: Uint8Array, start: number, end: number): string | undefined {
  if (isCanonicalIdentity(buf, start, end)) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
  const c = new Cursor(buf, start, end);
  let tableId = 0;
  let priority = 0;
  let isDefault = false;
  let first: string | undefined;
  let more: string[] | undefined;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === 0) tableId = c.u32();
    else if (f === 4 && wt === 0) priority = c.u32() | 0;
    else if (f === 8 && wt === 0) isDefault = c.u32() !== 0;
    else if (f === 2 && wt === 2) {
      const e = c.span();
      if (c.bad) break;
      const k = fieldMatchAt(c, e);
      c.pos = e;
      if (first === undefined) first = k;
      else (more ??= [first]).push(k);
    } else c.skip(wt);
  }
  if (c.bad) return undefined;
  const fields = more !== undefined ? sortFieldMatches(more) : first !== undefined ? [first] : [];
  return identityOf(tableId, fields, priority, isDefault);
}

/** CounterData in [c.pos, end): [packets, bytes]. */
function counterData(c: Cursor, end: number): [bigint, bigint] {
  let packets = 0n;
  let bytes = 0n;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    if (tag === 0x08) bytes = c.u64();
    else if (tag === 0x10) packets = c.u64();
    else c.skip(tag & 7);
  }
  c.pos = end;
  return [packets, bytes];
}

/** 1: reported; 0: no table entry (skipped, as the object reader does); -1: malformed. */
function directCounter(c: Cursor, end: number, sink: ScanSink): number {
  let keyStart = -1;
  let keyEnd = -1;
  let packets = 0n;
  let bytes = 0n;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    if (tag === 0x0a) {
      keyEnd = c.span();
      keyStart = c.pos;
      c.pos = keyEnd;
    } else if (tag === 0x12) {
      const e = c.span();
      if (c.bad) break;
      [packets, bytes] = counterData(c, e);
    } else c.skip(tag & 7);
  }
  if (c.bad) return -1;
  if (keyStart < 0) return 0;
  if (sink.skipZero === true && packets === 0n && bytes === 0n) return 1;
  const key = tableEntryKeyAt(c.buf, keyStart, keyEnd);
  if (key === undefined) return -1;
  sink.direct(key, packets, bytes);
  return 1;
}

function indirectCounter(c: Cursor, end: number, sink: ScanSink): void {
  let id = 0;
  let index = 0;
  let packets = 0n;
  let bytes = 0n;
  while (c.pos < end && !c.bad) {
    const tag = c.u32();
    if (tag === 0x08) id = c.u32();
    else if (tag === 0x12) {
      const e = c.span();
      while (c.pos < e && !c.bad) {
        const t = c.u32();
        if (t === 0x08) index = Number(c.u64());
        else c.skip(t & 7);
      }
      c.pos = e;
    } else if (tag === 0x1a) {
      const e = c.span();
      if (c.bad) break;
      [packets, bytes] = counterData(c, e);
    } else c.skip(tag & 7);
  }
  if (!c.bad) sink.counter(id, index, packets, bytes);
}

/**
 * Scans one ReadResponse: every DirectCounterEntry and CounterEntry goes to `sink`, other
 * entities are skipped. Returns the number of direct counter entries, or an error string
 * for malformed bytes (what was scanned before the damage has been reported).
 */
export function scanCounterResponse(buf: Uint8Array, sink: ScanSink): number | string {
  const c = new Cursor(buf, 0, buf.length);
  let n = 0;
  while (c.pos < c.end) {
    const tag = c.u32();
    if (tag !== 0x0a) {
      c.skip(tag & 7);
      if (c.bad) return `malformed ReadResponse at byte ${c.pos}`;
      continue;
    }
    const entityEnd = c.span();
    if (c.bad) return `malformed ReadResponse entity at byte ${c.pos}`;
    while (c.pos < entityEnd && !c.bad) {
      const t = c.u32();
      if (t === 0x42) {
        const e = c.span();
        if (c.bad) break;
        const inner = new Cursor(buf, c.pos, e);
        const r = directCounter(inner, e, sink);
        if (r < 0) c.bad = true;
        else n += r;
        c.pos = e;
      } else if (t === 0x3a) {
        const e = c.span();
        if (c.bad) break;
        const inner = new Cursor(buf, c.pos, e);
        indirectCounter(inner, e, sink);
        if (inner.bad) c.bad = true;
        c.pos = e;
      } else c.skip(t & 7);
    }
    if (c.bad) return `malformed ReadResponse entity at byte ${c.pos}`;
    c.pos = entityEnd;
  }
  return n;
}

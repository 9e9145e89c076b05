// Entity keys: a string naming which target object a P4Runtime entity addresses. A table entry's
// key is its identity as canonical protobuf bytes (read as a latin1 string): table_id, the
// match fields in ascending field id with canonical bytestrings (leading zeros dropped, zero as
// one 0x00 byte, empty as zero, as PI reads them), the priority, and is_default_action when set —
// so equal entries have equal keys however a target orders or pads them, and a key written by
// the hot path (offload/entry-codec.ts) is byte for byte a valid TableEntry prefix a DELETE can
// carry. Other entities are keyed by their ids. Pure; undefined for entities without a key.
import { p4 } from "../generated/proto.js";
import { ProtoWriter } from "./proto-writer.js";

const scratch = new ProtoWriter(1024);

/** Index of the first significant byte of b[start, end) (the last byte when all are zero). */
function significant(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end - 1 && b[i] === 0) i++;
  return i;
}

/** Writes a bytes field holding the canonical form of b[start, end) (empty = zero). */
export function putCanonical(w: ProtoWriter, field: number, b: Uint8Array | null | undefined, start = 0, end = b ? b.length : 0): void {
  if (!b || end <= start) {
    w.ensure(3);
    w.buf[w.pos++] = (field << 3) | 2;
    w.buf[w.pos++] = 1;
    w.buf[w.pos++] = 0;
    return;
  }
  const s = significant(b, start, end);
  w.ensure(12 + end - s);
  w.buf[w.pos++] = (field << 3) | 2;
  w.varint(end - s);
  w.raw(b, s, end);
}

/** A varint field of an int32 as protobuf writes it (negative: sign-extended to 64 bits); omitted when 0. */
export function putInt32Field(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.varint(field << 3);
  if (v > 0) w.varint(v);
  else w.varint64(BigInt.asUintN(64, BigInt(v)));
}

/** One FieldMatch in canonical form, as a latin1 string (for sorting). */
function canonicalFieldMatch(m: p4.v1.IFieldMatch): string {
  const w = scratch;
  const start = w.pos;
  const id = m.fieldId ?? 0;
  if (id !== 0) w.uintField(1, id);
  if (m.exact) {
    const mark = w.open(2);
    putCanonical(w, 1, m.exact.value);
    w.close(mark);
  } else if (m.ternary) {
    const mark = w.open(3);
    putCanonical(w, 1, m.ternary.value);
    putCanonical(w, 2, m.ternary.mask);
    w.close(mark);
  } else if (m.lpm) {
    const mark = w.open(4);
    putCanonical(w, 1, m.lpm.value);
    putInt32Field(w, 2, m.lpm.prefixLen ?? 0);
    w.close(mark);
  } else if (m.range) {
    const mark = w.open(6);
    putCanonical(w, 1, m.range.low);
    putCanonical(w, 2, m.range.high);
    w.close(mark);
  } else if (m.optional) {
    const mark = w.open(7);
    putCanonical(w, 1, m.optional.value);
    w.close(mark);
  } else if (m.other) {
    const mark = w.open(100);
    const url = Buffer.from(m.other.typeUrl ?? "", "utf8");
    if (url.length > 0) w.bytesField(1, url);
    if (m.other.value && m.other.value.length > 0) w.bytesField(2, m.other.value);
    w.close(mark);
  }
  const s = w.latin1Of(start);
  w.pos = start;
  return s;
}

/**
 * The identity bytes of a table entry, in the order `fields` gives (each a canonical FieldMatch
 * with its field id), as a latin1 string. `fields` must be sorted by fieldIdOf.
 */
export function identityOf(tableId: number, fields: readonly string[], priority: number, isDefault: boolean): string {
  const w = scratch;
  const start = w.pos;
  if (tableId !== 0) w.uintField(1, tableId);
  for (const f of fields) {
    w.varint((2 << 3) | 2);
    w.varint(f.length);
    w.latin1(f);
  }
  putInt32Field(w, 4, priority);
  if (isDefault) w.uintField(8, 1);
  const s = w.latin1Of(start);
  w.pos = start;
  return s;
}

/** The field id a canonical FieldMatch string starts with (0 when it has none). */
function fieldIdOf(f: string): number {
  if (f.charCodeAt(0) !== 0x08) return 0;
  let v = 0;
  let shift = 0;
  for (let i = 1; i < f.length; i++) {
    const b = f.charCodeAt(i);
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
    shift += 7;
  }
  return v;
}

/** Sorts canonical FieldMatch strings by field id, then by their bytes. */
export function sortFieldMatches(fields: string[]): string[] {
  if (fields.length < 2) return fields;
  return fields.sort((a, b) => fieldIdOf(a) - fieldIdOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Key of a table entry: its identity (table id, match in any order, priority, default flag). */
export function tableEntryKey(t: p4.v1.ITableEntry): string {
  const match = t.match;
  const fields = match && match.length > 0 ? sortFieldMatches(match.map(canonicalFieldMatch)) : [];
  return identityOf(t.tableId ?? 0, fields, t.priority ?? 0, t.isDefaultAction === true);
}

/** Key of the object `e` addresses, or undefined when it has none (externs, digests...). */
export function entityKey(e: p4.v1.IEntity): string | undefined {
  if (e.tableEntry) return tableEntryKey(e.tableEntry);
  if (e.directCounterEntry?.tableEntry) return tableEntryKey(e.directCounterEntry.tableEntry);
  if (e.directMeterEntry?.tableEntry) return tableEntryKey(e.directMeterEntry.tableEntry);
  if (e.actionProfileMember) return `m${e.actionProfileMember.actionProfileId ?? 0}/${e.actionProfileMember.memberId ?? 0}`;
  if (e.actionProfileGroup) return `g${e.actionProfileGroup.actionProfileId ?? 0}/${e.actionProfileGroup.groupId ?? 0}`;
  if (e.meterEntry) return `M${e.meterEntry.meterId ?? 0}/${e.meterEntry.index?.index ?? "*"}`;
  if (e.counterEntry) return `C${e.counterEntry.counterId ?? 0}/${e.counterEntry.index?.index ?? "*"}`;
  if (e.registerEntry) return `R${e.registerEntry.registerId ?? 0}/${e.registerEntry.index?.index ?? "*"}`;
  const pre = e.packetReplicationEngineEntry;
  if (pre?.multicastGroupEntry) return `mc${pre.multicastGroupEntry.multicastGroupId ?? 0}`;
  if (pre?.cloneSessionEntry) return `cs${pre.cloneSessionEntry.sessionId ?? 0}`;
  if (e.valueSetEntry) return `vs${e.valueSetEntry.valueSetId ?? 0}`;
  if (e.digestEntry) return `d${e.digestEntry.digestId ?? 0}`;
  return undefined;
}

/** The TableEntry a key names (table id, match, priority, default flag), decoded. */
export function tableEntryOfKey(key: string): p4.v1.TableEntry {
  return p4.v1.TableEntry.decode(Buffer.from(key, "latin1"));
}

// Rule metadata: the bytes ofp4 puts in each table entry's `metadata` so that the OpenFlow
// rule can be rebuilt from the target alone (restart, reconciliation, dump-entries). Owns the
// versioned encoding: "OFP4" tag, version, table id, OpenFlow priority, cookie, flags,
// timeouts, importance, then the original instructions: version 3 (written) as compact binary
// (about 40 bytes for one output, no JSON), version 1 (still read: entries written by older ofp4)
// as JSON with bigints as tagged strings. Version 2 was never written. Pure; decoding foreign or
// damaged bytes gives undefined, never throws.

import type { Action, Instructions } from "../openflow/actions.js";
import type { OxmField } from "../openflow/match.js";
import type { ProtoWriter } from "../p4runtime/index.js";
import type { RuleSpec } from "../ofproto/rule.js";

export const METADATA_TAG = Uint8Array.of(0x4f, 0x46, 0x50, 0x34); // "OFP4"
/** The version encodeRuleMetadata writes. */
export const METADATA_VERSION = 3;
/** The JSON version, still decoded. */
const JSON_VERSION = 1;
const FIXED = 4 + 1 + 1 + 4 + 8 + 2 + 2 + 2 + 2; // 26 bytes before the instructions

/** What one entry's metadata says about its rule: all of it but the match (that comes from the entry's key). */
export type RuleRecord = Omit<RuleSpec, "match">;

const BIG = "\u0000n:";

function reviver(_key: string, v: unknown): unknown {
  if (typeof v === "string" && v.startsWith(BIG)) return BigInt("0x" + v.slice(BIG.length));
  if (typeof v === "object" && v !== null && "$bytes" in v && typeof (v as { $bytes: unknown }).$bytes === "string") {
    return Uint8Array.from(Buffer.from((v as { $bytes: string }).$bytes, "hex"));
  }
  return v;
}

// ── Version 3: binary instructions ────────────────────────────────────────────────────
// After the 26 fixed bytes: a presence byte (1 clear_actions, 2 write_actions, 4 write_metadata,
// 8 goto_table, 16 meter), write_metadata value+mask (16), goto_table (1), meter id (4) when
// present, the apply list, then the write list when present. A list: u16 count, then each
// action: a code byte and its fields, big-endian (see ACTION_CODES).

const ACTION_CODES = {
  output: 1,
  group: 2,
  set_queue: 3,
  enqueue: 4,
  set_field: 5,
  set_vlan_vid: 6,
  set_vlan_pcp: 7,
  push_vlan: 8,
  pop_vlan: 9,
  dec_nw_ttl: 10,
  set_nw_ttl: 11,
  copy_ttl_out: 12,
  copy_ttl_in: 13,
  push_mpls: 14,
  pop_mpls: 15,
  set_mpls_ttl: 16,
  dec_mpls_ttl: 17,
  experimenter: 18,
} as const satisfies Record<Action["type"], number>;

/** A growable byte writer over one reused scratch buffer (encoding is synchronous). */
class Out {
  static scratch = new Uint8Array(1024);
  buf = Out.scratch;
  at = 0;
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
    Out.scratch = bigger;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v & 0xff;
  }
  u16(v: number): void {
    this.room(2);
    this.buf[this.at++] = (v >>> 8) & 0xff;
    this.buf[this.at++] = v & 0xff;
  }
  u32(v: number): void {
    this.room(4);
    this.buf[this.at++] = (v >>> 24) & 0xff;
    this.buf[this.at++] = (v >>> 16) & 0xff;
    this.buf[this.at++] = (v >>> 8) & 0xff;
    this.buf[this.at++] = v & 0xff;
  }
  u64(v: bigint): void {
    if (v <= 0xffffffffn) {
      // Most cookies are small: no bigint arithmetic (each step would allocate).
      this.u32(0);
      this.u32(Number(v));
      return;
    }
    this.u32(Number((v >> 32n) & 0xffffffffn));
    this.u32(Number(v & 0xffffffffn));
  }
  /** A non-negative bigint as a length byte and that many big-endian bytes. */
  big(v: bigint): void {
    let n = 0;
    for (let x = v; x > 0n; x >>= 8n) n++;
    this.room(1 + n);
    this.buf[this.at++] = n;
    let x = v;
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.at + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.at += n;
  }
  bytes(b: Uint8Array): void {
    this.u16(b.length);
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
}

function writeAction(o: Out, a: Action): void {
  o.u8(ACTION_CODES[a.type]);
  switch (a.type) {
    case "output":
      o.u32(a.port);
      o.u16(a.maxLen);
      return;
    case "group":
      o.u32(a.groupId);
      return;
    case "set_queue":
      o.u32(a.queueId);
      return;
    case "enqueue":
      o.u32(a.port);
      o.u32(a.queueId);
      return;
    case "set_field":
      o.u8(a.field);
      o.big(a.value);
      return;
    case "set_vlan_vid":
      o.u16(a.vid);
      return;
    case "set_vlan_pcp":
      o.u8(a.pcp);
      return;
    case "push_vlan":
    case "push_mpls":
    case "pop_mpls":
      o.u16(a.ethertype);
      return;
    case "set_nw_ttl":
    case "set_mpls_ttl":
      o.u8(a.ttl);
      return;
    case "experimenter":
      o.u32(a.experimenter);
      o.bytes(a.body);
      return;
    case "pop_vlan":
    case "dec_nw_ttl":
    case "copy_ttl_out":
    case "copy_ttl_in":
    case "dec_mpls_ttl":
      return;
  }
}

function writeList(o: Out, actions: readonly Action[]): void {
  o.u16(actions.length);
  for (let i = 0; i < actions.length; i++) writeAction(o, actions[i]!);
}

/** The hot path's writer (encoding is synchronous, so one is enough). */
const HOT_OUT = new Out();

export function encodeRuleMetadata(r: RuleRecord): Uint8Array {
  const o = new Out();
  writeRecord(o, r);
  return o.buf.slice(0, o.at);
}

/** Writes the rule's metadata as TableEntry.metadata (field 11) into `w`: the hot path's copy-free form. */
export function writeRuleMetadataField(w: ProtoWriter, r: RuleRecord): void {
  const o = HOT_OUT;
  o.at = 0;
  writeRecord(o, r);
  w.ensure(4 + o.at);
  w.buf[w.pos++] = (11 << 3) | 2;
  w.varint(o.at);
  w.raw(o.buf, 0, o.at);
}

function writeRecord(o: Out, r: RuleRecord): void {
  o.room(FIXED);
  o.buf.set(METADATA_TAG, 0);
  o.at = 4;
  o.u8(METADATA_VERSION);
  o.u8(r.tableId);
  o.u32(r.priority);
  o.u64(r.cookie);
  o.u16(r.flags);
  o.u16(r.idleTimeout);
  o.u16(r.hardTimeout);
  o.u16(r.importance);
  const ins = r.instructions;
  o.u8(
    (ins.clearActions ? 1 : 0) |
      (ins.writeActions !== undefined ? 2 : 0) |
      (ins.writeMetadata !== undefined ? 4 : 0) |
      (ins.gotoTable !== undefined ? 8 : 0) |
      (ins.meterId !== undefined ? 16 : 0),
  );
  if (ins.writeMetadata !== undefined) {
    o.u64(ins.writeMetadata.value);
    o.u64(ins.writeMetadata.mask);
  }
  if (ins.gotoTable !== undefined) o.u8(ins.gotoTable);
  if (ins.meterId !== undefined) o.u32(ins.meterId);
  writeList(o, ins.applyActions);
  if (ins.writeActions !== undefined) writeList(o, ins.writeActions);
}

/** A reader over version 3 bytes; `bad` once it ran past the end or met an unknown code. */
class In {
  at: number;
  bad = false;
  constructor(readonly b: Uint8Array) {
    this.at = FIXED;
  }
  need(n: number): boolean {
    if (this.at + n > this.b.length) this.bad = true;
    return !this.bad;
  }
  u8(): number {
    return this.need(1) ? this.b[this.at++]! : 0;
  }
  u16(): number {
    if (!this.need(2)) return 0;
    const v = (this.b[this.at]! << 8) | this.b[this.at + 1]!;
    this.at += 2;
    return v;
  }
  u32(): number {
    if (!this.need(4)) return 0;
    const b = this.b;
    const v = ((b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!) >>> 0;
    this.at += 4;
    return v;
  }
  u64(): bigint {
    const hi = this.u32();
    return (BigInt(hi) << 32n) | BigInt(this.u32());
  }
  big(): bigint {
    const n = this.u8();
    if (!this.need(n)) return 0n;
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.b[this.at++]!);
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u16();
    if (!this.need(n)) return new Uint8Array();
    const v = this.b.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }
}

function readAction(i: In): Action | undefined {
  const code = i.u8();
  switch (code) {
    case ACTION_CODES.output:
      return { type: "output", port: i.u32(), maxLen: i.u16() };
    case ACTION_CODES.group:
      return { type: "group", groupId: i.u32() };
    case ACTION_CODES.set_queue:
      return { type: "set_queue", queueId: i.u32() };
    case ACTION_CODES.enqueue:
      return { type: "enqueue", port: i.u32(), queueId: i.u32() };
    case ACTION_CODES.set_field:
      return { type: "set_field", field: i.u8() as OxmField, value: i.big() };
    case ACTION_CODES.set_vlan_vid:
      return { type: "set_vlan_vid", vid: i.u16() };
    case ACTION_CODES.set_vlan_pcp:
      return { type: "set_vlan_pcp", pcp: i.u8() };
    case ACTION_CODES.push_vlan:
      return { type: "push_vlan", ethertype: i.u16() };
    case ACTION_CODES.pop_vlan:
      return { type: "pop_vlan" };
    case ACTION_CODES.dec_nw_ttl:
      return { type: "dec_nw_ttl" };
    case ACTION_CODES.set_nw_ttl:
      return { type: "set_nw_ttl", ttl: i.u8() };
    case ACTION_CODES.copy_ttl_out:
      return { type: "copy_ttl_out" };
    case ACTION_CODES.copy_ttl_in:
      return { type: "copy_ttl_in" };
    case ACTION_CODES.push_mpls:
      return { type: "push_mpls", ethertype: i.u16() };
    case ACTION_CODES.pop_mpls:
      return { type: "pop_mpls", ethertype: i.u16() };
    case ACTION_CODES.set_mpls_ttl:
      return { type: "set_mpls_ttl", ttl: i.u8() };
    case ACTION_CODES.dec_mpls_ttl:
      return { type: "dec_mpls_ttl" };
    case ACTION_CODES.experimenter:
      return { type: "experimenter", experimenter: i.u32(), body: i.bytes() };
    default:
      i.bad = true;
      return undefined;
  }
}

function readList(i: In): Action[] | undefined {
  const n = i.u16();
  const out: Action[] = [];
  for (let k = 0; k < n && !i.bad; k++) {
    const a = readAction(i);
    if (a === undefined) return undefined;
    out.push(a);
  }
  return i.bad ? undefined : out;
}

function decodeBinaryInstructions(b: Uint8Array): Instructions | undefined {
  const i = new In(b);
  const present = i.u8();
  if (present > 31) return undefined;
  const writeMetadata = present & 4 ? { value: i.u64(), mask: i.u64() } : undefined;
  const gotoTable = present & 8 ? i.u8() : undefined;
  const meterId = present & 16 ? i.u32() : undefined;
  const applyActions = readList(i);
  if (applyActions === undefined) return undefined;
  let writeActions: Action[] | undefined;
  if (present & 2) {
    writeActions = readList(i);
    if (writeActions === undefined) return undefined;
  }
  if (i.bad || i.at !== b.length) return undefined;
  return { applyActions, clearActions: (present & 1) !== 0, writeActions, writeMetadata, gotoTable, meterId };
}

/** Version 1's JSON instructions, or undefined. */
function decodeJsonInstructions(b: Uint8Array): Instructions | undefined {
  let instructions: unknown;
  try {
    instructions = JSON.parse(Buffer.from(b.subarray(FIXED)).toString("utf8"), reviver);
  } catch {
    return undefined;
  }
  if (typeof instructions !== "object" || instructions === null || !Array.isArray((instructions as Instructions).applyActions)) {
    return undefined;
  }
  const ins = instructions as Instructions;
  return {
    applyActions: ins.applyActions,
    clearActions: ins.clearActions === true,
    writeActions: ins.writeActions ?? undefined,
    writeMetadata: ins.writeMetadata ?? undefined,
    gotoTable: ins.gotoTable ?? undefined,
    meterId: ins.meterId ?? undefined,
  };
}

/** True when the bytes carry ofp4's tag (any version): the entry is ofp4's own. */
export function hasOfp4Tag(b: Uint8Array | null | undefined): boolean {
  if (!b || b.length < 5) return false;
  for (let i = 0; i < 4; i++) if (b[i] !== METADATA_TAG[i]) return false;
  return true;
}

/** The record in ofp4 metadata bytes, or undefined for foreign, damaged or unknown-version bytes. */
export function decodeRuleMetadata(b: Uint8Array | null | undefined): RuleRecord | undefined {
  if (!b || b.length < FIXED || !hasOfp4Tag(b)) return undefined;
  const version = b[4];
  const instructions = version === METADATA_VERSION ? decodeBinaryInstructions(b) : version === JSON_VERSION ? decodeJsonInstructions(b) : undefined;
  if (instructions === undefined) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    tableId: b[5]!,
    priority: dv.getUint32(6),
    cookie: dv.getBigUint64(10),
    flags: dv.getUint16(18),
    idleTimeout: dv.getUint16(20),
    hardTimeout: dv.getUint16(22),
    importance: dv.getUint16(24),
    instructions,
  };
}

/** Byte equality (metadata comparison during reconciliation). */
export function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  const x = a ?? new Uint8Array();
  const y = b ?? new Uint8Array();
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

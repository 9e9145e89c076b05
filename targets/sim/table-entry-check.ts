// Validation of one P4Runtime TableEntry against the schema, in the order and with the
// status codes PI/bmv2 use (../shared/p4runtime-facts.md §2.4). Produces the normalized
// match (values and masks per field, P4Info order), the identity key and the action call.
// Reads an entry decoded by protobufjs or by the fused decoder (update-decode.ts: byte ranges
// of the request, packed here without intermediate objects) with one set of rules and messages.
// Pure: it never looks at or touches the stored entries (existence is the device's check).
import type { p4 } from "../../src/generated/proto.js";
import { fitsWidthIn } from "./bitstring.js";
import { compareFields, getBig, isZero, putOnes, putPrefix, putRange } from "./packed.js";
import { ActionScope, MatchKind, type ActionInfo, type MatchFieldInfo, type ParamInfo, type Schema, type TableInfo } from "./schema.js";
import { bad, Code, good, type Checked } from "./status.js";
import { Choice, FIELD_STRIDE, PARAM_STRIDE, WireAction, WireTableEntry } from "./update-decode.js";

const EMPTY = new Uint8Array();

export interface CheckedMatch {
  /** Field values packed in the table's key layout (RANGE fields: the low bound), latin1. */
  readonly values: string;
  /** Field masks packed likewise (RANGE fields: the high bound), latin1. */
  readonly masks: string;
  readonly priority: number;
  /**
   * The values of the fields a table keeps in its entry keys — RANGE fields and the fields with
   * a non-zero mask (table.ts) — one after another in P4Info order; computed from `values`
   * when absent.
   */
  readonly key?: string;
}

/** Ids above this are looked up in the schema's maps instead of an array. */
const DENSE_IDS = 4096;

/** Items by id in an array when the ids are small (P4Info numbers fields and params from 1). */
function denseById<T extends { readonly id: number }>(items: readonly T[]): (T | undefined)[] | undefined {
  let max = 0;
  for (const it of items) max = Math.max(max, it.id);
  if (max >= DENSE_IDS) return undefined;
  const out = new Array<T | undefined>(max + 1).fill(undefined);
  for (const it of items) out[it.id] = it;
  return out;
}

/**
 * Reused state per table: packing buffers (checks run synchronously, one at a time), fields by
 * id, and the last mask vector with its key string — most entries of a table share a few mask
 * vectors, and reusing one string object spares building and hashing it again.
 */
interface TableScratch {
  readonly values: Buffer;
  readonly masks: Buffer;
  readonly key: Buffer;
  /** Bits of the RANGE fields' indexes (tables of up to 31 fields). */
  readonly rangeBits: number;
  /** The masks of an entry that matches no field (RANGE: the full range; others: 0). */
  readonly dontCare: Uint8Array;
  /** The EXACT fields (each must be matched), in P4Info order. */
  readonly exact: readonly MatchFieldInfo[];
  readonly byId: (MatchFieldInfo | undefined)[] | undefined;
  lastMasks: Buffer | undefined;
  lastMasksKey: string;
}
const tableScratch = new WeakMap<TableInfo, TableScratch>();
function scratchFor(table: TableInfo): TableScratch {
  let s = tableScratch.get(table);
  if (!s) {
    const { size, offsets, widths } = table.layout;
    const dontCare = new Uint8Array(size);
    for (const f of table.fields) if (f.kind === MatchKind.RANGE) putOnes(dontCare, offsets[f.index]!, widths[f.index]!, f.bitwidth);
    let rangeBits = 0;
    for (const f of table.fields) if (f.kind === MatchKind.RANGE && f.index < 31) rangeBits |= 1 << f.index;
    s = {
      values: Buffer.alloc(size),
      masks: Buffer.alloc(size),
      key: Buffer.alloc(size),
      rangeBits,
      dontCare,
      exact: table.fields.filter((f) => f.kind === MatchKind.EXACT),
      byId: denseById(table.fields),
      lastMasks: undefined,
      lastMasksKey: "",
    };
    tableScratch.set(table, s);
  }
  return s;
}

/** Reused param packing buffer, params by id, and the last packed params with their string, per action. */
interface ActionScratch {
  readonly packed: Buffer;
  /** Marks.bits when every param is seen (actions of up to 31 params). */
  readonly allBits: number;
  readonly byId: (ParamInfo | undefined)[] | undefined;
  last: Buffer | undefined;
  lastKey: string;
}
const actionScratch = new WeakMap<ActionInfo, ActionScratch>();
function actionScratchFor(action: ActionInfo): ActionScratch {
  let s = actionScratch.get(action);
  if (!s) {
    let allBits = 0;
    for (const p of action.params) if (p.index < 31) allBits |= 1 << p.index;
    s = { packed: Buffer.alloc(action.layout.size), allBits, byId: denseById(action.params), last: undefined, lastKey: "" };
    actionScratch.set(action, s);
  }
  return s;
}

/** "Seen" marks by index: a bit set for up to 31 indexes, an array beyond. */
class Marks {
  /** The marks as bits, while the set is small. */
  bits = 0;
  readonly big: boolean[] | undefined;
  constructor(n: number) {
    this.big = n > 31 ? new Array<boolean>(n).fill(false) : undefined;
  }
  has(i: number): boolean {
    return this.big ? this.big[i]! : (this.bits & (1 << i)) !== 0;
  }
  add(i: number): void {
    if (this.big) this.big[i] = true;
    else this.bits |= 1 << i;
  }
}

function describe(table: TableInfo, field: { name: string }): string {
  return `field '${field.name}' of table '${table.name}'`;
}

/** True when some bit of `values` is set where `masks` is clear, within one field. */
function outsideMask(values: Uint8Array, masks: Uint8Array, off: number, w: number): boolean {
  for (let i = off; i < off + w; i++) if ((values[i]! & ~masks[i]!) !== 0) return true;
  return false;
}

function equalBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The FieldMatch choice each match kind takes. */
function choiceOf(kind: MatchKind): Choice {
  switch (kind) {
    case MatchKind.EXACT:
      return Choice.EXACT;
    case MatchKind.LPM:
      return Choice.LPM;
    case MatchKind.TERNARY:
      return Choice.TERNARY;
    case MatchKind.RANGE:
      return Choice.RANGE;
    case MatchKind.OPTIONAL:
      return Choice.OPTIONAL;
    default:
      return Choice.NONE;
  }
}

/**
 * One field match as the rules read it, whichever decoder produced it: whether the choice the
 * field's kind needs is present, the first bytes field (value / low) as a[as, ae), the second
 * (mask / high) as b[bs, be), and the LPM prefix length. Filled by the two front-ends of
 * checkMatch, read by packField; module state, as checks never interleave.
 */
let present = false;
let a: Uint8Array = EMPTY;
let as = 0;
let ae = 0;
let b: Uint8Array = EMPTY;
let bs = 0;
let be = 0;
let prefixLen = 0;

/** Loads a protobufjs FieldMatch's choice for `kind` into the field-match state. */
function loadObject(fm: p4.v1.IFieldMatch, kind: MatchKind): void {
  let one: Uint8Array | null | undefined;
  let two: Uint8Array | null | undefined;
  prefixLen = 0;
  switch (kind) {
    case MatchKind.EXACT:
      present = !!fm.exact;
      one = fm.exact?.value;
      break;
    case MatchKind.LPM:
      present = !!fm.lpm;
      one = fm.lpm?.value;
      prefixLen = fm.lpm?.prefixLen ?? 0;
      break;
    case MatchKind.TERNARY:
      present = !!fm.ternary;
      one = fm.ternary?.value;
      two = fm.ternary?.mask;
      break;
    case MatchKind.RANGE:
      present = !!fm.range;
      one = fm.range?.low;
      two = fm.range?.high;
      break;
    case MatchKind.OPTIONAL:
      present = !!fm.optional;
      one = fm.optional?.value;
      break;
    default:
      present = false;
  }
  a = one ?? EMPTY;
  as = 0;
  ae = a.length;
  b = two ?? EMPTY;
  bs = 0;
  be = b.length;
}

/** Loads the k-th field match of a fused-decoded entry for `kind` into the field-match state. */
function loadWire(te: WireTableEntry, k: number, kind: MatchKind): void {
  const f = te.fields;
  present = f[k + 1] === choiceOf(kind);
  a = te.wire;
  as = f[k + 2]!;
  ae = f[k + 3]!;
  b = te.wire;
  bs = f[k + 4]!;
  be = f[k + 5]!;
  prefixLen = f[k + 4]!;
}

/** Every rule on one field's match (loaded above), packing it into values and masks. */
function packField(table: TableInfo, info: MatchFieldInfo, values: Buffer, masks: Buffer, off: number, bw: number): Checked<never> | undefined {
  const w = info.bitwidth;
  switch (info.kind) {
    case MatchKind.EXACT: {
      if (!present) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected EXACT`);
      if (!fitsWidthIn(a, as, ae, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
      putRange(values, off, bw, a, as, ae);
      putOnes(masks, off, bw, w);
      return undefined;
    }
    case MatchKind.LPM: {
      if (!present) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected LPM`);
      const len = prefixLen;
      if (!fitsWidthIn(a, as, ae, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
      if (len < 0 || len > w) return bad(Code.INVALID_ARGUMENT, `Invalid prefix length ${len} for ${describe(table, info)}`);
      if (len === 0) return bad(Code.INVALID_ARGUMENT, `Prefix length 0 for ${describe(table, info)}: a don't-care match must be omitted`);
      putRange(values, off, bw, a, as, ae);
      putPrefix(masks, off, bw, w, len);
      if (outsideMask(values, masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `LPM value of ${describe(table, info)} has bits set past its prefix length ${len}`);
      return undefined;
    }
    case MatchKind.TERNARY: {
      if (!present) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected TERNARY`);
      if (!fitsWidthIn(a, as, ae, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
      if (!fitsWidthIn(b, bs, be, w)) return bad(Code.INVALID_ARGUMENT, `Mask of ${describe(table, info)} is wider than ${w} bits`);
      putRange(values, off, bw, a, as, ae);
      putRange(masks, off, bw, b, bs, be);
      if (isZero(masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `Zero ternary mask for ${describe(table, info)}: a don't-care match must be omitted`);
      if (outsideMask(values, masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `Ternary value of ${describe(table, info)} has bits set outside its mask`);
      return undefined;
    }
    case MatchKind.RANGE: {
      if (!present) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected RANGE`);
      if (!fitsWidthIn(a, as, ae, w) || !fitsWidthIn(b, bs, be, w)) return bad(Code.INVALID_ARGUMENT, `Range bound of ${describe(table, info)} is wider than ${w} bits`);
      putRange(values, off, bw, a, as, ae);
      putRange(masks, off, bw, b, bs, be);
      if (compareFields(values, masks, off, bw) > 0) return bad(Code.INVALID_ARGUMENT, `Range of ${describe(table, info)} has low > high`);
      // A full range is accepted (bmv2): its packed bounds are those of an omitted field.
      return undefined;
    }
    case MatchKind.OPTIONAL: {
      if (!present) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected OPTIONAL`);
      if (!fitsWidthIn(a, as, ae, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
      putRange(values, off, bw, a, as, ae);
      putOnes(masks, off, bw, w);
      return undefined;
    }
    default:
      return bad(Code.INVALID_ARGUMENT, `Unsupported match kind for ${describe(table, info)}`);
  }
}

/** The match and priority of an entry: every rule on fields, kinds, widths and priority. */
export function checkMatch(table: TableInfo, entry: p4.v1.ITableEntry): Checked<CheckedMatch> {
  const layout = table.layout;
  const s = scratchFor(table);
  const { values, masks, byId } = s;
  // Every field a don't-care to begin with; each field match below overwrites its own bytes.
  values.fill(0);
  masks.set(s.dontCare);
  const seen = new Marks(table.fields.length);
  const wire = entry instanceof WireTableEntry ? entry : undefined;
  const objects = wire ? undefined : (entry.match ?? []);
  const n = wire ? wire.fieldCount : objects!.length;
  for (let i = 0; i < n; i++) {
    const fm = objects?.[i];
    const fieldId = wire ? wire.fields[i * FIELD_STRIDE]! : (fm!.fieldId ?? 0);
    const info = byId ? byId[fieldId] : table.fieldsById.get(fieldId);
    if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown match field id ${fieldId} for table '${table.name}'`);
    if (seen.has(info.index)) return bad(Code.INVALID_ARGUMENT, `Duplicate match for ${describe(table, info)}`);
    seen.add(info.index);
    if (wire) loadWire(wire, i * FIELD_STRIDE, info.kind);
    else loadObject(fm!, info.kind);
    const failed = packField(table, info, values, masks, layout.offsets[info.index]!, layout.widths[info.index]!);
    a = EMPTY;
    b = EMPTY;
    if (failed) return failed;
  }
  const exact = s.exact;
  for (let i = 0; i < exact.length; i++) {
    const info = exact[i]!;
    if (!seen.has(info.index)) return bad(Code.INVALID_ARGUMENT, `Missing exact match for ${describe(table, info)}`);
  }
  const priority = entry.priority ?? 0;
  // bmv2: PI passes a negative priority of a table that takes priorities on to the target, which refuses it.
  if (priority < 0 && table.needsPriority) return bad(Code.UNKNOWN, "Error when adding match entry to target");
  if (priority < 0) return bad(Code.INVALID_ARGUMENT, `Negative priority ${priority} for table '${table.name}'`);
  if (table.needsPriority && priority === 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has ternary, range or optional fields: priority must be > 0`);
  }
  if (!table.needsPriority && priority !== 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has no ternary, range or optional field: priority must be 0`);
  }
  let masksKey: string;
  if (s.lastMasks && equalBytes(s.lastMasks, masks, layout.size)) masksKey = s.lastMasksKey;
  else {
    masksKey = masks.toString("latin1");
    s.lastMasks = Buffer.from(masks);
    s.lastMasksKey = masksKey;
  }
  // The entry key, as table.ts defines it: the RANGE fields and the fields with a non-zero mask
  // (only a matched field has one), in P4Info order.
  const keyBuf = s.key;
  let keyLen = 0;
  if (!seen.big) {
    let bits = seen.bits | s.rangeBits;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const i = 31 - Math.clz32(low);
      const off = layout.offsets[i]!;
      const w = layout.widths[i]!;
      if ((s.rangeBits & low) === 0 && isZero(masks, off, w)) continue;
      for (let j = off; j < off + w; j++) keyBuf[keyLen++] = values[j]!;
    }
  } else {
    for (const info of table.fields) {
      const off = layout.offsets[info.index]!;
      const w = layout.widths[info.index]!;
      if (info.kind !== MatchKind.RANGE && isZero(masks, off, w)) continue;
      for (let j = off; j < off + w; j++) keyBuf[keyLen++] = values[j]!;
    }
  }
  return good(new KeyedMatch(table, masksKey, priority, keyBuf.toString("latin1", 0, keyLen)));
}

/** A checked match as checkMatch gives it: the entry key, and the full values only on demand. */
class KeyedMatch implements CheckedMatch {
  constructor(
    private readonly table: TableInfo,
    readonly masks: string,
    readonly priority: number,
    readonly key: string,
  ) {}

  get values(): string {
    const { offsets, widths, size } = this.table.layout;
    const out = Buffer.alloc(size);
    let k = 0;
    for (const f of this.table.fields) {
      const off = offsets[f.index]!;
      const w = widths[f.index]!;
      let zero = true;
      for (let j = off; j < off + w; j++) if (this.masks.charCodeAt(j) !== 0) zero = false;
      if (f.kind !== MatchKind.RANGE && zero) continue;
      for (let j = off; j < off + w; j++) out[j] = this.key.charCodeAt(k++);
    }
    return out.toString("latin1");
  }
}

/**
 * The action of an entry (forDefault: of the default entry): profile vs direct, id, the
 * table's action list and scopes, params. Scope violations are PERMISSION_DENIED as in PI.
 */
/** A checked action: its id and params packed in the action's layout. */
export interface PackedAction {
  readonly actionId: number;
  readonly packed: string;
}

export function checkAction(schema: Schema, table: TableInfo, ta: p4.v1.ITableAction, forDefault: boolean): Checked<PackedAction> {
  if (!ta.action) {
    if (table.implementationId === 0) return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' is a direct table: action profile members or groups cannot be used`);
    return bad(Code.UNIMPLEMENTED, `Action profiles are not supported by the sim (table '${table.name}')`);
  }
  if (table.implementationId !== 0) return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' is an indirect table: a direct action cannot be used`);
  const id = ta.action.actionId ?? 0;
  const action = schema.actions.get(id);
  if (!action) return bad(Code.INVALID_ARGUMENT, `Invalid P4 id ${id}: no such action`);
  const scope = table.actions.get(id);
  if (scope === undefined) return bad(Code.INVALID_ARGUMENT, `Action '${action.name}' is not an action of table '${table.name}'`);
  if (forDefault && scope === ActionScope.TABLE_ONLY) return bad(Code.PERMISSION_DENIED, `Action '${action.name}' is @tableonly in table '${table.name}': it cannot be the default action`);
  if (!forDefault && scope === ActionScope.DEFAULT_ONLY) return bad(Code.PERMISSION_DENIED, `Action '${action.name}' is @defaultonly in table '${table.name}': it cannot be used in an entry`);
  // No clearing: a successful check writes every param's full width.
  const scratch = actionScratchFor(action);
  const { packed, byId } = scratch;
  const seen = new Marks(action.params.length);
  const wire = ta.action instanceof WireAction ? ta.action : undefined;
  if (wire) {
    const r = wire.ranges;
    const buf = wire.wire;
    for (let k = 0; k < r.length; k += PARAM_STRIDE) {
      const info = byId ? byId[r[k]!] : action.paramsById.get(r[k]!);
      const failed = packParam(action, info, r[k]!, seen, buf, r[k + 1]!, r[k + 2]!, packed);
      if (failed) return failed;
    }
  } else {
    for (const p of ta.action.params ?? []) {
      const paramId = p.paramId ?? 0;
      const v = p.value ?? EMPTY;
      const failed = packParam(action, byId ? byId[paramId] : action.paramsById.get(paramId), paramId, seen, v, 0, v.length, packed);
      if (failed) return failed;
    }
  }
  if (seen.big || seen.bits !== scratch.allBits) {
    const all = action.params;
    for (let i = 0; i < all.length; i++) {
      const p = all[i]!;
      if (!seen.has(p.index)) return bad(Code.INVALID_ARGUMENT, `Missing param '${p.name}' for action '${action.name}'`);
    }
  }
  // Entries often share their action and params: the same string again is cheaper to build and hash.
  let key: string;
  if (scratch.last && equalBytes(scratch.last, packed, packed.length)) key = scratch.lastKey;
  else {
    key = packed.toString("latin1");
    scratch.last = Buffer.from(packed);
    scratch.lastKey = key;
  }
  return good({ actionId: id, packed: key });
}

/** Every rule on one param (value in v[start, end)), packing it into `packed`. */
function packParam(
  action: ActionInfo,
  info: ParamInfo | undefined,
  paramId: number,
  seen: Marks,
  v: Uint8Array,
  start: number,
  end: number,
  packed: Buffer,
): Checked<never> | undefined {
  if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown param id ${paramId} for action '${action.name}'`);
  if (seen.has(info.index)) return bad(Code.INVALID_ARGUMENT, `Duplicate param '${info.name}' for action '${action.name}'`);
  seen.add(info.index);
  if (!fitsWidthIn(v, start, end, info.bitwidth)) return bad(Code.INVALID_ARGUMENT, `Value of param '${info.name}' of action '${action.name}' is wider than ${info.bitwidth} bits`);
  putRange(packed, action.layout.offsets[info.index]!, action.layout.widths[info.index]!, v, start, end);
  return undefined;
}

/** The params of a packed action, in P4Info order. */
export function unpackParams(schema: Schema, actionId: number, packed: string): bigint[] {
  const action = schema.actions.get(actionId);
  if (!action) return [];
  const buf = Buffer.from(packed, "latin1");
  return action.params.map((p) => getBig(buf, action.layout.offsets[p.index]!, action.layout.widths[p.index]!));
}

// Validation of one P4Runtime TableEntry against the schema, in the order and with the
// status codes PI/bmv2 use (../shared/p4runtime-facts.md §2.4). Produces the normalized
// match (values and masks per field, P4Info order), the identity key and the action call.
// Pure: it never looks at or touches the stored entries (existence is the device's check).
import type { p4 } from "../../src/generated/proto.js";
import { fitsWidth } from "./bitstring.js";
import { getBig, isZero, putBytes, putOnes, putPrefix } from "./packed.js";
import { ActionScope, MatchKind, type Schema, type TableInfo } from "./schema.js";
import { bad, Code, good, type Checked } from "./status.js";

const EMPTY = new Uint8Array();

export interface CheckedMatch {
  /** Field values packed in the table's key layout (RANGE fields: the low bound), latin1. */
  readonly values: string;
  /** Field masks packed likewise (RANGE fields: the high bound), latin1. */
  readonly masks: string;
  readonly priority: number;
}

/** Reused packing buffers per table and per action (checks run synchronously, one at a time). */
const scratch = new WeakMap<object, { values: Buffer; masks: Buffer }>();
function scratchFor(owner: object, size: number): { values: Buffer; masks: Buffer } {
  let s = scratch.get(owner);
  if (!s) {
    s = { values: Buffer.alloc(size), masks: Buffer.alloc(size) };
    scratch.set(owner, s);
  }
  s.values.fill(0);
  s.masks.fill(0);
  return s;
}

/** Reused param packing buffers per action. */
const paramScratch = new WeakMap<object, Buffer>();

/** "Seen" marks by index: a bit set for up to 31 indexes, an array beyond. */
class Marks {
  private bits = 0;
  private readonly big: boolean[] | undefined;
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
function outsideMask(values: Buffer, masks: Buffer, off: number, w: number): boolean {
  for (let i = off; i < off + w; i++) if ((values[i]! & ~masks[i]!) !== 0) return true;
  return false;
}

/** The match and priority of an entry: every rule on fields, kinds, widths and priority. */
export function checkMatch(table: TableInfo, entry: p4.v1.ITableEntry): Checked<CheckedMatch> {
  const layout = table.layout;
  const { values, masks } = scratchFor(table, layout.size);
  const seen = new Marks(table.fields.length);
  for (const fm of entry.match ?? []) {
    const info = table.fieldsById.get(fm.fieldId ?? 0);
    if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown match field id ${fm.fieldId ?? 0} for table '${table.name}'`);
    if (seen.has(info.index)) return bad(Code.INVALID_ARGUMENT, `Duplicate match for ${describe(table, info)}`);
    seen.add(info.index);
    const w = info.bitwidth;
    const off = layout.offsets[info.index]!;
    const bw = layout.widths[info.index]!;
    switch (info.kind) {
      case MatchKind.EXACT: {
        if (!fm.exact) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected EXACT`);
        const v = fm.exact.value ?? EMPTY;
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
        putBytes(values, off, bw, v);
        putOnes(masks, off, bw, w);
        break;
      }
      case MatchKind.LPM: {
        if (!fm.lpm) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected LPM`);
        const v = fm.lpm.value ?? EMPTY;
        const len = fm.lpm.prefixLen ?? 0;
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
        if (len < 0 || len > w) return bad(Code.INVALID_ARGUMENT, `Invalid prefix length ${len} for ${describe(table, info)}`);
        if (len === 0) return bad(Code.INVALID_ARGUMENT, `Prefix length 0 for ${describe(table, info)}: a don't-care match must be omitted`);
        putBytes(values, off, bw, v);
        putPrefix(masks, off, bw, w, len);
        if (outsideMask(values, masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `LPM value of ${describe(table, info)} has bits set past its prefix length ${len}`);
        break;
      }
      case MatchKind.TERNARY: {
        if (!fm.ternary) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected TERNARY`);
        const v = fm.ternary.value ?? EMPTY;
        const m = fm.ternary.mask ?? EMPTY;
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
        if (!fitsWidth(m, w)) return bad(Code.INVALID_ARGUMENT, `Mask of ${describe(table, info)} is wider than ${w} bits`);
        putBytes(values, off, bw, v);
        putBytes(masks, off, bw, m);
        if (isZero(masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `Zero ternary mask for ${describe(table, info)}: a don't-care match must be omitted`);
        if (outsideMask(values, masks, off, bw)) return bad(Code.INVALID_ARGUMENT, `Ternary value of ${describe(table, info)} has bits set outside its mask`);
        break;
      }
      case MatchKind.RANGE: {
        if (!fm.range) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected RANGE`);
        const lo = fm.range.low ?? EMPTY;
        const hi = fm.range.high ?? EMPTY;
        if (!fitsWidth(lo, w) || !fitsWidth(hi, w)) return bad(Code.INVALID_ARGUMENT, `Range bound of ${describe(table, info)} is wider than ${w} bits`);
        putBytes(values, off, bw, lo);
        putBytes(masks, off, bw, hi);
        if (Buffer.compare(values.subarray(off, off + bw), masks.subarray(off, off + bw)) > 0) return bad(Code.INVALID_ARGUMENT, `Range of ${describe(table, info)} has low > high`);
        const full = Buffer.alloc(bw);
        putOnes(full, 0, bw, w);
        if (isZero(values, off, bw) && full.equals(masks.subarray(off, off + bw))) {
          return bad(Code.INVALID_ARGUMENT, `Full range for ${describe(table, info)}: a don't-care match must be omitted`);
        }
        break;
      }
      case MatchKind.OPTIONAL: {
        if (!fm.optional) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${describe(table, info)}: expected OPTIONAL`);
        const v = fm.optional.value ?? EMPTY;
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${describe(table, info)} is wider than ${w} bits`);
        putBytes(values, off, bw, v);
        putOnes(masks, off, bw, w);
        break;
      }
      default:
        return bad(Code.INVALID_ARGUMENT, `Unsupported match kind for ${describe(table, info)}`);
    }
  }
  for (const info of table.fields) {
    if (seen.has(info.index)) continue;
    if (info.kind === MatchKind.EXACT) return bad(Code.INVALID_ARGUMENT, `Missing exact match for ${describe(table, info)}`);
    // Range don't-care = the full range; the others are value 0, mask 0.
    if (info.kind === MatchKind.RANGE) putOnes(masks, layout.offsets[info.index]!, layout.widths[info.index]!, info.bitwidth);
  }
  const priority = entry.priority ?? 0;
  if (priority < 0) return bad(Code.INVALID_ARGUMENT, `Negative priority ${priority} for table '${table.name}'`);
  if (table.needsPriority && priority === 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has ternary, range or optional fields: priority must be > 0`);
  }
  if (!table.needsPriority && priority !== 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has no ternary, range or optional field: priority must be 0`);
  }
  return good({ values: values.toString("latin1"), masks: masks.toString("latin1"), priority });
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
  const layout = action.layout;
  // No clearing: a successful check writes every param's full width.
  let packed = paramScratch.get(action);
  if (!packed) {
    packed = Buffer.alloc(layout.size);
    paramScratch.set(action, packed);
  }
  const seen = new Marks(action.params.length);
  for (const p of ta.action.params ?? []) {
    const info = action.paramsById.get(p.paramId ?? 0);
    if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown param id ${p.paramId ?? 0} for action '${action.name}'`);
    if (seen.has(info.index)) return bad(Code.INVALID_ARGUMENT, `Duplicate param '${info.name}' for action '${action.name}'`);
    seen.add(info.index);
    const v = p.value ?? EMPTY;
    if (!fitsWidth(v, info.bitwidth)) return bad(Code.INVALID_ARGUMENT, `Value of param '${info.name}' of action '${action.name}' is wider than ${info.bitwidth} bits`);
    putBytes(packed, layout.offsets[info.index]!, layout.widths[info.index]!, v);
  }
  const missing = action.params.find((p) => !seen.has(p.index));
  if (missing) return bad(Code.INVALID_ARGUMENT, `Missing param '${missing.name}' for action '${action.name}'`);
  return good({ actionId: id, packed: packed.toString("latin1") });
}

/** The params of a packed action, in P4Info order. */
export function unpackParams(schema: Schema, actionId: number, packed: string): bigint[] {
  const action = schema.actions.get(actionId);
  if (!action) return [];
  const buf = Buffer.from(packed, "latin1");
  return action.params.map((p) => getBig(buf, action.layout.offsets[p.index]!, action.layout.widths[p.index]!));
}

// Validation of one P4Runtime TableEntry against the schema, in the order and with the
// status codes PI/bmv2 use (../shared/p4runtime-facts.md §2.4). Produces the normalized
// match (values and masks per field, P4Info order), the identity key and the action call.
// Pure: it never looks at or touches the stored entries (existence is the device's check).
import type { p4 } from "../../src/generated/proto.js";
import { fitsWidth, ones, prefixMask, toBigInt } from "./bitstring.js";
import { ActionScope, MatchKind, type ActionCall, type Schema, type TableInfo } from "./schema.js";
import { bad, Code, good, type Checked } from "./status.js";
import { entryKey } from "./table.js";

export interface CheckedMatch {
  readonly values: bigint[];
  readonly masks: bigint[];
  readonly priority: number;
  readonly key: string;
}

function describe(table: TableInfo, field: { name: string }): string {
  return `field '${field.name}' of table '${table.name}'`;
}

/** The match and priority of an entry: every rule on fields, kinds, widths and priority. */
export function checkMatch(table: TableInfo, entry: p4.v1.ITableEntry): Checked<CheckedMatch> {
  const n = table.fields.length;
  const values = new Array<bigint>(n).fill(0n);
  const masks = new Array<bigint>(n).fill(0n);
  const seen = new Array<boolean>(n).fill(false);
  for (const fm of entry.match ?? []) {
    const info = table.fieldsById.get(fm.fieldId ?? 0);
    if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown match field id ${fm.fieldId ?? 0} for table '${table.name}'`);
    if (seen[info.index]) return bad(Code.INVALID_ARGUMENT, `Duplicate match for ${describe(table, info)}`);
    seen[info.index] = true;
    const w = info.bitwidth;
    const what = describe(table, info);
    switch (info.kind) {
      case MatchKind.EXACT: {
        if (!fm.exact) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${what}: expected EXACT`);
        const v = fm.exact.value ?? new Uint8Array();
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${what} is wider than ${w} bits`);
        values[info.index] = toBigInt(v);
        masks[info.index] = ones(w);
        break;
      }
      case MatchKind.LPM: {
        if (!fm.lpm) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${what}: expected LPM`);
        const v = fm.lpm.value ?? new Uint8Array();
        const len = fm.lpm.prefixLen ?? 0;
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${what} is wider than ${w} bits`);
        if (len < 0 || len > w) return bad(Code.INVALID_ARGUMENT, `Invalid prefix length ${len} for ${what}`);
        if (len === 0) return bad(Code.INVALID_ARGUMENT, `Prefix length 0 for ${what}: a don't-care match must be omitted`);
        const value = toBigInt(v);
        const mask = prefixMask(len, w);
        if ((value & mask) !== value) return bad(Code.INVALID_ARGUMENT, `LPM value of ${what} has bits set past its prefix length ${len}`);
        values[info.index] = value;
        masks[info.index] = mask;
        break;
      }
      case MatchKind.TERNARY: {
        if (!fm.ternary) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${what}: expected TERNARY`);
        const v = fm.ternary.value ?? new Uint8Array();
        const m = fm.ternary.mask ?? new Uint8Array();
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${what} is wider than ${w} bits`);
        if (!fitsWidth(m, w)) return bad(Code.INVALID_ARGUMENT, `Mask of ${what} is wider than ${w} bits`);
        const value = toBigInt(v);
        const mask = toBigInt(m);
        if (mask === 0n) return bad(Code.INVALID_ARGUMENT, `Zero ternary mask for ${what}: a don't-care match must be omitted`);
        if ((value & mask) !== value) return bad(Code.INVALID_ARGUMENT, `Ternary value of ${what} has bits set outside its mask`);
        values[info.index] = value;
        masks[info.index] = mask;
        break;
      }
      case MatchKind.RANGE: {
        if (!fm.range) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${what}: expected RANGE`);
        const lo = fm.range.low ?? new Uint8Array();
        const hi = fm.range.high ?? new Uint8Array();
        if (!fitsWidth(lo, w) || !fitsWidth(hi, w)) return bad(Code.INVALID_ARGUMENT, `Range bound of ${what} is wider than ${w} bits`);
        const low = toBigInt(lo);
        const high = toBigInt(hi);
        if (low > high) return bad(Code.INVALID_ARGUMENT, `Range of ${what} has low > high`);
        if (low === 0n && high === ones(w)) return bad(Code.INVALID_ARGUMENT, `Full range for ${what}: a don't-care match must be omitted`);
        values[info.index] = low;
        masks[info.index] = high;
        break;
      }
      case MatchKind.OPTIONAL: {
        if (!fm.optional) return bad(Code.INVALID_ARGUMENT, `Wrong match kind for ${what}: expected OPTIONAL`);
        const v = fm.optional.value ?? new Uint8Array();
        if (!fitsWidth(v, w)) return bad(Code.INVALID_ARGUMENT, `Value of ${what} is wider than ${w} bits`);
        values[info.index] = toBigInt(v);
        masks[info.index] = ones(w);
        break;
      }
      default:
        return bad(Code.INVALID_ARGUMENT, `Unsupported match kind for ${what}`);
    }
  }
  for (const info of table.fields) {
    if (seen[info.index]) continue;
    if (info.kind === MatchKind.EXACT) return bad(Code.INVALID_ARGUMENT, `Missing exact match for ${describe(table, info)}`);
    // Range don't-care = the full range; the others are value 0, mask 0.
    if (info.kind === MatchKind.RANGE) masks[info.index] = ones(info.bitwidth);
  }
  const priority = entry.priority ?? 0;
  if (priority < 0) return bad(Code.INVALID_ARGUMENT, `Negative priority ${priority} for table '${table.name}'`);
  if (table.needsPriority && priority === 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has ternary, range or optional fields: priority must be > 0`);
  }
  if (!table.needsPriority && priority !== 0) {
    return bad(Code.INVALID_ARGUMENT, `Table '${table.name}' has no ternary, range or optional field: priority must be 0`);
  }
  return good({ values, masks, priority, key: entryKey(values, masks, priority) });
}

/**
 * The action of an entry (forDefault: of the default entry): profile vs direct, id, the
 * table's action list and scopes, params. Scope violations are PERMISSION_DENIED as in PI.
 */
export function checkAction(schema: Schema, table: TableInfo, ta: p4.v1.ITableAction, forDefault: boolean): Checked<ActionCall> {
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
  const params = new Array<bigint>(action.params.length).fill(0n);
  const seen = new Array<boolean>(action.params.length).fill(false);
  for (const p of ta.action.params ?? []) {
    const info = action.paramsById.get(p.paramId ?? 0);
    if (!info) return bad(Code.INVALID_ARGUMENT, `Unknown param id ${p.paramId ?? 0} for action '${action.name}'`);
    if (seen[info.index]) return bad(Code.INVALID_ARGUMENT, `Duplicate param '${info.name}' for action '${action.name}'`);
    seen[info.index] = true;
    const v = p.value ?? new Uint8Array();
    if (!fitsWidth(v, info.bitwidth)) return bad(Code.INVALID_ARGUMENT, `Value of param '${info.name}' of action '${action.name}' is wider than ${info.bitwidth} bits`);
    params[info.index] = toBigInt(v);
  }
  const missing = action.params.find((p) => !seen[p.index]);
  if (missing) return bad(Code.INVALID_ARGUMENT, `Missing param '${missing.name}' for action '${action.name}'`);
  return good({ actionId: id, params });
}

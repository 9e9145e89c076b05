// Readable entities: builds P4Runtime TableEntry / Update / PacketOut metadata from names and
// plain values using the P4Info index, e.g.
//   tableEntry(info, { table: "ingress.t", match: { "hdr.eth.dst": { ternary: [v, m] } },
//                      action: "ingress.fwd", params: { port: 1 }, priority: 10 })
// and prints them back readably. Values become canonical bytestrings checked against widths.
// Unknown names and bad values throw an EntityError naming the table, field, action or param.
import { p4 } from "../generated/proto.js";
import { BytesError, bytesToBigint, fieldBytes, lpm, maxValue, range, ternary, type ByteValue } from "./bytes.js";
import type { ActionInfo, P4InfoIndex, TableInfo } from "./p4info.js";
import { P4InfoError } from "./p4info.js";

export class EntityError extends Error {
  override readonly name = "EntityError";
}

/** How one match field is given: a plain value (meaning "exactly this"), or by kind. */
export type MatchValue =
  | ByteValue
  | { exact: ByteValue }
  | { ternary: readonly [ByteValue, ByteValue] }
  | { lpm: readonly [ByteValue, number] }
  | { range: readonly [ByteValue, ByteValue] }
  | { optional: ByteValue };

export interface TableEntrySpec {
  table: string | number;
  /** Match fields by name (or id); omitted fields are don't-care. */
  match?: Readonly<Record<string, MatchValue>>;
  action?: string | number;
  params?: Readonly<Record<string, ByteValue>>;
  priority?: number;
  isDefault?: boolean;
  metadata?: Uint8Array;
  idleTimeoutNs?: bigint;
}

function isPlain(v: MatchValue): v is ByteValue {
  return typeof v !== "object" || v instanceof Uint8Array;
}

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BytesError || e instanceof P4InfoError) throw new EntityError(`${what}: ${e.message}`);
    throw e;
  }
}

function fieldMatch(t: TableInfo, name: string, v: MatchValue): p4.v1.IFieldMatch {
  const f = wrap(`table "${t.name}"`, () => t.field(/^\d+$/.test(name) ? Number(name) : name));
  const where = `table "${t.name}" field "${f.name}"`;
  return wrap(where, () => {
    const kind = f.matchKind;
    const w = f.bitwidth;
    if (isPlain(v)) {
      if (kind === "exact") return { fieldId: f.id, exact: { value: fieldBytes(v, w, f.name) } };
      if (kind === "optional") return { fieldId: f.id, optional: { value: fieldBytes(v, w, f.name) } };
      if (kind === "ternary") return { fieldId: f.id, ternary: ternary(v, maxValue(w), w, f.name) };
      if (kind === "lpm") return { fieldId: f.id, lpm: lpm(v, w, w, f.name) };
      if (kind === "range") {
        const b = fieldBytes(v, w, f.name);
        return { fieldId: f.id, range: { low: b, high: b } };
      }
      throw new EntityError(`match kind ${kind} needs an explicit form`);
    }
    const given = Object.keys(v)[0] ?? "";
    if (given !== kind) throw new EntityError(`is a ${kind} field, not ${given}`);
    if ("exact" in v) return { fieldId: f.id, exact: { value: fieldBytes(v.exact, w, f.name) } };
    if ("optional" in v) return { fieldId: f.id, optional: { value: fieldBytes(v.optional, w, f.name) } };
    if ("ternary" in v) return { fieldId: f.id, ternary: ternary(v.ternary[0], v.ternary[1], w, f.name) };
    if ("lpm" in v) return { fieldId: f.id, lpm: lpm(v.lpm[0], v.lpm[1], w, f.name) };
    return { fieldId: f.id, range: range(v.range[0], v.range[1], w, f.name) };
  });
}

/** A p4.v1.Action from an action name and params by name; every param must be given. */
export function action(info: P4InfoIndex, name: string | number, params: Readonly<Record<string, ByteValue>> = {}): p4.v1.IAction {
  const a: ActionInfo = wrap("action", () => info.action(name));
  const where = `action "${a.name}"`;
  for (const k of Object.keys(params)) wrap(where, () => a.param(k));
  return {
    actionId: a.id,
    params: a.params.map((p) => {
      const v = params[p.name];
      if (v === undefined) throw new EntityError(`${where}: param "${p.name}" is missing`);
      return { paramId: p.id, value: wrap(where, () => fieldBytes(v, p.bitwidth, p.name)) };
    }),
  };
}

/** A p4.v1.TableEntry from readable values. */
export function tableEntry(info: P4InfoIndex, s: TableEntrySpec): p4.v1.ITableEntry {
  const t = wrap("table", () => info.table(s.table));
  const match = Object.entries(s.match ?? {}).map(([k, v]) => fieldMatch(t, k, v));
  const e: p4.v1.ITableEntry = { tableId: t.id, match };
  if (s.priority !== undefined) e.priority = s.priority;
  else if (t.needsPriority && !s.isDefault) {
    throw new EntityError(`table "${t.name}" has ternary, range or optional fields: give a priority > 0`);
  }
  if (s.action !== undefined) {
    const a = action(info, s.action, s.params);
    if (!t.actionRef(a.actionId ?? 0)) throw new EntityError(`table "${t.name}" has no action "${info.action(s.action).name}"`);
    e.action = { action: a };
  }
  if (s.isDefault) e.isDefaultAction = true;
  if (s.metadata) e.metadata = s.metadata;
  if (s.idleTimeoutNs !== undefined) e.idleTimeoutNs = s.idleTimeoutNs;
  return e;
}

export type UpdateKind = "INSERT" | "MODIFY" | "DELETE";

/** p4.v1.Update.Type: INSERT 1, MODIFY 2, DELETE 3. */
export const UpdateType = p4.v1.Update.Type;
export type UpdateType = p4.v1.Update.Type;

/** The name of an update type ("INSERT", ...; an unknown one by its number). */
export function updateKindName(type: number | null | undefined): string {
  return p4.v1.Update.Type[type ?? 0] ?? String(type);
}

/** A p4.v1.Update of `entity`. */
export function update(kind: UpdateKind, entity: p4.v1.IEntity): p4.v1.IUpdate {
  return { type: p4.v1.Update.Type[kind], entity };
}

/** An Update of a table entry built from readable values. */
export function tableUpdate(info: P4InfoIndex, kind: UpdateKind, s: TableEntrySpec): p4.v1.IUpdate {
  return update(kind, { tableEntry: tableEntry(info, s) });
}

/** PacketOut metadata from the `packet_out` header's field names (missing fields are left out). */
export function packetOutMetadata(
  info: P4InfoIndex,
  values: Readonly<Record<string, ByteValue>>,
  header = "packet_out",
): { metadataId: number; value: Uint8Array }[] {
  const h = wrap("controller header", () => info.controllerHeaders.get(header));
  return Object.entries(values).map(([k, v]) => {
    const f = wrap(`controller header "${h.name}"`, () => h.field(k));
    return { metadataId: f.id, value: wrap(`controller header "${h.name}"`, () => fieldBytes(v, f.bitwidth, f.name)) };
  });
}

/** PacketIn metadata by field name (unknown ids are kept under "#<id>"). */
export function packetInMetadata(info: P4InfoIndex, pin: p4.v1.IPacketIn, header = "packet_in"): Record<string, bigint> {
  const h = info.controllerHeaders.find(header);
  const out: Record<string, bigint> = {};
  for (const m of pin.metadata ?? []) {
    const f = h?.findField(m.metadataId ?? 0);
    out[f ? f.name : `#${m.metadataId ?? 0}`] = bytesToBigint(m.value ?? new Uint8Array());
  }
  return out;
}

const hexOf = (b: Uint8Array | null | undefined): string => "0x" + (b && b.length ? Buffer.from(b).toString("hex") : "00");

/** A readable one-line rendering of a table entry, with names from the P4Info. */
export function describeTableEntry(info: P4InfoIndex, e: p4.v1.ITableEntry): string {
  const t = info.tables.find(e.tableId ?? 0);
  const parts: string[] = [t ? t.name : `table#${e.tableId ?? 0}`];
  for (const m of e.match ?? []) {
    const f = t?.findField(m.fieldId ?? 0);
    const n = f ? f.name : `#${m.fieldId ?? 0}`;
    if (m.exact) parts.push(`${n}=${hexOf(m.exact.value)}`);
    else if (m.ternary) parts.push(`${n}=${hexOf(m.ternary.value)}&&&${hexOf(m.ternary.mask)}`);
    else if (m.lpm) parts.push(`${n}=${hexOf(m.lpm.value)}/${m.lpm.prefixLen ?? 0}`);
    else if (m.range) parts.push(`${n}=${hexOf(m.range.low)}..${hexOf(m.range.high)}`);
    else if (m.optional) parts.push(`${n}=${hexOf(m.optional.value)}?`);
  }
  if (e.priority) parts.push(`priority=${e.priority}`);
  if (e.isDefaultAction) parts.push("(default)");
  const a = e.action?.action;
  if (a) {
    const ai = info.actions.find(a.actionId ?? 0);
    const ps = (a.params ?? []).map((p) => `${ai?.findParam(p.paramId ?? 0)?.name ?? `#${p.paramId ?? 0}`}=${hexOf(p.value)}`);
    parts.push(`-> ${ai ? ai.name : `action#${a.actionId ?? 0}`}(${ps.join(", ")})`);
  }
  return parts.join(" ");
}

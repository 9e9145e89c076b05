// The P4Info model: loads a P4Info from p4c's text format (.p4info.txtpb / .txt), proto3 JSON or
// binary, checks it (no duplicate ids, no dangling references) and indexes tables, match fields,
// actions, params, counters, meters, action profiles and controller packet metadata by id, name
// and alias. The index is immutable once built. Loading errors throw P4InfoError naming the
// offending object; lookups by name throw P4InfoError naming the unknown name (find* return
// undefined instead). Never talks to a device.
import { readFileSync } from "node:fs";
import { p4 } from "../generated/proto.js";
import { parseProtoJson, parseTextFormat } from "./text-format.js";

import cfg = p4.config.v1;

export class P4InfoError extends Error {
  override readonly name = "P4InfoError";
}

export type MatchKind = "exact" | "lpm" | "ternary" | "range" | "optional" | "unspecified" | `other:${string}`;

export interface MatchFieldInfo {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
  readonly matchKind: MatchKind;
}

export interface ActionRefInfo {
  readonly id: number;
  readonly scope: "table_and_default" | "table_only" | "default_only";
}

export interface TableInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly matchFields: readonly MatchFieldInfo[];
  readonly actionRefs: readonly ActionRefInfo[];
  /** 0 when the default action may be changed. */
  readonly constDefaultActionId: number;
  readonly initialDefaultActionId: number;
  /** Action profile id of an indirect table, 0 for a direct table. */
  readonly implementationId: number;
  readonly directResourceIds: readonly number[];
  readonly size: number;
  readonly supportsIdleTimeout: boolean;
  readonly isConst: boolean;
  /** True when a match field is ternary, range or optional: entries need priority > 0. */
  readonly needsPriority: boolean;
  field(ref: string | number): MatchFieldInfo;
  findField(ref: string | number): MatchFieldInfo | undefined;
  actionRef(actionId: number): ActionRefInfo | undefined;
}

export interface ParamInfo {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
}

export interface ActionInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly params: readonly ParamInfo[];
  param(ref: string | number): ParamInfo;
  findParam(ref: string | number): ParamInfo | undefined;
}

export type CounterUnit = "unspecified" | "bytes" | "packets" | "both";
export type MeterUnit = "unspecified" | "bytes" | "packets";

export interface CounterInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly unit: CounterUnit;
  readonly size: number;
}
export interface DirectCounterInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly unit: CounterUnit;
  readonly tableId: number;
}
export interface MeterInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly unit: MeterUnit;
  readonly size: number;
}
export interface DirectMeterInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly unit: MeterUnit;
  readonly tableId: number;
}
export interface ActionProfileInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly tableIds: readonly number[];
  readonly withSelector: boolean;
  readonly size: number;
  readonly maxGroupSize: number;
}
export interface PacketMetadataInfo {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
}
export interface ControllerHeaderInfo {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly metadata: readonly PacketMetadataInfo[];
  field(ref: string | number): PacketMetadataInfo;
  findField(ref: string | number): PacketMetadataInfo | undefined;
}

interface Named {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
}

/** Objects of one kind indexed by id, name and (unambiguous) alias. */
export class Catalog<T extends Named> implements Iterable<T> {
  private readonly byId = new Map<number, T>();
  private readonly byName = new Map<string, T>();
  constructor(
    private readonly kind: string,
    items: readonly T[],
  ) {
    const aliasCount = new Map<string, number>();
    for (const it of items) aliasCount.set(it.alias, (aliasCount.get(it.alias) ?? 0) + 1);
    for (const it of items) {
      this.byId.set(it.id, it);
      if (this.byName.has(it.name)) throw new P4InfoError(`two ${kind}s are named "${it.name}"`);
      this.byName.set(it.name, it);
    }
    for (const it of items) {
      if (it.alias && aliasCount.get(it.alias) === 1 && !this.byName.has(it.alias)) this.byName.set(it.alias, it);
    }
  }
  get size(): number {
    return this.byId.size;
  }
  [Symbol.iterator](): Iterator<T> {
    return this.byId.values();
  }
  /** By id, name or alias; undefined when unknown. */
  find(ref: string | number): T | undefined {
    return typeof ref === "number" ? this.byId.get(ref) : this.byName.get(ref);
  }
  /** By id, name or alias; throws a P4InfoError naming `ref` when unknown. */
  get(ref: string | number): T {
    const it = this.find(ref);
    if (!it) throw new P4InfoError(`unknown ${this.kind} ${typeof ref === "number" ? `id ${ref}` : `"${ref}"`}`);
    return it;
  }
}

/** An immutable, validated P4Info with its indexes. */
export class P4InfoIndex {
  readonly tables: Catalog<TableInfo>;
  readonly actions: Catalog<ActionInfo>;
  readonly actionProfiles: Catalog<ActionProfileInfo>;
  readonly counters: Catalog<CounterInfo>;
  readonly directCounters: Catalog<DirectCounterInfo>;
  readonly meters: Catalog<MeterInfo>;
  readonly directMeters: Catalog<DirectMeterInfo>;
  readonly controllerHeaders: Catalog<ControllerHeaderInfo>;
  /** The P4Info message itself, as loaded. */
  readonly message: cfg.P4Info;
  private encodedCache: Uint8Array | undefined;

  constructor(message: cfg.IP4Info) {
    this.message = message instanceof cfg.P4Info ? message : cfg.P4Info.decode(cfg.P4Info.encode(message).finish());
    const m = this.message;
    checkUniqueIds(m);
    this.actions = new Catalog("action", m.actions.map((a) => actionInfo(a)));
    this.tables = new Catalog("table", m.tables.map((t) => tableInfo(t)));
    this.actionProfiles = new Catalog("action profile", m.actionProfiles.map((a) => profileInfo(a)));
    this.counters = new Catalog(
      "counter",
      m.counters.map((c) => ({ ...preamble(c.preamble, "counter"), unit: counterUnit(c.spec), size: Number(c.size) })),
    );
    this.directCounters = new Catalog(
      "direct counter",
      m.directCounters.map((c) => ({ ...preamble(c.preamble, "direct counter"), unit: counterUnit(c.spec), tableId: c.directTableId ?? 0 })),
    );
    this.meters = new Catalog(
      "meter",
      m.meters.map((c) => ({ ...preamble(c.preamble, "meter"), unit: meterUnit(c.spec), size: Number(c.size) })),
    );
    this.directMeters = new Catalog(
      "direct meter",
      m.directMeters.map((c) => ({ ...preamble(c.preamble, "direct meter"), unit: meterUnit(c.spec), tableId: c.directTableId ?? 0 })),
    );
    this.controllerHeaders = new Catalog("controller packet metadata", m.controllerPacketMetadata.map((h) => headerInfo(h)));
    this.checkReferences();
  }

  /** The binary encoding of the P4Info (what SetForwardingPipelineConfig carries). */
  get encoded(): Uint8Array {
    return (this.encodedCache ??= cfg.P4Info.encode(this.message).finish());
  }

  table(ref: string | number): TableInfo {
    return this.tables.get(ref);
  }
  action(ref: string | number): ActionInfo {
    return this.actions.get(ref);
  }

  private checkReferences(): void {
    for (const t of this.tables) {
      const where = `table "${t.name}" (${t.id})`;
      for (const r of t.actionRefs) {
        if (!this.actions.find(r.id)) throw new P4InfoError(`${where} refers to unknown action id ${r.id}`);
      }
      for (const [what, id] of [
        ["const default action", t.constDefaultActionId],
        ["initial default action", t.initialDefaultActionId],
      ] as const) {
        if (id !== 0 && !this.actions.find(id)) throw new P4InfoError(`${where}: ${what} id ${id} is not an action`);
      }
      if (t.implementationId !== 0 && !this.actionProfiles.find(t.implementationId)) {
        throw new P4InfoError(`${where}: implementation id ${t.implementationId} is not an action profile`);
      }
      for (const id of t.directResourceIds) {
        if (!this.directCounters.find(id) && !this.directMeters.find(id)) {
          throw new P4InfoError(`${where}: direct resource id ${id} is not a direct counter or meter`);
        }
      }
    }
    for (const p of this.actionProfiles) {
      for (const id of p.tableIds) {
        if (!this.tables.find(id)) throw new P4InfoError(`action profile "${p.name}" (${p.id}) refers to unknown table id ${id}`);
      }
    }
    for (const [kind, cat] of [
      ["direct counter", this.directCounters],
      ["direct meter", this.directMeters],
    ] as const) {
      for (const d of cat) {
        if (!this.tables.find(d.tableId)) throw new P4InfoError(`${kind} "${d.name}" (${d.id}) refers to unknown table id ${d.tableId}`);
      }
    }
  }
}

function preamble(p: cfg.IPreamble | null | undefined, kind: string): Named {
  if (!p || !p.id) throw new P4InfoError(`a ${kind} has no preamble id${p?.name ? ` ("${p.name}")` : ""}`);
  return { id: p.id, name: p.name ?? "", alias: p.alias || (p.name ?? "") };
}

function checkUniqueIds(m: cfg.P4Info): void {
  const seen = new Map<number, string>();
  const groups: [string, readonly { preamble?: cfg.IPreamble | null }[]][] = [
    ["table", m.tables],
    ["action", m.actions],
    ["action profile", m.actionProfiles],
    ["counter", m.counters],
    ["direct counter", m.directCounters],
    ["meter", m.meters],
    ["direct meter", m.directMeters],
    ["controller packet metadata", m.controllerPacketMetadata],
    ["value set", m.valueSets],
    ["register", m.registers],
    ["digest", m.digests],
  ];
  for (const [kind, items] of groups) {
    for (const it of items) {
      const p = preamble(it.preamble, kind);
      const what = `${kind} "${p.name}"`;
      const prev = seen.get(p.id);
      if (prev) throw new P4InfoError(`duplicate id ${p.id}: ${prev} and ${what}`);
      seen.set(p.id, what);
    }
  }
}

function uniqueMembers<T extends { id: number; name: string }>(owner: string, kind: string, items: readonly T[]): void {
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const it of items) {
    if (ids.has(it.id)) throw new P4InfoError(`${owner}: duplicate ${kind} id ${it.id}`);
    if (names.has(it.name)) throw new P4InfoError(`${owner}: duplicate ${kind} name "${it.name}"`);
    ids.add(it.id);
    names.add(it.name);
  }
}

function lookup<T extends { id: number; name: string }>(items: readonly T[]): (ref: string | number) => T | undefined {
  const byId = new Map<number, T>();
  const byName = new Map<string, T>();
  for (const it of items) {
    byId.set(it.id, it);
    byName.set(it.name, it);
  }
  return (ref) => (typeof ref === "number" ? byId.get(ref) : byName.get(ref));
}

function getter<T>(find: (ref: string | number) => T | undefined, owner: string, kind: string): (ref: string | number) => T {
  return (ref) => {
    const it = find(ref);
    if (!it) throw new P4InfoError(`${owner} has no ${kind} ${typeof ref === "number" ? `id ${ref}` : `"${ref}"`}`);
    return it;
  };
}

const MATCH_KINDS: Record<number, MatchKind> = {
  [cfg.MatchField.MatchType.UNSPECIFIED]: "unspecified",
  [cfg.MatchField.MatchType.EXACT]: "exact",
  [cfg.MatchField.MatchType.LPM]: "lpm",
  [cfg.MatchField.MatchType.TERNARY]: "ternary",
  [cfg.MatchField.MatchType.RANGE]: "range",
  [cfg.MatchField.MatchType.OPTIONAL]: "optional",
};

function matchKind(f: cfg.IMatchField): MatchKind {
  if (f.otherMatchType) return `other:${f.otherMatchType}`;
  return MATCH_KINDS[f.matchType ?? 0] ?? "unspecified";
}

const SCOPES = ["table_and_default", "table_only", "default_only"] as const;

function tableInfo(t: cfg.ITable): TableInfo {
  const p = preamble(t.preamble, "table");
  const owner = `table "${p.name}"`;
  const matchFields: MatchFieldInfo[] = (t.matchFields ?? []).map((f) => ({
    id: f.id ?? 0,
    name: f.name ?? "",
    bitwidth: f.bitwidth ?? 0,
    matchKind: matchKind(f),
  }));
  uniqueMembers(owner, "match field", matchFields);
  const actionRefs: ActionRefInfo[] = (t.actionRefs ?? []).map((r) => ({ id: r.id ?? 0, scope: SCOPES[r.scope ?? 0] ?? "table_and_default" }));
  const refIds = new Set<number>();
  for (const r of actionRefs) {
    if (refIds.has(r.id)) throw new P4InfoError(`${owner}: action id ${r.id} listed twice`);
    refIds.add(r.id);
  }
  const findField = lookup(matchFields);
  const refs = new Map(actionRefs.map((r) => [r.id, r]));
  return {
    ...p,
    matchFields,
    actionRefs,
    constDefaultActionId: t.constDefaultActionId ?? 0,
    initialDefaultActionId: t.initialDefaultAction?.actionId ?? 0,
    implementationId: t.implementationId ?? 0,
    directResourceIds: [...(t.directResourceIds ?? [])],
    size: Number(t.size ?? 0),
    supportsIdleTimeout: t.idleTimeoutBehavior === cfg.Table.IdleTimeoutBehavior.NOTIFY_CONTROL,
    isConst: t.isConstTable ?? false,
    needsPriority: matchFields.some((f) => f.matchKind === "ternary" || f.matchKind === "range" || f.matchKind === "optional"),
    findField,
    field: getter(findField, owner, "match field"),
    actionRef: (id) => refs.get(id),
  };
}

function actionInfo(a: cfg.IAction): ActionInfo {
  const p = preamble(a.preamble, "action");
  const owner = `action "${p.name}"`;
  const params: ParamInfo[] = (a.params ?? []).map((x) => ({ id: x.id ?? 0, name: x.name ?? "", bitwidth: x.bitwidth ?? 0 }));
  uniqueMembers(owner, "param", params);
  const findParam = lookup(params);
  return { ...p, params, findParam, param: getter(findParam, owner, "param") };
}

function profileInfo(a: cfg.IActionProfile): ActionProfileInfo {
  return {
    ...preamble(a.preamble, "action profile"),
    tableIds: [...(a.tableIds ?? [])],
    withSelector: a.withSelector ?? false,
    size: Number(a.size ?? 0),
    maxGroupSize: a.maxGroupSize ?? 0,
  };
}

function headerInfo(h: cfg.IControllerPacketMetadata): ControllerHeaderInfo {
  const p = preamble(h.preamble, "controller packet metadata");
  const owner = `controller packet metadata "${p.name}"`;
  const metadata: PacketMetadataInfo[] = (h.metadata ?? []).map((x) => ({ id: x.id ?? 0, name: x.name ?? "", bitwidth: x.bitwidth ?? 0 }));
  uniqueMembers(owner, "metadata", metadata);
  const findField = lookup(metadata);
  return { ...p, metadata, findField, field: getter(findField, owner, "metadata field") };
}

const COUNTER_UNITS: readonly CounterUnit[] = ["unspecified", "bytes", "packets", "both"];
const METER_UNITS: readonly MeterUnit[] = ["unspecified", "bytes", "packets"];
function counterUnit(s: cfg.ICounterSpec | null | undefined): CounterUnit {
  return COUNTER_UNITS[s?.unit ?? 0] ?? "unspecified";
}
function meterUnit(s: cfg.IMeterSpec | null | undefined): MeterUnit {
  return METER_UNITS[s?.unit ?? 0] ?? "unspecified";
}

// ---------------------------------------------------------------------------------------------
// Loading

export type P4InfoFormat = "text" | "json" | "binary";

/** Guesses the format from a file name: .json, .bin/.pb, otherwise text (.txtpb, .txt, .pb.txt). */
export function formatOf(path: string): P4InfoFormat {
  if (/\.json$/i.test(path)) return "json";
  if (/\.(bin|pb)$/i.test(path)) return "binary";
  return "text";
}

/** Parses a P4Info in the given format and builds its index; throws P4InfoError. */
export function parseP4Info(data: string | Uint8Array, format: P4InfoFormat, source = "P4Info"): P4InfoIndex {
  let message: cfg.IP4Info;
  try {
    if (format === "binary") {
      const bytes = typeof data === "string" ? Buffer.from(data, "binary") : data;
      message = cfg.P4Info.decode(bytes);
    } else {
      const text = typeof data === "string" ? data : new TextDecoder().decode(data);
      message =
        format === "json"
          ? parseProtoJson(JSON.parse(text), "p4.config.v1.P4Info")
          : parseTextFormat(text, "p4.config.v1.P4Info");
    }
  } catch (e) {
    throw new P4InfoError(`${source}: cannot parse as ${format} P4Info: ${(e as Error).message}`);
  }
  try {
    return new P4InfoIndex(message);
  } catch (e) {
    if (e instanceof P4InfoError) throw new P4InfoError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Reads and indexes a P4Info file; the format comes from its extension unless given. */
export function loadP4InfoFile(path: string, format: P4InfoFormat = formatOf(path)): P4InfoIndex {
  let data: Uint8Array;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new P4InfoError(`cannot read P4Info ${path}: ${(e as Error).message}`);
  }
  return parseP4Info(data, format, path);
}

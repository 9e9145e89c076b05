// The sim's view of a P4Info: tables, match fields, actions, counters and controller
// headers indexed by id and by name, built once per pipeline config. Immutable after
// construction; every check of a write or read looks things up here. Generic over any
// P4Info; never consults the bmv2 JSON.
import type { p4 } from "../../src/generated/proto.js";
import { layoutOf, type Layout } from "./packed.js";

export enum MatchKind {
  UNSPECIFIED = 0,
  EXACT = 2,
  LPM = 3,
  TERNARY = 4,
  RANGE = 5,
  OPTIONAL = 6,
}

export enum ActionScope {
  TABLE_AND_DEFAULT = 0,
  TABLE_ONLY = 1,
  DEFAULT_ONLY = 2,
}

export enum CounterUnit {
  UNSPECIFIED = 0,
  BYTES = 1,
  PACKETS = 2,
  BOTH = 3,
}

export interface MatchFieldInfo {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
  readonly kind: MatchKind;
  /** Position in the table's key (P4Info order). */
  readonly index: number;
}

export interface ParamInfo {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
  readonly index: number;
}

export interface ActionInfo {
  readonly id: number;
  readonly name: string;
  readonly params: readonly ParamInfo[];
  /** Packed layout of the params (P4Info order). */
  readonly layout: Layout;
  readonly paramsById: ReadonlyMap<number, ParamInfo>;
}

/** An action with its parameter values in P4Info param order. */
export interface ActionCall {
  readonly actionId: number;
  readonly params: readonly bigint[];
}

export interface TableInfo {
  readonly id: number;
  readonly name: string;
  readonly fields: readonly MatchFieldInfo[];
  readonly fieldsById: ReadonlyMap<number, MatchFieldInfo>;
  readonly fieldsByName: ReadonlyMap<string, MatchFieldInfo>;
  /** Packed layout of the key (P4Info field order). */
  readonly layout: Layout;
  /** Action id -> scope. */
  readonly actions: ReadonlyMap<number, ActionScope>;
  readonly constDefaultActionId: number;
  readonly initialDefault: ActionCall | undefined;
  readonly directCounterId: number;
  readonly directMeterId: number;
  readonly implementationId: number;
  readonly size: number;
  readonly notifyIdle: boolean;
  readonly isConst: boolean;
  /** Ternary, range or optional fields: entries need a priority > 0. */
  readonly needsPriority: boolean;
  readonly hasRange: boolean;
  /** Index of the LPM field, or -1. */
  readonly lpmIndex: number;
}

export interface CounterInfo {
  readonly id: number;
  readonly name: string;
  readonly unit: CounterUnit;
  readonly size: number;
}

export interface DirectCounterInfo {
  readonly id: number;
  readonly name: string;
  readonly unit: CounterUnit;
  readonly tableId: number;
}

export interface PacketHeaderField {
  readonly id: number;
  readonly name: string;
  readonly bitwidth: number;
}

export interface PacketHeaderInfo {
  readonly id: number;
  readonly fields: readonly PacketHeaderField[];
  readonly fieldsById: ReadonlyMap<number, PacketHeaderField>;
  /** Total width in bits; the header is the first ceil(bits/8) bytes of the frame. */
  readonly bits: number;
}

export interface Schema {
  readonly tables: ReadonlyMap<number, TableInfo>;
  readonly tablesByName: ReadonlyMap<string, TableInfo>;
  readonly actions: ReadonlyMap<number, ActionInfo>;
  readonly actionsByName: ReadonlyMap<string, ActionInfo>;
  readonly counters: ReadonlyMap<number, CounterInfo>;
  readonly countersByName: ReadonlyMap<string, CounterInfo>;
  readonly directCounters: ReadonlyMap<number, DirectCounterInfo>;
  /** Ids of every other object the P4Info declares (meters, profiles, registers, ...). */
  readonly otherIds: ReadonlySet<number>;
  readonly packetIn: PacketHeaderInfo | undefined;
  readonly packetOut: PacketHeaderInfo | undefined;
}

/** A 64-bit P4Info size as a plain number (sizes are far below 2^53). */
export function num(v: bigint | number | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function packetHeader(cpm: p4.config.v1.IControllerPacketMetadata): PacketHeaderInfo {
  const fields = (cpm.metadata ?? []).map((m) => ({ id: m.id ?? 0, name: m.name ?? "", bitwidth: m.bitwidth ?? 0 }));
  return {
    id: cpm.preamble?.id ?? 0,
    fields,
    fieldsById: new Map(fields.map((f) => [f.id, f])),
    bits: fields.reduce((s, f) => s + f.bitwidth, 0),
  };
}

/**
 * Builds the schema. Returns an error string for a P4Info the sim cannot serve (objects without
 * id, dangling references). A repeated id is accepted, as bmv2 accepts it: the first object
 * with that id is the one served.
 */
export function buildSchema(info: p4.config.v1.IP4Info): Schema | string {
  const seen = new Set<number>();
  /** An error, undefined for a new id, or false for a repeated one (skipped). */
  const claim = (id: number | null | undefined, what: string): string | undefined | false => {
    if (!id) return `${what} has no id`;
    if (seen.has(id)) return false;
    seen.add(id);
    return undefined;
  };
  const actions = new Map<number, ActionInfo>();
  for (const a of info.actions ?? []) {
    const err = claim(a.preamble?.id, `action ${a.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    const params = (a.params ?? []).map((p, index) => ({ id: p.id ?? 0, name: p.name ?? "", bitwidth: p.bitwidth ?? 0, index }));
    actions.set(a.preamble!.id!, {
      id: a.preamble!.id!,
      name: a.preamble!.name ?? "",
      params,
      paramsById: new Map(params.map((p) => [p.id, p])),
      layout: layoutOf(params.map((p) => p.bitwidth)),
    });
  }
  const directCounters = new Map<number, DirectCounterInfo>();
  for (const c of info.directCounters ?? []) {
    const err = claim(c.preamble?.id, `direct counter ${c.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    directCounters.set(c.preamble!.id!, {
      id: c.preamble!.id!,
      name: c.preamble!.name ?? "",
      unit: (c.spec?.unit ?? 0) as CounterUnit,
      tableId: c.directTableId ?? 0,
    });
  }
  const directMeterIds = new Set<number>();
  for (const m of info.directMeters ?? []) {
    const err = claim(m.preamble?.id, `direct meter ${m.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    directMeterIds.add(m.preamble!.id!);
  }
  const tables = new Map<number, TableInfo>();
  for (const t of info.tables ?? []) {
    const err = claim(t.preamble?.id, `table ${t.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    const fields = (t.matchFields ?? []).map((f, index) => ({
      id: f.id ?? 0,
      name: f.name ?? "",
      bitwidth: f.bitwidth ?? 0,
      kind: (f.matchType ?? 0) as MatchKind,
      index,
    }));
    const tableActions = new Map<number, ActionScope>();
    for (const ref of t.actionRefs ?? []) {
      if (!actions.has(ref.id ?? 0)) return `table ${t.preamble?.name ?? ""} refers to unknown action ${ref.id ?? 0}`;
      tableActions.set(ref.id!, (ref.scope ?? 0) as ActionScope);
    }
    const resources = t.directResourceIds ?? [];
    const init = t.initialDefaultAction;
    const initAction = init ? actions.get(init.actionId ?? 0) : undefined;
    let initialDefault: ActionCall | undefined;
    if (init && initAction) {
      const params = initAction.params.map(() => 0n);
      for (const arg of init.arguments ?? []) {
        const p = initAction.paramsById.get(arg.paramId ?? 0);
        if (p) params[p.index] = bytesToBigInt(arg.value);
      }
      initialDefault = { actionId: initAction.id, params };
    }
    tables.set(t.preamble!.id!, {
      id: t.preamble!.id!,
      name: t.preamble!.name ?? "",
      fields,
      fieldsById: new Map(fields.map((f) => [f.id, f])),
      fieldsByName: new Map(fields.map((f) => [f.name, f])),
      layout: layoutOf(fields.map((f) => f.bitwidth)),
      actions: tableActions,
      constDefaultActionId: t.constDefaultActionId ?? 0,
      initialDefault,
      directCounterId: resources.find((id) => directCounters.has(id)) ?? 0,
      directMeterId: resources.find((id) => directMeterIds.has(id)) ?? 0,
      implementationId: t.implementationId ?? 0,
      size: num(t.size) || 1024,
      notifyIdle: (t.idleTimeoutBehavior ?? 0) === 1,
      isConst: t.isConstTable ?? false,
      needsPriority: fields.some((f) => f.kind === MatchKind.TERNARY || f.kind === MatchKind.RANGE || f.kind === MatchKind.OPTIONAL),
      hasRange: fields.some((f) => f.kind === MatchKind.RANGE),
      lpmIndex: fields.findIndex((f) => f.kind === MatchKind.LPM),
    });
  }
  const counters = new Map<number, CounterInfo>();
  for (const c of info.counters ?? []) {
    const err = claim(c.preamble?.id, `counter ${c.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    counters.set(c.preamble!.id!, { id: c.preamble!.id!, name: c.preamble!.name ?? "", unit: (c.spec?.unit ?? 0) as CounterUnit, size: num(c.size) });
  }
  const otherIds = new Set<number>();
  const others = [
    ...(info.meters ?? []),
    ...(info.actionProfiles ?? []),
    ...(info.registers ?? []),
    ...(info.digests ?? []),
    ...(info.valueSets ?? []),
  ];
  for (const o of others) {
    const err = claim(o.preamble?.id, `object ${o.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    otherIds.add(o.preamble!.id!);
  }
  let packetIn: PacketHeaderInfo | undefined;
  let packetOut: PacketHeaderInfo | undefined;
  for (const cpm of info.controllerPacketMetadata ?? []) {
    const err = claim(cpm.preamble?.id, `controller header ${cpm.preamble?.name ?? ""}`);
    if (err === false) continue;
    if (err) return err;
    if (cpm.preamble?.name === "packet_in") packetIn = packetHeader(cpm);
    if (cpm.preamble?.name === "packet_out") packetOut = packetHeader(cpm);
  }
  return {
    tables,
    tablesByName: new Map([...tables.values()].map((t) => [t.name, t])),
    actions,
    actionsByName: new Map([...actions.values()].map((a) => [a.name, a])),
    counters,
    countersByName: new Map([...counters.values()].map((c) => [c.name, c])),
    directCounters,
    otherIds,
    packetIn,
    packetOut,
  };
}

function bytesToBigInt(b: Uint8Array | null | undefined): bigint {
  let v = 0n;
  for (const x of b ?? []) v = (v << 8n) | BigInt(x);
  return v;
}

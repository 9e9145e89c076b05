// The offload mapping: how OpenFlow tables, match fields, actions, packet I/O headers and port
// counters and the OpenFlow port config land on one P4 program, built from a mapping file (p4/README.md "ofp4.mapping.json")
// checked against that program's P4Info. Immutable once built; every id, width and code the
// translator needs is resolved here, so translation never looks a name up. Errors name the
// missing table, field, action, param or header. Never talks to a target.

import { readFileSync } from "node:fs";
import type { ActionInfo, P4InfoIndex, ParamInfo, TableInfo } from "../p4runtime/index.js";
import { OxmField } from "../openflow/match.js";
import { OFPPC } from "../openflow/messages.js";

export class MappingError extends Error {
  override readonly name = "MappingError";
}

/** How an OpenFlow match value becomes the P4 key value. */
export type MatchValueKind = "plain" | "port" | "vid_with_present_bit";

export interface MatchFieldMap {
  readonly oxm: OxmField;
  /** P4Info match field name (the same in every mapped table). */
  readonly p4Name: string;
  readonly bitwidth: number;
  readonly value: MatchValueKind;
  /** Key fields the entry must match exactly with these values (TCP_SRC needs ip_proto 6...). */
  readonly requires: readonly { readonly p4Name: string; readonly value: bigint }[];
}

export interface TableMap {
  readonly ofTable: number;
  readonly p4: TableInfo;
  readonly directCounterId: number;
  /** Default action ids for the OpenFlow table-miss behaviours this table allows. */
  readonly miss: { readonly drop?: number; readonly controller?: number; readonly continue?: number };
}

export interface SetFieldMap {
  readonly bit: number;
  readonly param: ParamInfo;
  /** VLAN_VID: the param is the 12-bit VID without OFPVID_PRESENT. */
  readonly vidWithoutPresent: boolean;
}

export interface FlowActionMap {
  readonly action: ActionInfo;
  readonly params: {
    readonly vlanOp: ParamInfo;
    readonly setFields: ParamInfo;
    readonly outKind: ParamInfo;
    readonly outPort: ParamInfo;
    readonly mcastGrp: ParamInfo;
    readonly gotoTable: ParamInfo;
    readonly metadataValue: ParamInfo;
    readonly metadataMask: ParamInfo;
  };
  readonly vlanOp: { readonly none: number; readonly push: number; readonly pop: number; readonly pushIfAbsent: number };
  readonly pushVlanEthertypes: ReadonlySet<number>;
  readonly setFields: ReadonlyMap<OxmField, SetFieldMap>;
  readonly decTtlBit: number;
  readonly outKind: {
    readonly drop: number;
    readonly port: number;
    readonly inPort: number;
    readonly group: number;
    readonly controller: number;
    readonly goto: number;
  };
}

export interface HeaderFieldIds {
  readonly headerId: number;
  readonly ids: Readonly<Record<string, { readonly id: number; readonly bitwidth: number }>>;
}

export interface OffloadMapping {
  readonly p4info: P4InfoIndex;
  readonly cpuPort: number;
  readonly dropPort: number;
  readonly portRange: { readonly min: number; readonly max: number; readonly exclude: ReadonlySet<number> };
  readonly priorityOffset: number;
  readonly maxOpenFlowPriority: number;
  /** Indexed by OpenFlow table id. */
  readonly tables: readonly TableMap[];
  readonly matchFields: ReadonlyMap<OxmField, MatchFieldMap>;
  readonly flow: FlowActionMap;
  readonly dropActionId: number;
  readonly multicast: { readonly pruneInPort: boolean; readonly inPortReplicaInstance: number; readonly controllerReplicaPort: number };
  /** packet_in metadata ids by role (inPort, reason, tableId, metadata) and reason codes. */
  readonly packetIn: HeaderFieldIds & { readonly reasons: { readonly NO_MATCH: number; readonly ACTION: number } };
  /** packet_out metadata ids by role (egressPort, mcastGrp, inPort, runPipeline). */
  readonly packetOut: HeaderFieldIds & { readonly inPortReserved: { readonly CONTROLLER: number; readonly ANY: number } };
  readonly portCounters: { readonly rxId: number; readonly txId: number; readonly size: number };
  /** Undefined when the mapping has no `portConfig` (the program cannot enforce port config). */
  readonly portConfig: PortConfigMap | undefined;
}

/** OpenFlow port config bits by the names the mapping file uses (OpenFlow 1.0's at their 1.0 bits). */
export const PORT_CONFIG_BITS: Readonly<Record<string, number>> = {
  PORT_DOWN: OFPPC.PORT_DOWN,
  NO_STP: OFPPC.NO_STP_10,
  NO_RECV: OFPPC.NO_RECV,
  NO_RECV_STP: OFPPC.NO_RECV_STP_10,
  NO_FLOOD: OFPPC.NO_FLOOD_10,
  NO_FWD: OFPPC.NO_FWD,
  NO_PACKET_IN: OFPPC.NO_PACKET_IN,
};

/** One port-config table: exact on the port, one action whose 1-bit params are config bits. */
export interface PortConfigTableMap {
  readonly table: TableInfo;
  readonly keyFieldId: number;
  readonly keyBitwidth: number;
  readonly action: ActionInfo;
  /** The action's params, each with the OFPPC bit it carries. */
  readonly params: readonly { readonly bit: number; readonly param: ParamInfo }[];
}

/** How the program enforces port_mod config: one entry per data port in each table. */
export interface PortConfigMap {
  readonly tables: readonly PortConfigTableMap[];
  /** The OFPPC bits some table enforces. */
  readonly enforced: number;
}

type Json = Record<string, unknown>;

function obj(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new MappingError(`${where}: expected an object`);
  return v as Json;
}
function str(v: unknown, where: string): string {
  if (typeof v !== "string") throw new MappingError(`${where}: expected a string`);
  return v;
}
function num(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new MappingError(`${where}: expected an integer`);
  return v;
}

/** OXM fields by their names (the enum's reverse entries left out). */
const OXM_BY_NAME: ReadonlyMap<string, OxmField> = new Map(
  Object.values(OxmField)
    .filter((v): v is OxmField => typeof v === "number")
    .map((f) => [OxmField[f], f] as const),
);

function oxmByName(name: string, where: string): OxmField {
  const f = OXM_BY_NAME.get(name);
  if (f === undefined) throw new MappingError(`${where}: "${name}" is not an OXM field name`);
  return f;
}

/** Builds the mapping from the parsed mapping file and the program's P4Info. */
export function buildMapping(file: unknown, p4info: P4InfoIndex): OffloadMapping {
  const m = obj(file, "mapping");
  if (m["format"] !== "ofp4-mapping/1") throw new MappingError(`mapping: format "${String(m["format"])}" is not "ofp4-mapping/1"`);
  const table = (name: string, where: string): TableInfo => {
    const t = p4info.tables.find(name);
    if (!t) throw new MappingError(`${where}: the P4Info has no table "${name}"`);
    return t;
  };
  const actionId = (name: string, where: string): number => {
    const a = p4info.actions.find(name);
    if (!a) throw new MappingError(`${where}: the P4Info has no action "${name}"`);
    return a.id;
  };

  const tables = (m["tables"] as unknown[] | undefined) ?? [];
  if (!Array.isArray(tables) || tables.length === 0) throw new MappingError("mapping: no tables");
  const tableMaps: TableMap[] = tables.map((raw, i) => {
    const t = obj(raw, `tables[${i}]`);
    const ofTable = num(t["ofTable"], `tables[${i}].ofTable`);
    if (ofTable !== i) throw new MappingError(`tables[${i}]: OpenFlow tables must be listed 0, 1, 2... (found ${ofTable})`);
    const p4 = table(str(t["p4Table"], `tables[${i}].p4Table`), `tables[${i}]`);
    const counterName = str(t["directCounter"], `tables[${i}].directCounter`);
    const counter = p4info.directCounters.find(counterName);
    if (!counter) throw new MappingError(`tables[${i}]: the P4Info has no direct counter "${counterName}"`);
    if (counter.tableId !== p4.id) throw new MappingError(`tables[${i}]: direct counter "${counterName}" is not on table "${p4.name}"`);
    const missRaw = obj(t["tableMiss"] ?? {}, `tables[${i}].tableMiss`);
    const miss: { drop?: number; controller?: number; continue?: number } = {};
    for (const k of ["drop", "controller", "continue"] as const) {
      if (missRaw[k] === undefined) continue;
      const id = actionId(str(missRaw[k], `tables[${i}].tableMiss.${k}`), `tables[${i}].tableMiss.${k}`);
      if (!p4.actionRef(id)) throw new MappingError(`tables[${i}]: table "${p4.name}" does not offer its ${k} miss action`);
      miss[k] = id;
    }
    return { ofTable, p4, directCounterId: counter.id, miss };
  });

  const matchFields = new Map<OxmField, MatchFieldMap>();
  for (const [name, raw] of Object.entries(obj(m["matchFields"], "matchFields"))) {
    const where = `matchFields.${name}`;
    const f = obj(raw, where);
    const oxm = oxmByName(name, where);
    const p4Name = str(f["p4"], `${where}.p4`);
    const first = tableMaps[0]!.p4.findField(p4Name);
    if (!first) throw new MappingError(`${where}: table "${tableMaps[0]!.p4.name}" has no match field "${p4Name}"`);
    const value = (f["value"] ?? "plain") as string;
    if (value !== "plain" && value !== "port" && value !== "vid_with_present_bit") {
      throw new MappingError(`${where}: unknown value kind "${value}"`);
    }
    const requires = Object.entries(obj(f["requires"] ?? {}, `${where}.requires`)).map(([k, v]) => {
      if (!tableMaps[0]!.p4.findField(k)) throw new MappingError(`${where}.requires: no match field "${k}"`);
      return { p4Name: k, value: BigInt(num(v, `${where}.requires.${k}`)) };
    });
    matchFields.set(oxm, { oxm, p4Name, bitwidth: first.bitwidth, value, requires });
  }

  const fa = obj(m["flowAction"], "flowAction");
  const flowName = str(fa["action"], "flowAction.action");
  const flowAction = p4info.actions.find(flowName);
  if (!flowAction) throw new MappingError(`flowAction: the P4Info has no action "${flowName}"`);
  const rawParams = obj(fa["params"], "flowAction.params");
  const param = (role: string): ParamInfo => {
    const n = str(rawParams[role], `flowAction.params.${role}`);
    const p = flowAction.findParam(n);
    if (!p) throw new MappingError(`flowAction: action "${flowAction.name}" has no param "${n}" (${role})`);
    return p;
  };
  const codes = (key: string, names: readonly string[]): Record<string, number> => {
    const o = obj(fa[key], `flowAction.${key}`);
    const out: Record<string, number> = {};
    for (const n of names) out[n] = num(o[n], `flowAction.${key}.${n}`);
    return out;
  };
  const setFields = new Map<OxmField, SetFieldMap>();
  for (const [name, raw] of Object.entries(obj(fa["setFields"], "flowAction.setFields"))) {
    const where = `flowAction.setFields.${name}`;
    const s = obj(raw, where);
    const p4 = str(s["p4"], `${where}.p4`);
    const p = flowAction.findParam(p4);
    if (!p) throw new MappingError(`${where}: action "${flowAction.name}" has no param "${p4}"`);
    setFields.set(oxmByName(name, where), {
      bit: num(s["bit"], `${where}.bit`),
      param: p,
      vidWithoutPresent: s["value"] === "vid_without_present_bit",
    });
  }
  const vlanOp = codes("vlanOp", ["none", "push", "pop", "pushIfAbsent"]);
  const outKind = codes("outKind", ["drop", "port", "inPort", "group", "controller", "goto"]);
  const flow: FlowActionMap = {
    action: flowAction,
    params: {
      vlanOp: param("vlanOp"),
      setFields: param("setFields"),
      outKind: param("outKind"),
      outPort: param("outPort"),
      mcastGrp: param("mcastGrp"),
      gotoTable: param("gotoTable"),
      metadataValue: param("metadataValue"),
      metadataMask: param("metadataMask"),
    },
    vlanOp: { none: vlanOp["none"]!, push: vlanOp["push"]!, pop: vlanOp["pop"]!, pushIfAbsent: vlanOp["pushIfAbsent"]! },
    pushVlanEthertypes: new Set(((fa["pushVlanEthertypes"] as unknown[]) ?? []).map((v, i) => num(v, `pushVlanEthertypes[${i}]`))),
    setFields,
    decTtlBit: num(obj(fa["decTtl"], "flowAction.decTtl")["bit"], "flowAction.decTtl.bit"),
    outKind: {
      drop: outKind["drop"]!,
      port: outKind["port"]!,
      inPort: outKind["inPort"]!,
      group: outKind["group"]!,
      controller: outKind["controller"]!,
      goto: outKind["goto"]!,
    },
  };
  for (const t of tableMaps) {
    if (!t.p4.actionRef(flowAction.id)) throw new MappingError(`table "${t.p4.name}" does not offer action "${flowAction.name}"`);
  }

  const header = (key: string, roles: readonly string[]): HeaderFieldIds & { raw: Json } => {
    const o = obj(m[key], key);
    const hName = str(o["header"], `${key}.header`);
    const h = p4info.controllerHeaders.find(hName);
    if (!h) throw new MappingError(`${key}: the P4Info has no controller header "${hName}"`);
    const ids: Record<string, { id: number; bitwidth: number }> = {};
    for (const r of roles) {
      const n = str(o[r], `${key}.${r}`);
      const f = h.findField(n);
      if (!f) throw new MappingError(`${key}: header "${hName}" has no field "${n}" (${r})`);
      ids[r] = { id: f.id, bitwidth: f.bitwidth };
    }
    return { headerId: h.id, ids, raw: o };
  };
  const pin = header("packetIn", ["inPort", "reason", "tableId", "metadata"]);
  const reasons = obj(pin.raw["reasons"], "packetIn.reasons");
  const pout = header("packetOut", ["egressPort", "mcastGrp", "inPort", "runPipeline"]);
  const reserved = obj(pout.raw["inPortReserved"], "packetOut.inPortReserved");

  const pc = obj(m["portCounters"], "portCounters");
  const counter = (role: string): { id: number; size: number } => {
    const n = str(pc[role], `portCounters.${role}`);
    const c = p4info.counters.find(n);
    if (!c) throw new MappingError(`portCounters: the P4Info has no counter "${n}"`);
    return { id: c.id, size: c.size };
  };
  const rx = counter("rx");
  const tx = counter("tx");

  const ports = obj(m["ports"], "ports");
  const portMax = num(ports["max"], "ports.max");
  const portConfig = m["portConfig"] === undefined ? undefined : buildPortConfig(obj(m["portConfig"], "portConfig"), p4info, portMax);
  const mc = obj(m["multicast"], "multicast");
  const prio = obj(m["priority"], "priority");
  return {
    p4info,
    cpuPort: num(m["cpuPort"], "cpuPort"),
    dropPort: num(m["dropPort"], "dropPort"),
    portRange: {
      min: num(ports["min"], "ports.min"),
      max: portMax,
      exclude: new Set(((ports["exclude"] as unknown[]) ?? []).map((v, i) => num(v, `ports.exclude[${i}]`))),
    },
    priorityOffset: num(prio["offset"], "priority.offset"),
    maxOpenFlowPriority: num(prio["maxOpenFlow"], "priority.maxOpenFlow"),
    tables: tableMaps,
    matchFields,
    flow,
    dropActionId: actionId(str(m["drop"], "drop"), "drop"),
    multicast: {
      pruneInPort: mc["pruneInPort"] === true,
      inPortReplicaInstance: num(mc["inPortReplicaInstance"], "multicast.inPortReplicaInstance"),
      controllerReplicaPort: num(mc["controllerReplicaPort"], "multicast.controllerReplicaPort"),
    },
    packetIn: {
      headerId: pin.headerId,
      ids: pin.ids,
      reasons: { NO_MATCH: num(reasons["NO_MATCH"], "packetIn.reasons.NO_MATCH"), ACTION: num(reasons["ACTION"], "packetIn.reasons.ACTION") },
    },
    packetOut: {
      headerId: pout.headerId,
      ids: pout.ids,
      inPortReserved: {
        CONTROLLER: num(reserved["CONTROLLER"], "packetOut.inPortReserved.CONTROLLER"),
        ANY: num(reserved["ANY"], "packetOut.inPortReserved.ANY"),
      },
    },
    portCounters: { rxId: rx.id, txId: tx.id, size: Math.min(rx.size, tx.size) },
    portConfig,
  };
}

/** The `portConfig` section: each table exact on `key` (wide enough for every port), each param 1 bit. */
function buildPortConfig(pc: Json, p4info: P4InfoIndex, portMax: number): PortConfigMap {
  const key = str(pc["key"], "portConfig.key");
  const raw = pc["tables"];
  if (!Array.isArray(raw) || raw.length === 0) throw new MappingError("portConfig: no tables");
  let enforced = 0;
  const tables = raw.map((r, i): PortConfigTableMap => {
    const where = `portConfig.tables[${i}]`;
    const t = obj(r, where);
    const tName = str(t["table"], `${where}.table`);
    const table = p4info.tables.find(tName);
    if (!table) throw new MappingError(`${where}: the P4Info has no table "${tName}"`);
    const field = table.findField(key);
    if (!field || table.matchFields.length !== 1 || field.matchKind !== "exact") {
      throw new MappingError(`${where}: table "${tName}" must have exactly one key field, "${key}", matched exactly`);
    }
    if (2 ** field.bitwidth <= portMax) throw new MappingError(`${where}: key "${key}" of ${field.bitwidth} bits cannot hold port ${portMax}`);
    const aName = str(t["action"], `${where}.action`);
    const action = p4info.actions.find(aName);
    if (!action) throw new MappingError(`${where}: the P4Info has no action "${aName}"`);
    if (!table.actionRef(action.id)) throw new MappingError(`${where}: table "${tName}" does not offer action "${aName}"`);
    const params = Object.entries(obj(t["params"], `${where}.params`)).map(([bitName, pName]) => {
      const bit = PORT_CONFIG_BITS[bitName];
      if (bit === undefined) throw new MappingError(`${where}.params: "${bitName}" is not a port config bit (${Object.keys(PORT_CONFIG_BITS).join(", ")})`);
      const n = str(pName, `${where}.params.${bitName}`);
      const param = action.findParam(n);
      if (!param) throw new MappingError(`${where}: action "${aName}" has no param "${n}" (${bitName})`);
      if (param.bitwidth !== 1) throw new MappingError(`${where}: param "${n}" of "${aName}" is ${param.bitwidth} bits, not 1`);
      enforced |= bit;
      return { bit, param };
    });
    return { table, keyFieldId: field.id, keyBitwidth: field.bitwidth, action, params };
  });
  return { tables, enforced };
}

/** Reads and builds the mapping file at `path` for `p4info`. */
export function loadMapping(path: string, p4info: P4InfoIndex): OffloadMapping {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new MappingError(`mapping file ${path}: ${(e as Error).message}`);
  }
  return buildMapping(parsed, p4info);
}

/** True when OpenFlow port `n` may be a data port under this mapping. */
export function isDataPortNumber(mapping: OffloadMapping, n: number): boolean {
  const r = mapping.portRange;
  return n >= r.min && n <= r.max && !r.exclude.has(n) && n !== mapping.cpuPort && n !== mapping.dropPort;
}

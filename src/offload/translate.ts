// Translation between an OpenFlow rule and a P4 table entry, driven by the OffloadMapping:
// match -> ternary key fields (priority p -> p + offset), instructions -> the program's flow
// action (or drop / miss_to_controller), several outputs -> the replica set of a multicast
// group; and back, a key read from the target -> the OpenFlow match. Pure functions: what the
// program cannot express is refused with the precise OfError and a message naming the field or
// action and why; nothing is approximated or dropped silently. Never talks to a target.

import { OFPP, type Action, type Instructions } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { OxmField, normalizeMatch, type Match, type MatchField } from "../openflow/match.js";
import { bigintToBytes, bytesToBigint, type p4, type ParamInfo } from "../p4runtime/index.js";
import type { OffloadMapping, TableMap } from "./mapping.js";

/** One copy of a multicast group: an egress port and its replica instance. */
export interface Replica {
  readonly port: number;
  readonly instance: number;
}

/** An OpenFlow group as translation needs it (OpenFlow 1.3 ALL / INDIRECT). */
export interface GroupView {
  readonly type: "all" | "indirect";
  readonly buckets: readonly (readonly Action[])[];
}

export interface TranslateContext {
  /** Is `n` a data port of this switch (from the port map)? */
  isPort(n: number): boolean;
  /** Every data port, ascending (FLOOD and ALL). */
  readonly ports: readonly number[];
  /** An OpenFlow 1.3 group the provider holds, by id. */
  group(id: number): GroupView | undefined;
}

export interface RuleView {
  readonly tableId: number;
  readonly match: Match;
  readonly priority: number;
  readonly instructions: Instructions;
}

/** What a rule becomes: the key, the action and, for several outputs, a replica set. */
export interface EntryPlan {
  readonly table: TableMap;
  readonly match: p4.v1.IFieldMatch[];
  readonly priority: number;
  readonly actionId: number;
  /** Flow action params (absent for drop / miss actions), mcast_grp left 0 when `replicas` is set. */
  readonly params: ReadonlyMap<ParamInfo, bigint> | undefined;
  /** Sorted replica set of the multicast group the entry sends to. */
  readonly replicas: readonly Replica[] | undefined;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: OfError };
const fail = (name: Parameters<typeof ofError>[0], message: string): { ok: false; error: OfError } => ({
  ok: false,
  error: ofError(name, message),
});

/**
 * Shared bytestrings for values that recur across entries (masks, small action params): one
 * immutable Uint8Array per value instead of one per entry (100,000 rules share a handful).
 * Entries built here are only encoded and compared, never written into.
 */
const SHARED = new Map<bigint, Uint8Array>();
const SHARED_MAX = 4096;
function sharedBytes(v: bigint): Uint8Array {
  let b = SHARED.get(v);
  if (b === undefined) {
    b = bigintToBytes(v);
    if (SHARED.size < SHARED_MAX) SHARED.set(v, b);
  }
  return b;
}

function maxOf(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** A port's OpenFlow name (CONTROLLER, IN_PORT...) or its number. */
export function portName(p: number): string {
  for (const [k, v] of Object.entries(OFPP)) if (v === p >>> 0) return k;
  return String(p >>> 0);
}

/** The P4 key of an OpenFlow match in `table`. */
export function translateMatch(mapping: OffloadMapping, table: TableMap, match: Match, ctx: TranslateContext): Result<p4.v1.IFieldMatch[]> {
  const byField = new Map<string, { value: bigint; mask: bigint; from: string }>();
  const required = new Map<string, { value: bigint; from: string }>();
  for (const f of match) {
    const name = OxmField[f.field] ?? `field ${f.field}`;
    const m = mapping.matchFields.get(f.field);
    if (!m) return fail("BAD_MATCH_BAD_FIELD", `match field ${name} cannot be matched by the P4 program (table ${table.ofTable})`);
    if (!table.p4.findField(m.p4Name)) {
      return fail("BAD_MATCH_BAD_FIELD", `table ${table.ofTable} (${table.p4.name}) has no key field ${m.p4Name} for ${name}`);
    }
    let value = f.value;
    let mask = f.mask;
    if (m.value === "port") {
      if (!ctx.isPort(Number(value)) || mask !== maxOf(32)) {
        return fail("BAD_MATCH_BAD_VALUE", `${name}=${portName(Number(value))} is not a data port of this switch`);
      }
      mask = maxOf(m.bitwidth);
    }
    if (value > maxOf(m.bitwidth) || mask > maxOf(m.bitwidth)) {
      return fail("BAD_MATCH_BAD_VALUE", `${name} value 0x${value.toString(16)}/0x${mask.toString(16)} is wider than key field ${m.p4Name} (${m.bitwidth} bits)`);
    }
    value &= mask;
    const prev = byField.get(m.p4Name);
    if (prev) return fail("BAD_MATCH_BAD_PREREQ", `${name} and ${prev.from} both match key field ${m.p4Name}`);
    byField.set(m.p4Name, { value, mask, from: name });
    for (const r of m.requires) {
      const other = required.get(r.p4Name);
      if (other && other.value !== r.value) return fail("BAD_MATCH_BAD_PREREQ", `${name} and ${other.from} need different ${r.p4Name}`);
      required.set(r.p4Name, { value: r.value, from: name });
    }
  }
  for (const [p4Name, r] of required) {
    const have = byField.get(p4Name);
    const full = maxOf(table.p4.field(p4Name).bitwidth);
    if (have === undefined) byField.set(p4Name, { value: r.value, mask: full, from: `prerequisite of ${r.from}` });
    else if (have.mask !== full || have.value !== r.value) {
      return fail("BAD_MATCH_BAD_PREREQ", `${r.from} needs ${p4Name}=${r.value} but the match has ${have.from}=${have.value}/${have.mask}`);
    }
  }
  const out: p4.v1.IFieldMatch[] = [];
  for (const [p4Name, v] of byField) {
    const fi = table.p4.field(p4Name);
    out.push({ fieldId: fi.id, ternary: { value: v.value < 0x10000n ? sharedBytes(v.value) : bigintToBytes(v.value), mask: sharedBytes(v.mask) } });
  }
  out.sort((a, b) => (a.fieldId ?? 0) - (b.fieldId ?? 0));
  return { ok: true, value: out };
}

/** The OpenFlow match a key read from the target encodes (undefined: not a key ofp4 writes). */
export function matchFromKey(mapping: OffloadMapping, table: TableMap, key: readonly p4.v1.IFieldMatch[]): Match | undefined {
  const values = new Map<string, { value: bigint; mask: bigint }>();
  for (const fm of key) {
    const fi = table.p4.findField(fm.fieldId ?? 0);
    if (!fi || !fm.ternary) return undefined;
    values.set(fi.name, { value: bytesToBigint(fm.ternary.value ?? new Uint8Array()), mask: bytesToBigint(fm.ternary.mask ?? new Uint8Array()) });
  }
  const satisfied = (reqs: readonly { p4Name: string; value: bigint }[]): boolean =>
    reqs.every((r) => {
      const have = values.get(r.p4Name);
      return have !== undefined && have.value === r.value && have.mask === maxOf(table.p4.field(r.p4Name).bitwidth);
    });
  const fields: MatchField[] = [];
  for (const [p4Name, v] of values) {
    const candidates = [...mapping.matchFields.values()].filter((m) => m.p4Name === p4Name);
    const m = candidates.find((c) => c.requires.length > 0 && satisfied(c.requires)) ?? candidates.find((c) => c.requires.length === 0);
    if (!m) return undefined;
    fields.push({ field: m.oxm, value: v.value, mask: m.value === "port" ? maxOf(32) : v.mask });
  }
  return normalizeMatch(fields);
}

/** Where an apply-action list stands in the program's fixed order. */
const PHASE = { vlan: 0, decTtl: 1, setField: 2, output: 3 } as const;

interface Outputs {
  ports: number[];
  inPort: boolean;
  controller: boolean;
}

/** The P4 entry plan for a rule, or the precise OpenFlow refusal. */
export function translateRule(mapping: OffloadMapping, rule: RuleView, ctx: TranslateContext): Result<EntryPlan> {
  const table = mapping.tables[rule.tableId];
  if (!table) return fail("FLOW_MOD_FAILED_BAD_TABLE_ID", `table ${rule.tableId} is not mapped onto the P4 program`);
  const key = translateMatch(mapping, table, rule.match, ctx);
  if (!key.ok) return key;
  const action = translateActions(mapping, table, rule, ctx);
  if (!action.ok) return action;
  const a = action.value;
  return { ok: true, value: { table, match: key.value, priority: rule.priority + mapping.priorityOffset, actionId: a.actionId, params: a.params, replicas: a.replicas } };
}

/** What a rule's instructions become: the action, its params and, for several outputs, a replica set. */
export interface ActionTranslation {
  readonly actionId: number;
  /** Flow action params (absent for drop / miss actions), mcast_grp left 0 when `replicas` is set. */
  readonly params: ReadonlyMap<ParamInfo, bigint> | undefined;
  /** Sorted replica set of the multicast group the entry sends to. */
  readonly replicas: readonly Replica[] | undefined;
  /**
   * True when the translation depends on the rule's match or priority as well as on its
   * instructions and table (a table-miss entry to the controller; output:IN_PORT among several
   * outputs): it may not be shared by other rules with the same instructions.
   */
  readonly dependsOnMatch: boolean;
}

/** The P4 action of a rule's instructions in `table`, or the precise OpenFlow refusal. */
export function translateActions(mapping: OffloadMapping, table: TableMap, rule: RuleView, ctx: TranslateContext): Result<ActionTranslation> {
  const ins = rule.instructions;
  const fa = mapping.flow;
  if (ins.meterId !== undefined) return fail("BAD_INSTRUCTION_UNSUP_INST", `meter instruction (meter ${ins.meterId}): this switch has no meters`);
  if (ins.writeActions !== undefined && ins.writeActions.length > 0 && ins.gotoTable !== undefined) {
    return fail("BAD_INSTRUCTION_UNSUP_INST", "write-actions together with goto-table cannot be expressed by the P4 program");
  }
  if (ins.gotoTable !== undefined && (ins.gotoTable <= rule.tableId || ins.gotoTable >= mapping.tables.length)) {
    return fail("BAD_INSTRUCTION_BAD_TABLE_ID", `goto-table ${ins.gotoTable} from table ${rule.tableId}: only later tables up to ${mapping.tables.length - 1}`);
  }

  // Expand group actions (ALL: its outputs; INDIRECT: its one bucket) into one list.
  const list: Action[] = [];
  for (const a of [...ins.applyActions, ...(ins.writeActions ?? [])]) {
    if (a.type !== "group") {
      list.push(a);
      continue;
    }
    const g = ctx.group(a.groupId);
    if (!g) return fail("BAD_ACTION_BAD_OUT_GROUP", `group ${a.groupId >>> 0} does not exist`);
    if (g.type === "all") {
      for (const b of g.buckets) {
        for (const ba of b) {
          if (ba.type !== "output") return fail("BAD_ACTION_UNSUPPORTED_ORDER", `group ${a.groupId}: an ALL group bucket may only output (found ${ba.type})`);
          list.push(ba);
        }
      }
    } else list.push(...(g.buckets[0] ?? []));
  }

  let phase = 0;
  let vlanOp = fa.vlanOp.none;
  let setFields = 0;
  const values = new Map<ParamInfo, bigint>();
  const outs: Outputs = { ports: [], inPort: false, controller: false };
  const at = (want: number, what: string): OfError | undefined => {
    if (want < phase) {
      return ofError("BAD_ACTION_UNSUPPORTED_ORDER", `${what} after ${phase === PHASE.output ? "an output" : "a later action"}: the program runs vlan, dec_ttl, set_field, output in that order`);
    }
    phase = want;
    return undefined;
  };
  const setField = (field: OxmField, value: bigint, name: string): OfError | undefined => {
    const sf = fa.setFields.get(field);
    if (!sf) return ofError("BAD_ACTION_BAD_SET_TYPE", `set_field ${name}: the P4 program cannot set this field`);
    const v = sf.vidWithoutPresent ? value & 0xfffn : value;
    if (v > maxOf(sf.param.bitwidth)) return ofError("BAD_ACTION_BAD_SET_ARGUMENT", `set_field ${name}=0x${value.toString(16)} is wider than ${sf.param.bitwidth} bits`);
    setFields |= sf.bit;
    values.set(sf.param, v);
    return undefined;
  };
  for (const a of list) {
    let err: OfError | undefined;
    switch (a.type) {
      case "pop_vlan":
      case "push_vlan":
        if (vlanOp !== fa.vlanOp.none) return fail("BAD_ACTION_UNSUPPORTED_ORDER", `${a.type}: the program applies at most one VLAN push or pop per rule`);
        if (a.type === "push_vlan" && !fa.pushVlanEthertypes.has(a.ethertype)) {
          return fail("BAD_ACTION_BAD_ARGUMENT", `push_vlan ethertype 0x${a.ethertype.toString(16)}: the program pushes only ${[...fa.pushVlanEthertypes].map((e) => "0x" + e.toString(16)).join(", ")}`);
        }
        err = at(PHASE.vlan, a.type);
        vlanOp = a.type === "pop_vlan" ? fa.vlanOp.pop : fa.vlanOp.push;
        break;
      case "set_vlan_vid":
      case "set_vlan_pcp":
        if (vlanOp === fa.vlanOp.pop) return fail("BAD_ACTION_UNSUPPORTED_ORDER", `${a.type} after pop_vlan cannot be expressed by the program`);
        if (vlanOp === fa.vlanOp.none) vlanOp = fa.vlanOp.pushIfAbsent;
        err =
          at(PHASE.setField, a.type) ??
          (a.type === "set_vlan_vid" ? setField(OxmField.VLAN_VID, BigInt(a.vid), "VLAN_VID") : setField(OxmField.VLAN_PCP, BigInt(a.pcp), "VLAN_PCP"));
        break;
      case "dec_nw_ttl":
        err = at(PHASE.decTtl, a.type);
        setFields |= fa.decTtlBit;
        break;
      case "set_field":
        err = at(PHASE.setField, `set_field ${OxmField[a.field]}`) ?? setField(a.field, a.value, OxmField[a.field] ?? String(a.field));
        break;
      case "output":
        err = at(PHASE.output, "output");
        if (err) break;
        if (a.port === OFPP.IN_PORT) outs.inPort = true;
        else if (a.port === OFPP.CONTROLLER) outs.controller = true;
        else if (a.port === OFPP.FLOOD || a.port === OFPP.ALL) outs.ports.push(...ctx.ports);
        else if (ctx.isPort(a.port)) outs.ports.push(a.port);
        else return fail("BAD_ACTION_BAD_OUT_PORT", `output:${portName(a.port)} is not a port this switch can send to`);
        break;
      case "enqueue":
      case "set_queue":
        return fail("BAD_ACTION_BAD_QUEUE", `${a.type}: this switch has no queues`);
      default:
        return fail("BAD_ACTION_BAD_TYPE", `action ${a.type} cannot be expressed by the P4 program`);
    }
    if (err) return { ok: false, error: err };
  }
  if (ins.gotoTable !== undefined && phase === PHASE.output) {
    return fail("BAD_ACTION_UNSUPPORTED_ORDER", "output together with goto-table cannot be expressed by the P4 program");
  }

  const ports = [...new Set(outs.ports)].sort((x, y) => x - y);
  const nOut = ports.length + (outs.inPort ? 1 : 0) + (outs.controller ? 1 : 0);
  const meta = ins.writeMetadata;
  const plain = vlanOp === fa.vlanOp.none && setFields === 0 && meta === undefined && ins.gotoTable === undefined;

  // A table-miss flow entry that sends to the controller keeps reason NO_MATCH.
  if (plain && nOut === 1 && outs.controller && rule.priority === 0 && rule.match.length === 0 && table.miss.controller !== undefined) {
    return { ok: true, value: { actionId: table.miss.controller, params: undefined, replicas: undefined, dependsOnMatch: true } };
  }
  if (plain && nOut === 0) {
    return { ok: true, value: { actionId: mapping.dropActionId, params: undefined, replicas: undefined, dependsOnMatch: false } };
  }

  const p = fa.params;
  let outKind = fa.outKind.drop;
  let replicas: Replica[] | undefined;
  if (ins.gotoTable !== undefined) {
    outKind = fa.outKind.goto;
    values.set(p.gotoTable, BigInt(ins.gotoTable));
  } else if (nOut === 1 && ports.length === 1) {
    outKind = fa.outKind.port;
    values.set(p.outPort, BigInt(ports[0]!));
  } else if (nOut === 1 && outs.inPort) outKind = fa.outKind.inPort;
  else if (nOut === 1 && outs.controller) outKind = fa.outKind.controller;
  else if (nOut > 1) {
    outKind = fa.outKind.group;
    replicas = ports.map((port) => ({ port, instance: 0 }));
    if (outs.inPort) {
      const inPort = rule.match.find((f) => f.field === OxmField.IN_PORT);
      if (!inPort) return fail("BAD_ACTION_BAD_OUT_PORT", "output:IN_PORT among several outputs needs a match on an exact in_port");
      replicas.push({ port: Number(inPort.value), instance: mapping.multicast.inPortReplicaInstance });
    }
    if (outs.controller) replicas.push({ port: mapping.multicast.controllerReplicaPort, instance: 0 });
    replicas.sort((a, b) => a.port - b.port || a.instance - b.instance);
  }
  values.set(p.vlanOp, BigInt(vlanOp));
  values.set(p.setFields, BigInt(setFields));
  values.set(p.outKind, BigInt(outKind));
  if (meta !== undefined) {
    values.set(p.metadataValue, meta.value & meta.mask);
    values.set(p.metadataMask, meta.mask);
  }
  // A plain output to the controller from a priority-0, match-all rule is the table-miss entry: its action depends on the match.
  const missShaped = plain && nOut === 1 && outs.controller;
  return { ok: true, value: { actionId: fa.action.id, params: values, replicas, dependsOnMatch: outs.inPort || missShaped } };
}

/** The table entry of a plan; `mcastGroupId` fills mcast_grp when the plan has replicas. */
export function buildTableEntry(mapping: OffloadMapping, plan: EntryPlan, mcastGroupId: number, metadata: Uint8Array | undefined): p4.v1.ITableEntry {
  const entry: p4.v1.ITableEntry = { tableId: plan.table.p4.id, match: plan.match, priority: plan.priority };
  if (plan.params === undefined) {
    entry.action = { action: { actionId: plan.actionId, params: [] } };
  } else {
    const a = mapping.flow.action;
    entry.action = {
      action: {
        actionId: a.id,
        params: a.params.map((pi) => {
          const v = pi === mapping.flow.params.mcastGrp && plan.replicas ? BigInt(mcastGroupId) : (plan.params!.get(pi) ?? 0n);
          return { paramId: pi.id, value: v < 0x10000n ? sharedBytes(v) : bigintToBytes(v) };
        }),
      },
    };
  }
  if (metadata !== undefined) entry.metadata = metadata;
  return entry;
}

/** A stable string for a replica set (the multicast group sharing key). */
export function replicaSetKey(replicas: readonly Replica[]): string {
  return replicas.map((r) => `${r.port}.${r.instance}`).join(",");
}

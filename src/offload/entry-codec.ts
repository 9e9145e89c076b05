// The entry codec: one pass from a rule to the bytes of its P4Runtime update, the hot path of
// DESIGN.md §4. The match is checked and written straight into the identity key (canonical
// TableEntry bytes: table id, ternary key fields by field id, priority; p4runtime/entity-key.ts),
// kept as the rule's P4 identity from its ADD on; the instructions become an action plan
// (translate.ts) encoded once and shared by every rule with the same instructions object in the
// same table (a template, in DPDK's words), except where the plan depends on the match. An
// update is the key, the plan's action bytes and the rule's metadata, written into the Write it
// travels in. What the program cannot express is refused with translate.ts's precise OfError.
// Holds no state but its caches; never does I/O.

import type { Instructions } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { OxmField, type Match } from "../openflow/match.js";
import type { Rule } from "../ofproto/rule.js";
import type { GroupDesc } from "../openflow/multipart-types.js";
import { ProtoWriter, UpdateType, bigintToBytes, type MatchFieldInfo, type ParamInfo, type p4 } from "../p4runtime/index.js";
import { encodeEntryMetadata } from "./group-record.js";
import type { MatchFieldMap, OffloadMapping, TableMap } from "./mapping.js";
import { writeRuleMetadataField, type RuleRecord } from "./metadata.js";
import { portName, translateActions, type Replica, type TranslateContext } from "./translate.js";

export { UpdateType } from "../p4runtime/index.js";

/** What a rule's instructions become in one table, encoded. */
export interface ActionPlan {
  readonly actionId: number;
  /** TableEntry.action (field 3, tag and length included) when it does not depend on a multicast group id. */
  readonly bytes: Uint8Array | undefined;
  /** Params in P4Info order with their values (mcast_grp is filled per group when there are replicas). */
  readonly params: readonly (readonly [ParamInfo, bigint])[];
  /** The replica set of the multicast group the entry sends to (several outputs). */
  readonly replicas: readonly Replica[] | undefined;
  /** The instructions use OpenFlow groups: the metadata carries their records. */
  readonly usesGroups: boolean;
}

/** One P4 key field of a table: where an OpenFlow field lands. */
interface KeySlot {
  readonly info: MatchFieldInfo;
  readonly full: bigint;
}

/** An OpenFlow field that a table can match: its mapping, its key slot and its prerequisites' slots. */
interface FieldSlot {
  readonly m: MatchFieldMap;
  readonly name: string;
  readonly i: number;
  /** Slot index (-1: the table has no such key field), value and name of each prerequisite. */
  readonly requires: readonly { readonly i: number; readonly value: bigint; readonly p4Name: string }[];
}

interface TableCodec {
  readonly map: TableMap;
  /** Key fields in ascending field id. */
  readonly slots: readonly KeySlot[];
  readonly slotOf: ReadonlyMap<string, number>;
  /** By OXM field number: where the field lands in this table (undefined: it cannot be matched here). */
  readonly byOxm: readonly (FieldSlot | undefined)[];
  /** Plans shared by rules with the same (shared, immutable) instructions object. */
  plans: WeakMap<Instructions, ActionPlan>;
}

function maxOf(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}


export class EntryCodec {
  readonly #tables: TableCodec[];
  readonly #mapping: OffloadMapping;
  readonly #ctx: TranslateContext;
  readonly #groups: (id: number) => GroupDesc | undefined;
  /** Per key slot of the table being compiled: value, mask, the OpenFlow field it came from; `#gen` marks the slots in use. */
  #values: bigint[] = [];
  #masks: bigint[] = [];
  /** The field that set the slot, and whether as its prerequisite (names are made only for errors). */
  #from: (FieldSlot | undefined)[] = [];
  #byPrereq: boolean[] = [];
  #stamp: number[] = [];
  #gen = 0;
  readonly #w = new ProtoWriter(512);

  /** The key of the last compileKey() that succeeded. */
  key = "";
  /** The plan of the last compilePlan() that succeeded. */
  plan: ActionPlan | undefined = undefined;

  constructor(mapping: OffloadMapping, ctx: TranslateContext, groups: (id: number) => GroupDesc | undefined) {
    this.#mapping = mapping;
    this.#ctx = ctx;
    this.#groups = groups;
    this.#tables = mapping.tables.map((map) => {
      const fields = [...map.p4.matchFields].sort((a, b) => a.id - b.id);
      const slots = fields.map((info) => ({ info, full: maxOf(info.bitwidth) }));
      const slotOf = new Map(fields.map((f, i) => [f.name, i]));
      const byOxm: (FieldSlot | undefined)[] = [];
      for (const m of mapping.matchFields.values()) {
        const i = slotOf.get(m.p4Name);
        if (i === undefined) continue;
        const requires = m.requires.map((r) => ({ i: slotOf.get(r.p4Name) ?? -1, value: r.value, p4Name: r.p4Name }));
        byOxm[m.oxm] = { m, name: OxmField[m.oxm] ?? `field ${m.oxm}`, i, requires };
      }
      return { map, slots, slotOf, byOxm, plans: new WeakMap() };
    });
    const n = Math.max(0, ...this.#tables.map((t) => t.slots.length));
    this.#values = new Array<bigint>(n).fill(0n);
    this.#masks = new Array<bigint>(n).fill(0n);
    this.#from = new Array<FieldSlot | undefined>(n).fill(undefined);
    this.#byPrereq = new Array<boolean>(n).fill(false);
    this.#stamp = new Array<number>(n).fill(0);
  }

  /** The OpenFlow group table changed: plans that expanded a group are stale. */
  groupsChanged(): void {
    for (const t of this.#tables) t.plans = new WeakMap();
  }

  /**
   * Checks the rule's match against its table and makes its identity key (this.key): the
   * match's key fields with their prerequisites, canonical, by field id, and the priority.
   * Returns the OfError of a match the program cannot express.
   */
  compileKey(rule: Rule): OfError | undefined {
    const t = this.#tables[rule.tableId];
    if (t === undefined) return ofError("FLOW_MOD_FAILED_BAD_TABLE_ID", `table ${rule.tableId} is not mapped onto the P4 program`);
    const gen = ++this.#gen;
    const err = this.#fields(t, rule.match, gen);
    if (err !== undefined) return err;
    const w = this.#w;
    w.pos = 0;
    w.uintField(1, t.map.p4.id);
    for (let i = 0; i < t.slots.length; i++) {
      if (this.#stamp[i] !== gen) continue;
      const slot = t.slots[i]!;
      const fm = w.open(2);
      w.uintField(1, slot.info.id);
      const tm = w.open(3);
      w.canonicalField(1, this.#values[i]!);
      w.canonicalField(2, this.#masks[i]!);
      w.close(tm);
      w.close(fm);
    }
    const priority = rule.priority + this.#mapping.priorityOffset;
    if (priority !== 0) w.uintField(4, priority);
    this.key = w.latin1Of(0);
    return undefined;
  }

  /** Puts the match's key fields into the slots (stamped `gen`), or the refusal. */
  #fields(t: TableCodec, match: Match, gen: number): OfError | undefined {
    for (let k = 0; k < match.length; k++) {
      const f = match[k]!;
      const fs = t.byOxm[f.field];
      if (fs === undefined) return this.#unmatchable(t, f.field);
      const m = fs.m;
      const i = fs.i;
      const full = t.slots[i]!.full;
      let value = f.value;
      let mask = f.mask;
      if (m.value === "port") {
        if (!this.#ctx.isPort(Number(value)) || mask !== 0xffffffffn) {
          return ofError("BAD_MATCH_BAD_VALUE", `${fs.name}=${portName(Number(value))} is not a data port of this switch`);
        }
        mask = full;
      }
      if (value > full || mask > full) {
        return ofError("BAD_MATCH_BAD_VALUE", `${fs.name} value 0x${value.toString(16)}/0x${mask.toString(16)} is wider than key field ${m.p4Name} (${m.bitwidth} bits)`);
      }
      // An exact field's value is already within its mask (value <= full): no bigint to make.
      if (mask !== full) value &= mask;
      if (this.#stamp[i] === gen) return ofError("BAD_MATCH_BAD_PREREQ", `${fs.name} and ${this.#from[i]!.name} both match key field ${m.p4Name}`);
      this.#stamp[i] = gen;
      this.#values[i] = value;
      this.#masks[i] = mask;
      this.#from[i] = fs;
      this.#byPrereq[i] = false;
    }
    // Prerequisites (TCP_SRC needs ip_proto 6...): the field is matched exactly, or must agree.
    for (let k = 0; k < match.length; k++) {
      const err = this.#requires(t, t.byOxm[match[k]!.field]!, gen);
      if (err !== undefined) return err;
    }
    return undefined;
  }

  /** Why a field cannot be matched in this table. */
  #unmatchable(t: TableCodec, field: OxmField): OfError {
    const name = OxmField[field] ?? `field ${field}`;
    const m = this.#mapping.matchFields.get(field);
    if (m === undefined) return ofError("BAD_MATCH_BAD_FIELD", `match field ${name} cannot be matched by the P4 program (table ${t.map.ofTable})`);
    return ofError("BAD_MATCH_BAD_FIELD", `table ${t.map.ofTable} (${t.map.p4.name}) has no key field ${m.p4Name} for ${name}`);
  }

  #requires(t: TableCodec, fs: FieldSlot, gen: number): OfError | undefined {
    const name = fs.name;
    for (let k = 0; k < fs.requires.length; k++) {
      const r = fs.requires[k]!;
      const i = r.i;
      if (i < 0) return ofError("BAD_MATCH_BAD_FIELD", `table ${t.map.ofTable} (${t.map.p4.name}) has no key field ${r.p4Name} for ${name}`);
      const full = t.slots[i]!.full;
      if (this.#stamp[i] !== gen) {
        this.#stamp[i] = gen;
        this.#values[i] = r.value;
        this.#masks[i] = full;
        this.#from[i] = fs;
        this.#byPrereq[i] = true;
      } else if (this.#masks[i] !== full || this.#values[i] !== r.value) {
        const from = this.#from[i]!.name;
        if (this.#byPrereq[i]) return ofError("BAD_MATCH_BAD_PREREQ", `${name} and ${from} need different ${r.p4Name}`);
        return ofError("BAD_MATCH_BAD_PREREQ", `${name} needs ${r.p4Name}=${r.value} but the match has ${from}=${this.#values[i]}/${this.#masks[i]}`);
      }
    }
    return undefined;
  }

  /**
   * Makes the action plan of the rule's instructions in its table (this.plan; shared by rules
   * with the same instructions when it can be). Returns the OfError of what the program cannot do.
   */
  compilePlan(rule: Rule): OfError | undefined {
    const t = this.#tables[rule.tableId];
    if (t === undefined) return ofError("FLOW_MOD_FAILED_BAD_TABLE_ID", `table ${rule.tableId} is not mapped onto the P4 program`);
    const cached = t.plans.get(rule.instructions);
    if (cached !== undefined) {
      this.plan = cached;
      return undefined;
    }
    const tr = translateActions(this.#mapping, t.map, rule, this.#ctx);
    if (!tr.ok) return tr.error;
    const a = tr.value;
    const usesGroups = rule.instructions.applyActions.some((x) => x.type === "group") || (rule.instructions.writeActions ?? []).some((x) => x.type === "group");
    const flow = this.#mapping.flow;
    let plan: ActionPlan;
    if (a.params === undefined) {
      plan = { actionId: a.actionId, bytes: this.#actionBytes(a.actionId, []), params: [], replicas: undefined, usesGroups };
    } else {
      const params = flow.action.params.map((pi) => [pi, a.params!.get(pi) ?? 0n] as const);
      plan =
        a.replicas === undefined
          ? { actionId: a.actionId, bytes: this.#actionBytes(a.actionId, params), params, replicas: undefined, usesGroups }
          : { actionId: a.actionId, bytes: undefined, params, replicas: a.replicas, usesGroups };
    }
    if (!a.dependsOnMatch && Object.isFrozen(rule.instructions)) t.plans.set(rule.instructions, plan);
    this.plan = plan;
    return undefined;
  }

  #actionBytes(actionId: number, params: readonly (readonly [ParamInfo, bigint])[]): Uint8Array {
    const w = new ProtoWriter(64 + params.length * 12);
    writeAction(w, actionId, params, undefined, 0);
    return Uint8Array.prototype.slice.call(w.buf, 0, w.pos);
  }

  /**
   * Writes the Update of `type` for the entry `key` of `rule` (INSERT and MODIFY: with `plan`'s
   * action, the multicast group id when the plan has replicas, and the rule's metadata; a MODIFY
   * that resets counts zeroes the direct counter; DELETE: the key alone).
   */
  writeUpdate(w: ProtoWriter, type: UpdateType, key: string, rule: Rule, plan: ActionPlan | undefined, mcastGroupId: number, resetCounts: boolean): void {
    w.uintField(1, type);
    const em = w.open(2); // Update.entity
    const tm = w.open(2); // Entity.table_entry
    w.latin1(key);
    if (type !== UpdateType.DELETE && plan !== undefined) {
      if (plan.bytes !== undefined) w.raw(plan.bytes);
      else writeAction(w, plan.actionId, plan.params, this.#mapping.flow.params.mcastGrp, mcastGroupId);
      if (plan.usesGroups) w.bytesField(11, encodeEntryMetadata(recordOf(rule), this.#groups));
      else writeRuleMetadataField(w, rule);
      if (resetCounts && type === UpdateType.MODIFY) {
        w.byte((7 << 3) | 2); // counter_data: zero packets, zero bytes
        w.byte(0);
      }
    }
    w.close(tm);
    w.close(em);
  }

  /** The action of the rule's entry as an object (reconciliation compares it with what the target holds). */
  actionOf(rule: Rule, mcastGroupId: number): p4.v1.ITableAction {
    if (this.compilePlan(rule) !== undefined) return {};
    const plan = this.plan!;
    const mcast = this.#mapping.flow.params.mcastGrp;
    return {
      action: {
        actionId: plan.actionId,
        params: plan.params.map(([pi, v]) => ({ paramId: pi.id, value: bigintToBytes(pi === mcast && plan.replicas !== undefined ? BigInt(mcastGroupId) : v) })),
      },
    };
  }

  /** The metadata bytes of the rule's entry (what writeUpdate writes), for comparisons. */
  metadataOf(rule: Rule, usesGroups: boolean): Uint8Array {
    if (usesGroups) return encodeEntryMetadata(recordOf(rule), this.#groups);
    const w = this.#w;
    w.pos = 0;
    writeRuleMetadataField(w, rule);
    // Skip the field's tag and length.
    let o = 1;
    while (w.buf[o]! & 0x80) o++;
    return Uint8Array.prototype.slice.call(w.buf, o + 1, w.pos);
  }
}

/** TableEntry.action = TableAction{action = Action{action_id, params}}; `mcast` param set to `mcastValue`. */
function writeAction(w: ProtoWriter, actionId: number, params: readonly (readonly [ParamInfo, bigint])[], mcast: ParamInfo | undefined, mcastValue: number): void {
  const am = w.open(3); // TableEntry.action
  const xm = w.open(1); // TableAction.action
  w.uintField(1, actionId);
  for (const [pi, v] of params) {
    const pm = w.open(4); // Action.params
    w.uintField(2, pi.id);
    if (pi === mcast) w.canonicalNumberField(3, mcastValue);
    else w.canonicalField(3, v);
    w.close(pm);
  }
  w.close(xm);
  w.close(am);
}

/** What an entry's metadata records of its rule. */
export function recordOf(rule: Rule): RuleRecord {
  return rule;
}

// OFPMP_TABLE_FEATURES bodies (OpenFlow 1.3 ofp_table_features and its properties): decode
// a list (request with or without properties, or reply) and encode one table; and
// `describeTable`, which turns what a P4 table can do (fields, actions, next tables) into an
// honest property list. Pure; malformed bodies give TABLE_FEATURES_FAILED_* / BAD_LEN values.

import type { ActionType } from "./actions.js";
import { ofError } from "./errors.js";
import { OXM_FIELD_BITS, type OxmField } from "./match.js";
import type { FeatureId, OxmId, TableFeatureProp, TableFeaturePropType, TableFeatures } from "./multipart-types.js";
import { WireReader } from "./multipart-wire.js";
import { Writer } from "./wire.js";
import { fail, ok, type Result } from "./result.js";

const TABLE_FEATURES_HEADER_LEN = 64;
const OFP_MAX_TABLE_NAME_LEN = 32;
const EXPERIMENTER_ID = 0xffff;
const OXM_CLASS_EXPERIMENTER = 0xffff;
const OXM_CLASS_OPENFLOW_BASIC = 0x8000;

/** OFPTFPT_* property type codes. */
export const OFPTFPT: Readonly<Record<TableFeaturePropType, number>> = {
  instructions: 0,
  instructions_miss: 1,
  next_tables: 2,
  next_tables_miss: 3,
  write_actions: 4,
  write_actions_miss: 5,
  apply_actions: 6,
  apply_actions_miss: 7,
  match: 8,
  wildcards: 10,
  write_setfield: 12,
  write_setfield_miss: 13,
  apply_setfield: 14,
  apply_setfield_miss: 15,
  experimenter: 0xfffe,
  experimenter_miss: 0xffff,
};

function propType(code: number): TableFeaturePropType | undefined {
  for (const [name, c] of Object.entries(OFPTFPT)) if (c === code) return name as TableFeaturePropType;
  return undefined;
}

function bad(name: "TABLE_FEATURES_FAILED_BAD_LEN" | "TABLE_FEATURES_FAILED_BAD_TYPE" | "BAD_REQUEST_BAD_LEN", msg: string): Result<never> {
  return fail(ofError(name, msg));
}

/** Decodes `length` bytes of ofp_table_features at `offset` (an empty list for a plain query). */
export function decodeTableFeaturesList(r: WireReader, offset: number, length: number): Result<TableFeatures[]> {
  const out: TableFeatures[] = [];
  const end = offset + length;
  let o = offset;
  while (o < end) {
    if (o + TABLE_FEATURES_HEADER_LEN > end) return bad("BAD_REQUEST_BAD_LEN", `table features ends with ${end - o} leftover bytes`);
    const len = r.u16(o);
    if (len < TABLE_FEATURES_HEADER_LEN || len % 8 !== 0 || o + len > end) {
      return bad("BAD_REQUEST_BAD_LEN", `table features length ${len}`);
    }
    const props = decodeProps(r, o + TABLE_FEATURES_HEADER_LEN, o + len);
    if (!props.ok) return props;
    out.push({
      tableId: r.u8(o + 2),
      name: r.str(o + 8, OFP_MAX_TABLE_NAME_LEN),
      metadataMatch: r.u64(o + 40),
      metadataWrite: r.u64(o + 48),
      config: r.u32(o + 56),
      maxEntries: r.u32(o + 60),
      properties: props.value,
    });
    o += len;
  }
  return ok(out);
}

function decodeProps(r: WireReader, start: number, end: number): Result<TableFeatureProp[]> {
  const props: TableFeatureProp[] = [];
  let o = start;
  while (o < end) {
    if (o + 4 > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `property list ends with ${end - o} leftover bytes`);
    const code = r.u16(o);
    const len = r.u16(o + 2);
    const padded = (len + 7) & ~7;
    if (len < 4 || o + padded > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `property ${code} length ${len}`);
    const type = propType(code);
    if (type === undefined) return bad("TABLE_FEATURES_FAILED_BAD_TYPE", `table feature property type ${code}`);
    const p = decodeProp(r, type, o + 4, o + len);
    if (!p.ok) return p;
    props.push(p.value);
    o += padded;
  }
  return ok(props);
}

function decodeProp(r: WireReader, type: TableFeaturePropType, o: number, end: number): Result<TableFeatureProp> {
  switch (type) {
    case "instructions":
    case "instructions_miss":
    case "write_actions":
    case "write_actions_miss":
    case "apply_actions":
    case "apply_actions_miss": {
      const ids: FeatureId[] = [];
      while (o < end) {
        if (o + 4 > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type}: id past the end`);
        const t = r.u16(o);
        const len = r.u16(o + 2);
        if (len < 4 || o + len > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type}: id length ${len}`);
        if (t === EXPERIMENTER_ID) {
          if (len < 8) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type}: experimenter id length ${len}`);
          ids.push({ type: t, experimenter: r.u32(o + 4) });
        } else {
          ids.push({ type: t });
        }
        o += len;
      }
      return ok({ type, ids });
    }
    case "next_tables":
    case "next_tables_miss": {
      const tableIds: number[] = [];
      for (; o < end; o++) tableIds.push(r.u8(o));
      return ok({ type, tableIds });
    }
    case "match":
    case "wildcards":
    case "write_setfield":
    case "write_setfield_miss":
    case "apply_setfield":
    case "apply_setfield_miss": {
      const oxmIds: OxmId[] = [];
      while (o < end) {
        if (o + 4 > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type}: OXM id past the end`);
        const header = r.u32(o);
        if (header >>> 16 === OXM_CLASS_EXPERIMENTER) {
          if (o + 8 > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type}: experimenter OXM id past the end`);
          oxmIds.push({ header, experimenter: r.u32(o + 4) });
          o += 8;
        } else {
          oxmIds.push({ header });
          o += 4;
        }
      }
      return ok({ type, oxmIds });
    }
    case "experimenter":
    case "experimenter_miss":
      if (o + 8 > end) return bad("TABLE_FEATURES_FAILED_BAD_LEN", `${type} property too short`);
      return ok({ type, experimenter: r.u32(o), expType: r.u32(o + 4), data: r.bytes.slice(o + 8, end) });
  }
}

/** Encodes one ofp_table_features with its properties. */
export function encodeTableFeatures(w: Writer, t: TableFeatures): void {
  const start = w.length;
  w.u16(0).u8(t.tableId).zeros(5).str(t.name, OFP_MAX_TABLE_NAME_LEN);
  w.u64(t.metadataMatch).u64(t.metadataWrite).u32(t.config).u32(t.maxEntries);
  for (const p of t.properties) encodeProp(w, p);
  w.setU16(start, w.length - start);
}

function encodeProp(w: Writer, p: TableFeatureProp): void {
  const start = w.length;
  w.u16(OFPTFPT[p.type]).u16(0);
  switch (p.type) {
    case "instructions":
    case "instructions_miss":
    case "write_actions":
    case "write_actions_miss":
    case "apply_actions":
    case "apply_actions_miss":
      for (const id of p.ids) {
        if (id.experimenter !== undefined) w.u16(id.type).u16(8).u32(id.experimenter);
        else w.u16(id.type).u16(4);
      }
      break;
    case "next_tables":
    case "next_tables_miss":
      for (const t of p.tableIds) w.u8(t);
      break;
    case "match":
    case "wildcards":
    case "write_setfield":
    case "write_setfield_miss":
    case "apply_setfield":
    case "apply_setfield_miss":
      for (const id of p.oxmIds) {
        w.u32(id.header);
        if (id.experimenter !== undefined) w.u32(id.experimenter);
      }
      break;
    case "experimenter":
    case "experimenter_miss":
      w.u32(p.experimenter).u32(p.expType).bytes(p.data);
      break;
  }
  w.setU16(start + 2, w.length - start);
  w.padTo(8);
}

// ---------------------------------------------------------------------------------------
// An honest description of one table, from what it can do

/** OFPIT_* instruction types. */
export const OFPIT = { GOTO_TABLE: 1, WRITE_METADATA: 2, WRITE_ACTIONS: 3, APPLY_ACTIONS: 4, CLEAR_ACTIONS: 5, METER: 6 } as const;
export type InstructionKind = keyof typeof OFPIT;

/** OpenFlow 1.3 OFPAT_* codes of the internal action types (those 1.3 has). */
export const OFPAT13: Readonly<Partial<Record<ActionType, number>>> = {
  output: 0,
  copy_ttl_out: 11,
  copy_ttl_in: 12,
  set_mpls_ttl: 15,
  dec_mpls_ttl: 16,
  push_vlan: 17,
  pop_vlan: 18,
  push_mpls: 19,
  pop_mpls: 20,
  set_queue: 21,
  group: 22,
  set_nw_ttl: 23,
  dec_nw_ttl: 24,
  set_field: 25,
};

/** The OXM id of a basic-class field: header with length in bytes (doubled with a mask). */
export function oxmIdOf(field: OxmField, hasMask = false): OxmId {
  const bytes = Math.ceil(OXM_FIELD_BITS[field] / 8);
  return { header: ((OXM_CLASS_OPENFLOW_BASIC << 16) | (field << 9) | (hasMask ? 0x100 : 0) | (hasMask ? 2 * bytes : bytes)) >>> 0 };
}

/** What one table can do, as the core learns it from the P4 program. */
export interface TableCapabilities {
  readonly tableId: number;
  readonly name: string;
  readonly maxEntries: number;
  readonly metadataMatch: bigint;
  readonly metadataWrite: bigint;
  readonly instructions: readonly InstructionKind[];
  /** Tables goto_table may name. */
  readonly nextTables: readonly number[];
  readonly writeActions: readonly ActionType[];
  readonly applyActions: readonly ActionType[];
  /** Fields the table matches on, and whether a mask is allowed. */
  readonly match: readonly { readonly field: OxmField; readonly maskable: boolean }[];
  /** Fields that may be left out (fully wildcarded). */
  readonly wildcards: readonly OxmField[];
  readonly writeSetfield: readonly OxmField[];
  readonly applySetfield: readonly OxmField[];
}

/**
 * The ofp_table_features of one table: every property in spec order, with the table-miss
 * variants equal to the regular ones (ofp4's table-miss flow can do what any flow can).
 * Action types without an OpenFlow 1.3 code (enqueue, set_vlan_vid...) are left out.
 */
export function describeTable(c: TableCapabilities): TableFeatures {
  const ins: FeatureId[] = c.instructions.map((k) => ({ type: OFPIT[k] }));
  const acts = (list: readonly ActionType[]): FeatureId[] => {
    const codes = new Set<number>();
    for (const a of list) {
      const code = OFPAT13[a];
      if (code !== undefined) codes.add(code);
    }
    return [...codes].sort((x, y) => x - y).map((type) => ({ type }));
  };
  const fields = (list: readonly OxmField[]): OxmId[] => [...new Set(list)].sort((x, y) => x - y).map((f) => oxmIdOf(f));
  const writeActs = acts(c.writeActions);
  const applyActs = acts(c.applyActions);
  const next = [...new Set(c.nextTables)].sort((x, y) => x - y);
  return {
    tableId: c.tableId,
    name: c.name,
    metadataMatch: c.metadataMatch,
    metadataWrite: c.metadataWrite,
    config: 0,
    maxEntries: c.maxEntries,
    properties: [
      { type: "instructions", ids: ins },
      { type: "instructions_miss", ids: ins },
      { type: "next_tables", tableIds: next },
      { type: "next_tables_miss", tableIds: next },
      { type: "write_actions", ids: writeActs },
      { type: "write_actions_miss", ids: writeActs },
      { type: "apply_actions", ids: applyActs },
      { type: "apply_actions_miss", ids: applyActs },
      { type: "match", oxmIds: [...c.match].sort((x, y) => x.field - y.field).map((m) => oxmIdOf(m.field, m.maskable)) },
      { type: "wildcards", oxmIds: fields(c.wildcards) },
      { type: "write_setfield", oxmIds: fields(c.writeSetfield) },
      { type: "write_setfield_miss", oxmIds: fields(c.writeSetfield) },
      { type: "apply_setfield", oxmIds: fields(c.applySetfield) },
      { type: "apply_setfield_miss", oxmIds: fields(c.applySetfield) },
    ],
  };
}

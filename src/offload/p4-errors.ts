// P4Runtime outcome → OpenFlow error, in one table keyed by status code and entity (DESIGN.md
// §4): what a controller gets when the target refuses the update of its request. Target quirks
// are named options, set per target kind, never guesses over message text. Pure.
//
//   code (of one update)   table entry (flow_mod)            port-config entry (port_mod)
//   RESOURCE_EXHAUSTED     FLOW_MOD_FAILED_TABLE_FULL        PORT_MOD_FAILED_EPERM
//   UNKNOWN on an INSERT   FLOW_MOD_FAILED_TABLE_FULL when   PORT_MOD_FAILED_EPERM
//                          quirk unknownInsertIsTableFull,
//                          else FLOW_MOD_FAILED_UNKNOWN
//   INVALID_ARGUMENT       BAD_ACTION_BAD_ARGUMENT (ofp4 checked the key against the P4Info
//                          before writing: the target refused the action's arguments)
//   PERMISSION_DENIED      FLOW_MOD_FAILED_EPERM (ofp4 is not primary)
//   anything else          FLOW_MOD_FAILED_UNKNOWN           PORT_MOD_FAILED_EPERM
// ALREADY_EXISTS on INSERT and NOT_FOUND on MODIFY are not errors here: the entry is read back
// (entry-writer.ts). A DELETE never fails (provider.ts §3.4). Each error message names the
// table, the code and the target's own message.

import { ofError, type OfError } from "../openflow/errors.js";
import { Code, codeName, type UpdateStatus } from "../p4runtime/index.js";
import type { TableMap } from "./mapping.js";

export interface TargetQuirks {
  /**
   * bmv2 (PI) answers UNKNOWN "Error when adding match entry to target" when its table is full
   * where the P4Runtime specification says RESOURCE_EXHAUSTED (p4runtime-facts.md §2.4): an
   * UNKNOWN answer to an INSERT is taken as a full table. True for bmv2 and the sim; Stratum
   * follows the specification.
   */
  readonly unknownInsertIsTableFull: boolean;
}

export const BMV2_QUIRKS: TargetQuirks = { unknownInsertIsTableFull: true };
export const SPEC_QUIRKS: TargetQuirks = { unknownInsertIsTableFull: false };

/** The OpenFlow error of a flow_mod whose table-entry update the target refused. */
export function flowModError(table: TableMap, insert: boolean, s: UpdateStatus, quirks: TargetQuirks): OfError {
  const what = `table ${table.ofTable} (${table.p4.name}): ${codeName(s.code)} ${s.message}`;
  switch (s.code) {
    case Code.RESOURCE_EXHAUSTED:
      return ofError("FLOW_MOD_FAILED_TABLE_FULL", what);
    case Code.UNKNOWN:
      return insert && quirks.unknownInsertIsTableFull ? ofError("FLOW_MOD_FAILED_TABLE_FULL", what) : ofError("FLOW_MOD_FAILED_UNKNOWN", what);
    case Code.INVALID_ARGUMENT:
      return ofError("BAD_ACTION_BAD_ARGUMENT", what);
    case Code.PERMISSION_DENIED:
      return ofError("FLOW_MOD_FAILED_EPERM", what);
    default:
      return ofError("FLOW_MOD_FAILED_UNKNOWN", what);
  }
}

/** The OpenFlow error of a port_mod whose port-config update the target refused. */
export function portModError(port: number, s: UpdateStatus): OfError {
  return ofError("PORT_MOD_FAILED_EPERM", `port ${port}: the target did not take the port config (${codeName(s.code)}: ${s.message})`);
}

/**
 * A status that says the target went away or lost its pipeline under us (not a verdict on the
 * update): the update's fate is checked again after reconciliation.
 */
export function isTrouble(s: UpdateStatus): boolean {
  return s.outcomeUnknown || s.code === Code.UNAVAILABLE || s.code === Code.FAILED_PRECONDITION || s.code === Code.PERMISSION_DENIED;
}

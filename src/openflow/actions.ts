// The internal actions and instructions: one representation for OpenFlow 1.0 action lists
// and OpenFlow 1.3 instructions. Port numbers are always OpenFlow 1.3's 32-bit numbers
// (an OpenFlow 1.0 0xfff8..0xffff reserved port becomes 0xfffffff8..0xffffffff). Codecs
// convert; the core and the offload translator only ever see this form.

import type { OxmField } from "./match.js";

/** Reserved port numbers (OpenFlow 1.3 ofp_port_no). */
export const OFPP = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

/** Reserved group numbers (OpenFlow 1.3 ofp_group). */
export const OFPG = { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff } as const;

/** OFPCML_NO_BUFFER: max_len meaning "send the whole packet, do not buffer". */
export const OFPCML_NO_BUFFER = 0xffff;

export type Action =
  | { readonly type: "output"; readonly port: number; readonly maxLen: number }
  | { readonly type: "group"; readonly groupId: number }
  | { readonly type: "set_queue"; readonly queueId: number }
  /** OpenFlow 1.0 enqueue (output to a port's queue). */
  | { readonly type: "enqueue"; readonly port: number; readonly queueId: number }
  /** Set a header field (OpenFlow 1.3 set_field; OpenFlow 1.0 set_dl_src/dst, set_nw_src/dst, set_tp_src/dst, set_vlan_pcp, set_nw_tos as IP_DSCP). */
  | { readonly type: "set_field"; readonly field: OxmField; readonly value: bigint }
  /** OpenFlow 1.0 set_vlan_vid: sets the VID, pushing a tag when the frame has none. */
  | { readonly type: "set_vlan_vid"; readonly vid: number }
  /** OpenFlow 1.0 set_vlan_pcp: sets the PCP, pushing a tag when the frame has none. */
  | { readonly type: "set_vlan_pcp"; readonly pcp: number }
  | { readonly type: "push_vlan"; readonly ethertype: number }
  /** Pop the outer VLAN tag (OpenFlow 1.0 strip_vlan). */
  | { readonly type: "pop_vlan" }
  | { readonly type: "dec_nw_ttl" }
  | { readonly type: "set_nw_ttl"; readonly ttl: number }
  | { readonly type: "copy_ttl_out" }
  | { readonly type: "copy_ttl_in" }
  | { readonly type: "push_mpls"; readonly ethertype: number }
  | { readonly type: "pop_mpls"; readonly ethertype: number }
  | { readonly type: "set_mpls_ttl"; readonly ttl: number }
  | { readonly type: "dec_mpls_ttl" }
  /** An experimenter action the codec does not know, kept as bytes so it can be refused precisely. */
  | { readonly type: "experimenter"; readonly experimenter: number; readonly body: Uint8Array };

export type ActionType = Action["type"];

/**
 * The instructions of one flow entry. An OpenFlow 1.0 flow has only `applyActions`.
 * An empty `applyActions` with nothing else means drop.
 */
export interface Instructions {
  readonly applyActions: readonly Action[];
  readonly clearActions: boolean;
  readonly writeActions: readonly Action[] | undefined;
  readonly writeMetadata: { readonly value: bigint; readonly mask: bigint } | undefined;
  readonly gotoTable: number | undefined;
  readonly meterId: number | undefined;
}

export const NO_INSTRUCTIONS: Instructions = {
  applyActions: [],
  clearActions: false,
  writeActions: undefined,
  writeMetadata: undefined,
  gotoTable: undefined,
  meterId: undefined,
};

/** Instructions for an OpenFlow 1.0 action list. */
export function applyOnly(actions: readonly Action[]): Instructions {
  return { ...NO_INSTRUCTIONS, applyActions: actions };
}

/** The ports a flow's instructions output to (apply and write actions), for out_port filters. */
export function outputPorts(ins: Instructions): number[] {
  const ports: number[] = [];
  for (const list of [ins.applyActions, ins.writeActions ?? []]) {
    for (const a of list) if (a.type === "output" || a.type === "enqueue") ports.push(a.port);
  }
  return ports;
}

/** The groups a flow's instructions send to, for out_group filters. */
export function outputGroups(ins: Instructions): number[] {
  const groups: number[] = [];
  for (const list of [ins.applyActions, ins.writeActions ?? []]) {
    for (const a of list) if (a.type === "group") groups.push(a.groupId);
  }
  return groups;
}

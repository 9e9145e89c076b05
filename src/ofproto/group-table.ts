// The OpenFlow 1.3 group table as the core keeps it: group_mod add / modify / delete checked
// against the groups that exist (the provider programs them and may refuse), and the
// group desc / stats replies. Deleting a group deletes the flows that use it (a scan of
// every table). Returns "done", "postponed" or an OfError; never sends an error itself.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import { OFPG, outputGroups } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { OFPRR } from "../openflow/messages.js";
import { UNKNOWN_COUNT, type GroupDesc, type GroupMod, type GroupStats } from "../openflow/multipart-types.js";
import { anyPending } from "./flow-mod.js";
import type { OpGroup } from "./opgroup.js";
import type { Outcome } from "./outcome.js";
import type { Provider } from "./provider.js";
import type { Rule } from "./rule.js";
import type { FlowTable } from "./table.js";

/** What the group table needs of the switch. */
export interface GroupTableSwitch {
  readonly tables: readonly FlowTable[];
  readonly groups: Map<number, GroupEntry>;
  readonly provider: Pick<Provider, "groupMod">;
  readonly pendingGroupCount: number;
  readonly maxPendingGroups: number;
  now(): number;
  newGroup(conn?: OfConnView, request?: Request): OpGroup;
  startDelete(group: OpGroup, rule: Rule, reason: number): OfError | undefined;
  submit(group: OpGroup): void;
  sendFlowRemoved(rule: Rule, reason: number): void;
}

export interface GroupEntry {
  readonly desc: GroupDesc;
  readonly created: number;
}

/** Rules whose instructions send to the group (any group for OFPG.ALL). */
function rulesUsing(sw: { readonly tables: readonly FlowTable[] }, groupId: number): Rule[] {
  const out: Rule[] = [];
  for (const table of sw.tables) {
    for (const rule of table.rules) {
      if (rule.hidden) continue;
      const groups = outputGroups(rule.instructions);
      if (groups.length > 0 && (groupId === OFPG.ALL || groups.includes(groupId))) out.push(rule);
    }
  }
  return out;
}

/**
 * group_mod. Deleting a group also deletes the flows that send to it (OpenFlow 1.3 §6.5),
 * through an op group of this request (so a barrier waits for them), with flow_removed
 * reason GROUP_DELETE; it waits while one of those flows has an operation in flight.
 */
export function handleGroupMod(sw: GroupTableSwitch, conn: OfConnView, request: Request, gm: GroupMod): Outcome {
  const exists = sw.groups.has(gm.groupId);
  switch (gm.command) {
    case "add":
      if (gm.groupId > OFPG.MAX) return ofError("GROUP_MOD_FAILED_INVALID_GROUP", `group id ${gm.groupId >>> 0} is reserved`);
      if (exists) return ofError("GROUP_MOD_FAILED_GROUP_EXISTS", `group ${gm.groupId} exists`);
      break;
    case "modify":
      if (!exists) return ofError("GROUP_MOD_FAILED_UNKNOWN_GROUP", `group ${gm.groupId} does not exist`);
      break;
    case "delete":
      // Deleting a group that is not there is not an error (OpenFlow 1.3 §6.5).
      if (gm.groupId !== OFPG.ALL && !exists) return "done";
      break;
  }
  const users = gm.command === "delete" ? rulesUsing(sw, gm.groupId) : [];
  if (anyPending(users)) return "postponed";
  if (users.length > 0 && sw.pendingGroupCount >= sw.maxPendingGroups) return "postponed";
  const error = sw.provider.groupMod(gm);
  if (error !== undefined) return error;
  if (gm.command === "delete") {
    if (gm.groupId === OFPG.ALL) sw.groups.clear();
    else sw.groups.delete(gm.groupId);
    if (users.length > 0) {
      const group = sw.newGroup(conn, request);
      for (const rule of users) {
        const refused = sw.startDelete(group, rule, OFPRR.GROUP_DELETE);
        if (refused !== undefined) {
          group.recordError(refused);
          break;
        }
        sw.sendFlowRemoved(rule, OFPRR.GROUP_DELETE);
      }
      sw.submit(group);
    }
  } else {
    const created = gm.command === "modify" ? sw.groups.get(gm.groupId)!.created : sw.now();
    sw.groups.set(gm.groupId, { desc: { groupType: gm.groupType, groupId: gm.groupId, buckets: gm.buckets }, created });
  }
  return "done";
}

export function groupDescs(sw: { readonly groups: ReadonlyMap<number, GroupEntry> }): GroupDesc[] {
  return [...sw.groups.values()].map((g) => g.desc).sort((a, b) => a.groupId - b.groupId);
}

/** Group stats: counters are not read from the target yet, so they are unknown (all ones). */
export function groupStats(sw: { readonly groups: ReadonlyMap<number, GroupEntry>; now(): number }, groupId: number): GroupStats[] {
  const now = sw.now();
  const out: GroupStats[] = [];
  for (const g of groupDescs(sw)) {
    if (groupId !== OFPG.ALL && g.groupId !== groupId) continue;
    const age = Math.max(0, now - sw.groups.get(g.groupId)!.created);
    out.push({
      groupId: g.groupId,
      refCount: 0,
      packetCount: UNKNOWN_COUNT,
      byteCount: UNKNOWN_COUNT,
      durationSec: Math.floor(age / 1000),
      durationNsec: (age % 1000) * 1_000_000,
      buckets: g.buckets.map(() => ({ packetCount: UNKNOWN_COUNT, byteCount: UNKNOWN_COUNT })),
    });
  }
  return out;
}

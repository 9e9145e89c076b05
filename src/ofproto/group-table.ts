// The OpenFlow 1.3 group table as the core keeps it: group_mod add / modify / delete checked
// against the groups that exist (the provider programs them and may refuse), and the
// group desc / stats replies. Returns "done" or an OfError; never sends an error itself.

import type { OfConnView } from "../connmgr/endpoint.js";
import { OFPG } from "../openflow/actions.js";
import { ofError } from "../openflow/errors.js";
import { UNKNOWN_COUNT, type GroupDesc, type GroupMod, type GroupStats } from "../openflow/multipart-types.js";
import type { Ofproto, Outcome } from "./ofproto.js";

export interface GroupEntry {
  readonly desc: GroupDesc;
  readonly created: number;
}

export function handleGroupMod(sw: Ofproto, _conn: OfConnView, gm: GroupMod): Outcome {
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
  const error = sw.provider.groupMod(gm);
  if (error !== undefined) return error;
  if (gm.command === "delete") {
    if (gm.groupId === OFPG.ALL) sw.groups.clear();
    else sw.groups.delete(gm.groupId);
  } else {
    const created = gm.command === "modify" ? sw.groups.get(gm.groupId)!.created : sw.now();
    sw.groups.set(gm.groupId, { desc: { groupType: gm.groupType, groupId: gm.groupId, buckets: gm.buckets }, created });
  }
  return "done";
}

export function groupDescs(sw: Ofproto): GroupDesc[] {
  return [...sw.groups.values()].map((g) => g.desc).sort((a, b) => a.groupId - b.groupId);
}

/** Group stats: counters are not read from the target yet, so they are unknown (all ones). */
export function groupStats(sw: Ofproto, groupId: number): GroupStats[] {
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

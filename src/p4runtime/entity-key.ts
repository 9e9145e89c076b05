// Entity keys: a string naming which target object a P4Runtime entity addresses — a table entry
// by (table, match, priority), a member, group, meter or counter cell, a multicast group or
// clone session by id. Two updates with equal keys touch the same object. Match values are
// compared by value (leading zero bytes ignored). Pure; undefined for entities without a key.
import { p4 } from "../generated/proto.js";

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? "0" : "") + i.toString(16));

function hexValue(b: Uint8Array | null | undefined): string {
  if (!b) return "";
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let s = "";
  for (; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

function fieldKey(m: p4.v1.IFieldMatch): string {
  const id = m.fieldId ?? 0;
  if (m.exact) return `${id}=${hexValue(m.exact.value)}`;
  if (m.ternary) return `${id}=${hexValue(m.ternary.value)}&${hexValue(m.ternary.mask)}`;
  if (m.lpm) return `${id}=${hexValue(m.lpm.value)}/${m.lpm.prefixLen ?? 0}`;
  if (m.range) return `${id}=${hexValue(m.range.low)}-${hexValue(m.range.high)}`;
  if (m.optional) return `${id}=${hexValue(m.optional.value)}?`;
  if (m.other) return `${id}=${m.other.typeUrl ?? ""}:${hexValue(m.other.value)}`;
  return `${id}`;
}

/** Key of a table entry: table id, priority, default flag and match (order-independent). */
export function tableEntryKey(t: p4.v1.ITableEntry): string {
  const head = `t${t.tableId ?? 0}/${t.priority ?? 0}${t.isDefaultAction ? "/default" : ""}`;
  const match = t.match;
  if (!match || match.length === 0) return head;
  if (match.length === 1) return head + "/" + fieldKey(match[0]!);
  const parts = match.map(fieldKey);
  parts.sort();
  return head + "/" + parts.join(",");
}

/** Key of the object `e` addresses, or undefined when it has none (externs, digests...). */
export function entityKey(e: p4.v1.IEntity): string | undefined {
  if (e.tableEntry) return tableEntryKey(e.tableEntry);
  if (e.directCounterEntry?.tableEntry) return tableEntryKey(e.directCounterEntry.tableEntry);
  if (e.directMeterEntry?.tableEntry) return tableEntryKey(e.directMeterEntry.tableEntry);
  if (e.actionProfileMember) return `m${e.actionProfileMember.actionProfileId ?? 0}/${e.actionProfileMember.memberId ?? 0}`;
  if (e.actionProfileGroup) return `g${e.actionProfileGroup.actionProfileId ?? 0}/${e.actionProfileGroup.groupId ?? 0}`;
  if (e.meterEntry) return `M${e.meterEntry.meterId ?? 0}/${e.meterEntry.index?.index ?? "*"}`;
  if (e.counterEntry) return `C${e.counterEntry.counterId ?? 0}/${e.counterEntry.index?.index ?? "*"}`;
  if (e.registerEntry) return `R${e.registerEntry.registerId ?? 0}/${e.registerEntry.index?.index ?? "*"}`;
  const pre = e.packetReplicationEngineEntry;
  if (pre?.multicastGroupEntry) return `mc${pre.multicastGroupEntry.multicastGroupId ?? 0}`;
  if (pre?.cloneSessionEntry) return `cs${pre.cloneSessionEntry.sessionId ?? 0}`;
  if (e.valueSetEntry) return `vs${e.valueSetEntry.valueSetId ?? 0}`;
  if (e.digestEntry) return `d${e.digestEntry.digestId ?? 0}`;
  return undefined;
}

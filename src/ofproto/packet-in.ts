// Packet-in (provider.ts §5.2): a packet the provider saw reach the controller port becomes the
// packet_in the connections send. The rule that sent it is found in the core's own classifier
// — the table-miss rule (priority 0, empty match) for a miss, else the highest-priority rule
// of that table matching the packet's key — for its cookie and its output:CONTROLLER max_len.
// A miss no table-miss rule explains carries cookie all-ones and each connection's
// miss_send_len. Pure over the tables; never sends anything.

import type { PacketInEvent } from "../connmgr/endpoint.js";
import { OFPP, type Instructions } from "../openflow/actions.js";
import { OxmField, type Match } from "../openflow/match.js";
import { OFPR } from "../openflow/messages.js";
import type { PacketIn } from "./provider.js";
import type { Rule } from "./rule.js";
import type { FlowTable } from "./table.js";

const ALL_ONES = 0xffffffffffffffffn;
const NO_MATCH: Match = [];

/** max_len of the rule's output:CONTROLLER action, if it has one. */
function controllerMaxLen(ins: Instructions): number | undefined {
  for (const a of ins.applyActions) if (a.type === "output" && a.port === OFPP.CONTROLLER) return a.maxLen;
  for (const a of ins.writeActions ?? []) if (a.type === "output" && a.port === OFPP.CONTROLLER) return a.maxLen;
  return undefined;
}

/** Can a rule with these instructions send a packet to the controller (output:CONTROLLER, or through a group)? */
function maySendToController(ins: Instructions): boolean {
  for (const list of [ins.applyActions, ins.writeActions ?? []]) {
    for (const a of list) if ((a.type === "output" && a.port === OFPP.CONTROLLER) || a.type === "group") return true;
  }
  return false;
}

/**
 * The rule of `tables` that sent the packet, if the core knows one: for an action, the
 * highest-priority rule matching the key, when it can send to the controller at all (a frame
 * rewritten before its output may no longer match the rule that sent it: then no rule is named).
 */
export function ruleThatSent(tables: readonly FlowTable[], event: PacketIn): Rule | undefined {
  const table = tables[event.tableId];
  if (table === undefined) return undefined;
  if (event.reason === "no_match") return table.rules.findExact(NO_MATCH, 0);
  const rule = table.rules.lookup(event.key);
  return rule !== undefined && !rule.hidden && maySendToController(rule.instructions) ? rule : undefined;
}

/** The connections' packet_in for a provider's packet-in. */
export function packetInEvent(tables: readonly FlowTable[], event: PacketIn): PacketInEvent {
  const rule = ruleThatSent(tables, event);
  const maxLen = event.maxLen ?? (rule === undefined ? undefined : controllerMaxLen(rule.instructions));
  const match: Match =
    event.metadata !== 0n
      ? [
          { field: OxmField.IN_PORT, value: BigInt(event.inPort >>> 0), mask: 0xffffffffn },
          { field: OxmField.METADATA, value: event.metadata, mask: ALL_ONES },
        ]
      : [{ field: OxmField.IN_PORT, value: BigInt(event.inPort >>> 0), mask: 0xffffffffn }];
  return {
    reason: event.reason === "no_match" ? OFPR.NO_MATCH : OFPR.ACTION,
    tableId: event.tableId,
    cookie: rule !== undefined ? rule.cookie : ALL_ONES,
    match,
    inPort: event.inPort,
    data: event.frame,
    maxLen: maxLen ?? "miss_send_len",
  };
}

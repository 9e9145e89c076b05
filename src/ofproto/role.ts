// Controller roles: OpenFlow 1.3 ROLE_REQUEST (with the generation-id staleness check) and
// Nicira NXT_ROLE_REQUEST (OpenFlow 1.0). Becoming master demotes the previous master to
// slave. A role change waits while the connection has groups in flight. Returns "done",
// "postponed" or an OfError; never sends an error itself.

import type { OfConnView } from "../connmgr/endpoint.js";
import { ofError } from "../openflow/errors.js";
import type { OfMessageOf } from "../openflow/messages.js";
import type { Outcome } from "./outcome.js";

/** What a role request needs of the switch. */
export interface RoleSwitch {
  /** The last generation id of a master/slave role request (OF1.3), if any. */
  generationId: bigint | undefined;
  readonly connections: Iterable<OfConnView>;
  pendingGroupsOf(conn: OfConnView): number;
}

/** Generation id a role reply carries before any master/slave request set one. */
const UNDEFINED_GENERATION_ID = 0xffffffffffffffffn;

export function handleRoleRequest(
  sw: RoleSwitch,
  conn: OfConnView,
  xid: number,
  msg: OfMessageOf<"role_request"> | OfMessageOf<"nx_role_request">,
): Outcome {
  const role = msg.role;
  if (role !== "nochange" && sw.pendingGroupsOf(conn) > 0) return "postponed";
  if (msg.type === "role_request" && (role === "master" || role === "slave")) {
    // OpenFlow 1.3 §6.3.6: a generation id older than the last one seen is stale (wrapping compare).
    if (sw.generationId !== undefined && BigInt.asIntN(64, msg.generationId - sw.generationId) < 0n) {
      return ofError("ROLE_REQUEST_FAILED_STALE", `generation id ${msg.generationId} is older than ${sw.generationId}`);
    }
    sw.generationId = msg.generationId;
  }
  if (role === "master") {
    for (const other of sw.connections) if (other !== conn && other.role === "master") other.role = "slave";
  }
  if (role !== "nochange") conn.role = role;
  if (msg.type === "role_request") {
    conn.send({ type: "role_reply", role: conn.role, generationId: sw.generationId ?? UNDEFINED_GENERATION_ID }, xid);
  } else {
    conn.send({ type: "nx_role_reply", role: conn.role }, xid);
  }
  return "done";
}

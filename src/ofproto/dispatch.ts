// The request router: which handler answers which request of a connection, and the one rule
// that comes before most of them — a slave is refused the requests that change the switch, with
// its version's error (DESIGN.md §2 Roles). Returns the handler's outcome; sends no error itself.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { handleConfigRequest, type ConfigSwitch } from "./config.js";
import { handleFlowMod, type FlowModSwitch } from "./flow-mod.js";
import { handleGroupMod, type GroupTableSwitch } from "./group-table.js";
import type { Outcome } from "./outcome.js";
import { handlePacketOut, handlePortMod, type PortSwitch } from "./port.js";
import { handleRoleRequest, type RoleSwitch } from "./role.js";
import { handleMultipart, type StatsSwitch } from "./stats.js";

/** What the handlers together need of the switch (each takes only its own part). */
export type RoutedSwitch = FlowModSwitch & PortSwitch & GroupTableSwitch & StatsSwitch & RoleSwitch & ConfigSwitch;

export function dispatch(sw: RoutedSwitch, conn: OfConnView, request: Request): Outcome {
  const msg = request.msg;
  switch (msg.type) {
    case "flow_mod":
      return unlessSlave(conn) ?? handleFlowMod(sw, conn, request, msg);
    case "packet_out":
      return unlessSlave(conn) ?? handlePacketOut(sw, conn, msg);
    case "port_mod":
      return unlessSlave(conn) ?? handlePortMod(sw, conn, request, msg);
    case "group_mod":
      return unlessSlave(conn) ?? handleGroupMod(sw, conn, request, msg.body);
    case "meter_mod":
      // Meters are not in round 1 (DESIGN.md §2): refused, never a silent success.
      return (
        unlessSlave(conn) ??
        ofError("METER_MOD_FAILED_OUT_OF_METERS", `meter_mod for meter ${msg.body.meterId}: this switch has no meters`)
      );
    case "table_mod":
      // OpenFlow 1.3 table config bits are deprecated: accepted for an existing table.
      return (
        unlessSlave(conn) ??
        (msg.tableId !== 0xff && msg.tableId >= sw.tables.length
          ? ofError("TABLE_MOD_FAILED_BAD_TABLE", `table_mod for table ${msg.tableId}: only ${sw.tables.length} tables`)
          : "done")
      );
    case "barrier_request":
      // The barrier reply is the controller's proof that everything before it is in hardware.
      if (sw.pendingGroupsOf(conn) > 0) return "postponed";
      conn.send({ type: "barrier_reply" }, request.xid);
      return "done";
    case "multipart_request":
      return handleMultipart(sw, conn, request, msg.body);
    case "role_request":
    case "nx_role_request":
      return handleRoleRequest(sw, conn, request.xid, msg);
    case "features_request":
    case "get_config_request":
    case "set_config":
    case "get_async_request":
    case "set_async":
    case "nx_set_flow_format":
    case "nx_flow_mod_table_id":
    case "nx_set_packet_in_format":
      return handleConfigRequest(sw, conn, request.xid, msg);
    case "echo_request":
      // connmgr answers echoes itself; answer one that reaches us anyway.
      conn.send({ type: "echo_reply", data: msg.data }, request.xid);
      return "done";
    default:
      return ofError("BAD_REQUEST_BAD_TYPE", `${msg.type} is not a request a switch accepts`);
  }
}

/** A slave is refused state-changing requests with its version's error (DESIGN.md §2 Roles). */
function unlessSlave(conn: OfConnView): OfError | undefined {
  if (conn.role !== "slave") return undefined;
  return conn.version === 0x04
    ? ofError("BAD_REQUEST_IS_SLAVE", "this connection is a slave")
    : ofError("BAD_REQUEST_EPERM", "this connection is a slave");
}

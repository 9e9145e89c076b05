// Switch and connection settings: features, get/set config (fragment handling,
// miss_send_len), get/set async, and the Nicira flow format, flow_mod table id and
// packet-in format. Changes of format wait while the connection has groups in flight.
// Returns "done", "postponed" or an OfError; never sends an error itself.

import type { OfConnView } from "../connmgr/endpoint.js";
import { ofError } from "../openflow/errors.js";
import { NXFF, NXPIF, type OfMessageOf } from "../openflow/messages.js";
import type { PortDesc } from "../openflow/messages.js";
import type { Outcome } from "./outcome.js";
import type { SwitchDescription } from "./provider.js";

/** What the configuration requests need of the switch. */
export interface ConfigSwitch {
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly tables: { readonly length: number };
  readonly description: SwitchDescription | undefined;
  readonly ports: ReadonlyMap<number, PortDesc>;
  /** OFPC_FRAG_* handling set by set_config. */
  fragHandling: "normal" | "drop";
  pendingGroupsOf(conn: OfConnView): number;
}

/** OFPC_FRAG_* values of the set_config flags. */
const OFPC_FRAG = { NORMAL: 0, DROP: 1, REASM: 2, MASK: 3 } as const;

/** OFPC_* capabilities valid in both versions: flow, table, port and queue stats. */
const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x40;

type ConfigRequest = OfMessageOf<
  | "features_request"
  | "get_config_request"
  | "set_config"
  | "get_async_request"
  | "set_async"
  | "nx_set_flow_format"
  | "nx_flow_mod_table_id"
  | "nx_set_packet_in_format"
>;

export function handleConfigRequest(sw: ConfigSwitch, conn: OfConnView, xid: number, msg: ConfigRequest): Outcome {
  switch (msg.type) {
    case "features_request":
      conn.send(
        {
          type: "features_reply",
          datapathId: sw.datapathId,
          nBuffers: sw.nBuffers,
          nTables: sw.tables.length,
          auxiliaryId: 0,
          capabilities: CAPABILITIES,
          actions: sw.description?.actions10 ?? 0,
          ports: conn.version === 0x01 ? [...sw.ports.values()].sort((a, b) => a.portNo - b.portNo) : [],
        },
        xid,
      );
      return "done";
    case "get_config_request":
      conn.send(
        {
          type: "get_config_reply",
          flags: sw.fragHandling === "drop" ? OFPC_FRAG.DROP : OFPC_FRAG.NORMAL,
          missSendLen: conn.missSendLen,
        },
        xid,
      );
      return "done";
    case "set_config": {
      const frag = msg.flags & OFPC_FRAG.MASK;
      if (frag !== OFPC_FRAG.NORMAL && frag !== OFPC_FRAG.DROP) {
        return ofError("SWITCH_CONFIG_FAILED_BAD_FLAGS", `fragment handling ${frag} is not supported (normal or drop)`);
      }
      sw.fragHandling = frag === OFPC_FRAG.DROP ? "drop" : "normal";
      conn.missSendLen = msg.missSendLen;
      return "done";
    }
    case "get_async_request":
      conn.send({ type: "get_async_reply", masks: conn.asyncConfig }, xid);
      return "done";
    case "set_async":
      conn.asyncConfig = msg.masks;
      return "done";
    case "nx_set_flow_format":
      if (msg.format !== NXFF.OPENFLOW10 && msg.format !== NXFF.NXM) {
        return ofError("BAD_REQUEST_EPERM", `flow format ${msg.format} is not supported (openflow10 or nxm)`);
      }
      if (sw.pendingGroupsOf(conn) > 0) return "postponed";
      conn.flowFormat = msg.format === NXFF.NXM ? "nxm" : "openflow10";
      return "done";
    case "nx_flow_mod_table_id":
      conn.flowModTableId = msg.enable;
      return "done";
    case "nx_set_packet_in_format":
      // Only the standard packet_in of the connection's version is sent.
      if (msg.format !== NXPIF.OPENFLOW10) {
        return ofError("BAD_REQUEST_EPERM", `packet-in format ${msg.format} is not supported (standard only)`);
      }
      if (sw.pendingGroupsOf(conn) > 0) return "postponed";
      return "done";
  }
}

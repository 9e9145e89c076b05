// Port requests: packet_out (in_port validated, buffered packets taken from the connection)
// and port_mod (port and hardware address checked, provider told; the port desc changes and
// port_status goes out only once the provider says the target holds the new config — a
// port_mod in flight is an op group of its connection, so a barrier waits for it). Each
// returns "done" or an OfError; never encodes or sends errors itself.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import { OFPP } from "../openflow/actions.js";
import { ofError } from "../openflow/errors.js";
import { OFP_NO_BUFFER, OFPPR, type OfMessageOf } from "../openflow/messages.js";
import type { OfError } from "../openflow/errors.js";
import type { PortDesc } from "../openflow/messages.js";
import { checkActions } from "./flow-mod.js";
import type { OpGroup } from "./opgroup.js";
import type { Outcome } from "./outcome.js";
import { liveState, type Provider } from "./provider.js";

/** What packet_out and port_mod need of the switch. */
export interface PortSwitch {
  readonly ports: Map<number, PortDesc>;
  readonly provider: Pick<Provider, "packetOut" | "portMod">;
  newGroup(conn?: OfConnView, request?: Request): OpGroup;
  submit(group: OpGroup): void;
  groupWorkDone(group: OpGroup, error: OfError | undefined): void;
  sendPortStatus(reason: number, desc: PortDesc): void;
}

export function handlePacketOut(sw: PortSwitch, conn: OfConnView, po: OfMessageOf<"packet_out">): Outcome {
  const inPort = po.inPort;
  const known = sw.ports.has(inPort) || inPort === OFPP.CONTROLLER || inPort === OFPP.LOCAL || inPort === OFPP.ANY;
  if (!known) return ofError("BAD_REQUEST_BAD_PORT", `packet_out in_port ${inPort >>> 0} is not a port of this switch`);
  const invalid = checkActions(po.actions, true);
  if (invalid !== undefined) return invalid;
  let data = po.data;
  if (po.bufferId !== OFP_NO_BUFFER) {
    const packet = conn.takeBuffer(po.bufferId);
    if (!packet.ok) return packet.error;
    data = packet.value.data;
  }
  return sw.provider.packetOut({ inPort, data, actions: po.actions }) ?? "done";
}

export function handlePortMod(sw: PortSwitch, conn: OfConnView, request: Request, pm: OfMessageOf<"port_mod">): Outcome {
  const port = sw.ports.get(pm.portNo);
  if (port === undefined) return ofError("PORT_MOD_FAILED_BAD_PORT", `port ${pm.portNo >>> 0} does not exist`);
  if (!sameBytes(port.hwAddr, pm.hwAddr)) {
    return ofError("PORT_MOD_FAILED_BAD_HW_ADDR", `port ${pm.portNo} hardware address does not match`);
  }
  const result = sw.provider.portMod({ portNo: pm.portNo, config: pm.config, mask: pm.mask, advertise: pm.advertise });
  if (result === undefined) {
    applyPortMod(sw, pm);
    return "done";
  }
  if (!(result instanceof Promise)) return result;
  // provider.ts §4.5: in flight as a one-piece op group of this connection.
  const group = sw.newGroup(conn, request);
  group.pending++;
  group.started++;
  sw.submit(group);
  void result.then(
    (error) => {
      if (error === undefined) applyPortMod(sw, pm);
      sw.groupWorkDone(group, error);
    },
    (e: unknown) => sw.groupWorkDone(group, ofError("PORT_MOD_FAILED_EPERM", `port ${pm.portNo}: ${String(e)}`)),
  );
  return "done";
}

/** The port_mod took effect: the port desc changes, and PORT_STATUS tells the controllers. */
function applyPortMod(sw: PortSwitch, pm: OfMessageOf<"port_mod">): void {
  const port = sw.ports.get(pm.portNo);
  if (port === undefined) return;
  const config = (port.config & ~pm.mask) | (pm.config & pm.mask);
  const advertised = pm.advertise !== 0 ? pm.advertise : port.advertised;
  const state = liveState(config, port.state);
  if (config !== port.config || advertised !== port.advertised || state !== port.state) {
    const desc = { ...port, config, advertised, state };
    sw.ports.set(pm.portNo, desc);
    sw.sendPortStatus(OFPPR.MODIFY, desc);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

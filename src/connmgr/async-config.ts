// Which asynchronous messages a controller receives: the default async config (OpenFlow 1.3
// §7.3.10, as Open vSwitch sets it) and the filter by role. Pure functions over AsyncConfig;
// never sends anything.

import type { AsyncConfig, ControllerRole } from "./endpoint.js";

/** packet_in reasons. */
export const OFPR_NO_MATCH = 0;
export const OFPR_ACTION = 1;
export const OFPR_INVALID_TTL = 2;

/**
 * Master and equal: packet_in for no_match and action, every port_status and flow_removed
 * reason. Slave: port_status only.
 */
export function defaultAsyncConfig(): AsyncConfig {
  return {
    packetIn: [(1 << OFPR_NO_MATCH) | (1 << OFPR_ACTION), 0],
    portStatus: [0x7, 0x7],
    flowRemoved: [0xf, 0],
  };
}

export type AsyncKind = keyof AsyncConfig;

/** True if a connection in `role` with `config` wants an async message of `kind` for `reason`. */
export function wantsAsync(config: AsyncConfig, role: ControllerRole, kind: AsyncKind, reason: number): boolean {
  if (!Number.isInteger(reason) || reason < 0 || reason > 31) return false;
  const mask = config[kind][role === "slave" ? 1 : 0];
  return ((mask >>> reason) & 1) === 1;
}

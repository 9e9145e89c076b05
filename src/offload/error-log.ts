// The one log line each P4Runtime error the offload provider receives produces (issue 9): the
// P4Runtime request that got it, its code name, the target's message, and the OpenFlow
// connection and request (xid, type) that caused it when there is one. The switch name comes
// from the logger (the daemon gives each switch a child logger bound to its name). Pure
// formatting plus one call to the logger and one event; never decides what an error means.

import { channel } from "node:diagnostics_channel";
import { codeName } from "../p4runtime/index.js";
import type { Log } from "../util/log.js";
import type { Operation } from "../ofproto/operation.js";

export type ErrorLog = Pick<Log, "warn" | "error">;

/** The OpenFlow request behind a P4Runtime request, when there is one. */
export interface ErrorOrigin {
  /** The controller connection ("tcp:127.0.0.1:40312"). */
  readonly conn?: string | undefined;
  readonly xid?: number;
  /** The OpenFlow message type ("flow_mod", "group_mod"...), or what ofp4 was doing ("reconciliation"). */
  readonly request: string;
}

/** Where an operation came from: its connection and request, or the core's own work (expiry, adoption). */
export function originOf(op: Operation, fallback = "ofp4"): ErrorOrigin {
  const g = op.group;
  const r = g.request;
  if (!r) return { request: fallback };
  // One object shape for every operation (a spread would give each its own hidden class).
  return { conn: g.conn?.name, xid: r.xid, request: r.msg.type };
}

export interface P4ErrorLine {
  /** The P4Runtime request: "Write INSERT table_entry", "Read", "SetForwardingPipelineConfig", "StreamChannel"... */
  readonly p4runtime: string;
  readonly code: number;
  readonly message: string;
  readonly origin?: ErrorOrigin | undefined;
  /** More context (entry key, multicast group id, number of updates...). */
  readonly detail?: object;
}

/**
 * The diagnostics channel each P4Runtime error is published on (while someone subscribes:
 * metrics): the session that received it and its code's name.
 */
export const P4RUNTIME_ERROR_CHANNEL = "ofp4:p4runtime-error";

export interface P4RuntimeErrorEvent {
  readonly source: object;
  readonly code: string;
}

const p4runtimeErrors = channel(P4RUNTIME_ERROR_CHANNEL);

/**
 * Writes the line: warn for a refused update, error for a failed RPC, a stream error or a lost
 * target; and publishes it on P4RUNTIME_ERROR_CHANNEL with `source`.
 */
export function logP4Error(log: ErrorLog, level: "warn" | "error", line: P4ErrorLine, source: object): void {
  if (p4runtimeErrors.hasSubscribers) p4runtimeErrors.publish({ source, code: codeName(line.code) } satisfies P4RuntimeErrorEvent);
  const o = line.origin;
  const fields = {
    p4runtime: line.p4runtime,
    code: codeName(line.code),
    message: line.message,
    ...(o?.conn !== undefined ? { conn: o.conn } : {}),
    ...(o?.xid !== undefined ? { xid: o.xid } : {}),
    ...(o ? { request: o.request } : {}),
    ...line.detail,
  };
  log[level](fields, `P4Runtime error ${codeName(line.code)} on ${line.p4runtime}${o ? ` (${o.request}${o.xid !== undefined ? ` xid=${o.xid}` : ""}${o.conn ? ` from ${o.conn}` : ""})` : ""}: ${line.message}`);
}

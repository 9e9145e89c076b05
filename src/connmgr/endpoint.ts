// The contract between the connection manager and the ofproto core (DESIGN.md §1–§2).
// connmgr owns sockets, HELLO/version, echo, framing, the ordered inbound queue, the bounded
// send queue, per-connection packet buffers and async-message filtering. The core owns what
// requests mean. connmgr calls `OfprotoEndpoint.handle` for each request in arrival order
// per connection; a `postponed` answer keeps the request at the head of that connection's
// queue (nothing behind it on that connection runs) until the core calls `wake()`. Echo
// requests never reach the core and are answered even while a connection is blocked.

import type { OfError } from "../openflow/errors.js";
import type { Result } from "../openflow/result.js";
import type { OfMessage } from "../openflow/messages.js";
import type { Match } from "../openflow/match.js";

export type { OfVersion } from "../openflow/messages.js";
import type { OfVersion } from "../openflow/messages.js";

/** Controller role (OpenFlow 1.3 roles; OpenFlow 1.0 via Nicira role request: other = equal). */
export type ControllerRole = "equal" | "master" | "slave";

/**
 * Which asynchronous messages a connection receives, per role: bit i set means reason i is
 * sent (OpenFlow 1.3 §7.3.10 ofp_async_config masks). Index 0 applies to master and equal,
 * index 1 to slave.
 */
export interface AsyncConfig {
  readonly packetIn: readonly [number, number];
  readonly portStatus: readonly [number, number];
  readonly flowRemoved: readonly [number, number];
}

/** One decoded request as connmgr hands it to the core. */
export interface Request {
  readonly msg: OfMessage;
  readonly xid: number;
  /** The request's bytes as received (errors quote the first 64 bytes). */
  readonly raw: Uint8Array;
}

/** What the core sees of one controller connection. */
export interface OfConnView {
  /** Unique for the life of the process. */
  readonly id: number;
  /** Negotiated version. */
  readonly version: OfVersion;
  /** A printable peer name such as "tcp:127.0.0.1:40312" for logs. */
  readonly name: string;
  role: ControllerRole;
  asyncConfig: AsyncConfig;
  /** OpenFlow 1.0 flow format chosen with NXT_SET_FLOW_FORMAT. */
  flowFormat: "openflow10" | "nxm";
  /** NXT_FLOW_MOD_TABLE_ID enabled: the high byte of an OF1.0 flow_mod command is a table id. */
  flowModTableId: boolean;
  /** Bytes of a table-miss packet to send in packet_in (OFPT_SET_CONFIG miss_send_len). */
  missSendLen: number;
  /** Sends a reply or notification. Returns false (and counts a drop) if the queue is full. */
  send(msg: OfMessage, xid: number): boolean;
  /** Sends an OFPT_ERROR quoting `request` (at least its first 64 bytes) with its xid. */
  sendError(error: OfError, request: Request): void;
  /** True while the send queue is above its high-water mark: stats replies should wait. */
  readonly congested: boolean;
  /** Takes a packet buffered for packet_in by buffer id (once); the OfError when unknown or used. */
  takeBuffer(bufferId: number): Result<BufferedPacket>;
}

export interface BufferedPacket {
  readonly inPort: number;
  readonly data: Uint8Array;
}

/** A packet headed for the controllers; connmgr truncates, buffers and encodes per connection. */
export interface PacketInEvent {
  readonly reason: number; // OFPR_NO_MATCH 0, OFPR_ACTION 1, OFPR_INVALID_TTL 2
  readonly tableId: number;
  readonly cookie: bigint;
  /** Match fields the packet_in carries (at least IN_PORT). */
  readonly match: Match;
  readonly inPort: number;
  readonly data: Uint8Array;
  /** max_len of the output:CONTROLLER action; for a table miss, each connection's missSendLen. */
  readonly maxLen: number | "miss_send_len";
}

export type HandleResult = "done" | "postponed";

/** Implemented by the ofproto core. */
export interface OfprotoEndpoint {
  /** A connection finished HELLO; the core may now send to it. */
  connected(conn: OfConnView): void;
  /** A connection closed; pending groups keep running, their replies are dropped. */
  disconnected(conn: OfConnView): void;
  /**
   * Handles one request: `done` when it was answered or started (replies and errors are
   * sent through conn), `postponed` when it must wait (DESIGN.md §2 postpone rules).
   */
  handle(conn: OfConnView, request: Request): HandleResult;
}

/** What connmgr offers the core, given to it when the two are joined. */
export interface ConnManagerPort {
  /** Retry every connection's postponed request (called when an op group completes). */
  wake(): void;
  /** Every connected controller. */
  connections(): Iterable<OfConnView>;
  /** Sends a packet_in to each connection whose role and async config want it (rate-limited). */
  sendPacketIn(event: PacketInEvent): void;
  /** Sends flow_removed / port_status to each connection whose role and async config want it. */
  sendAsync(msg: OfMessage, reason: number, kind: "flowRemoved" | "portStatus"): void;
}

/**
 * The diagnostics channel (node:diagnostics_channel) every OpenFlow error sent to a controller
 * is published on, by the core and by the connections that answer a request themselves: the
 * endpoint (the switch's core) it concerns and the error's name. Metrics subscribe; nothing
 * is published while nobody does.
 */
export const OPENFLOW_ERROR_CHANNEL = "ofp4:openflow-error";

export interface OpenflowErrorEvent {
  readonly endpoint: OfprotoEndpoint;
  readonly error: string;
}

// An op group: the operations started by one request (a flow_mod, a flush, an expiry, an
// internal rule change, an adoption). Owns the connection and request it answers, its
// buffer_id and its first error. Promises that the group finishes once, after its last
// operation. Never sends anything itself: the switch does when it finishes.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import type { OfError } from "../openflow/errors.js";
import { OFP_NO_BUFFER } from "../openflow/messages.js";

/** How many bytes of the request an asynchronous error quotes. */
export const QUOTED_REQUEST_BYTES = 64;

export class OpGroup {
  /** The connection that sent the request; undefined for an unattached group (flush, expiry, internal). */
  conn: OfConnView | undefined;
  /** The request (the switch keeps a large one only by its quoted bytes). */
  readonly request: Request | undefined;
  readonly bufferId: number;
  /** Operations not yet completed. */
  pending = 0;
  /** Operations ever started in this group. */
  started = 0;
  /** The first error of any of its operations; sent when the group finishes. */
  firstError: OfError | undefined = undefined;
  /** True once the request handler has started every operation it will start. */
  submitted = false;
  /** True once finished (every operation done and submitted). */
  finished = false;

  constructor(conn: OfConnView | undefined, request: Request | undefined, bufferId: number = OFP_NO_BUFFER) {
    this.conn = conn;
    this.request = request;
    this.bufferId = bufferId;
  }

  get attached(): boolean {
    return this.conn !== undefined;
  }

  recordError(error: OfError): void {
    this.firstError ??= error;
  }
}

// The OpenFlow stream splitter: turns TCP chunks (partial reads, several messages in one
// chunk) into whole messages by the header's length field. A length below 8 or above the
// limit is a framing error: the stream cannot be resynchronized and the connection must
// close. Holds only the bytes of the message in progress; never throws.

import { ofError } from "./errors.js";
import { OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN } from "./header.js";
import { fail, ok, type Result } from "./result.js";

export class FrameSplitter {
  private pending: Uint8Array = new Uint8Array(0);
  private broken = false;

  /** `limit`: the largest message accepted (at most 65535, the header's maximum). */
  constructor(private readonly limit: number = OFP_MAX_MESSAGE_LEN) {}

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.pending.length;
  }

  /**
   * Adds a chunk and returns every message it completes, each a copy of its own bytes.
   * Once an error is returned, every later push returns the error again.
   */
  push(chunk: Uint8Array): Result<Uint8Array[]> {
    if (this.broken) return fail(ofError("BAD_REQUEST_BAD_LEN", "stream already failed framing"));
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const out: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const len = (buf[at + 2]! << 8) | buf[at + 3]!;
      if (len < OFP_HEADER_LEN || len > this.limit) {
        this.broken = true;
        this.pending = new Uint8Array(0);
        return fail(ofError("BAD_REQUEST_BAD_LEN", `message length ${len} outside [${OFP_HEADER_LEN}, ${this.limit}]`));
      }
      if (buf.length - at < len) break;
      out.push(buf.slice(at, at + len));
      at += len;
    }
    this.pending = at === buf.length ? new Uint8Array(0) : buf.slice(at);
    return ok(out);
  }
}

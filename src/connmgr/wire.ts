// The codec calls an ofconn makes, in one place: stream framing, decoding requests with the
// connection's options, encoding replies (a multipart reply may become several messages)
// and OFPT_ERROR quoting a request. Pure adapters over src/openflow; no I/O, no state
// beyond the framer's partial message.

import type { OfError } from "../openflow/errors.js";
import type { DecodeOptions, DecodedMessage, OfMessage, OfVersion } from "../openflow/messages.js";
import type { Result } from "../openflow/result.js";
import { FrameSplitter } from "../openflow/framing.js";
import { decodeMessage, encodeError, encodeMessage, encodeMessages } from "../openflow/codec.js";

/** Splits a byte stream into whole OpenFlow messages; an error means the stream is garbage. */
export interface Framer {
  push(chunk: Uint8Array): { readonly messages: readonly Uint8Array[]; readonly error?: string };
}

export const wire = {
  framer(): Framer {
    const splitter = new FrameSplitter();
    return {
      push(chunk) {
        const r = splitter.push(chunk);
        return r.ok ? { messages: r.value } : { messages: [], error: r.error.message };
      },
    };
  },

  decode(raw: Uint8Array, options: DecodeOptions): Result<DecodedMessage> {
    return decodeMessage(raw, options);
  },

  encode(version: OfVersion, xid: number, msg: OfMessage): Uint8Array {
    return encodeMessage(version, xid, msg);
  },

  /** Every message needed to carry `msg` (a long multipart reply is split with the MORE flag). */
  encodeAll(version: OfVersion, xid: number, msg: OfMessage): readonly Uint8Array[] {
    return encodeMessages(version, xid, msg);
  },

  encodeError(version: OfVersion, xid: number, error: OfError, request: Uint8Array): Uint8Array {
    return encodeError(version, xid, error, request);
  },
};

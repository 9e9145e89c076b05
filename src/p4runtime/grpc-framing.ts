// gRPC over HTTP/2, the parts a unary client needs and nothing else: the 5-byte prefix of a
// length-prefixed message, a reader that follows response messages across DATA frames, the
// grpc-timeout header value, the grpc-status / grpc-message / -bin header values as they arrive,
// the code a call gets from its HTTP status or from the HTTP/2 error code of a reset stream, and
// host:port addresses. Written from the gRPC "PROTOCOL-HTTP2" description. Pure functions and
// one small state machine; never throws on bad input from the peer.
import { Code } from "./status.js";

/** Bytes before each message: compressed flag (1) and message length (4, big-endian). */
export const MESSAGE_PREFIX_BYTES = 5;

/** Writes an uncompressed message prefix for a `length`-byte message at `buf[at]`. */
export function writeMessagePrefix(buf: Uint8Array, at: number, length: number): void {
  buf[at] = 0;
  buf[at + 1] = (length >>> 24) & 0xff;
  buf[at + 2] = (length >>> 16) & 0xff;
  buf[at + 3] = (length >>> 8) & 0xff;
  buf[at + 4] = length & 0xff;
}

/**
 * Follows the length-prefixed messages of a response body fed in arbitrary chunks (one DATA
 * frame may hold part of a prefix, several messages, or a piece of one). Keeps no message bytes:
 * a unary P4Runtime client only needs to know that a whole, uncompressed message arrived.
 */
export class MessageReader {
  /** Messages received whole. */
  messages = 0;
  /** Set when the body broke the framing (a compressed message: we never offered compression). */
  error: string | undefined;
  private prefixLeft = MESSAGE_PREFIX_BYTES;
  private length = 0;
  private bodyLeft = 0;

  feed(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n && this.error === undefined) {
      if (this.prefixLeft > 0) {
        const b = chunk[i++]!;
        if (this.prefixLeft === MESSAGE_PREFIX_BYTES) {
          if (b !== 0) this.error = b === 1 ? "compressed response message (no compression was offered)" : `bad message flag ${b}`;
          this.length = 0;
        } else {
          this.length = this.length * 256 + b;
        }
        if (--this.prefixLeft === 0) {
          this.bodyLeft = this.length;
          if (this.bodyLeft === 0) this.endMessage();
        }
      } else {
        const take = Math.min(this.bodyLeft, n - i);
        i += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.endMessage();
      }
    }
  }

  /** True when the body ended between messages (not inside a prefix or a message). */
  get atBoundary(): boolean {
    return this.prefixLeft === MESSAGE_PREFIX_BYTES;
  }

  private endMessage(): void {
    this.messages++;
    this.prefixLeft = MESSAGE_PREFIX_BYTES;
  }
}

/** The grpc-timeout header value for `ms` milliseconds: at most 8 digits and a unit. */
export function timeoutHeader(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  if (v < 1e8) return `${v}m`;
  const s = Math.ceil(v / 1000);
  if (s < 1e8) return `${s}S`;
  const m = Math.ceil(s / 60);
  if (m < 1e8) return `${m}M`;
  return `${Math.min(99_999_999, Math.ceil(m / 60))}H`;
}

/** A header value as node:http2 hands it over (repeated headers arrive as an array): the first. */
export function headerValue(v: string | string[] | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  return v[0];
}

/** grpc-status as a code; a value that is not a non-negative integer is UNKNOWN. */
export function parseStatus(v: string): number {
  return /^\d{1,9}$/.test(v) ? Number(v) : Code.UNKNOWN;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * grpc-message, percent-decoded: each %XX is a byte, the bytes are UTF-8. A '%' not followed by
 * two hex digits is kept as it is.
 */
export function decodeGrpcMessage(v: string): string {
  if (!v.includes("%")) return v;
  const bytes = Buffer.from(v, "latin1");
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x25 && i + 2 < bytes.length) {
      const hi = hexDigit(bytes[i + 1]!);
      const lo = hexDigit(bytes[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        out[o++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[o++] = c;
  }
  return out.toString("utf8", 0, o);
}

/** A -bin header value: base64, padded or not. */
export function decodeBinaryHeader(v: string): Uint8Array {
  return Buffer.from(v, "base64");
}

/** The code of a response whose HTTP status is not 200 (gRPC's mapping for intermediaries). */
export function codeOfHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** HTTP/2 error codes (RFC 9113 §7) a stream may be reset with. */
export const H2 = {
  NO_ERROR: 0x0,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
} as const;

/** The code of a call whose stream was reset with `rstCode` before any grpc-status arrived. */
export function codeOfReset(rstCode: number): number {
  switch (rstCode) {
    case H2.REFUSED_STREAM:
      return Code.UNAVAILABLE;
    case H2.CANCEL:
      return Code.CANCELLED;
    case H2.ENHANCE_YOUR_CALM:
      return Code.RESOURCE_EXHAUSTED;
    case H2.INADEQUATE_SECURITY:
      return Code.PERMISSION_DENIED;
    default:
      return Code.INTERNAL;
  }
}

/** host and port of "host:port", "[v6]:port"; undefined for any other gRPC target form. */
export function parseHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[([0-9A-Fa-f:.%a-zA-Z]+)\]:(\d{1,5})$/.exec(address) ?? /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port };
}

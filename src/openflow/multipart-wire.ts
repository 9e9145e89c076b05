// What the multipart request and reply codecs share (multipart.ts, multipart-reply.ts): the
// message types and the stats/multipart header (its length per version, the type codes each
// version has, parsing and writing it), and the reading side of the multipart, group and meter
// codecs: a big-endian reader over one message with a `has` check that callers use before
// every read, so that a short body becomes a BAD_LEN value. Writing uses wire.ts's Writer.
// Pure; never throws on input bytes the caller has checked.

import { ofError } from "./errors.js";
import type { OfVersion } from "./messages.js";
import { OFPMP, type MultipartRequestBody } from "./multipart-types.js";
import { fail, ok, type Result } from "./result.js";
import type { Writer } from "./wire.js";

/** Reads big-endian fields from a view; every read is bounds-checked by the caller via `has`. */
export class WireReader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.byteLength;
  }
  has(offset: number, n: number): boolean {
    return offset >= 0 && n >= 0 && offset + n <= this.bytes.byteLength;
  }
  u8(o: number): number {
    return this.view.getUint8(o);
  }
  u16(o: number): number {
    return this.view.getUint16(o);
  }
  u32(o: number): number {
    return this.view.getUint32(o);
  }
  u64(o: number): bigint {
    return this.view.getBigUint64(o);
  }
  slice(o: number, n: number): Uint8Array {
    return this.bytes.subarray(o, o + n);
  }
  /** A NUL-padded fixed-size string field (stops at the first NUL), decoded as UTF-8. */
  str(o: number, n: number): string {
    const b = this.bytes.subarray(o, o + n);
    const end = b.indexOf(0);
    return textDecoder.decode(end < 0 ? b : b.subarray(0, end));
  }
}

const textDecoder = new TextDecoder();

export const OFPT10_STATS_REQUEST = 16;
export const OFPT10_STATS_REPLY = 17;
export const OFPT13_MULTIPART_REQUEST = 18;
export const OFPT13_MULTIPART_REPLY = 19;

/** NXST_* subtypes of Nicira vendor stats. */
export const NXST = { FLOW: 0, AGGREGATE: 1 } as const;

/** Largest OpenFlow message (the 16-bit length field). */
export const MAX_MESSAGE_LEN = 0xffff;

export const DESC_STR_LEN = 256;
export const SERIAL_NUM_LEN = 32;
export const OFP10_TABLE_NAME_LEN = 32;

/** Header size before the body: OF1.0 ofp_stats_request 12, OF1.3 ofp_multipart_request 16. */
export function headerLen(version: OfVersion): number {
  return version === 0x01 ? 12 : 16;
}

export function badLen(what: string): Result<never> {
  return fail(ofError("BAD_REQUEST_BAD_LEN", what));
}

export const TYPE_CODES: Readonly<Record<MultipartRequestBody["type"], number>> = {
  desc: OFPMP.DESC,
  flow: OFPMP.FLOW,
  aggregate: OFPMP.AGGREGATE,
  table: OFPMP.TABLE,
  port_stats: OFPMP.PORT_STATS,
  queue: OFPMP.QUEUE,
  group: OFPMP.GROUP,
  group_desc: OFPMP.GROUP_DESC,
  group_features: OFPMP.GROUP_FEATURES,
  meter: OFPMP.METER,
  meter_config: OFPMP.METER_CONFIG,
  meter_features: OFPMP.METER_FEATURES,
  table_features: OFPMP.TABLE_FEATURES,
  port_desc: OFPMP.PORT_DESC,
  experimenter: OFPMP.EXPERIMENTER,
};

/**
 * OpenFlow 1.0 has desc, flow, aggregate, table, port, queue and vendor stats, plus port
 * desc as Open vSwitch extends it (stats type 13, as in 1.3; ovs-ofctl dump-ports-desc).
 */
export function typeExists(version: OfVersion, code: number): boolean {
  if (code === OFPMP.EXPERIMENTER || code === OFPMP.PORT_DESC) return true;
  return version === 0x01 ? code <= OFPMP.QUEUE : code <= OFPMP.PORT_DESC;
}

export function typeName(code: number): MultipartRequestBody["type"] | undefined {
  for (const [name, c] of Object.entries(TYPE_CODES)) if (c === code) return name as MultipartRequestBody["type"];
  return undefined;
}

export interface Parsed {
  readonly r: WireReader;
  readonly code: number;
  readonly flags: number;
  /** Offset of the body. */
  readonly body: number;
}

export function parseHeader(version: OfVersion, raw: Uint8Array, msgType: number): Result<Parsed> {
  const r = new WireReader(raw);
  const hl = headerLen(version);
  if (!r.has(0, hl)) return badLen(`stats message of ${raw.length} bytes`);
  if (r.u8(0) !== version) return fail(ofError("BAD_REQUEST_BAD_VERSION", `version ${r.u8(0)} on a ${version} connection`));
  if (r.u8(1) !== msgType) return fail(ofError("BAD_REQUEST_BAD_TYPE", `message type ${r.u8(1)}, expected ${msgType}`));
  if (r.u16(2) !== raw.length) return badLen(`header length ${r.u16(2)} but ${raw.length} bytes`);
  return ok({ r, code: r.u16(8), flags: r.u16(10), body: hl });
}

export function requireEmpty(p: Parsed, what: string): Result<void> {
  return p.r.length === p.body ? ok(undefined) : badLen(`${what} request with a ${p.r.length - p.body}-byte body`);
}

export function requireBody(p: Parsed, n: number, what: string): Result<void> {
  return p.r.length - p.body === n ? ok(undefined) : badLen(`${what} request body of ${p.r.length - p.body} bytes, expected ${n}`);
}

export function writeHeader(w: Writer, version: OfVersion, msgType: number, xid: number, code: number, flags: number): void {
  w.u8(version).u8(msgType).u16(0).u32(xid).u16(code).u16(flags);
  if (version !== 0x01) w.zeros(4);
}

/** Encodes a whole stats/multipart request message (one part; flags as given). */

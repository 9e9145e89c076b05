// OpenFlow 1.0 stats requests (OFPT_STATS_REQUEST 16) and 1.3 multipart requests
// (OFPT_MULTIPART_REQUEST 18), Nicira NXST_FLOW / NXST_AGGREGATE included: whole messages to
// typed MultipartRequest and back; requests sent in parts are joined by MultipartReassembler.
// Replies are multipart-reply.ts's. Pure functions; bad input gives an error value (BAD_LEN,
// BAD_MULTIPART, ...), never a throw.

import { ofError } from "./errors.js";
import { OFPG, OFPP } from "./actions.js";
import type { OfVersion } from "./messages.js";
import {
  MATCH10_LEN,
  readMatch10,
  readNxmMatch,
  readOxmMatch,
  writeMatch10,
  writeNxmMatch,
  writeOxmMatch,
} from "./multipart-codecs.js";
import {
  NX_VENDOR_ID,
  OFPMP,
  OFPMPF_REQ_MORE,
  type FlowStatsRequest,
  type MultipartRequest,
  type MultipartRequestBody,
} from "./multipart-types.js";
import {
  WireReader,
  OFPT10_STATS_REQUEST,
  OFPT13_MULTIPART_REQUEST,
  NXST,
  badLen,
  TYPE_CODES,
  typeExists,
  typeName,
  parseHeader,
  requireEmpty,
  requireBody,
  writeHeader,
  type Parsed,
} from "./multipart-wire.js";
import { port16to32, port32to16 } from "./port.js";
import { Writer } from "./wire.js";
import { decodeTableFeaturesList, encodeTableFeatures } from "./table-features.js";
import { fail, ok, type Result } from "./result.js";

export { OFPT10_STATS_REQUEST, OFPT10_STATS_REPLY, OFPT13_MULTIPART_REQUEST, OFPT13_MULTIPART_REPLY, NXST, MAX_MESSAGE_LEN } from "./multipart-wire.js";
export { decodeMultipartReply, encodeMultipartReply } from "./multipart-reply.js";

// ---------------------------------------------------------------------------------------
// Requests

/**
 * Decodes a whole OFPT_STATS_REQUEST (1.0) / OFPT_MULTIPART_REQUEST (1.3) message. Returns
 * BAD_LEN for a wrong length, BAD_MULTIPART (1.0 BAD_STAT) for a type the version lacks,
 * the match/action codecs' errors for bad matches, or the typed request. Vendor/experimenter
 * bodies other than NXST_FLOW/AGGREGATE come back as type "experimenter".
 */
export function decodeMultipartRequest(version: OfVersion, raw: Uint8Array): Result<MultipartRequest> {
  const msgType = version === 0x01 ? OFPT10_STATS_REQUEST : OFPT13_MULTIPART_REQUEST;
  const hp = parseHeader(version, raw, msgType);
  if (!hp.ok) return hp;
  const p = hp.value;
  const body = decodeRequestBody(version, p);
  if (!body.ok) return body;
  return ok({ ...body.value, flags: p.flags } as MultipartRequest);
}

function decodeRequestBody(version: OfVersion, p: Parsed): Result<MultipartRequestBody> {
  const { r, code, body: b } = p;
  if (!typeExists(version, code)) return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `stats type ${code}`));
  const type = typeName(code);
  if (type === undefined) return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `stats type ${code}`));
  const v10 = version === 0x01;
  switch (type) {
    case "desc":
    case "table":
    case "port_desc":
    case "group_desc":
    case "group_features":
    case "meter_features": {
      const e = requireEmpty(p, type);
      return e.ok ? ok({ type }) : e;
    }
    case "flow":
    case "aggregate": {
      const f = v10 ? decodeFlowRequest10(r, b) : decodeFlowRequest13(r, b);
      return f.ok ? ok({ type, ...f.value }) : f;
    }
    case "port_stats": {
      const e = requireBody(p, 8, type);
      if (!e.ok) return e;
      return ok({ type, portNo: v10 ? port16to32(r.u16(b)) : r.u32(b) });
    }
    case "queue": {
      const e = requireBody(p, 8, type);
      if (!e.ok) return e;
      return ok({ type, portNo: v10 ? queuePort10(r.u16(b)) : r.u32(b), queueId: r.u32(b + 4) });
    }
    case "group":
    case "meter":
    case "meter_config": {
      const e = requireBody(p, 8, type);
      if (!e.ok) return e;
      return type === "group" ? ok({ type, groupId: r.u32(b) }) : ok({ type, meterId: r.u32(b) });
    }
    case "table_features": {
      const t = decodeTableFeaturesList(r, b, r.length - b);
      return t.ok ? ok({ type, tables: t.value }) : t;
    }
    case "experimenter":
      return decodeExperimenterRequest(version, r, b);
  }
}

/** OpenFlow 1.0 OFPP_ALL, which 1.0 queue stats requests use for "all ports". */
const OFPP10_ALL = 0xfffc;

/** A 1.0 queue-stats port: OFPP_ALL (1.0's "all ports") becomes OFPP.ANY, 1.3's "all ports". */
function queuePort10(p: number): number {
  return p === OFPP10_ALL ? OFPP.ANY : port16to32(p);
}

function decodeFlowRequest10(r: WireReader, b: number): Result<FlowStatsRequest> {
  if (r.length - b !== MATCH10_LEN + 4) return badLen(`flow stats request body of ${r.length - b} bytes`);
  const m = readMatch10(r.bytes, b);
  if (!m.ok) return m;
  return ok({
    tableId: r.u8(b + MATCH10_LEN),
    outPort: port16to32(r.u16(b + MATCH10_LEN + 2)),
    outGroup: OFPG.ANY,
    cookie: 0n,
    cookieMask: 0n,
    match: m.value,
    nxm: false,
  });
}

function decodeFlowRequest13(r: WireReader, b: number): Result<FlowStatsRequest> {
  if (!r.has(b, 32 + 8)) return badLen(`flow stats request body of ${r.length - b} bytes`);
  const m = readOxmMatch(r.bytes, b + 32);
  if (!m.ok) return m;
  if (b + 32 + m.value.length !== r.length) return badLen("flow stats request has bytes after its match");
  return ok({
    tableId: r.u8(b),
    outPort: r.u32(b + 4),
    outGroup: r.u32(b + 8),
    cookie: r.u64(b + 16),
    cookieMask: r.u64(b + 24),
    match: m.value.match,
    nxm: false,
  });
}

/** Vendor (1.0) / experimenter (1.3) body: experimenter id, then a 32-bit subtype. */
function decodeExperimenterRequest(version: OfVersion, r: WireReader, b: number): Result<MultipartRequestBody> {
  if (!r.has(b, 8)) return badLen("vendor stats request without vendor and subtype");
  const experimenter = r.u32(b);
  const expType = r.u32(b + 4);
  if (version === 0x01 && experimenter === NX_VENDOR_ID && (expType === NXST.FLOW || expType === NXST.AGGREGATE)) {
    // nicira_stats_msg: vendor, subtype, pad[4]; nx_flow_stats_request: out_port, match_len, table_id, pad[3], match.
    const o = b + 12;
    if (!r.has(o, 8)) return badLen("NXST request body too short");
    const matchLen = r.u16(o + 2);
    const padded = (matchLen + 7) & ~7;
    if (o + 8 + padded !== r.length) return badLen(`NXST request: match_len ${matchLen} does not fill the message`);
    const m = readNxmMatch(r.bytes, o + 8, matchLen);
    if (!m.ok) return m;
    const req: FlowStatsRequest = {
      tableId: r.u8(o + 4),
      outPort: port16to32(r.u16(o)),
      outGroup: OFPG.ANY,
      cookie: m.value.cookie,
      cookieMask: m.value.cookieMask,
      match: m.value.match,
      nxm: true,
    };
    return ok({ type: expType === NXST.FLOW ? "flow" : "aggregate", ...req });
  }
  return ok({ type: "experimenter", experimenter, expType, body: r.bytes.slice(b + 8) });
}

export function encodeMultipartRequest(version: OfVersion, xid: number, req: MultipartRequest): Uint8Array {
  const v10 = version === 0x01;
  const w = new Writer(64);
  const nx = (req.type === "flow" || req.type === "aggregate") && req.nxm;
  const code = nx ? OFPMP.EXPERIMENTER : TYPE_CODES[req.type];
  writeHeader(w, version, v10 ? OFPT10_STATS_REQUEST : OFPT13_MULTIPART_REQUEST, xid, code, req.flags);
  switch (req.type) {
    case "desc":
    case "table":
    case "port_desc":
    case "group_desc":
    case "group_features":
    case "meter_features":
      break;
    case "flow":
    case "aggregate":
      if (req.nxm) {
        w.u32(NX_VENDOR_ID).u32(req.type === "flow" ? NXST.FLOW : NXST.AGGREGATE).zeros(4);
        const at = w.length;
        w.u16(port32to16(req.outPort)).u16(0).u8(req.tableId).zeros(3);
        const len = writeNxmMatch(w, req.match, req.cookie, req.cookieMask);
        w.setU16(at + 2, len);
        w.padTo(8);
      } else if (v10) {
        writeMatch10(w, req.match);
        w.u8(req.tableId).u8(0).u16(port32to16(req.outPort));
      } else {
        w.u8(req.tableId).zeros(3).u32(req.outPort).u32(req.outGroup).zeros(4).u64(req.cookie).u64(req.cookieMask);
        writeOxmMatch(w, req.match);
      }
      break;
    case "port_stats":
      if (v10) w.u16(port32to16(req.portNo)).zeros(6);
      else w.u32(req.portNo).zeros(4);
      break;
    case "queue":
      if (v10) w.u16(req.portNo === OFPP.ANY ? OFPP10_ALL : port32to16(req.portNo)).zeros(2);
      else w.u32(req.portNo);
      w.u32(req.queueId);
      break;
    case "group":
      w.u32(req.groupId).zeros(4);
      break;
    case "meter":
    case "meter_config":
      w.u32(req.meterId).zeros(4);
      break;
    case "table_features":
      for (const t of req.tables) encodeTableFeatures(w, t);
      break;
    case "experimenter":
      w.u32(req.experimenter).u32(req.expType).bytes(req.body);
      break;
  }
  w.setU16(2, w.length);
  return w.finish();
}

// ---------------------------------------------------------------------------------------
// Request reassembly

/** Limits of the reassembler (per connection). */
export interface ReassemblerLimits {
  /** Requests in progress at once (distinct xids). */
  readonly maxPending: number;
  /** Bytes of parts held for one request. */
  readonly maxBytes: number;
}

interface Pending {
  first: MultipartRequest;
  parts: MultipartRequest[];
  bytes: number;
}

/**
 * Joins a multipart request sent in several parts (OFPMPF_REQ_MORE), one per connection.
 * `accept` returns undefined while parts are outstanding, the joined request (flags 0) on
 * the last part, or an error: BAD_MULTIPART when a part changes type or a type without a
 * list body comes with REQ_MORE, MULTIPART_BUFFER_OVERFLOW past the limits. Only table
 * features (its table list) and experimenter bodies (concatenated) can be joined.
 */
export class MultipartReassembler {
  private readonly pending = new Map<number, Pending>();
  constructor(private readonly limits: ReassemblerLimits = { maxPending: 16, maxBytes: 1 << 22 }) {}

  /** Requests still waiting for parts. */
  get size(): number {
    return this.pending.size;
  }

  accept(xid: number, req: MultipartRequest, rawLength: number): Result<MultipartRequest | undefined> {
    const p = this.pending.get(xid);
    const more = (req.flags & OFPMPF_REQ_MORE) !== 0;
    if (p === undefined && !more) return ok(req);
    if (req.type !== "table_features" && req.type !== "experimenter") {
      this.pending.delete(xid);
      return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `${req.type} request with REQ_MORE`));
    }
    if (p !== undefined && (p.first.type !== req.type || !sameExperimenter(p.first, req))) {
      this.pending.delete(xid);
      return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `request part of type ${req.type} after ${p.first.type}`));
    }
    const cur: Pending = p ?? { first: req, parts: [], bytes: 0 };
    if (p === undefined) {
      if (this.pending.size >= this.limits.maxPending) {
        return fail(ofError("BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW", `${this.pending.size} multipart requests in progress`));
      }
      this.pending.set(xid, cur);
    }
    cur.parts.push(req);
    cur.bytes += rawLength;
    if (cur.bytes > this.limits.maxBytes) {
      this.pending.delete(xid);
      return fail(ofError("BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW", `multipart request over ${this.limits.maxBytes} bytes`));
    }
    if (more) return ok(undefined);
    this.pending.delete(xid);
    return ok(join(cur.parts));
  }

  /** Forgets every request in progress (connection closed or reset). */
  clear(): void {
    this.pending.clear();
  }
}

function sameExperimenter(a: MultipartRequest, b: MultipartRequest): boolean {
  if (a.type !== "experimenter" || b.type !== "experimenter") return true;
  return a.experimenter === b.experimenter && a.expType === b.expType;
}

function join(parts: readonly MultipartRequest[]): MultipartRequest {
  const first = parts[0]!;
  if (first.type === "table_features") {
    const tables = parts.flatMap((p) => (p.type === "table_features" ? p.tables : []));
    return { type: "table_features", tables, flags: 0 };
  }
  if (first.type === "experimenter") {
    const w = new Writer(256);
    for (const p of parts) if (p.type === "experimenter") w.bytes(p.body);
    return { ...first, body: w.finish(), flags: 0 };
  }
  return { ...first, flags: 0 };
}

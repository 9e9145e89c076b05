// OpenFlow 1.0 stats replies (OFPT_STATS_REPLY 17) and 1.3 multipart replies
// (OFPT_MULTIPART_REPLY 19), Nicira NXST_FLOW / NXST_AGGREGATE included: whole messages to
// typed MultipartReply and back. Replies are split into messages of at most 64 KiB with the
// MORE flag. Pure functions; bad input gives an error value (BAD_LEN, ...), never a throw.

import { ofError } from "./errors.js";
import type { OfVersion } from "./messages.js";
import { decodeBuckets, encodeBuckets, groupTypeFromCode } from "./group.js";
import { decodeMeterBands, encodeMeterBands } from "./meter.js";
import {
  readFlowInstructions,
  readMatch10,
  readNxmMatch,
  readOxmMatch,
  writeFlowInstructions,
  writeMatch10,
  writeNxmMatch,
  writeOxmMatch,
} from "./multipart-codecs.js";
import {
  GROUP_TYPE_CODES,
  NX_VENDOR_ID,
  OFPMP,
  OFPMPF_REPLY_MORE,
  type BucketCounter,
  type FlowStats,
  type GroupDesc,
  type GroupStats,
  type MeterConfig,
  type MeterStats,
  type MultipartReply,
  type MultipartReplyBody,
  type PortStats,
  type QueueStats,
  type TableStats,
} from "./multipart-types.js";
import {
  WireReader,
  OFPT10_STATS_REPLY,
  OFPT13_MULTIPART_REPLY,
  NXST,
  MAX_MESSAGE_LEN,
  DESC_STR_LEN,
  SERIAL_NUM_LEN,
  OFP10_TABLE_NAME_LEN,
  badLen,
  TYPE_CODES,
  typeExists,
  typeName,
  parseHeader,
  writeHeader,
  type Parsed,
} from "./multipart-wire.js";
import { OFP10_PHY_PORT_LEN, OFP13_PORT_LEN, decodePortDesc, port16to32, port32to16, writePortDesc } from "./port.js";
import { Writer } from "./wire.js";
import { decodeTableFeaturesList, encodeTableFeatures } from "./table-features.js";
import { fail, ok, type Result } from "./result.js";


// ---------------------------------------------------------------------------------------
// Replies: decode

/**
 * Decodes one whole OFPT_STATS_REPLY / OFPT_MULTIPART_REPLY message (one part; `flags`
 * tells whether more follow). Errors as values, as for requests.
 */
export function decodeMultipartReply(version: OfVersion, raw: Uint8Array): Result<MultipartReply> {
  const msgType = version === 0x01 ? OFPT10_STATS_REPLY : OFPT13_MULTIPART_REPLY;
  const hp = parseHeader(version, raw, msgType);
  if (!hp.ok) return hp;
  const p = hp.value;
  const body = decodeReplyBody(version, p);
  if (!body.ok) return body;
  return ok({ ...body.value, flags: p.flags } as MultipartReply);
}

/** Splits `length` bytes into records whose 16-bit length is at offset `lenAt` of each. */
function records<T>(
  r: WireReader,
  start: number,
  lenAt: number,
  min: number,
  each: (o: number, len: number) => Result<T>,
): Result<T[]> {
  const out: T[] = [];
  let o = start;
  while (o < r.length) {
    if (!r.has(o, min)) return badLen(`record of ${r.length - o} bytes at offset ${o}`);
    const len = r.u16(o + lenAt);
    if (len < min || !r.has(o, len)) return badLen(`record length ${len} at offset ${o}`);
    const v = each(o, len);
    if (!v.ok) return v;
    out.push(v.value);
    o += len;
  }
  return ok(out);
}

/** Fixed-size records. */
function fixed<T>(r: WireReader, start: number, size: number, each: (o: number) => T): Result<T[]> {
  if ((r.length - start) % size !== 0) return badLen(`body of ${r.length - start} bytes is not a multiple of ${size}`);
  const out: T[] = [];
  for (let o = start; o < r.length; o += size) out.push(each(o));
  return ok(out);
}

function decodeReplyBody(version: OfVersion, p: Parsed): Result<MultipartReplyBody> {
  const { r, code, body: b } = p;
  const v10 = version === 0x01;
  if (!typeExists(version, code)) return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `stats type ${code}`));
  const type = typeName(code);
  if (type === undefined) return fail(ofError("BAD_REQUEST_BAD_MULTIPART", `stats type ${code}`));
  const size = r.length - b;
  switch (type) {
    case "desc":
      if (size !== 4 * DESC_STR_LEN + SERIAL_NUM_LEN) return badLen(`desc reply of ${size} bytes`);
      return ok({
        type,
        mfrDesc: r.str(b, DESC_STR_LEN),
        hwDesc: r.str(b + DESC_STR_LEN, DESC_STR_LEN),
        swDesc: r.str(b + 2 * DESC_STR_LEN, DESC_STR_LEN),
        serialNum: r.str(b + 3 * DESC_STR_LEN, SERIAL_NUM_LEN),
        dpDesc: r.str(b + 3 * DESC_STR_LEN + SERIAL_NUM_LEN, DESC_STR_LEN),
      });
    case "flow": {
      const flows = v10
        ? records(r, b, 0, 88, (o, len) => decodeFlowStats10(r, o, len))
        : records(r, b, 0, 56, (o, len) => decodeFlowStats13(r, o, len));
      return flows.ok ? ok({ type, nxm: false, flows: flows.value }) : flows;
    }
    case "aggregate":
      if (size !== 24) return badLen(`aggregate reply of ${size} bytes`);
      return ok({ type, nxm: false, packetCount: r.u64(b), byteCount: r.u64(b + 8), flowCount: r.u32(b + 16) });
    case "table": {
      const tables = v10
        ? fixed(r, b, 64, (o): TableStats => ({
            tableId: r.u8(o),
            name: r.str(o + 4, OFP10_TABLE_NAME_LEN),
            wildcards: r.u32(o + 36),
            maxEntries: r.u32(o + 40),
            activeCount: r.u32(o + 44),
            lookupCount: r.u64(o + 48),
            matchedCount: r.u64(o + 56),
          }))
        : fixed(r, b, 24, (o): TableStats => ({
            tableId: r.u8(o),
            name: "",
            wildcards: 0,
            maxEntries: 0,
            activeCount: r.u32(o + 4),
            lookupCount: r.u64(o + 8),
            matchedCount: r.u64(o + 16),
          }));
      return tables.ok ? ok({ type, tables: tables.value }) : tables;
    }
    case "port_stats": {
      const ports = fixed(r, b, v10 ? 104 : 112, (o): PortStats => {
        const c = (i: number): bigint => r.u64(o + 8 + 8 * i);
        return {
          portNo: v10 ? port16to32(r.u16(o)) : r.u32(o),
          rxPackets: c(0),
          txPackets: c(1),
          rxBytes: c(2),
          txBytes: c(3),
          rxDropped: c(4),
          txDropped: c(5),
          rxErrors: c(6),
          txErrors: c(7),
          rxFrameErr: c(8),
          rxOverErr: c(9),
          rxCrcErr: c(10),
          collisions: c(11),
          durationSec: v10 ? 0 : r.u32(o + 104),
          durationNsec: v10 ? 0 : r.u32(o + 108),
        };
      });
      return ports.ok ? ok({ type, ports: ports.value }) : ports;
    }
    case "queue": {
      const queues = fixed(r, b, v10 ? 32 : 40, (o): QueueStats => ({
        portNo: v10 ? port16to32(r.u16(o)) : r.u32(o),
        queueId: r.u32(o + 4),
        txBytes: r.u64(o + 8),
        txPackets: r.u64(o + 16),
        txErrors: r.u64(o + 24),
        durationSec: v10 ? 0 : r.u32(o + 32),
        durationNsec: v10 ? 0 : r.u32(o + 36),
      }));
      return queues.ok ? ok({ type, queues: queues.value }) : queues;
    }
    case "port_desc": {
      const n = v10 ? OFP10_PHY_PORT_LEN : OFP13_PORT_LEN;
      if (size % n !== 0) return badLen(`port desc reply of ${size} bytes`);
      const ports = [];
      for (let o = b; o < r.length; o += n) ports.push(decodePortDesc(version, r.bytes, o));
      return ok({ type, ports });
    }
    case "table_features": {
      const t = decodeTableFeaturesList(r, b, size);
      return t.ok ? ok({ type, tables: t.value }) : t;
    }
    case "group": {
      const groups = records(r, b, 0, 40, (o, len): Result<GroupStats> => {
        if ((len - 40) % 16 !== 0) return badLen(`group stats length ${len}`);
        return ok({
          groupId: r.u32(o + 4),
          refCount: r.u32(o + 8),
          packetCount: r.u64(o + 16),
          byteCount: r.u64(o + 24),
          durationSec: r.u32(o + 32),
          durationNsec: r.u32(o + 36),
          buckets: counters(r, o + 40, len - 40),
        });
      });
      return groups.ok ? ok({ type, groups: groups.value }) : groups;
    }
    case "group_desc": {
      const groups = records(r, b, 0, 8, (o, len): Result<GroupDesc> => {
        const gt = groupTypeFromCode(r.u8(o + 2));
        if (gt === undefined) return fail(ofError("GROUP_MOD_FAILED_BAD_TYPE", `group type ${r.u8(o + 2)}`));
        const buckets = decodeBuckets(version, r, o + 8, len - 8);
        return buckets.ok ? ok({ groupType: gt, groupId: r.u32(o + 4), buckets: buckets.value }) : buckets;
      });
      return groups.ok ? ok({ type, groups: groups.value }) : groups;
    }
    case "group_features": {
      if (size !== 40) return badLen(`group features reply of ${size} bytes`);
      const q = (o: number): [number, number, number, number] => [r.u32(o), r.u32(o + 4), r.u32(o + 8), r.u32(o + 12)];
      return ok({ type, types: r.u32(b), capabilities: r.u32(b + 4), maxGroups: q(b + 8), actions: q(b + 24) });
    }
    case "meter": {
      const meters = records(r, b, 4, 40, (o, len): Result<MeterStats> => {
        if ((len - 40) % 16 !== 0) return badLen(`meter stats length ${len}`);
        return ok({
          meterId: r.u32(o),
          flowCount: r.u32(o + 12),
          packetInCount: r.u64(o + 16),
          byteInCount: r.u64(o + 24),
          durationSec: r.u32(o + 32),
          durationNsec: r.u32(o + 36),
          bands: counters(r, o + 40, len - 40),
        });
      });
      return meters.ok ? ok({ type, meters: meters.value }) : meters;
    }
    case "meter_config": {
      const meters = records(r, b, 0, 8, (o, len): Result<MeterConfig> => {
        const bands = decodeMeterBands(r, o + 8, len - 8);
        return bands.ok ? ok({ flags: r.u16(o + 2), meterId: r.u32(o + 4), bands: bands.value }) : bands;
      });
      return meters.ok ? ok({ type, meters: meters.value }) : meters;
    }
    case "meter_features":
      if (size !== 16) return badLen(`meter features reply of ${size} bytes`);
      return ok({
        type,
        maxMeter: r.u32(b),
        bandTypes: r.u32(b + 4),
        capabilities: r.u32(b + 8),
        maxBands: r.u8(b + 12),
        maxColor: r.u8(b + 13),
      });
    case "experimenter":
      return decodeExperimenterReply(version, r, b);
  }
}

function counters(r: WireReader, o: number, len: number): BucketCounter[] {
  const out: BucketCounter[] = [];
  for (let i = o; i < o + len; i += 16) out.push({ packetCount: r.u64(i), byteCount: r.u64(i + 8) });
  return out;
}

function decodeFlowStats10(r: WireReader, o: number, len: number): Result<FlowStats> {
  const m = readMatch10(r.bytes, o + 4);
  if (!m.ok) return m;
  const ins = readFlowInstructions(0x01, r.bytes, o + 88, len - 88);
  if (!ins.ok) return ins;
  return ok({
    tableId: r.u8(o + 2),
    durationSec: r.u32(o + 44),
    durationNsec: r.u32(o + 48),
    priority: r.u16(o + 52),
    idleTimeout: r.u16(o + 54),
    hardTimeout: r.u16(o + 56),
    flags: 0,
    cookie: r.u64(o + 64),
    packetCount: r.u64(o + 72),
    byteCount: r.u64(o + 80),
    match: m.value,
    instructions: ins.value,
  });
}

function decodeFlowStats13(r: WireReader, o: number, len: number): Result<FlowStats> {
  const sub = new WireReader(r.bytes.subarray(0, o + len));
  const m = readOxmMatch(sub.bytes, o + 48);
  if (!m.ok) return m;
  const at = o + 48 + m.value.length;
  const ins = readFlowInstructions(0x04, sub.bytes, at, o + len - at);
  if (!ins.ok) return ins;
  return ok({
    tableId: r.u8(o + 2),
    durationSec: r.u32(o + 4),
    durationNsec: r.u32(o + 8),
    priority: r.u16(o + 12),
    idleTimeout: r.u16(o + 14),
    hardTimeout: r.u16(o + 16),
    flags: r.u16(o + 18),
    cookie: r.u64(o + 24),
    packetCount: r.u64(o + 32),
    byteCount: r.u64(o + 40),
    match: m.value.match,
    instructions: ins.value,
  });
}

function decodeNxFlowStats(r: WireReader, o: number, len: number): Result<FlowStats> {
  const matchLen = r.u16(o + 18);
  const padded = (matchLen + 7) & ~7;
  if (48 + padded > len) return badLen(`nx_flow_stats match_len ${matchLen} past its entry`);
  const m = readNxmMatch(r.bytes, o + 48, matchLen);
  if (!m.ok) return m;
  const at = o + 48 + padded;
  const ins = readFlowInstructions(0x01, r.bytes, at, o + len - at);
  if (!ins.ok) return ins;
  return ok({
    tableId: r.u8(o + 2),
    durationSec: r.u32(o + 4),
    durationNsec: r.u32(o + 8),
    priority: r.u16(o + 12),
    idleTimeout: r.u16(o + 14),
    hardTimeout: r.u16(o + 16),
    flags: 0,
    idleAge: ageFromWire(r.u16(o + 20)),
    hardAge: ageFromWire(r.u16(o + 22)),
    cookie: r.u64(o + 24),
    packetCount: r.u64(o + 32),
    byteCount: r.u64(o + 40),
    match: m.value.match,
    instructions: ins.value,
  });
}

/** NXST ages travel as seconds plus one; 0 means unknown. */
function ageFromWire(v: number): number | undefined {
  return v === 0 ? undefined : v - 1;
}

function ageToWire(age: number | undefined): number {
  return age === undefined ? 0 : Math.min(age + 1, 0xffff);
}

function decodeExperimenterReply(version: OfVersion, r: WireReader, b: number): Result<MultipartReplyBody> {
  if (!r.has(b, 8)) return badLen("vendor stats reply without vendor and subtype");
  const experimenter = r.u32(b);
  const expType = r.u32(b + 4);
  if (version === 0x01 && experimenter === NX_VENDOR_ID && (expType === NXST.FLOW || expType === NXST.AGGREGATE)) {
    const o = b + 12;
    if (expType === NXST.AGGREGATE) {
      if (r.length - o !== 24) return badLen(`NXST_AGGREGATE reply of ${r.length - o} bytes`);
      return ok({ type: "aggregate", nxm: true, packetCount: r.u64(o), byteCount: r.u64(o + 8), flowCount: r.u32(o + 16) });
    }
    const flows = records(r, o, 0, 48, (e, len) => decodeNxFlowStats(r, e, len));
    return flows.ok ? ok({ type: "flow", nxm: true, flows: flows.value }) : flows;
  }
  return ok({ type: "experimenter", experimenter, expType, body: r.bytes.slice(b + 8) });
}

// ---------------------------------------------------------------------------------------
// Replies: encode

/**
 * Encodes a reply as one or more whole messages of at most 64 KiB: list bodies (flows,
 * ports, tables, groups, meters...) are split between entries, every message but the last
 * carries REPLY_MORE, and the last carries `reply.flags` (0 when absent). An entry that
 * alone exceeds a message cannot be sent; it is left out (the core keeps entries small).
 */
export function encodeMultipartReply(version: OfVersion, xid: number, reply: MultipartReply): Uint8Array[] {
  const v10 = version === 0x01;
  const nx = (reply.type === "flow" || reply.type === "aggregate") && reply.nxm;
  const code = nx ? OFPMP.EXPERIMENTER : TYPE_CODES[reply.type];
  const prefix = new Writer(32);
  writeHeader(prefix, version, v10 ? OFPT10_STATS_REPLY : OFPT13_MULTIPART_REPLY, xid, code, 0);
  if (nx) prefix.u32(NX_VENDOR_ID).u32(reply.type === "flow" ? NXST.FLOW : NXST.AGGREGATE).zeros(4);
  if (reply.type === "experimenter") prefix.u32(reply.experimenter).u32(reply.expType);
  const head = prefix.finish();
  // A flow reply's size is about known (~100 bytes a flow): one buffer instead of a dozen doublings.
  const w = new Writer(reply.type === "flow" ? Math.max(4096, reply.flows.length * 112) : 4096);
  const ends = writeEntries(version, reply, w);
  return pack(head, w.written(), ends, reply.flags ?? 0);
}

/** Cuts `body` (entries ending at `ends`) into messages of at most MAX_MESSAGE_LEN bytes. */
function pack(head: Uint8Array, body: Uint8Array, ends: readonly number[], lastFlags: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const flush = (from: number, to: number, flags: number): void => {
    const size = head.length + (to - from);
    const msg = new Uint8Array(size);
    msg.set(head, 0);
    msg.set(body.subarray(from, to), head.length);
    const v = new DataView(msg.buffer);
    v.setUint16(2, size);
    v.setUint16(10, flags);
    out.push(msg);
  };
  let from = 0;
  let start = 0;
  for (const end of ends) {
    if (head.length + (end - start) > MAX_MESSAGE_LEN) {
      // An entry too big for any message: cut it out of the body.
      if (start > from) flush(from, start, lastFlags | OFPMPF_REPLY_MORE);
      from = end;
      start = end;
      continue;
    }
    if (head.length + (end - from) > MAX_MESSAGE_LEN) {
      flush(from, start, lastFlags | OFPMPF_REPLY_MORE);
      from = start;
    }
    start = end;
  }
  flush(from, start, lastFlags);
  return out;
}

/**
 * Writes the reply body into `w` as indivisible entries (one for single-record replies)
 * and returns where each entry ends.
 */
function writeEntries(version: OfVersion, reply: MultipartReplyBody, w: Writer): number[] {
  const v10 = version === 0x01;
  const one = (f: (w: Writer) => unknown): number => {
    f(w);
    return w.length;
  };
  switch (reply.type) {
    case "desc":
      return [
        one((w) =>
          w
            .str(reply.mfrDesc, DESC_STR_LEN)
            .str(reply.hwDesc, DESC_STR_LEN)
            .str(reply.swDesc, DESC_STR_LEN)
            .str(reply.serialNum, SERIAL_NUM_LEN)
            .str(reply.dpDesc, DESC_STR_LEN),
        ),
      ];
    case "flow":
      return reply.flows.map((f) =>
        one((w) => (reply.nxm ? encodeNxFlowStats(w, f) : v10 ? encodeFlowStats10(w, f) : encodeFlowStats13(w, f))),
      );
    case "aggregate":
      return [one((w) => w.u64(reply.packetCount).u64(reply.byteCount).u32(reply.flowCount).zeros(4))];
    case "table":
      return reply.tables.map((t) =>
        one((w) => {
          w.u8(t.tableId).zeros(3);
          if (v10) w.str(t.name, OFP10_TABLE_NAME_LEN).u32(t.wildcards).u32(t.maxEntries);
          w.u32(t.activeCount).u64(t.lookupCount).u64(t.matchedCount);
        }),
      );
    case "port_stats":
      return reply.ports.map((p) =>
        one((w) => {
          if (v10) w.u16(port32to16(p.portNo)).zeros(6);
          else w.u32(p.portNo).zeros(4);
          for (const c of [
            p.rxPackets,
            p.txPackets,
            p.rxBytes,
            p.txBytes,
            p.rxDropped,
            p.txDropped,
            p.rxErrors,
            p.txErrors,
            p.rxFrameErr,
            p.rxOverErr,
            p.rxCrcErr,
            p.collisions,
          ])
            w.u64(c);
          if (!v10) w.u32(p.durationSec).u32(p.durationNsec);
        }),
      );
    case "queue":
      return reply.queues.map((q) =>
        one((w) => {
          if (v10) w.u16(port32to16(q.portNo)).zeros(2);
          else w.u32(q.portNo);
          w.u32(q.queueId).u64(q.txBytes).u64(q.txPackets).u64(q.txErrors);
          if (!v10) w.u32(q.durationSec).u32(q.durationNsec);
        }),
      );
    case "port_desc":
      return reply.ports.map((p) => one((w) => writePortDesc(w, version, p)));
    case "table_features":
      return reply.tables.map((t) => one((w) => encodeTableFeatures(w, t)));
    case "group":
      return reply.groups.map((g) =>
        one((w) => {
          w.u16(40 + 16 * g.buckets.length).zeros(2).u32(g.groupId).u32(g.refCount).zeros(4);
          w.u64(g.packetCount).u64(g.byteCount).u32(g.durationSec).u32(g.durationNsec);
          for (const c of g.buckets) w.u64(c.packetCount).u64(c.byteCount);
        }),
      );
    case "group_desc":
      return reply.groups.map((g) =>
        one((w) => {
          const start = w.length;
          w.u16(0).u8(GROUP_TYPE_CODES[g.groupType]).u8(0).u32(g.groupId);
          encodeBuckets(version, w, g.buckets);
          w.setU16(start, w.length - start);
        }),
      );
    case "group_features":
      return [
        one((w) => {
          w.u32(reply.types).u32(reply.capabilities);
          for (const n of reply.maxGroups) w.u32(n);
          for (const n of reply.actions) w.u32(n);
        }),
      ];
    case "meter":
      return reply.meters.map((m) =>
        one((w) => {
          w.u32(m.meterId).u16(40 + 16 * m.bands.length).zeros(6).u32(m.flowCount);
          w.u64(m.packetInCount).u64(m.byteInCount).u32(m.durationSec).u32(m.durationNsec);
          for (const c of m.bands) w.u64(c.packetCount).u64(c.byteCount);
        }),
      );
    case "meter_config":
      return reply.meters.map((m) =>
        one((w) => {
          const start = w.length;
          w.u16(0).u16(m.flags).u32(m.meterId);
          encodeMeterBands(w, m.bands);
          w.setU16(start, w.length - start);
        }),
      );
    case "meter_features":
      return [
        one((w) =>
          w.u32(reply.maxMeter).u32(reply.bandTypes).u32(reply.capabilities).u8(reply.maxBands).u8(reply.maxColor).zeros(2),
        ),
      ];
    case "experimenter":
      return [one((w) => w.bytes(reply.body))];
  }
}

function encodeFlowStats10(w: Writer, f: FlowStats): void {
  const start = w.length;
  w.u16(0).u8(f.tableId).u8(0);
  writeMatch10(w, f.match);
  w.u32(f.durationSec).u32(f.durationNsec).u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).zeros(6);
  w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
  writeFlowInstructions(0x01, w, f.instructions);
  w.setU16(start, w.length - start);
}

function encodeFlowStats13(w: Writer, f: FlowStats): void {
  const start = w.length;
  w.u16(0).u8(f.tableId).u8(0).u32(f.durationSec).u32(f.durationNsec);
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(f.flags).zeros(4);
  w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
  writeOxmMatch(w, f.match);
  writeFlowInstructions(0x04, w, f.instructions);
  w.setU16(start, w.length - start);
}

function encodeNxFlowStats(w: Writer, f: FlowStats): void {
  const start = w.length;
  w.u16(0).u8(f.tableId).u8(0).u32(f.durationSec).u32(f.durationNsec);
  w.u16(f.priority).u16(f.idleTimeout).u16(f.hardTimeout).u16(0).u16(ageToWire(f.idleAge)).u16(ageToWire(f.hardAge));
  w.u64(f.cookie).u64(f.packetCount).u64(f.byteCount);
  const len = writeNxmMatch(w, f.match);
  w.setU16(start + 18, len);
  w.padTo(8);
  writeFlowInstructions(0x01, w, f.instructions);
  w.setU16(start, w.length - start);
}


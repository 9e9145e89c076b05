// Properties of the multipart codec: random typed replies and requests survive encode ->
// decode (split replies joined back), replies are split under 64 KiB with REPLY_MORE on all
// but the last part, multipart requests in parts are reassembled, and random or truncated
// bytes never throw but give an error value.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPG, OFPP, applyOnly } from "../../src/openflow/actions.js";
import type { OfVersion } from "../../src/openflow/messages.js";
import {
  MAX_MESSAGE_LEN,
  MultipartReassembler,
  decodeMultipartReply,
  decodeMultipartRequest,
  encodeMultipartReply,
  encodeMultipartRequest,
} from "../../src/openflow/multipart.js";
import {
  OFPMPF_REPLY_MORE,
  OFPMPF_REQ_MORE,
  type MultipartReply,
  type MultipartRequest,
  type TableFeatures,
} from "../../src/openflow/multipart-types.js";
import { OxmField } from "../../src/openflow/match.js";
import { describeTable } from "../../src/openflow/table-features.js";
import { golden } from "./stats-fixtures.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const name = (max: number) => fc.string({ unit: fc.constantFrom(..."abcdefghij-_0123456789"), maxLength: max });
const port13 = fc.oneof(fc.integer({ min: 1, max: 0xfeff }), fc.constantFrom(OFPP.LOCAL, OFPP.CONTROLLER, OFPP.ANY));
const counter = fc.record({ packetCount: u64, byteCount: u64 });
const output = fc.record({ type: fc.constant("output" as const), port: fc.integer({ min: 1, max: 0xfeff }), maxLen: u16 });

const portDesc = fc.record({
  portNo: port13,
  hwAddr: fc.uint8Array({ minLength: 6, maxLength: 6 }),
  name: name(15),
  config: fc.constantFrom(0, 1, 4, 0x20, 0x40),
  state: fc.constantFrom(0, 1, 4),
  curr: fc.integer({ min: 0, max: 0x7f }),
  advertised: fc.integer({ min: 0, max: 0x7f }),
  supported: fc.integer({ min: 0, max: 0x7f }),
  peer: fc.integer({ min: 0, max: 0x7f }),
  currSpeed: u32,
  maxSpeed: u32,
});

const tableFeatures: fc.Arbitrary<TableFeatures> = fc
  .record({
    tableId: fc.integer({ min: 0, max: 253 }),
    name: name(31),
    maxEntries: u32,
    next: fc.array(u8, { maxLength: 5 }),
    fields: fc.subarray([OxmField.IN_PORT, OxmField.ETH_DST, OxmField.ETH_TYPE, OxmField.IPV4_DST, OxmField.TCP_DST]),
  })
  .map((t) =>
    describeTable({
      tableId: t.tableId,
      name: t.name,
      maxEntries: t.maxEntries,
      metadataMatch: 0n,
      metadataWrite: 0n,
      instructions: ["APPLY_ACTIONS", "GOTO_TABLE"],
      nextTables: t.next,
      writeActions: [],
      applyActions: ["output", "set_field"],
      match: t.fields.map((field) => ({ field, maskable: field === OxmField.IPV4_DST })),
      wildcards: t.fields,
      writeSetfield: [],
      applySetfield: t.fields,
    }),
  );

/** Replies that carry no match or flow actions, with what each version can express. */
function replyArb(version: OfVersion): fc.Arbitrary<MultipartReply> {
  const v13 = version === 0x04;
  const common: fc.Arbitrary<MultipartReply>[] = [
    fc.record({ type: fc.constant("desc" as const), mfrDesc: name(255), hwDesc: name(255), swDesc: name(255), serialNum: name(31), dpDesc: name(255) }),
    fc.record({ type: fc.constant("aggregate" as const), nxm: fc.constant(false), packetCount: u64, byteCount: u64, flowCount: u32 }),
    fc.record({
      type: fc.constant("table" as const),
      tables: fc.array(
        fc.record({
          tableId: u8,
          name: v13 ? fc.constant("") : name(31),
          wildcards: v13 ? fc.constant(0) : u32,
          maxEntries: v13 ? fc.constant(0) : u32,
          activeCount: u32,
          lookupCount: u64,
          matchedCount: u64,
        }),
        { maxLength: 300 },
      ),
    }),
    fc.record({
      type: fc.constant("port_stats" as const),
      ports: fc.array(
        fc.record({
          portNo: port13,
          rxPackets: u64, txPackets: u64, rxBytes: u64, txBytes: u64, rxDropped: u64, txDropped: u64,
          rxErrors: u64, txErrors: u64, rxFrameErr: u64, rxOverErr: u64, rxCrcErr: u64, collisions: u64,
          durationSec: v13 ? u32 : fc.constant(0),
          durationNsec: v13 ? u32 : fc.constant(0),
        }),
        { maxLength: 700 },
      ),
    }),
    fc.record({
      type: fc.constant("queue" as const),
      queues: fc.array(
        fc.record({ portNo: port13, queueId: u32, txBytes: u64, txPackets: u64, txErrors: u64, durationSec: v13 ? u32 : fc.constant(0), durationNsec: v13 ? u32 : fc.constant(0) }),
        { maxLength: 50 },
      ),
    }),
    fc.record({
      type: fc.constant("port_desc" as const),
      ports: fc.array(v13 ? portDesc : portDesc.map((p) => ({ ...p, currSpeed: 0, maxSpeed: 0 })), { maxLength: 20 }),
    }),
  ];
  if (!v13) return fc.oneof(...common);
  return fc.oneof(
    ...common,
    fc.record({ type: fc.constant("table_features" as const), tables: fc.array(tableFeatures, { maxLength: 30 }) }),
    fc.record({
      type: fc.constant("group" as const),
      groups: fc.array(
        fc.record({ groupId: u32, refCount: u32, packetCount: u64, byteCount: u64, durationSec: u32, durationNsec: u32, buckets: fc.array(counter, { maxLength: 4 }) }),
        { maxLength: 40 },
      ),
    }),
    fc.record({
      type: fc.constant("group_desc" as const),
      groups: fc.array(
        fc.record({
          groupType: fc.constantFrom("all" as const, "select" as const, "indirect" as const, "ff" as const),
          groupId: u32,
          buckets: fc.array(fc.record({ weight: u16, watchPort: port13, watchGroup: fc.constantFrom(OFPG.ANY, 1, 7), actions: fc.array(output, { maxLength: 3 }) }), { maxLength: 3 }),
        }),
        { maxLength: 20 },
      ),
    }),
    fc.record({
      type: fc.constant("group_features" as const),
      types: u32,
      capabilities: u32,
      maxGroups: fc.tuple(u32, u32, u32, u32),
      actions: fc.tuple(u32, u32, u32, u32),
    }),
    fc.record({
      type: fc.constant("meter" as const),
      meters: fc.array(
        fc.record({ meterId: u32, flowCount: u32, packetInCount: u64, byteInCount: u64, durationSec: u32, durationNsec: u32, bands: fc.array(counter, { maxLength: 3 }) }),
        { maxLength: 20 },
      ),
    }),
    fc.record({
      type: fc.constant("meter_config" as const),
      meters: fc.array(
        fc.record({
          flags: fc.constantFrom(1, 2, 5, 9),
          meterId: u32,
          bands: fc.array(
            fc.oneof(
              fc.record({ type: fc.constant("drop" as const), rate: u32, burstSize: u32 }),
              fc.record({ type: fc.constant("dscp_remark" as const), rate: u32, burstSize: u32, precLevel: u8 }),
              fc.record({ type: fc.constant("experimenter" as const), rate: u32, burstSize: u32, experimenter: u32 }),
            ),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 20 },
      ),
    }),
    fc.record({ type: fc.constant("meter_features" as const), maxMeter: u32, bandTypes: u32, capabilities: u32, maxBands: u8, maxColor: u8 }),
  );
}

/** Joins the decoded parts of one reply back into one value (lists concatenated). */
function joinParts(parts: MultipartReply[]): MultipartReply {
  const first = { ...parts[0]! };
  delete (first as { flags?: number }).flags;
  const listKey = Object.keys(first).find((k) => Array.isArray((first as Record<string, unknown>)[k]) && k !== "maxGroups" && k !== "actions");
  if (listKey === undefined) return first;
  const all = parts.flatMap((p) => (p as unknown as Record<string, unknown[]>)[listKey]!);
  return { ...first, [listKey]: all } as MultipartReply;
}

describe("typed replies round-trip through encode and decode", () => {
  for (const version of [0x01, 0x04] as const) {
    it(`OpenFlow ${version === 1 ? "1.0" : "1.3"}`, () => {
      fc.assert(
        fc.property(replyArb(version), u32, (reply, xid) => {
          const msgs = encodeMultipartReply(version, xid, reply);
          const parts = msgs.map((m, i) => {
            expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE_LEN);
            const d = decodeMultipartReply(version, m);
            if (!d.ok) throw new Error(`${reply.type}: ${d.error.name} ${d.error.message}`);
            expect(d.value.flags).toBe(i < msgs.length - 1 ? OFPMPF_REPLY_MORE : 0);
            return d.value;
          });
          expect(joinParts(parts)).toEqual(reply);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe("splitting replies at 64 KiB", () => {
  it("2000 port stats (1.3, 112 bytes each) go in 4 messages, MORE on all but the last", () => {
    const z = 0n;
    const ports = Array.from({ length: 2000 }, (_, i) => ({
      portNo: i + 1, rxPackets: BigInt(i), txPackets: z, rxBytes: z, txBytes: z, rxDropped: z, txDropped: z,
      rxErrors: z, txErrors: z, rxFrameErr: z, rxOverErr: z, rxCrcErr: z, collisions: z, durationSec: 0, durationNsec: 0,
    }));
    const msgs = encodeMultipartReply(0x04, 7, { type: "port_stats", ports });
    // 16-byte header + n * 112 <= 65535 -> 584 entries per message; 2000 = 3 * 584 + 248.
    expect(msgs.map((m) => m.length)).toEqual([16 + 584 * 112, 16 + 584 * 112, 16 + 584 * 112, 16 + 248 * 112]);
    const flags = msgs.map((m) => Buffer.from(m).readUInt16BE(10));
    expect(flags).toEqual([1, 1, 1, 0]);
    const xids = msgs.map((m) => Buffer.from(m).readUInt32BE(4));
    expect(new Set(xids)).toEqual(new Set([7]));
  });

  it("an empty list is one message with an empty body", () => {
    const msgs = encodeMultipartReply(0x01, 1, { type: "flow", nxm: true, flows: [] });
    expect(msgs.map((m) => Buffer.from(m).toString("hex"))).toEqual(["0111001800000001ffff00000000232000000000" + "00000000"]);
  });
});

describe("requests", () => {
  const reqArb = (version: OfVersion): fc.Arbitrary<MultipartRequest> => {
    const base: fc.Arbitrary<MultipartRequest>[] = [
      fc.constantFrom("desc" as const, "table" as const).map((type) => ({ type, flags: 0 })),
      port13.map((portNo) => ({ type: "port_stats" as const, portNo, flags: 0 })),
      fc.record({ type: fc.constant("queue" as const), portNo: port13, queueId: u32, flags: fc.constant(0) }),
      fc.record({
        type: fc.constantFrom("flow" as const, "aggregate" as const),
        tableId: u8,
        outPort: port13,
        outGroup: version === 0x04 ? u32 : fc.constant(OFPG.ANY),
        cookie: version === 0x04 ? u64 : fc.constant(0n),
        cookieMask: version === 0x04 ? u64 : fc.constant(0n),
        match: fc.constant([]),
        nxm: fc.constant(false),
        flags: fc.constant(0),
      }),
      fc.record({ type: fc.constant("experimenter" as const), experimenter: fc.constantFrom(0x2320, 0x4f4e4600), expType: fc.integer({ min: 2, max: 99 }), body: fc.uint8Array({ maxLength: 16 }), flags: fc.constant(0) }),
    ];
    if (version === 0x01) return fc.oneof(...base);
    return fc.oneof(
      ...base,
      fc.constantFrom("port_desc" as const, "group_desc" as const, "group_features" as const, "meter_features" as const).map((type) => ({ type, flags: 0 })),
      fc.record({ type: fc.constant("group" as const), groupId: u32, flags: fc.constant(0) }),
      fc.record({ type: fc.constantFrom("meter" as const, "meter_config" as const), meterId: u32, flags: fc.constant(0) }),
      fc.record({ type: fc.constant("table_features" as const), tables: fc.array(tableFeatures, { maxLength: 3 }), flags: fc.constantFrom(0, OFPMPF_REQ_MORE) }),
    );
  };
  for (const version of [0x01, 0x04] as const) {
    it(`round-trip, OpenFlow ${version === 1 ? "1.0" : "1.3"}`, () => {
      fc.assert(
        fc.property(reqArb(version), u32, (req, xid) => {
          const d = decodeMultipartRequest(version, encodeMultipartRequest(version, xid, req));
          if (!d.ok) throw new Error(`${req.type}: ${d.error.message}`);
          expect(d.value).toEqual(req);
        }),
        { numRuns: 200 },
      );
    });
  }

  it("a request type OpenFlow 1.0 lacks is BAD_MULTIPART (BAD_STAT); a short body BAD_LEN", () => {
    const group = encodeMultipartRequest(0x04, 1, { type: "group", groupId: 1, flags: 0 });
    const as10 = Uint8Array.from([0x01, 16, 0, 20, 0, 0, 0, 1, 0, 6, 0, 0, ...group.subarray(16), 0, 0, 0, 0]);
    as10[3] = as10.length;
    expect(decodeMultipartRequest(0x01, as10)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_MULTIPART" } });
    const short = group.slice(0, 20);
    short[3] = 20;
    expect(decodeMultipartRequest(0x04, short)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_LEN" } });
    const unknown = encodeMultipartRequest(0x04, 1, { type: "desc", flags: 0 });
    unknown[9] = 40;
    expect(decodeMultipartRequest(0x04, unknown)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_MULTIPART" } });
  });
});

describe("reassembling multipart requests", () => {
  const tf = (id: number): TableFeatures => ({ tableId: id, name: `t${id}`, metadataMatch: 0n, metadataWrite: 0n, config: 0, maxEntries: 10, properties: [] });

  it("joins table-features parts sent with REQ_MORE, in order", () => {
    const asm = new MultipartReassembler();
    const parts: MultipartRequest[] = [
      { type: "table_features", tables: [tf(0), tf(1)], flags: OFPMPF_REQ_MORE },
      { type: "table_features", tables: [tf(2)], flags: OFPMPF_REQ_MORE },
      { type: "table_features", tables: [tf(3)], flags: 0 },
    ];
    const results = parts.map((p) => {
      const raw = encodeMultipartRequest(0x04, 5, p);
      const d = decodeMultipartRequest(0x04, raw);
      if (!d.ok) throw new Error(d.error.message);
      return asm.accept(5, d.value, raw.length);
    });
    expect(results.slice(0, 2)).toEqual([{ ok: true, value: undefined }, { ok: true, value: undefined }]);
    expect(results[2]).toEqual({ ok: true, value: { type: "table_features", tables: [tf(0), tf(1), tf(2), tf(3)], flags: 0 } });
    expect(asm.size).toBe(0);
  });

  it("a single-part request passes straight through", () => {
    const asm = new MultipartReassembler();
    const req: MultipartRequest = { type: "desc", flags: 0 };
    expect(asm.accept(1, req, 16)).toEqual({ ok: true, value: req });
  });

  it("refuses REQ_MORE on a type with no list body, a type change, and too many bytes", () => {
    const asm = new MultipartReassembler({ maxPending: 2, maxBytes: 200 });
    expect(asm.accept(1, { type: "desc", flags: OFPMPF_REQ_MORE }, 16)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_MULTIPART" } });
    expect(asm.accept(2, { type: "table_features", tables: [tf(0)], flags: OFPMPF_REQ_MORE }, 80)).toEqual({ ok: true, value: undefined });
    expect(asm.accept(2, { type: "experimenter", experimenter: 1, expType: 1, body: new Uint8Array(), flags: 0 }, 24)).toMatchObject({
      ok: false,
      error: { name: "BAD_REQUEST_BAD_MULTIPART" },
    });
    expect(asm.accept(3, { type: "table_features", tables: [tf(0)], flags: OFPMPF_REQ_MORE }, 150)).toEqual({ ok: true, value: undefined });
    expect(asm.accept(3, { type: "table_features", tables: [tf(1)], flags: OFPMPF_REQ_MORE }, 150)).toMatchObject({
      ok: false,
      error: { name: "BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW" },
    });
    expect(asm.size).toBe(0);
  });
});

describe("bad bytes give error values, never exceptions", () => {
  const all = golden.fixtures.flatMap((f) => f.messages.map((m) => Uint8Array.from(Buffer.from(m.hex, "hex"))));

  it("every truncation of every golden message (length field fixed up) decodes or fails cleanly", () => {
    let failures = 0;
    for (const msg of all) {
      const step = Math.max(1, Math.floor(msg.length / 97));
      for (let n = 0; n < msg.length; n += step) {
        const cut = msg.slice(0, n);
        if (n >= 4) new DataView(cut.buffer).setUint16(2, n);
        const version = msg[0] as OfVersion;
        const d = msg[1] === 16 || msg[1] === 18 ? decodeMultipartRequest(version, cut) : decodeMultipartReply(version, cut);
        if (!d.ok) failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  it("random bodies behind a valid header never throw", () => {
    fc.assert(
      fc.property(fc.constantFrom(0x01, 0x04), fc.constantFrom(16, 17, 18, 19), u16, fc.uint8Array({ maxLength: 300 }), (version, type, statsType, body) => {
        const hl = version === 1 ? 12 : 16;
        const msg = new Uint8Array(hl + body.length);
        const v = new DataView(msg.buffer);
        msg[0] = version;
        msg[1] = type;
        v.setUint16(2, msg.length);
        v.setUint16(8, statsType % 16 === 15 ? 0xffff : statsType % 16);
        msg.set(body, hl);
        const d = type % 2 === 0 ? decodeMultipartRequest(version as OfVersion, msg) : decodeMultipartReply(version as OfVersion, msg);
        expect(typeof d.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });

  it("a flow stats entry whose length runs past the message is BAD_LEN", () => {
    const reply = encodeMultipartReply(0x04, 1, {
      type: "flow",
      nxm: false,
      flows: [{ tableId: 0, durationSec: 1, durationNsec: 0, priority: 1, idleTimeout: 0, hardTimeout: 0, flags: 0, cookie: 0n, packetCount: 0n, byteCount: 0n, match: [], instructions: applyOnly([]) }],
    })[0]!;
    new DataView(reply.buffer).setUint16(16, 0x200);
    expect(decodeMultipartReply(0x04, reply)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_LEN" } });
  });
});

describe("version-independent request fields", () => {
  it("all ports: OF1.0 port stats OFPP_NONE and queue stats OFPP_ALL both decode to OFPP.ANY, and encode back", () => {
    const port10 = Uint8Array.from(Buffer.from("011000140000000200040000ffff000000000000", "hex"));
    const queue10 = Uint8Array.from(Buffer.from("011000140000000200050000fffc0000ffffffff", "hex"));
    const p = decodeMultipartRequest(0x01, port10);
    const q = decodeMultipartRequest(0x01, queue10);
    expect(p).toEqual({ ok: true, value: { type: "port_stats", portNo: OFPP.ANY, flags: 0 } });
    expect(q).toEqual({ ok: true, value: { type: "queue", portNo: OFPP.ANY, queueId: 0xffffffff, flags: 0 } });
    if (!p.ok || !q.ok) return;
    expect(encodeMultipartRequest(0x01, 2, p.value)).toEqual(port10);
    expect(encodeMultipartRequest(0x01, 2, q.value)).toEqual(queue10);
  });
});

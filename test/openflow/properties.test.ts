// Property tests (fast-check): random valid messages survive encode -> decode unchanged, for
// OpenFlow 1.0 and 1.3; random bytes, random bodies behind a valid header, and truncated
// messages never throw and, when the header's length is wrong, always give an error value.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPG, OFPP, applyOnly, type Action, type Instructions } from "../../src/openflow/actions.js";
import { decodeMessage, encodeMessage } from "../../src/openflow/codec.js";
import { OxmField, normalizeMatch, type Match, type MatchField } from "../../src/openflow/match.js";
import { OFPFF, type FlowMod, type OfMessage, type OfVersion, type PortDesc } from "../../src/openflow/messages.js";
import { decodeInstructions, encodeInstructions, sharedSingleOutput } from "../../src/openflow/instruction-codec.js";
import { decodeNxmTlvAsOxm } from "../../src/openflow/nxm.js";
import { decodeOxmMatch, decodeOxmMatchFast, encodeOxmMatch } from "../../src/openflow/oxm.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const bigBits = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const full = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const exact = (field: OxmField, bits: number) => bigBits(bits).map((value): MatchField => ({ field, value, mask: full(bits) }));
const cidr = (field: OxmField) =>
  fc.tuple(bigBits(32), fc.integer({ min: 1, max: 32 })).map(([v, len]): MatchField => {
    const mask = (full(32) << BigInt(32 - len)) & full(32);
    return { field, value: v & mask, mask };
  });
const masked = (field: OxmField, bits: number) =>
  fc.tuple(bigBits(bits), bigBits(bits).filter((m) => m !== 0n)).map(([v, mask]): MatchField => ({ field, value: v & mask, mask }));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** A physical port or a reserved one an output may name, as 32-bit numbers valid in both versions. */
const outPort = fc.oneof(fc.integer({ min: 1, max: 0xfeff }), fc.constantFrom(OFPP.IN_PORT, OFPP.TABLE, OFPP.NORMAL, OFPP.FLOOD, OFPP.ALL, OFPP.CONTROLLER, OFPP.LOCAL));

/** Matches OpenFlow 1.0's ofp_match can carry (exact MACs, CIDR nw addresses, IPv4/ARP only). */
function match10(): fc.Arbitrary<{ match: Match; proto: number | undefined }> {
  const l2 = fc.record({
    inPort: opt(outPort.filter((p) => p <= 0xff00).map((p) => ({ field: OxmField.IN_PORT, value: BigInt(p), mask: full(32) }))),
    src: opt(exact(OxmField.ETH_SRC, 48)),
    dst: opt(exact(OxmField.ETH_DST, 48)),
    vlan: opt(
      fc.oneof(
        fc.constant<MatchField[]>([{ field: OxmField.VLAN_VID, value: 0n, mask: full(13) }]),
        fc.tuple(fc.integer({ min: 0, max: 0xfff }), opt(fc.integer({ min: 0, max: 7 }))).map(([vid, pcp]) => [
          { field: OxmField.VLAN_VID, value: BigInt(vid) | 0x1000n, mask: full(13) },
          ...(pcp === undefined ? [] : [{ field: OxmField.VLAN_PCP, value: BigInt(pcp), mask: 7n }]),
        ]),
        fc.integer({ min: 0, max: 7 }).map((pcp) => [
          { field: OxmField.VLAN_VID, value: 0x1000n, mask: 0x1000n },
          { field: OxmField.VLAN_PCP, value: BigInt(pcp), mask: 7n },
        ]),
      ),
    ),
  });
  const l3 = fc.oneof(
    fc.constant({ fields: [] as MatchField[], proto: undefined as number | undefined }),
    fc.constant({ fields: [{ field: OxmField.ETH_TYPE, value: 0x88ccn, mask: full(16) }], proto: undefined }),
    fc
      .record({
        op: opt(bigBits(8).map((value): MatchField => ({ field: OxmField.ARP_OP, value, mask: full(16) }))),
        spa: opt(cidr(OxmField.ARP_SPA)),
        tpa: opt(cidr(OxmField.ARP_TPA)),
      })
      .map((r) => ({ fields: [{ field: OxmField.ETH_TYPE, value: 0x806n, mask: full(16) }, ...[r.op, r.spa, r.tpa].filter((x) => x !== undefined)], proto: undefined })),
    fc
      .record({
        src: opt(cidr(OxmField.IPV4_SRC)),
        dst: opt(cidr(OxmField.IPV4_DST)),
        dscp: opt(exact(OxmField.IP_DSCP, 6)),
        l4: opt(
          fc.oneof(
            ...([
              [6, OxmField.TCP_SRC, OxmField.TCP_DST, 16],
              [17, OxmField.UDP_SRC, OxmField.UDP_DST, 16],
              [132, OxmField.SCTP_SRC, OxmField.SCTP_DST, 16],
              [1, OxmField.ICMPV4_TYPE, OxmField.ICMPV4_CODE, 8],
            ] as const).map(([proto, s, d, bits]) =>
              fc.tuple(opt(exact(s, bits)), opt(exact(d, bits))).map(([a, b]) => ({
                proto,
                fields: [{ field: OxmField.IP_PROTO, value: BigInt(proto), mask: 0xffn }, ...[a, b].filter((x) => x !== undefined)],
              })),
            ),
            exact(OxmField.IP_PROTO, 8).map((f) => ({ proto: Number(f.value), fields: [f] })).filter((x) => ![1, 6, 17, 132].includes(x.proto)),
          ),
        ),
      })
      .map((r) => ({
        fields: [{ field: OxmField.ETH_TYPE, value: 0x800n, mask: full(16) }, ...[r.src, r.dst, r.dscp].filter((x) => x !== undefined), ...(r.l4?.fields ?? [])],
        proto: r.l4?.proto,
      })),
  );
  return fc.tuple(l2, l3).map(([a, b]) => ({
    match: normalizeMatch([...[a.inPort, a.src, a.dst].filter((x) => x !== undefined), ...(a.vlan ?? []), ...b.fields]),
    proto: b.proto,
  }));
}

/** OXM matches: OpenFlow 1.0's plus masks, IPv6, metadata, tunnel id, MPLS. */
function match13(): fc.Arbitrary<Match> {
  const extra = fc.record({
    metadata: opt(masked(OxmField.METADATA, 64)),
    tun: opt(masked(OxmField.TUNNEL_ID, 64)),
    src: opt(masked(OxmField.ETH_SRC, 48)),
  });
  const v6 = fc
    .record({
      src: opt(masked(OxmField.IPV6_SRC, 128)),
      dst: opt(masked(OxmField.IPV6_DST, 128)),
      label: opt(masked(OxmField.IPV6_FLABEL, 20)),
      ecn: opt(exact(OxmField.IP_ECN, 2)),
      tcp: opt(masked(OxmField.TCP_DST, 16)),
    })
    .map((r) => [
      { field: OxmField.ETH_TYPE, value: 0x86ddn, mask: full(16) },
      ...[r.src, r.dst, r.label, r.ecn].filter((x) => x !== undefined),
      ...(r.tcp ? [{ field: OxmField.IP_PROTO, value: 6n, mask: 0xffn }, r.tcp] : []),
    ]);
  const mpls = fc
    .tuple(opt(exact(OxmField.MPLS_LABEL, 20)), opt(exact(OxmField.MPLS_TC, 3)), opt(exact(OxmField.MPLS_BOS, 1)))
    .map((xs) => [{ field: OxmField.ETH_TYPE, value: 0x8847n, mask: full(16) }, ...xs.filter((x) => x !== undefined)]);
  return fc.tuple(fc.oneof(match10().map((m) => m.match), v6, mpls), extra).map(([base, e]) => {
    const fields = base.filter((f) => !(e.src && f.field === OxmField.ETH_SRC));
    return normalizeMatch([...fields, ...[e.metadata, e.tun, e.src].filter((x) => x !== undefined)]);
  });
}

const setField13 = fc.oneof(
  ...([
    [OxmField.ETH_SRC, 48],
    [OxmField.ETH_DST, 48],
    [OxmField.IPV4_DST, 32],
    [OxmField.TCP_SRC, 16],
    [OxmField.VLAN_VID, 13],
    [OxmField.IPV6_SRC, 128],
    [OxmField.MPLS_LABEL, 20],
    [OxmField.TUNNEL_ID, 64],
    [OxmField.METADATA, 64],
  ] as const).map(([field, bits]) => bigBits(bits).map((value): Action => ({ type: "set_field", field, value }))),
);

const action13: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("output" as const), port: outPort, maxLen: u16 }),
  fc.record({ type: fc.constant("group" as const), groupId: fc.integer({ min: 0, max: 0xffffff00 }) }),
  fc.record({ type: fc.constant("set_queue" as const), queueId: u32 }),
  fc.record({ type: fc.constant("push_vlan" as const), ethertype: fc.constantFrom(0x8100, 0x88a8) }),
  fc.record({ type: fc.constant("push_mpls" as const), ethertype: fc.constantFrom(0x8847, 0x8848) }),
  fc.record({ type: fc.constant("pop_mpls" as const), ethertype: u16 }),
  fc.record({ type: fc.constant("set_nw_ttl" as const), ttl: u8 }),
  fc.record({ type: fc.constant("set_mpls_ttl" as const), ttl: u8 }),
  fc.constantFrom<Action>({ type: "pop_vlan" }, { type: "dec_nw_ttl" }, { type: "dec_mpls_ttl" }, { type: "copy_ttl_in" }, { type: "copy_ttl_out" }),
  setField13,
);

function actions10(proto: number | undefined): fc.Arbitrary<Action[]> {
  const [tpSrc, tpDst] = proto === 17 ? [OxmField.UDP_SRC, OxmField.UDP_DST] : proto === 132 ? [OxmField.SCTP_SRC, OxmField.SCTP_DST] : [OxmField.TCP_SRC, OxmField.TCP_DST];
  const a: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ type: fc.constant("output" as const), port: outPort, maxLen: u16 }),
    fc.record({ type: fc.constant("enqueue" as const), port: outPort, queueId: u32 }),
    fc.record({ type: fc.constant("set_vlan_vid" as const), vid: fc.integer({ min: 0, max: 0xfff }) }),
    fc.record({ type: fc.constant("set_vlan_pcp" as const), pcp: fc.integer({ min: 0, max: 7 }) }),
    fc.constant<Action>({ type: "pop_vlan" }),
    ...([
      [OxmField.ETH_SRC, 48],
      [OxmField.ETH_DST, 48],
      [OxmField.IPV4_SRC, 32],
      [OxmField.IPV4_DST, 32],
      [OxmField.IP_DSCP, 6],
      [tpSrc, 16],
      [tpDst, 16],
    ] as const).map(([field, bits]) => bigBits(bits).map((value): Action => ({ type: "set_field", field, value }))),
    fc.tuple(u32, fc.uint8Array({ maxLength: 3 }).map((b) => b.length)).map(([experimenter, words]): Action => ({
      type: "experimenter",
      experimenter,
      body: new Uint8Array(8 * words).fill(7),
    })),
  );
  return fc.array(a, { maxLength: 6 });
}

const flowCommon = {
  command: fc.constantFrom("add", "modify", "modify_strict", "delete", "delete_strict"),
  cookie: u64,
  idleTimeout: u16,
  hardTimeout: u16,
  priority: u16,
  bufferId: u32,
} as const;

const flowMod10: fc.Arbitrary<FlowMod> = match10().chain(({ match, proto }) =>
  fc.record({
    ...flowCommon,
    actions: actions10(proto),
    outPort: fc.oneof(outPort, fc.constant(OFPP.ANY)),
    flags: fc.subarray([OFPFF.SEND_FLOW_REM, OFPFF.CHECK_OVERLAP, OFPFF.EMERG_10]).map((xs) => xs.reduce((a, b) => a | b, 0)),
    tableId: fc.constant(0xff),
    wire: fc.constantFrom(undefined, "nxm" as const),
  }).map(({ actions, wire, ...r }): FlowMod => ({
    type: "flow_mod",
    ...r,
    cookieMask: 0n,
    outGroup: OFPG.ANY,
    match,
    instructions: applyOnly(actions),
    ...(wire === undefined ? {} : { wire }),
  })),
);

const instructions13: fc.Arbitrary<Instructions> = fc.record({
  applyActions: fc.array(action13, { maxLength: 5 }),
  clearActions: fc.boolean(),
  writeActions: opt(fc.array(action13, { maxLength: 3 })),
  writeMetadata: opt(fc.record({ value: u64, mask: u64 })),
  gotoTable: opt(u8),
  meterId: opt(u32),
});

const flowMod13: fc.Arbitrary<FlowMod> = fc
  .record({
    ...flowCommon,
    cookieMask: u64,
    tableId: u8,
    outPort: u32,
    outGroup: u32,
    flags: fc.integer({ min: 0, max: 31 }),
    match: match13(),
    instructions: instructions13,
  })
  .map((r): FlowMod => ({ type: "flow_mod", ...r }));

const port = (v: OfVersion): fc.Arbitrary<PortDesc> =>
  fc.record({
    portNo: v === 1 ? fc.integer({ min: 1, max: 0xfeff }) : fc.integer({ min: 1, max: 0xffffff00 }),
    hwAddr: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    name: fc.stringMatching(/^[a-z0-9-]{0,15}$/),
    config: fc.constantFrom(0, 1, 4, 0x20, 0x40, 0x65),
    state: fc.constantFrom(0, 1, 2, 4),
    curr: v === 1 ? fc.integer({ min: 0, max: 0x7f }).map((x) => x | 0x2000) : fc.integer({ min: 0, max: 0xffff }),
    advertised: v === 1 ? fc.constant(0x800) : u32,
    supported: fc.constant(0),
    peer: fc.constant(0),
    currSpeed: v === 1 ? fc.constant(0) : u32,
    maxSpeed: v === 1 ? fc.constant(0) : u32,
  });

function otherMessages(v: OfVersion): fc.Arbitrary<OfMessage> {
  const bytes = fc.uint8Array({ maxLength: 64 });
  const common: fc.Arbitrary<OfMessage>[] = [
    fc.record({ type: fc.constant("echo_request" as const), data: bytes }),
    fc.record({ type: fc.constant("echo_reply" as const), data: bytes }),
    fc.record({ type: fc.constant("hello" as const), versions: opt(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }).map((x) => x.sort((a, b) => a - b))) }),
    fc.record({ type: fc.constant("error" as const), errType: fc.integer({ min: 0, max: 0xfffe }), code: u16, data: bytes }),
    fc.record({ type: fc.constant("set_config" as const), flags: u16, missSendLen: u16 }),
    fc.record({ type: fc.constant("get_config_reply" as const), flags: u16, missSendLen: u16 }),
    fc.constantFrom<OfMessage>({ type: "features_request" }, { type: "get_config_request" }, { type: "barrier_request" }, { type: "barrier_reply" }),
    fc.record({ type: fc.constant("port_status" as const), reason: fc.integer({ min: 0, max: 2 }), desc: port(v) }),
    fc.record({
      type: fc.constant("packet_out" as const),
      bufferId: u32,
      inPort: fc.oneof(fc.integer({ min: 1, max: 0xfeff }), fc.constant(OFPP.CONTROLLER)),
      actions: v === 1 ? actions10(6) : fc.array(action13, { maxLength: 4 }),
      data: bytes,
    }),
    fc.record({ type: fc.constant("nx_role_request" as const), role: fc.constantFrom("equal" as const, "master" as const, "slave" as const) }),
    fc.record({ type: fc.constant("nx_set_flow_format" as const), format: u32 }),
    fc.record({ type: fc.constant("nx_set_packet_in_format" as const), format: u32 }),
    fc.record({ type: fc.constant("nx_flow_mod_table_id" as const), enable: fc.boolean() }),
    fc.record({ type: fc.constant("queue_get_config_request" as const), port: v === 1 ? fc.integer({ min: 1, max: 0xfeff }) : u32 }),
    fc.integer({ min: 1, max: 0xfeff }).chain((p) =>
      fc.record({
        type: fc.constant("queue_get_config_reply" as const),
        port: fc.constant(p),
        queues: fc.array(fc.record({ queueId: u32, port: fc.constant(p), properties: fc.integer({ min: 0, max: 3 }).map((n) => new Uint8Array(16 * n).fill(1)) }), { maxLength: 3 }),
      }),
    ),
  ];
  const flowRemoved = (match: fc.Arbitrary<Match>, nxm: boolean) =>
    fc.record({
      type: fc.constant("flow_removed" as const),
      cookie: u64,
      priority: u16,
      reason: fc.integer({ min: 0, max: 3 }),
      tableId: nxm ? u8 : fc.constant(0),
      durationSec: u32,
      durationNsec: u32,
      idleTimeout: u16,
      hardTimeout: fc.constant(0),
      packetCount: u64,
      byteCount: u64,
      match,
      ...(nxm ? { wire: fc.constant("nxm" as const) } : {}),
    });
  if (v === 1) {
    return fc.oneof(
      ...common,
      flowRemoved(match10().map((m) => m.match), false),
      flowRemoved(match13(), true),
      fc.record({
        type: fc.constant("features_reply" as const),
        datapathId: u64,
        nBuffers: u32,
        nTables: u8,
        auxiliaryId: fc.constant(0),
        capabilities: u32,
        actions: u32,
        ports: fc.array(port(1), { maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant("port_mod" as const),
        portNo: fc.integer({ min: 1, max: 0xfeff }),
        hwAddr: fc.uint8Array({ minLength: 6, maxLength: 6 }),
        config: u32,
        mask: u32,
        advertise: u32,
      }),
    );
  }
  const masks = fc.tuple(u32, u32);
  return fc.oneof(
    ...common,
    fc.record({ type: fc.constant("features_reply" as const), datapathId: u64, nBuffers: u32, nTables: u8, auxiliaryId: u8, capabilities: u32, actions: fc.constant(0), ports: fc.constant([]) }),
    fc.record({ type: fc.constant("role_request" as const), role: fc.constantFrom("nochange" as const, "equal" as const, "master" as const, "slave" as const), generationId: u64 }),
    fc.record({ type: fc.constant("get_async_reply" as const), masks: fc.record({ packetIn: masks, portStatus: masks, flowRemoved: masks }) }),
    fc.record({ type: fc.constant("set_async" as const), masks: fc.record({ packetIn: masks, portStatus: masks, flowRemoved: masks }) }),
    fc.record({ type: fc.constant("table_mod" as const), tableId: u8, config: u32 }),
    fc.record({
      type: fc.constant("packet_in" as const),
      bufferId: u32,
      totalLen: u16,
      reason: fc.integer({ min: 0, max: 2 }),
      tableId: u8,
      cookie: u64,
      match: match13(),
      data: bytes,
    }),
    fc.record({
      type: fc.constant("flow_removed" as const),
      cookie: u64,
      priority: u16,
      reason: fc.integer({ min: 0, max: 3 }),
      tableId: u8,
      durationSec: u32,
      durationNsec: u32,
      idleTimeout: u16,
      hardTimeout: u16,
      packetCount: u64,
      byteCount: u64,
      match: match13(),
    }),
    fc.record({
      type: fc.constant("port_mod" as const),
      portNo: fc.integer({ min: 1, max: 0xffffff00 }),
      hwAddr: fc.uint8Array({ minLength: 6, maxLength: 6 }),
      config: u32,
      mask: u32,
      advertise: u32,
    }),
  );
}

function roundTrip(v: OfVersion, xid: number, msg: OfMessage): void {
  const raw = encodeMessage(v, xid, msg);
  const d = decodeMessage(raw);
  if (!d.ok) throw new Error(`${msg.type}: ${d.error.name} ${d.error.message}`);
  expect(d.value).toEqual({ version: v, xid, msg });
  expect(Buffer.from(encodeMessage(v, xid, d.value.msg)).equals(Buffer.from(raw))).toBe(true);
}

const RUNS = { numRuns: 300 };

describe("round trip of random valid messages", () => {
  it("OpenFlow 1.0 flow_mod (plain and NXM)", () => {
    fc.assert(fc.property(flowMod10, u32, (m, xid) => roundTrip(1, xid, m)), RUNS);
  });
  it("OpenFlow 1.3 flow_mod", () => {
    fc.assert(fc.property(flowMod13, u32, (m, xid) => roundTrip(4, xid, m)), RUNS);
  });
  it("OpenFlow 1.0 other messages", () => {
    fc.assert(fc.property(otherMessages(1), u32, (m, xid) => roundTrip(1, xid, m)), RUNS);
  });
  it("OpenFlow 1.3 other messages", () => {
    fc.assert(fc.property(otherMessages(4), u32, (m, xid) => roundTrip(4, xid, m)), RUNS);
  });
});

const MULTIPART = new Set(["1/16", "1/17", "4/18", "4/19"]);

/** Decodes without throwing; an error never comes from a thrown exception inside a body decoder. */
function decodeSafely(raw: Uint8Array): ReturnType<typeof decodeMessage> {
  const d = decodeMessage(raw);
  if (!d.ok && !MULTIPART.has(`${raw[0]}/${raw[1]}`)) expect(d.error.message).not.toMatch(/^malformed message/);
  return d;
}

/** Bytes before a flow_mod's actions or instructions (header, fixed fields, match). */
function fixedPart(raw: Uint8Array): number {
  if (raw[0] === 4) return 48 + (((raw[50]! << 8) | raw[51]!) + 7 & ~7);
  if (raw[1] === 4) return 48 + ((((raw[40]! << 8) | raw[41]!) + 7) & ~7); // NXT_FLOW_MOD
  return 72;
}

describe("hostile bytes", () => {
  it("random bytes never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void decodeSafely(b)), { numRuns: 2000 });
  });

  it("random bodies behind a valid header never throw", () => {
    const msg = fc.tuple(fc.constantFrom(1, 4), fc.integer({ min: 0, max: 35 }), fc.uint8Array({ maxLength: 300 })).map(([v, t, body]) => {
      const raw = new Uint8Array(8 + body.length);
      raw.set([v, t, raw.length >> 8, raw.length & 0xff, 0, 0, 0, 1]);
      raw.set(body, 8);
      return raw;
    });
    fc.assert(fc.property(msg, (b) => void decodeSafely(b)), { numRuns: 3000 });
  });

  it("a truncated flow_mod is an error value, whether or not its header length is fixed up", () => {
    const arb = fc.oneof(flowMod10.map((m) => encodeMessage(1, 7, m)), flowMod13.map((m) => encodeMessage(4, 7, m))).chain((raw) =>
      fc.tuple(fc.constant(raw), fc.integer({ min: 0, max: raw.length - 1 })),
    );
    fc.assert(
      fc.property(arb, ([raw, cut]) => {
        const short = raw.slice(0, cut);
        expect(decodeSafely(short).ok).toBe(false);
        if (cut >= 8) {
          short[2] = cut >> 8;
          short[3] = cut & 0xff;
          const d = decodeSafely(short);
          // Cutting into the fixed part or the match is always an error; cutting between
          // actions may leave a shorter valid flow_mod.
          if (cut < fixedPart(raw)) expect(d.ok).toBe(false);
        }
      }),
      RUNS,
    );
  });
});

describe("the flow_mod hot path decodes as the general decoder does", () => {
  // decodeOxmMatchFast and sharedSingleOutput answer only what they can read exactly; on valid
  // matches and on mutated ones they either give up (undefined) or give the general result.
  it("OXM matches: valid ones, and ones with a byte changed", () => {
    const valid = match13().map((m) => encodeOxmMatch(m));
    const mutated = fc.tuple(valid, fc.nat(), u8).map(([b, at, x]) => {
      const c = Uint8Array.from(b);
      if (c.length > 4) c[4 + (at % (c.length - 4))] = x;
      return c;
    });
    fc.assert(
      fc.property(fc.oneof(valid, mutated), (bytes) => {
        const fast = decodeOxmMatchFast(bytes, 0);
        const general = decodeOxmMatch(bytes, 0, decodeNxmTlvAsOxm);
        if (fast === undefined) return;
        expect(general.ok).toBe(true);
        if (general.ok) expect({ match: [...fast.match], length: fast.length }).toEqual({ match: general.value.match, length: general.value.length });
      }),
      { numRuns: 2000 },
    );
  });

  it("one output's instructions are shared, and equal the general decoding", () => {
    fc.assert(
      fc.property(outPort, u16, (port, maxLen) => {
        const bytes = encodeInstructions(0x04, applyOnly([{ type: "output", port, maxLen }]));
        const shared = sharedSingleOutput(bytes, 0, bytes.length);
        const general = decodeInstructions(0x04, bytes, 0, bytes.length);
        expect(general.ok && general.value).toEqual(shared);
        expect(sharedSingleOutput(bytes, 0, bytes.length)).toBe(shared);
      }),
      { numRuns: 300 },
    );
  });
});

// The offload's entry metadata (src/offload/metadata.ts): version 3 binary round trips every
// action kind; version 1 JSON records written by older ofp4 still decode; damage is undefined.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NO_INSTRUCTIONS, type Action, type Instructions } from "../../src/openflow/actions.js";
import { OxmField } from "../../src/openflow/match.js";
import { decodeRuleMetadata, encodeRuleMetadata, hasOfp4Tag, METADATA_VERSION, type RuleRecord } from "../../src/offload/metadata.js";

const u = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant("output" as const), port: fc.nat({ max: 0xffffffff }), maxLen: fc.nat(0xffff) }),
  fc.record({ type: fc.constant("group" as const), groupId: fc.nat({ max: 0xffffffff }) }),
  fc.record({ type: fc.constant("set_queue" as const), queueId: fc.nat({ max: 0xffffffff }) }),
  fc.record({ type: fc.constant("enqueue" as const), port: fc.nat({ max: 0xffffffff }), queueId: fc.nat({ max: 0xffffffff }) }),
  fc.record({ type: fc.constant("set_field" as const), field: fc.constantFrom(OxmField.ETH_DST, OxmField.IPV6_DST, OxmField.VLAN_VID, OxmField.TCP_SRC), value: u(128) }),
  fc.record({ type: fc.constant("set_vlan_vid" as const), vid: fc.nat(4095) }),
  fc.record({ type: fc.constant("set_vlan_pcp" as const), pcp: fc.nat(7) }),
  fc.record({ type: fc.constant("push_vlan" as const), ethertype: fc.nat(0xffff) }),
  fc.record({ type: fc.constant("push_mpls" as const), ethertype: fc.nat(0xffff) }),
  fc.record({ type: fc.constant("pop_mpls" as const), ethertype: fc.nat(0xffff) }),
  fc.record({ type: fc.constant("set_nw_ttl" as const), ttl: fc.nat(255) }),
  fc.record({ type: fc.constant("set_mpls_ttl" as const), ttl: fc.nat(255) }),
  fc.record({ type: fc.constant("experimenter" as const), experimenter: fc.nat({ max: 0xffffffff }), body: fc.uint8Array({ maxLength: 20 }) }),
  fc.constantFrom<Action>({ type: "pop_vlan" }, { type: "dec_nw_ttl" }, { type: "copy_ttl_out" }, { type: "copy_ttl_in" }, { type: "dec_mpls_ttl" }),
);
const instructions: fc.Arbitrary<Instructions> = fc.record({
  applyActions: fc.array(action, { maxLength: 6 }),
  clearActions: fc.boolean(),
  writeActions: fc.option(fc.array(action, { maxLength: 4 }), { nil: undefined }),
  writeMetadata: fc.option(fc.record({ value: u(64), mask: u(64) }), { nil: undefined }),
  gotoTable: fc.option(fc.nat(254), { nil: undefined }),
  meterId: fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
});
const record: fc.Arbitrary<RuleRecord> = fc.record({
  tableId: fc.nat(254),
  priority: fc.nat({ max: 0xffffffff }),
  cookie: u(64),
  flags: fc.nat(0xffff),
  idleTimeout: fc.nat(0xffff),
  hardTimeout: fc.nat(0xffff),
  importance: fc.nat(0xffff),
  instructions,
});

/** Version 1 as older ofp4 wrote it: 26 fixed bytes, then the instructions as JSON with tagged bigints. */
function encodeV1(r: RuleRecord): Uint8Array {
  const json = Buffer.from(
    JSON.stringify(r.instructions, (_k, v: unknown) => (typeof v === "bigint" ? "\u0000n:" + v.toString(16) : v instanceof Uint8Array ? { $bytes: Buffer.from(v).toString("hex") } : v)),
  );
  const out = new Uint8Array(26 + json.length);
  const dv = new DataView(out.buffer);
  out.set([0x4f, 0x46, 0x50, 0x34, 1, r.tableId]);
  dv.setUint32(6, r.priority);
  dv.setBigUint64(10, r.cookie);
  dv.setUint16(18, r.flags);
  dv.setUint16(20, r.idleTimeout);
  dv.setUint16(22, r.hardTimeout);
  dv.setUint16(24, r.importance);
  out.set(json, 26);
  return out;
}

describe("rule metadata", () => {
  it("round-trips every record through the binary version", () => {
    fc.assert(
      fc.property(record, (r) => {
        const bytes = encodeRuleMetadata(r);
        expect(bytes[4]).toBe(METADATA_VERSION);
        expect(hasOfp4Tag(bytes)).toBe(true);
        expect(decodeRuleMetadata(bytes)).toEqual(r);
      }),
      { numRuns: 400 },
    );
  });

  it("still decodes version 1 (JSON) records written by older ofp4", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRuleMetadata(encodeV1(r))).toEqual(r);
      }),
      { numRuns: 200 },
    );
  });

  it("is compact: one output action in at most 40 bytes", () => {
    const r: RuleRecord = { tableId: 0, priority: 100, cookie: 0n, flags: 0, idleTimeout: 0, hardTimeout: 0, importance: 0, instructions: { ...NO_INSTRUCTIONS, applyActions: [{ type: "output", port: 3, maxLen: 0 }] } };
    expect(encodeRuleMetadata(r).length).toBeLessThanOrEqual(40);
    expect(encodeRuleMetadata(r).length).toBeLessThan(encodeV1(r).length);
  });

  it("gives undefined for every truncation, trailing bytes, unknown versions and action codes", () => {
    fc.assert(
      fc.property(record, (r) => {
        const bytes = encodeRuleMetadata(r);
        for (let cut = 0; cut < bytes.length; cut++) expect(decodeRuleMetadata(bytes.subarray(0, cut))).toBeUndefined();
        expect(decodeRuleMetadata(Uint8Array.of(...bytes, 0))).toBeUndefined();
        for (const v of [0, 2, 4, 255]) {
          const other = Uint8Array.from(bytes);
          other[4] = v;
          expect(decodeRuleMetadata(other)).toBeUndefined();
        }
      }),
      { numRuns: 100 },
    );
    const one = encodeRuleMetadata({ tableId: 0, priority: 1, cookie: 0n, flags: 0, idleTimeout: 0, hardTimeout: 0, importance: 0, instructions: { ...NO_INSTRUCTIONS, applyActions: [{ type: "pop_vlan" }] } });
    const bad = Uint8Array.from(one);
    bad[bad.length - 1] = 99; // action code
    expect(decodeRuleMetadata(bad)).toBeUndefined();
  });
});

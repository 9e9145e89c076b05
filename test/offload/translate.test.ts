// The pure edges of the offload provider: the mapping built from p4/ofp4.mapping.json and the
// P4Info (errors name what is missing), OpenFlow -> P4 translation and its refusals, the key
// read back -> match, the metadata encoding (round trips, foreign bytes), packet-out planning.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyOnly, NO_INSTRUCTIONS, OFPP, type Action } from "../../src/openflow/actions.js";
import { normalizeMatch, OxmField, type Match } from "../../src/openflow/match.js";
import { buildMapping, loadMapping, MappingError } from "../../src/offload/mapping.js";
import { decodeRuleMetadata, encodeRuleMetadata, hasOfp4Tag } from "../../src/offload/metadata.js";
import { planPacketOut } from "../../src/offload/packet-io.js";
import { matchFromKey, translateRule, type TranslateContext } from "../../src/offload/translate.js";
import { bytesToBigint, loadP4InfoFile } from "../../src/p4runtime/index.js";
import { MAPPING, P4INFO } from "./rig.js";
import { expressibleFields } from "./arbitraries.js";

const info = loadP4InfoFile(P4INFO);
const mapping = loadMapping(MAPPING, info);
const ctx: TranslateContext = {
  isPort: (n) => n >= 1 && n <= 4,
  ports: [1, 2, 3, 4],
  group: (id) => (id === 7 ? { type: "all", buckets: [[{ type: "output", port: 1, maxLen: 0 }], [{ type: "output", port: 3, maxLen: 0 }]] } : undefined),
};
const out = (port: number): Action => ({ type: "output", port, maxLen: 0 });
const rule = (match: Match, actions: readonly Action[], extra: { tableId?: number; priority?: number } = {}) => ({
  tableId: extra.tableId ?? 0,
  priority: extra.priority ?? 10,
  match,
  instructions: applyOnly(actions),
});

describe("mapping", () => {
  it("resolves tables, fields, the flow action, headers and counters from the P4Info", () => {
    expect(mapping.tables.map((t) => [t.ofTable, t.p4.name, t.p4.size])).toEqual([
      [0, "ingress.ofp_table_0", 1048576],
      [1, "ingress.ofp_table_1", 65536],
      [2, "ingress.ofp_table_2", 65536],
      [3, "ingress.ofp_table_3", 65536],
    ]);
    expect(mapping.tables[3]!.miss.continue).toBeUndefined();
    expect(mapping.matchFields.get(OxmField.TCP_SRC)).toMatchObject({ p4Name: "l4_src", bitwidth: 16, requires: [{ p4Name: "ip_proto", value: 6n }] });
    expect(mapping.flow.setFields.get(OxmField.VLAN_VID)).toMatchObject({ bit: 4, vidWithoutPresent: true });
    expect(mapping.packetIn.headerId).toBe(info.controllerHeaders.get("packet_in").id);
    expect(mapping.cpuPort).toBe(255);
  });

  it("errors name the missing table, field or action", () => {
    const file = JSON.parse(readFileSync(MAPPING, "utf8")) as Record<string, unknown>;
    const broken = (f: (m: Record<string, any>) => void): unknown => {
      const copy = JSON.parse(JSON.stringify(file)) as Record<string, any>;
      f(copy);
      return copy;
    };
    expect(() => buildMapping(broken((m) => (m.tables[1].p4Table = "ingress.nope")), info)).toThrow(/no table "ingress.nope"/);
    expect(() => buildMapping(broken((m) => (m.matchFields.ETH_DST.p4 = "mac_da")), info)).toThrow(/no match field "mac_da"/);
    expect(() => buildMapping(broken((m) => (m.flowAction.action = "ingress.fly")), info)).toThrow(MappingError);
    expect(() => buildMapping(broken((m) => (m.packetIn.reason = "why")), info)).toThrow(/header "packet_in" has no field "why"/);
  });
});

describe("translateRule", () => {
  const ok = (r: ReturnType<typeof translateRule>) => {
    if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}`);
    return r.value;
  };
  const param = (plan: ReturnType<typeof ok>, name: string): bigint | undefined => plan.params?.get(mapping.flow.action.param(name));

  it("OpenFlow 1.0 set_vlan_vid pushes a tag only when absent, with the VID param", () => {
    const plan = ok(translateRule(mapping, rule([], [{ type: "set_vlan_vid", vid: 42 }, out(2)]), ctx));
    expect(param(plan, "vlan_op")).toBe(3n);
    expect(param(plan, "set_fields")).toBe(4n);
    expect(param(plan, "vlan_vid")).toBe(42n);
  });

  it("set_field VLAN_VID drops OFPVID_PRESENT; the last of two set_fields wins", () => {
    const plan = ok(
      translateRule(
        mapping,
        rule([], [
          { type: "push_vlan", ethertype: 0x8100 },
          { type: "set_field", field: OxmField.VLAN_VID, value: 0x1000n | 5n },
          { type: "set_field", field: OxmField.IPV4_DST, value: 1n },
          { type: "set_field", field: OxmField.IPV4_DST, value: 2n },
          out(1),
        ]),
        ctx,
      ),
    );
    expect(param(plan, "vlan_op")).toBe(1n);
    expect(param(plan, "vlan_vid")).toBe(5n);
    expect(param(plan, "ipv4_dst")).toBe(2n);
  });

  it("an ALL group expands to its ports; output:IN_PORT among several needs an exact in_port", () => {
    const plan = ok(translateRule(mapping, rule([], [{ type: "group", groupId: 7 }, out(2)]), ctx));
    expect(plan.replicas).toEqual([1, 2, 3].map((port) => ({ port, instance: 0 })));
    const bad = translateRule(mapping, rule([], [out(2), out(OFPP.IN_PORT)]), ctx);
    expect(!bad.ok && bad.error.name).toBe("BAD_ACTION_BAD_OUT_PORT");
    const inPort = normalizeMatch([{ field: OxmField.IN_PORT, value: 3n, mask: 0xffffffffn }]);
    const good = ok(translateRule(mapping, rule(inPort, [out(2), out(OFPP.IN_PORT)]), ctx));
    expect(good.replicas).toEqual([
      { port: 2, instance: 0 },
      { port: 3, instance: 1 },
    ]);
  });

  it.each([
    ["a meter", { ...NO_INSTRUCTIONS, meterId: 1 }, "BAD_INSTRUCTION_UNSUP_INST"],
    ["goto backwards", { ...NO_INSTRUCTIONS, gotoTable: 0 }, "BAD_INSTRUCTION_BAD_TABLE_ID"],
    ["MPLS", applyOnly([{ type: "push_mpls", ethertype: 0x8847 }]), "BAD_ACTION_BAD_TYPE"],
    ["a queue", applyOnly([{ type: "set_queue", queueId: 1 }, out(1)]), "BAD_ACTION_BAD_QUEUE"],
    ["two VLAN operations", applyOnly([{ type: "pop_vlan" }, { type: "pop_vlan" }]), "BAD_ACTION_UNSUPPORTED_ORDER"],
    ["dec_ttl after set_field", applyOnly([{ type: "set_field", field: OxmField.ETH_DST, value: 1n }, { type: "dec_nw_ttl" }]), "BAD_ACTION_UNSUPPORTED_ORDER"],
    ["an unknown group", applyOnly([{ type: "group", groupId: 99 }]), "BAD_ACTION_BAD_OUT_GROUP"],
  ] as const)("refuses %s", (_what, instructions, error) => {
    const r = translateRule(mapping, { tableId: 0, priority: 1, match: [], instructions }, ctx);
    expect(!r.ok && r.error.name).toBe(error);
  });

  it("TCP_SRC keeps its ip_proto prerequisite; a conflicting IP_PROTO is refused", () => {
    const m = normalizeMatch([{ field: OxmField.TCP_SRC, value: 80n, mask: 0xffffn }]);
    const plan = ok(translateRule(mapping, rule(m, [out(1)]), ctx));
    const names = plan.match.map((f) => [plan.table.p4.field(f.fieldId!).name, bytesToBigint(f.ternary!.value!)]);
    expect(names).toEqual([
      ["ip_proto", 6n],
      ["l4_src", 80n],
    ]);
    const bad = normalizeMatch([
      { field: OxmField.IP_PROTO, value: 17n, mask: 0xffn },
      { field: OxmField.TCP_SRC, value: 80n, mask: 0xffffn },
    ]);
    const r = translateRule(mapping, rule(bad, [out(1)]), ctx);
    expect(!r.ok && r.error.name).toBe("BAD_MATCH_BAD_PREREQ");
  });

  it("the key read back gives the match back (property over random expressible matches)", () => {
    fc.assert(
      fc.property(expressibleFields, fc.boolean(), fc.constantFrom(0, 1, 2, 3), (fields, withPort, tableId) => {
        const raw = fields.map(([f, v, m]) => ({ field: f, value: v, mask: m }));
        if (withPort) raw.push({ field: OxmField.IN_PORT, value: 2n, mask: 0xffffffffn });
        const match = normalizeMatch(raw);
        const plan = ok(translateRule(mapping, rule(match, [out(1)], { tableId }), ctx));
        expect(plan.priority).toBe(11);
        expect(matchFromKey(mapping, plan.table, plan.match)).toEqual(match);
      }),
      { numRuns: 200 },
    );
  });
});

describe("metadata", () => {
  it("round-trips a rule record, bigints and all", () => {
    const record = {
      tableId: 2,
      priority: 65535,
      cookie: 0xfedcba9876543210n,
      flags: 5,
      idleTimeout: 60,
      hardTimeout: 600,
      importance: 3,
      instructions: {
        ...applyOnly([{ type: "set_field", field: OxmField.IPV6_DST, value: (1n << 127n) | 5n } as const, out(3)]),
        writeMetadata: { value: 0xffffffffffffffffn, mask: 0xf0n },
        gotoTable: 3,
      },
    };
    const bytes = encodeRuleMetadata(record);
    expect(hasOfp4Tag(bytes)).toBe(true);
    expect(decodeRuleMetadata(bytes)).toEqual({ ...record, instructions: { ...record.instructions, writeActions: undefined, meterId: undefined } });
  });

  it("foreign or damaged bytes decode to undefined", () => {
    expect(decodeRuleMetadata(new Uint8Array())).toBeUndefined();
    expect(decodeRuleMetadata(Uint8Array.of(1, 2, 3, 4, 5, 6))).toBeUndefined();
    const bytes = encodeRuleMetadata({ tableId: 0, priority: 1, cookie: 0n, flags: 0, idleTimeout: 0, hardTimeout: 0, importance: 0, instructions: NO_INSTRUCTIONS });
    expect(decodeRuleMetadata(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
    const v2 = Uint8Array.from(bytes);
    v2[4] = 2;
    expect(decodeRuleMetadata(v2)).toBeUndefined();
    expect(hasOfp4Tag(v2)).toBe(true);
  });
});

describe("packet-out planning", () => {
  const frame = Uint8Array.from({ length: 60 }, (_, i) => (i === 12 ? 0x08 : i === 13 ? 0 : i));
  it("FLOOD sends to every port but the in_port; push_vlan then set VID edits the bytes", () => {
    const plan = planPacketOut(mapping, ctx.isPort, ctx.ports, 2, frame, [{ type: "push_vlan", ethertype: 0x8100 }, { type: "set_vlan_vid", vid: 9 }, out(OFPP.FLOOD)]);
    if (!plan.ok) throw new Error(plan.error.message);
    expect(plan.value.sends.map((s) => s.egressPort)).toEqual([1, 3, 4]);
    const f = plan.value.sends[0]!.payload;
    expect(f.length).toBe(64);
    expect([...f.subarray(12, 18)]).toEqual([0x81, 0x00, 0x00, 0x09, 0x08, 0x00]);
  });

  it("refuses what ofp4 does not apply to packet-outs", () => {
    const r = planPacketOut(mapping, ctx.isPort, ctx.ports, OFPP.CONTROLLER, frame, [{ type: "set_field", field: OxmField.IPV4_DST, value: 1n }, out(1)]);
    expect(!r.ok && r.error.name).toBe("BAD_ACTION_BAD_SET_TYPE");
    const l = planPacketOut(mapping, ctx.isPort, ctx.ports, OFPP.CONTROLLER, frame, [out(OFPP.LOCAL)]);
    expect(!l.ok && l.error.name).toBe("BAD_ACTION_BAD_OUT_PORT");
  });
});

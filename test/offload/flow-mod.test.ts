// provider.ts §2-§3 on a real target: each flow_mod kind lands as the right P4 entries (read
// back over P4Runtime from the sim and compared field by field), several outputs share one
// multicast group that goes away with its last user, and refusals come back at once.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyOnly, OFPP, type Instructions } from "../../src/openflow/actions.js";
import { normalizeMatch, OxmField } from "../../src/openflow/match.js";
import { bytesToBigint, type p4 } from "../../src/p4runtime/index.js";
import { decodeRuleMetadata } from "../../src/offload/metadata.js";
import { flowMod, ipDst, output } from "../ofproto/harness.js";
import { barrier, nextEmit, readEntries, readGroups, startOffloadRig, udpFrame, type OffloadRig } from "./rig.js";

let rig: OffloadRig;
beforeEach(async () => {
  rig = await startOffloadRig();
});
afterEach(async () => {
  await rig.close();
});

/** The entry's action params by name, as numbers. */
function params(rig: OffloadRig, te: p4.v1.ITableEntry): Record<string, bigint> {
  const a = rig.provider.p4info.action(te.action!.action!.actionId!);
  const out: Record<string, bigint> = { action: BigInt(a.id) };
  for (const p of te.action!.action!.params ?? []) out[a.param(p.paramId!).name] = bytesToBigint(p.value!);
  return out;
}

/** The entry's key by field name: [value, mask]. */
function key(rig: OffloadRig, te: p4.v1.ITableEntry): Record<string, [bigint, bigint]> {
  const t = rig.provider.p4info.table(te.tableId!);
  const out: Record<string, [bigint, bigint]> = {};
  for (const m of te.match ?? []) out[t.field(m.fieldId!).name] = [bytesToBigint(m.ternary!.value!), bytesToBigint(m.ternary!.mask!)];
  return out;
}

const flowAction = (rig: OffloadRig): bigint => BigInt(rig.provider.p4info.action("ingress.flow").id);

describe("ADD", () => {
  it("an OpenFlow 1.3 rule becomes one ternary entry with priority p+1, the flow action and ofp4's metadata", async () => {
    const c = rig.cm.connect(0x04);
    const match = normalizeMatch([
      { field: OxmField.IN_PORT, value: 1n, mask: 0xffffffffn },
      { field: OxmField.ETH_TYPE, value: 0x0800n, mask: 0xffffn },
      { field: OxmField.IP_PROTO, value: 6n, mask: 0xffn },
      { field: OxmField.IPV4_DST, value: 0x0a000000n, mask: 0xffffff00n },
      { field: OxmField.TCP_DST, value: 80n, mask: 0xffffn },
    ]);
    const instructions = applyOnly([
      { type: "pop_vlan" },
      { type: "dec_nw_ttl" },
      { type: "set_field", field: OxmField.ETH_DST, value: 0x020000000009n },
      output(3),
    ]);
    rig.cm.submit(c, flowMod("add", { match, priority: 100, cookie: 0xabcn, idleTimeout: 7, instructions }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const entries = await readEntries(rig);
    expect(entries).toHaveLength(1);
    const te = entries[0]!;
    expect(te.tableId).toBe(rig.provider.p4info.table("ingress.ofp_table_0").id);
    expect(te.priority).toBe(101);
    expect(key(rig, te)).toEqual({
      in_port: [1n, 0xffffn],
      eth_type: [0x0800n, 0xffffn],
      ip_proto: [6n, 0xffn],
      ipv4_dst: [0x0a000000n, 0xffffff00n],
      l4_dst: [80n, 0xffffn],
    });
    const p = params(rig, te);
    expect(p.action).toBe(flowAction(rig));
    expect(p.vlan_op).toBe(2n);
    expect(p.set_fields).toBe(0x200n | 0x1n);
    expect(p.eth_dst).toBe(0x020000000009n);
    expect(p.out_kind).toBe(1n);
    expect(p.out_port).toBe(3n);
    const record = decodeRuleMetadata(te.metadata);
    expect(record).toMatchObject({ tableId: 0, priority: 100, cookie: 0xabcn, idleTimeout: 7 });
    expect(record!.instructions.applyActions).toEqual(instructions.applyActions);
  });

  it("an empty action list is the drop action; a table-miss entry to the controller is miss_to_controller", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 5, instructions: applyOnly([]) }));
    rig.cm.submit(c, flowMod("add", { match: [], priority: 0, instructions: applyOnly([{ type: "output", port: OFPP.CONTROLLER, maxLen: 128 }]) }));
    await barrier(rig, c);
    const byPrio = new Map((await readEntries(rig)).map((te) => [te.priority, te]));
    expect(params(rig, byPrio.get(6)!).action).toBe(BigInt(rig.provider.p4info.action("ingress.drop").id));
    expect(params(rig, byPrio.get(1)!).action).toBe(BigInt(rig.provider.p4info.action("ingress.miss_to_controller").id));
    expect(byPrio.get(1)!.match ?? []).toEqual([]);
  });

  it("write-metadata and goto-table land in table 1 with meta_value, meta_mask and goto_table", async () => {
    const c = rig.cm.connect(0x04);
    const instructions: Instructions = {
      ...applyOnly([]),
      writeMetadata: { value: 0x1234n, mask: 0xffffn },
      gotoTable: 2,
    };
    rig.cm.submit(c, flowMod("add", { tableId: 1, match: ipDst(2), priority: 10, instructions }));
    await barrier(rig, c);
    const [te] = await readEntries(rig);
    expect(te!.tableId).toBe(rig.provider.p4info.table("ingress.ofp_table_1").id);
    const p = params(rig, te!);
    expect(p).toMatchObject({ out_kind: 5n, goto_table: 2n, meta_value: 0x1234n, meta_mask: 0xffffn });
  });

  it("a rule replacing its victim is a MODIFY of the same entry", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, cookie: 9n, instructions: applyOnly([output(4)]) }));
    await barrier(rig, c);
    const entries = await readEntries(rig);
    expect(entries).toHaveLength(1);
    expect(params(rig, entries[0]!).out_port).toBe(4n);
    expect(decodeRuleMetadata(entries[0]!.metadata)!.cookie).toBe(9n);
  });
});

describe("MODIFY and DELETE", () => {
  it("modify rewrites the action and metadata; delete (strict and loose) removes the entries", async () => {
    const c = rig.cm.connect(0x04);
    for (let i = 1; i <= 3; i++) rig.cm.submit(c, flowMod("add", { match: ipDst(i), priority: 10, instructions: applyOnly([output(2)]) }));
    await barrier(rig, c);
    rig.cm.submit(c, flowMod("modify_strict", { match: ipDst(2), priority: 10, instructions: applyOnly([output(3)]) }));
    await barrier(rig, c);
    const ports = (await readEntries(rig)).map((te) => [key(rig, te).ipv4_dst![0], params(rig, te).out_port]).sort();
    expect(ports).toEqual([
      [0x0a000001n, 2n],
      [0x0a000002n, 3n],
      [0x0a000003n, 2n],
    ]);
    rig.cm.submit(c, flowMod("delete_strict", { match: ipDst(1), priority: 10, outPort: OFPP.ANY }));
    await barrier(rig, c);
    expect(await readEntries(rig)).toHaveLength(2);
    rig.cm.submit(c, flowMod("delete", { match: [], outPort: OFPP.ANY }));
    await barrier(rig, c);
    expect(await readEntries(rig)).toHaveLength(0);
    expect(c.errors).toEqual([]);
  });
});

describe("multicast groups", () => {
  it("several outputs share one group per replica set, freed when the last user is deleted", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: ipDst(1), priority: 10, instructions: applyOnly([output(2), output(3)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(2), priority: 10, instructions: applyOnly([output(3), output(2)]) }));
    rig.cm.submit(c, flowMod("add", { match: ipDst(3), priority: 10, instructions: applyOnly([output(2), { type: "output", port: OFPP.CONTROLLER, maxLen: 64 }]) }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const groups = await readGroups(rig);
    expect(groups).toHaveLength(2);
    const replicas = new Map(groups.map((g) => [g.multicastGroupId, (g.replicas ?? []).map((r) => Number(r.egressPort)).sort((a, b) => a - b)]));
    const entries = await readEntries(rig);
    const grp = (n: number): number => Number(params(rig, entries.find((te) => key(rig, te).ipv4_dst![0] === 0x0a000000n + BigInt(n))!).mcast_grp);
    expect(grp(1)).toBe(grp(2));
    expect(replicas.get(grp(1))).toEqual([2, 3]);
    expect(replicas.get(grp(3))).toEqual([2, 255]);
    rig.cm.submit(c, flowMod("delete_strict", { match: ipDst(1), priority: 10, outPort: OFPP.ANY }));
    await barrier(rig, c);
    expect((await readGroups(rig)).map((g) => g.multicastGroupId).sort()).toEqual([grp(1), grp(3)].sort());
    rig.cm.submit(c, flowMod("delete_strict", { match: ipDst(2), priority: 10, outPort: OFPP.ANY }));
    await barrier(rig, c);
    await rig.provider.idle();
    expect((await readGroups(rig)).map((g) => g.multicastGroupId)).toEqual([grp(3)]);
  });

  it("FLOOD is a group of every data port", async () => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: [], priority: 1, instructions: applyOnly([{ type: "output", port: OFPP.FLOOD, maxLen: 0 }]) }));
    await barrier(rig, c);
    const [g] = await readGroups(rig);
    expect((g!.replicas ?? []).map((r) => Number(r.egressPort)).sort()).toEqual([1, 2, 3, 4]);
  });
});

describe("refusals at construct time (nothing is written)", () => {
  it.each([
    ["a field the program lacks", [{ field: OxmField.ARP_SHA, value: 1n, mask: 0xffffffffffffn }], applyOnly([output(2)]), "BAD_MATCH_BAD_FIELD"],
    ["an in_port that is not a port", [{ field: OxmField.IN_PORT, value: 9n, mask: 0xffffffffn }], applyOnly([output(2)]), "BAD_MATCH_BAD_VALUE"],
    ["a set_field the program cannot do", [], applyOnly([{ type: "set_field", field: OxmField.IPV6_SRC, value: 1n }, output(2)]), "BAD_ACTION_BAD_SET_TYPE"],
    ["set_field after output", [], applyOnly([output(2), { type: "set_field", field: OxmField.ETH_DST, value: 1n }]), "BAD_ACTION_UNSUPPORTED_ORDER"],
    ["output to a port that does not exist", [], applyOnly([output(7)]), "BAD_ACTION_BAD_OUT_PORT"],
    ["output to LOCAL", [], applyOnly([{ type: "output", port: OFPP.LOCAL, maxLen: 0 }]), "BAD_ACTION_BAD_OUT_PORT"],
    ["push_vlan 0x88a8", [], applyOnly([{ type: "push_vlan", ethertype: 0x88a8 }, output(2)]), "BAD_ACTION_BAD_ARGUMENT"],
    ["output plus goto", [], { ...applyOnly([output(2)]), gotoTable: 1 }, "BAD_ACTION_UNSUPPORTED_ORDER"],
  ] as const)("%s", async (_what, match, instructions, error) => {
    const c = rig.cm.connect(0x04);
    rig.cm.submit(c, flowMod("add", { match: normalizeMatch(match), priority: 10, instructions }));
    expect(c.errors.map((e) => e.error.name)).toEqual([error]);
    expect(rig.sw.tables[0]!.rules.size).toBe(0);
    await barrier(rig, c);
    expect(await readEntries(rig)).toHaveLength(0);
  });
});

describe("OpenFlow 1.0", () => {
  it("dl_vlan=0xffff (untagged) and mod_vlan_vid land as vlan_vid 0 and a push-if-absent", async () => {
    const c = rig.cm.connect(0x01);
    const match = normalizeMatch([
      { field: OxmField.IN_PORT, value: 2n, mask: 0xffffffffn },
      { field: OxmField.VLAN_VID, value: 0n, mask: 0x1fffn },
    ]);
    rig.cm.submit(c, flowMod("add", { match, priority: 0x8000, instructions: applyOnly([{ type: "set_vlan_vid", vid: 10 }, output(3)]) }));
    await barrier(rig, c);
    expect(c.errors).toEqual([]);
    const [te] = await readEntries(rig);
    expect(te!.priority).toBe(0x8001);
    expect(key(rig, te!)).toEqual({ in_port: [2n, 0xffffn], vlan_vid: [0n, 0x1fffn] });
    expect(params(rig, te!)).toMatchObject({ vlan_op: 3n, set_fields: 4n, vlan_vid: 10n, out_kind: 1n, out_port: 3n });
    const frame = udpFrame();
    const out = nextEmit(rig.sim, 3);
    rig.sim.inject(2, frame);
    const got = await out;
    expect([...got.subarray(12, 16)]).toEqual([0x81, 0x00, 0x00, 10]);
    expect(got.subarray(16)).toEqual(frame.subarray(12));
  });
});

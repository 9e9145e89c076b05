// The pipeline model and p4/ofp4.p4 agree: every table, key field (name, width, kind), action,
// param, counter and controller header the model uses is in the committed P4Info exactly as the
// model assumes (and nothing more), and the model's header layouts are the bmv2 JSON's.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";
import { HEADER_LAYOUTS, PACKET_IN, PACKET_OUT } from "../../targets/sim/pipeline/headers.js";
import {
  ACTION, COUNTER, DIRECT_COUNTERS, FLOW_PARAMS, INITIAL_DEFAULT_ACTION, KEY_FIELDS,
  PACKET_IN_METADATA, PACKET_OUT_METADATA, PORT_CONFIG, PORT_COUNTER_SIZE, TABLE_ACTIONS, TABLE_SIZES, TABLES,
} from "../../targets/sim/pipeline/program.js";

const info = loadP4InfoFile("p4/ofp4.p4info.txtpb");
const bmv2 = JSON.parse(readFileSync("p4/ofp4.json", "utf8")) as {
  header_types: { name: string; fields: [string, number, boolean][] }[];
};

describe("model vs P4Info", () => {
  it("has exactly the four OpenFlow tables and the two port-config tables, with their sizes and idle-timeout support", () => {
    expect([...info.tables].map((t) => t.name).sort()).toEqual([...TABLES, PORT_CONFIG.IN.table, PORT_CONFIG.OUT.table].sort());
    TABLES.forEach((name, i) => {
      const t = info.table(name);
      expect(t.size).toBe(TABLE_SIZES[i]);
      expect(t.supportsIdleTimeout).toBe(true);
      expect(t.id).toBe(0x02000001 + i);
    });
  });

  it("keys every table on the model's ternary fields, in order, with the model's widths", () => {
    for (const name of TABLES) {
      const fields = info.table(name).matchFields.map((f) => [f.name, f.bitwidth, f.matchKind]);
      expect(fields).toEqual(KEY_FIELDS.map(([n, w]) => [n, w, "ternary"]));
    }
  });

  it("offers the model's actions in each table, drop as initial default", () => {
    TABLES.forEach((name, i) => {
      const t = info.table(name);
      expect(t.actionRefs.map((r) => info.action(r.id).name).sort()).toEqual([...(TABLE_ACTIONS[i] ?? [])].sort());
      expect(t.actionRefs.every((r) => r.scope === "table_and_default")).toBe(true);
      expect(info.action(t.initialDefaultActionId).name).toBe(INITIAL_DEFAULT_ACTION);
      expect(t.constDefaultActionId).toBe(0);
    });
  });

  it("has the flow action's params with the model's widths, and param-less miss actions", () => {
    expect([...info.actions].map((a) => a.name).sort()).toEqual(Object.values(ACTION).sort());
    // The port-config actions are checked with their tables below.
    expect(info.action(ACTION.FLOW).params.map((p) => [p.name, p.bitwidth])).toEqual(FLOW_PARAMS.map(([n, w]) => [n, w]));
    for (const a of [ACTION.DROP, ACTION.MISS_TO_CONTROLLER, ACTION.MISS_NEXT_TABLE]) expect(info.action(a).params).toEqual([]);
  });

  it("has the port-config tables: exact on the 9-bit port, one action of 1-bit flags, all-zero default", () => {
    for (const side of [PORT_CONFIG.IN, PORT_CONFIG.OUT]) {
      const t = info.table(side.table);
      expect(t.size).toBeGreaterThanOrEqual(PORT_CONFIG.SIZE);
      expect(t.matchFields.map((f) => [f.name, f.bitwidth, f.matchKind])).toEqual([[PORT_CONFIG.KEY, PORT_CONFIG.KEY_WIDTH, "exact"]]);
      expect(t.actionRefs.map((r) => info.action(r.id).name)).toEqual([side.action]);
      expect(info.action(t.initialDefaultActionId).name).toBe(side.action);
      expect(t.constDefaultActionId).toBe(0);
      expect(t.directResourceIds).toEqual([]);
      expect(info.action(side.action).params.map((p) => [p.name, p.bitwidth])).toEqual(side.params.map((n) => [n, 1]));
    }
    expect(info.table(PORT_CONFIG.IN.table).id).toBe(0x02000005);
    expect(info.table(PORT_CONFIG.OUT.table).id).toBe(0x02000006);
  });

  it("has a packets-and-bytes direct counter on every table", () => {
    expect([...info.directCounters].map((c) => c.name).sort()).toEqual([...DIRECT_COUNTERS].sort());
    TABLES.forEach((name, i) => {
      const t = info.table(name);
      const dc = info.directCounters.get(DIRECT_COUNTERS[i] as string);
      expect(t.directResourceIds).toEqual([dc.id]);
      expect(dc.tableId).toBe(t.id);
      expect(dc.unit).toBe("both");
    });
  });

  it("has the per-port rx and tx counters the model counts", () => {
    expect([...info.counters].map((c) => c.name).sort()).toEqual(Object.values(COUNTER).sort());
    for (const name of Object.values(COUNTER)) {
      const c = info.counters.get(name);
      expect(c.size).toBe(PORT_COUNTER_SIZE);
      expect(c.unit).toBe("both");
    }
  });

  it("has packet_in and packet_out controller headers matching the model's header layouts", () => {
    const pin = info.controllerHeaders.get("packet_in");
    const pout = info.controllerHeaders.get("packet_out");
    expect(pin.id).toBe(0x04000001);
    expect(pout.id).toBe(0x04000002);
    expect(pin.metadata.map((m) => [m.name, m.bitwidth])).toEqual(PACKET_IN_METADATA.map(([n, w]) => [n, w]));
    expect(pout.metadata.map((m) => [m.name, m.bitwidth])).toEqual(PACKET_OUT_METADATA.map(([n, w]) => [n, w]));
    expect(PACKET_IN.fields.map(([n, w]) => [n, w])).toEqual(PACKET_IN_METADATA.map(([n, w]) => [n, w]));
    expect(PACKET_OUT.fields.map(([n, w]) => [n, w])).toEqual(PACKET_OUT_METADATA.map(([n, w]) => [n, w]));
  });
});

describe("model vs bmv2 JSON", () => {
  it("parses and emits every header with the JSON's field names and widths", () => {
    for (const layout of HEADER_LAYOUTS) {
      const jt = bmv2.header_types.find((h) => h.name === layout.typeName);
      expect(jt, layout.typeName).toBeDefined();
      expect(jt?.fields.map(([n, w]) => [n, w])).toEqual(layout.fields.map(([n, w]) => [n, w]));
    }
  });
});

// p4/ofp4.mapping.json is consistent with the P4Info and with the program's constants (as the
// pipeline model holds them): every name it gives exists with the right kind and width, every
// OpenFlow field it maps has the OXM width, and its codes are the ones the P4 program tests.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OXM_FIELD_BITS, OxmField } from "../../src/openflow/match.js";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";
import { CPU_PORT, DROP_PORT, OUT_KIND, PORT_CONFIG, REASON, SET, TABLES, VLAN_OP } from "../../targets/sim/pipeline/program.js";

interface Mapping {
  cpuPort: number;
  dropPort: number;
  ports: { min: number; max: number; exclude: number[] };
  priority: { offset: number; maxOpenFlow: number };
  tables: { ofTable: number; p4Table: string; directCounter: string; tableMiss: Record<string, string> }[];
  matchFields: Record<string, { p4: string; value?: string; requires?: Record<string, number> }>;
  flowAction: {
    action: string;
    params: Record<string, string>;
    vlanOp: Record<string, number>;
    setFields: Record<string, { bit: number; p4: string }>;
    decTtl: { bit: number };
    outKind: Record<string, number>;
  };
  drop: string;
  packetIn: { header: string; reasons: Record<string, number> } & Record<string, unknown>;
  packetOut: { header: string } & Record<string, unknown>;
  portCounters: { rx: string; tx: string };
  portConfig: { key: string; tables: { table: string; action: string; params: Record<string, string> }[] };
}

const info = loadP4InfoFile("p4/ofp4.p4info.txtpb");
const map = JSON.parse(readFileSync("p4/ofp4.mapping.json", "utf8")) as Mapping;
const oxm = (name: string): OxmField => {
  const f = (OxmField as unknown as Record<string, OxmField | undefined>)[name];
  if (f === undefined) throw new Error(`not an OXM field: ${name}`);
  return f;
};

describe("ofp4.mapping.json", () => {
  it("maps OpenFlow tables 0..3 to the P4 tables, their direct counters and table-miss actions", () => {
    expect(map.tables.map((t) => t.ofTable)).toEqual([0, 1, 2, 3]);
    expect(map.tables.map((t) => t.p4Table)).toEqual([...TABLES]);
    for (const t of map.tables) {
      const p4t = info.table(t.p4Table);
      expect(p4t.directResourceIds).toEqual([info.directCounters.get(t.directCounter).id]);
      const offered = p4t.actionRefs.map((r) => info.action(r.id).name);
      for (const a of Object.values(t.tableMiss)) expect(offered).toContain(a);
      expect(offered).toContain(map.flowAction.action);
      expect(offered).toContain(map.drop);
    }
    expect(Object.keys(map.tables[3]?.tableMiss ?? {})).not.toContain("continue");
  });

  it("maps each OpenFlow field to a ternary key field of every table with the OXM width", () => {
    for (const [name, m] of Object.entries(map.matchFields)) {
      for (const t of map.tables) {
        const f = info.table(t.p4Table).matchFields.find((x) => x.name === m.p4);
        expect(f, `${name} -> ${m.p4}`).toBeDefined();
        expect(f?.matchKind).toBe("ternary");
        if (m.value === "port") expect(f?.bitwidth).toBeGreaterThanOrEqual(9);
        else expect(f?.bitwidth, name).toBe(OXM_FIELD_BITS[oxm(name)]);
        for (const req of Object.keys(m.requires ?? {})) expect(info.table(t.p4Table).matchFields.map((x) => x.name)).toContain(req);
      }
    }
  });

  it("names the flow action's params and uses the program's codes", () => {
    const params = new Map(info.action(map.flowAction.action).params.map((p) => [p.name, p.bitwidth]));
    for (const p of Object.values(map.flowAction.params)) expect(params.has(p), p).toBe(true);
    expect(map.flowAction.outKind).toEqual({ drop: OUT_KIND.DROP, port: OUT_KIND.PORT, inPort: OUT_KIND.IN_PORT, group: OUT_KIND.GROUP, controller: OUT_KIND.CONTROLLER, goto: OUT_KIND.GOTO });
    expect(map.flowAction.vlanOp).toEqual({ none: VLAN_OP.NONE, push: VLAN_OP.PUSH, pop: VLAN_OP.POP, pushIfAbsent: VLAN_OP.PUSH_IF_ABSENT });
    expect(map.flowAction.decTtl.bit).toBe(SET.DEC_TTL);
    const bits: Record<string, number> = {
      ETH_DST: SET.ETH_DST, ETH_SRC: SET.ETH_SRC, VLAN_VID: SET.VLAN_VID, VLAN_PCP: SET.VLAN_PCP,
      IPV4_SRC: SET.IPV4_SRC, IPV4_DST: SET.IPV4_DST, IP_DSCP: SET.IP_DSCP,
      TCP_SRC: SET.L4_SRC, UDP_SRC: SET.L4_SRC, TCP_DST: SET.L4_DST, UDP_DST: SET.L4_DST,
    };
    for (const [name, s] of Object.entries(map.flowAction.setFields)) {
      expect(s.bit, name).toBe(bits[name]);
      const width = name === "VLAN_VID" ? 12 : OXM_FIELD_BITS[oxm(name)];
      expect(params.get(s.p4), name).toBe(width);
    }
  });

  it("names the controller headers' fields, the port counters, the CPU and drop ports", () => {
    for (const h of [map.packetIn, map.packetOut]) {
      const names = info.controllerHeaders.get(h.header).metadata.map((m) => m.name);
      const refs = Object.entries(h).filter(([k, v]) => typeof v === "string" && k !== "header").map(([, v]) => v);
      expect(refs.sort()).toEqual([...names].sort());
    }
    expect(map.packetIn.reasons).toEqual({ NO_MATCH: Number(REASON.NO_MATCH), ACTION: Number(REASON.ACTION) });
    expect(info.counters.get(map.portCounters.rx).size).toBeGreaterThan(map.ports.max);
    expect(info.counters.get(map.portCounters.tx).size).toBeGreaterThan(map.ports.max);
    expect([map.cpuPort, map.dropPort]).toEqual([CPU_PORT, DROP_PORT]);
    expect(map.ports.exclude).toContain(CPU_PORT);
    expect(map.priority.offset).toBe(1);
  });

  it("maps the OpenFlow port config bits onto the port-config tables' 1-bit params, as the model enforces them", () => {
    expect(map.portConfig.tables.map((t) => [t.table, t.action])).toEqual([
      [PORT_CONFIG.IN.table, PORT_CONFIG.IN.action],
      [PORT_CONFIG.OUT.table, PORT_CONFIG.OUT.action],
    ]);
    for (const [i, t] of map.portConfig.tables.entries()) {
      const side = i === 0 ? PORT_CONFIG.IN : PORT_CONFIG.OUT;
      expect(info.table(t.table).matchFields.map((f) => f.name)).toEqual([map.portConfig.key]);
      expect(Object.values(t.params).sort()).toEqual([...side.params].sort());
      for (const p of Object.values(t.params)) expect(info.action(t.action).params.find((x) => x.name === p)?.bitwidth).toBe(1);
    }
    const bits = new Set(map.portConfig.tables.flatMap((t) => Object.keys(t.params)));
    expect([...bits].sort()).toEqual(["NO_FWD", "NO_PACKET_IN", "NO_RECV", "PORT_DOWN"]);
  });
});

// provider.ts §1 and the switch-level requests: construct reports tables and ports; features,
// desc, port desc, table stats and features, get/set config, async config, Nicira formats;
// unknown requests are refused, never silently accepted.

import { describe, expect, it } from "vitest";
import { NXFF, NXPIF } from "../../src/openflow/messages.js";
import type { MultipartReply, MultipartRequest } from "../../src/openflow/multipart-types.js";
import { makeSwitch, type TestConn } from "./harness.js";

function lastReply(c: TestConn): MultipartReply {
  const m = c.sent.at(-1)!.msg;
  if (m.type !== "multipart_reply") throw new Error(`expected a multipart reply, got ${m.type}`);
  return m.body;
}

describe("1.1 construct", () => {
  it("takes tables, ports and datapath id from the provider", async () => {
    const { sw } = await makeSwitch({}, { tables: 3, ports: 5, datapathId: 0xabcdn });
    expect(sw.tables.map((t) => t.desc.name)).toEqual(["table0", "table1", "table2"]);
    expect([...sw.ports.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(sw.datapathId).toBe(0xabcdn);
  });

  it("1.3 close destructs the provider", async () => {
    const { sw, provider } = await makeSwitch();
    await sw.close();
    expect(provider.destructed).toBe(true);
  });
});

describe("switch requests", () => {
  it("features: OpenFlow 1.0 lists the ports, OpenFlow 1.3 leaves them to port desc", async () => {
    const { cm } = await makeSwitch({ nBuffers: 64 }, { tables: 2, ports: 3, datapathId: 7n });
    const c10 = cm.connect(0x01);
    const c13 = cm.connect(0x04);
    cm.submit(c10, { type: "features_request" });
    cm.submit(c13, { type: "features_request" });
    const f10 = c10.sentOf("features_reply")[0]!.msg;
    const f13 = c13.sentOf("features_reply")[0]!.msg;
    expect(f10).toMatchObject({ datapathId: 7n, nTables: 2, nBuffers: 64 });
    expect(f10.ports.map((p) => p.name)).toEqual(["p1", "p2", "p3"]);
    expect(f13.ports).toEqual([]);
    cm.submit(c13, { type: "multipart_request", body: { type: "port_desc", flags: 0 } });
    const pd = lastReply(c13);
    expect(pd.type === "port_desc" && pd.ports.map((p) => p.portNo)).toEqual([1, 2, 3]);
  });

  it("desc, table stats and table features describe the provider's tables", async () => {
    const { cm } = await makeSwitch({ dpDesc: "rack 7" }, {
      tables: [
        { name: "ofp_table_0", maxEntries: 1_048_576, wildcards: 0x3fffff },
        { name: "ofp_table_1", maxEntries: 65_536, wildcards: 0x3fffff },
      ],
    });
    const c = cm.connect(0x04);
    const ask = (body: MultipartRequest) => {
      cm.submit(c, { type: "multipart_request", body });
      return lastReply(c);
    };
    expect(ask({ type: "desc", flags: 0 })).toMatchObject({ type: "desc", mfrDesc: "ofp4", dpDesc: "rack 7" });
    expect(ask({ type: "table", flags: 0 })).toMatchObject({
      type: "table",
      tables: [
        { tableId: 0, name: "ofp_table_0", maxEntries: 1_048_576, activeCount: 0 },
        { tableId: 1, name: "ofp_table_1", maxEntries: 65_536, activeCount: 0 },
      ],
    });
    expect(ask({ type: "table_features", flags: 0, tables: [] })).toMatchObject({
      type: "table_features",
      tables: [{ tableId: 0, maxEntries: 1_048_576 }, { tableId: 1, maxEntries: 65_536 }],
    });
    // A table the provider did not describe still carries every property ovs-ofctl requires.
    const tf = lastReply(c);
    const required = ["instructions", "next_tables", "write_actions", "apply_actions", "match", "wildcards", "write_setfield", "apply_setfield"];
    expect(tf.type === "table_features" && tf.tables.map((t) => required.filter((r) => !t.properties.some((p) => p.type === r)))).toEqual([[], []]);
    expect(tf.type === "table_features" && tf.tables[0]!.properties.find((p) => p.type === "next_tables")).toEqual({ type: "next_tables", tableIds: [1] });
    cm.submit(c, {
      type: "multipart_request",
      body: { type: "table_features", flags: 0, tables: [{ tableId: 0, name: "x", metadataMatch: 0n, metadataWrite: 0n, config: 0, maxEntries: 1, properties: [] }] },
    });
    expect(c.errors.map((e) => e.error.name)).toEqual(["TABLE_FEATURES_FAILED_EPERM"]);
  });

  it("get/set config: fragment handling normal or drop, miss_send_len per connection", async () => {
    const { sw, cm } = await makeSwitch();
    const c = cm.connect(0x04);
    cm.submit(c, { type: "set_config", flags: 1, missSendLen: 0xffff });
    expect(sw.fragHandling).toBe("drop");
    expect(c.missSendLen).toBe(0xffff);
    cm.submit(c, { type: "get_config_request" });
    expect(c.sentOf("get_config_reply")[0]!.msg).toMatchObject({ flags: 1, missSendLen: 0xffff });
    cm.submit(c, { type: "set_config", flags: 2, missSendLen: 128 });
    expect(c.errors.map((e) => e.error.name)).toEqual(["SWITCH_CONFIG_FAILED_BAD_FLAGS"]);
    expect(sw.fragHandling).toBe("drop");
  });

  it("set/get async", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect(0x04);
    const masks = { packetIn: [1, 0], portStatus: [0, 0], flowRemoved: [4, 4] } as const;
    cm.submit(c, { type: "set_async", masks });
    cm.submit(c, { type: "get_async_request" });
    expect(c.sentOf("get_async_reply")[0]!.msg.masks).toEqual(masks);
  });

  it("Nicira: flow_mod table id is stored; unsupported flow and packet-in formats are refused", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect(0x01);
    cm.submit(c, { type: "nx_flow_mod_table_id", enable: true });
    expect(c.flowModTableId).toBe(true);
    cm.submit(c, { type: "nx_set_flow_format", format: 1 });
    cm.submit(c, { type: "nx_set_packet_in_format", format: NXPIF.NXT_PACKET_IN2 });
    cm.submit(c, { type: "nx_set_packet_in_format", format: NXPIF.NXM });
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_EPERM", "BAD_REQUEST_EPERM", "BAD_REQUEST_EPERM"]);
    cm.submit(c, { type: "nx_set_flow_format", format: NXFF.NXM });
    expect(c.flowFormat).toBe("nxm");
  });

  it("refuses messages a switch does not accept, and table_mod for a missing table", async () => {
    const { cm } = await makeSwitch({}, { tables: 2 });
    const c = cm.connect(0x04);
    cm.submit(c, { type: "barrier_reply" });
    cm.submit(c, { type: "table_mod", tableId: 5, config: 0 });
    cm.submit(c, { type: "table_mod", tableId: 1, config: 0 });
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_BAD_TYPE", "TABLE_MOD_FAILED_BAD_TABLE"]);
  });
});

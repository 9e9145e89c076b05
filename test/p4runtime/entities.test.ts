import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { describeTableEntry, packetInMetadata, packetOutMetadata, tableEntry, tableUpdate } from "../../src/p4runtime/entities.js";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";

const info = loadP4InfoFile(new URL("../fixtures/p4info/small.p4info.txtpb", import.meta.url).pathname);
const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe("readable table entries", () => {
  it("builds a table entry with canonical values from names", () => {
    const e = tableEntry(info, {
      table: "acl",
      match: {
        "sm.ingress_port": 3,
        "hdr.eth.dst": { ternary: ["0a:00:00:00:00:00", "ff:00:00:00:00:00"] },
        "hdr.ipv4.src": { optional: "10.0.0.1" },
        "hdr.ipv4.proto": { range: [6, 17] },
      },
      action: "I.fwd",
      params: { port: 2 },
      priority: 10,
    });
    expect(e).toEqual({
      tableId: 46574233,
      priority: 10,
      match: [
        { fieldId: 1, exact: { value: b(3) } },
        { fieldId: 2, ternary: { value: b(10, 0, 0, 0, 0, 0), mask: b(0xff, 0, 0, 0, 0, 0) } },
        { fieldId: 4, optional: { value: b(10, 0, 0, 1) } },
        { fieldId: 5, range: { low: b(6), high: b(17) } },
      ],
      action: { action: { actionId: 31384409, params: [{ paramId: 1, value: b(2) }] } },
    });
    // it encodes
    expect(p4.v1.TableEntry.encode(e).finish().length).toBeGreaterThan(20);
    expect(describeTableEntry(info, e)).toBe(
      "I.acl sm.ingress_port=0x03 hdr.eth.dst=0x0a0000000000&&&0xff0000000000 hdr.ipv4.src=0x0a000001? hdr.ipv4.proto=0x06..0x11 priority=10 -> I.fwd(port=0x02)",
    );
  });

  it("reads plain values for LPM as a full prefix", () => {
    const u = tableUpdate(info, "INSERT", { table: "route", match: { "hdr.ipv4.dst": "10.0.0.1" }, action: "set_dmac", params: { dmac: "00:00:00:00:00:01", port: 1 } });
    expect(u.type).toBe(p4.v1.Update.Type.INSERT);
    expect(u.entity?.tableEntry?.match).toEqual([{ fieldId: 1, lpm: { value: b(10, 0, 0, 1), prefixLen: 32 } }]);
  });

  it("names the unknown table, field, action or param, and the too-wide value", () => {
    expect(() => tableEntry(info, { table: "nope" })).toThrow(/unknown table "nope"/);
    expect(() => tableEntry(info, { table: "acl", match: { "hdr.vlan": 1 }, priority: 1 })).toThrow(/table "I.acl" has no match field "hdr.vlan"/);
    expect(() => tableEntry(info, { table: "acl", action: "jump", priority: 1 })).toThrow(/unknown action "jump"/);
    expect(() => tableEntry(info, { table: "acl", action: "fwd", params: { prt: 1 }, priority: 1 })).toThrow(/action "I.fwd" has no param "prt"/);
    expect(() => tableEntry(info, { table: "acl", action: "fwd", params: {}, priority: 1 })).toThrow(/param "port" is missing/);
    expect(() => tableEntry(info, { table: "acl", action: "fwd", params: { port: 512 }, priority: 1 })).toThrow(/port: value 0x0200 is wider than 9 bits/);
    expect(() => tableEntry(info, { table: "acl", match: { "sm.ingress_port": 600 }, priority: 1 })).toThrow(/table "I.acl" field "sm.ingress_port": sm.ingress_port: value 0x0258 is wider than 9 bits/);
    expect(() => tableEntry(info, { table: "acl", match: { "sm.ingress_port": { lpm: [1, 9] } }, priority: 1 })).toThrow(/is a exact field, not lpm/);
    expect(() => tableEntry(info, { table: "acl", action: "set_dmac", params: { dmac: 1, port: 1 }, priority: 1 })).toThrow(/table "I.acl" has no action "I.set_dmac"/);
    expect(() => tableEntry(info, { table: "acl", action: "fwd", params: { port: 1 } })).toThrow(/give a priority > 0/);
  });
});

describe("packet metadata", () => {
  it("builds PacketOut metadata and reads PacketIn metadata by name", () => {
    expect(packetOutMetadata(info, { egress_port: 5 })).toEqual([{ metadataId: 1, value: b(5) }]);
    expect(() => packetOutMetadata(info, { egress_port: 1024 })).toThrow(/wider than 9 bits/);
    expect(packetInMetadata(info, { metadata: [{ metadataId: 1, value: b(1, 2) }, { metadataId: 9, value: b(1) }] })).toEqual({
      ingress_port: 258n,
      "#9": 1n,
    });
  });
});

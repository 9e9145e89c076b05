import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { P4InfoError, loadP4InfoFile, parseP4Info } from "../../src/p4runtime/p4info.js";
import { parseTextFormat } from "../../src/p4runtime/text-format.js";

const dir = new URL("../fixtures/p4info/", import.meta.url).pathname;
const text = readFileSync(dir + "small.p4info.txtpb", "utf8");

describe("P4Info from p4c's text format", () => {
  const info = loadP4InfoFile(dir + "small.p4info.txtpb");

  it("indexes tables by id, name and alias with their match fields", () => {
    const acl = info.table("I.acl");
    expect(info.table("acl")).toBe(acl);
    expect(info.table(acl.id)).toBe(acl);
    expect(acl.id).toBe(46574233);
    expect(acl.size).toBe(1024);
    expect(acl.matchFields.map((f) => [f.name, f.bitwidth, f.matchKind])).toEqual([
      ["sm.ingress_port", 9, "exact"],
      ["hdr.eth.dst", 48, "ternary"],
      ["hdr.eth.ether_type", 16, "ternary"],
      ["hdr.ipv4.src", 32, "optional"],
      ["hdr.ipv4.proto", 8, "range"],
    ]);
    expect(acl.needsPriority).toBe(true);
    expect(acl.field("hdr.eth.dst").id).toBe(2);
    expect(acl.field(5).name).toBe("hdr.ipv4.proto");
    expect(acl.directResourceIds).toEqual([info.directCounters.get("acl_counter").id]);
    expect(acl.initialDefaultActionId).toBe(info.action("I.drop").id);

    const route = info.table("route");
    expect(route.needsPriority).toBe(false);
    expect(route.supportsIdleTimeout).toBe(true);
    expect(route.matchFields[0]!.matchKind).toBe("lpm");
    expect(route.actionRef(info.action("NoAction").id)?.scope).toBe("default_only");
    expect(info.table("ecmp").implementationId).toBe(info.actionProfiles.get("ecmp_selector").id);
  });

  it("indexes actions and params", () => {
    const a = info.action("I.set_dmac");
    expect(a.params.map((p) => [p.id, p.name, p.bitwidth])).toEqual([
      [1, "dmac", 48],
      [2, "port", 9],
    ]);
    expect(a.param("port").id).toBe(2);
    expect(() => a.param("vlan")).toThrow(/action "I.set_dmac" has no param "vlan"/);
  });

  it("indexes counters, meters, action profiles and packet metadata", () => {
    expect(info.counters.get("port_counter")).toMatchObject({ unit: "packets", size: 64 });
    expect(info.directCounters.get("I.acl_counter")).toMatchObject({ unit: "both", tableId: 46574233 });
    expect(info.meters.get("port_meter")).toMatchObject({ unit: "bytes", size: 32 });
    expect(info.actionProfiles.get("ecmp_selector")).toMatchObject({ withSelector: true, size: 128 });
    const pin = info.controllerHeaders.get("packet_in");
    expect(pin.metadata).toEqual([
      { id: 1, name: "ingress_port", bitwidth: 9 },
      { id: 2, name: "pad", bitwidth: 7 },
    ]);
    expect(info.controllerHeaders.get("packet_out").field("egress_port").id).toBe(1);
  });

  it("names what is unknown", () => {
    expect(() => info.table("I.nope")).toThrow(/unknown table "I.nope"/);
    expect(() => info.action(12345)).toThrow(/unknown action id 12345/);
    expect(() => info.table("acl").field("hdr.vlan.vid")).toThrow(/table "I.acl" has no match field "hdr.vlan.vid"/);
    expect(info.tables.find("I.nope")).toBeUndefined();
  });

  it("reads the same P4Info from text, JSON and binary", () => {
    const fromJson = loadP4InfoFile(dir + "small.p4info.json");
    const fromBin = loadP4InfoFile(dir + "small.p4info.bin");
    expect(Buffer.from(fromJson.encoded)).toEqual(Buffer.from(fromBin.encoded));
    expect(Buffer.from(info.encoded)).toEqual(Buffer.from(fromBin.encoded));
  });
});

describe("P4Info validation", () => {
  it("rejects duplicate ids, naming both objects", () => {
    const dup = text.replace("id: 32117294\n    name: \"I.drop\"", "id: 31384409\n    name: \"I.drop\"");
    expect(dup).not.toBe(text);
    expect(() => parseP4Info(dup, "text", "dup.txtpb")).toThrow(
      /dup.txtpb: duplicate id 31384409: action "I.drop" and action "I.fwd"|dup.txtpb: duplicate id 31384409: action "I.fwd" and action "I.drop"/,
    );
  });

  it("rejects dangling references, naming the table and the id", () => {
    const dangling = text.replace("direct_resource_ids: 323104471", "direct_resource_ids: 323104999");
    expect(() => parseP4Info(dangling, "text")).toThrow(
      /table "I.acl" \(46574233\): direct resource id 323104999 is not a direct counter or meter/,
    );
    const badRef = text.replace("action_refs {\n    id: 31384409", "action_refs {\n    id: 31384400");
    expect(() => parseP4Info(badRef, "text")).toThrow(/table "I.acl" \(46574233\) refers to unknown action id 31384400/);
  });

  it("reports where text does not parse", () => {
    expect(() => parseP4Info("tables {\n  preamble {\n    idd: 3\n", "text", "x.txtpb")).toThrow(
      /x.txtpb: cannot parse as text P4Info: line 3, column 5: p4.config.v1.Preamble has no field "idd"/,
    );
    expect(() => parseP4Info("tables { preamble { id: 3 }", "text")).toThrow(/expected "}"/);
    expect(() => parseP4Info("tables { size: 12x }", "text")).toThrow(/line 1/);
    expect(() => parseP4Info("{not json", "json")).toThrow(P4InfoError);
    expect(() => parseP4Info(Uint8Array.of(0x0a, 0xff), "binary")).toThrow(/cannot parse as binary/);
  });
});

describe("text format details", () => {
  it("handles escapes, concatenation, lists, maps, angle brackets and comments", () => {
    const m = parseTextFormat(
      [
        "# comment",
        'pkg_info < name: "a\\"b" \'\\x41\\101\' arch: "v1model" >',
        "tables { preamble { id: 0x2000001 name: \"t\" } direct_resource_ids: [1, 2] size: 9000000000 }",
        'type_info { structs { key: "s" value { members { name: "m" } } } }',
      ].join("\n"),
      "p4.config.v1.P4Info",
    );
    expect(m).toEqual({
      pkgInfo: { name: 'a"bAA', arch: "v1model" },
      tables: [{ preamble: { id: 0x2000001, name: "t" }, directResourceIds: [1, 2], size: 9000000000n }],
      typeInfo: { structs: { s: { members: [{ name: "m" }] } } },
    });
  });

  it("rejects out-of-range integers and unknown enum values", () => {
    expect(() => parseTextFormat("tables { preamble { id: 4294967296 } }", "p4.config.v1.P4Info")).toThrow(/bad uint32/);
    expect(() => parseTextFormat("tables { match_fields { match_type: FUZZY } }", "p4.config.v1.P4Info")).toThrow(
      /no value FUZZY/,
    );
  });
});

describe("the project's own P4 program", () => {
  const path = new URL("../../p4/ofp4.p4info.txtpb", import.meta.url).pathname;
  it("loads p4/ofp4.p4info.txtpb", () => {
    const info = loadP4InfoFile(path);
    expect(info.tables.size).toBeGreaterThan(0);
    expect(info.actions.size).toBeGreaterThan(0);
  });
});

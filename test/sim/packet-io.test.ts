// Controller headers (../shared/p4runtime-facts.md §2.8) with the fixture's packet_in
// (ingress_port:9, reason:7) and packet_out (egress_port:9, _pad:7): PacketIn strips the
// header into canonical metadata in P4Info order; PacketOut builds it (missing fields = 0) and
// refuses unknown ids and too-wide values.
import { describe, expect, it } from "vitest";
import { packetIn, packetOutFrame } from "../../targets/sim/packet-io.js";
import { buildSchema, type Schema } from "../../targets/sim/schema.js";
import { fixture } from "./harness.js";

const schema = buildSchema(fixture.p4info) as Schema;

describe("packet I/O headers", () => {
  it("PacketIn: header stripped, fields canonical in P4Info order", () => {
    // ingress_port 0x101 (9 bits), reason 5 (7 bits): 1000 0000 1|000 0101
    const msg = packetIn(schema.packetIn, Uint8Array.of(0x80, 0x85, 0xaa, 0xbb));
    expect(msg!.metadata!.map((m) => [m.metadataId, Buffer.from(m.value!).toString("hex")])).toEqual([
      [1, "0101"],
      [2, "05"],
    ]);
    expect(Buffer.from(msg!.payload!).toString("hex")).toBe("aabb");
  });

  it("PacketIn: a frame shorter than the header is dropped", () => {
    expect(packetIn(schema.packetIn, Uint8Array.of(0x80))).toBeUndefined();
  });

  it("PacketIn without a packet_in header: the whole frame, no metadata", () => {
    expect(packetIn(undefined, Uint8Array.of(1, 2))).toEqual({ payload: Uint8Array.of(1, 2), metadata: [] });
  });

  it("PacketOut: header built in front, missing fields 0, padded values accepted", () => {
    const r = packetOutFrame(schema.packetOut, { payload: Uint8Array.of(0xcc), metadata: [{ metadataId: 1, value: Uint8Array.of(0, 0, 3) }] });
    expect(r.ok && Buffer.from(r.value).toString("hex")).toBe("0180cc");
  });

  it("PacketOut: unknown metadata id or too-wide value is INVALID_ARGUMENT", () => {
    const unknown = packetOutFrame(schema.packetOut, { payload: Uint8Array.of(), metadata: [{ metadataId: 9, value: Uint8Array.of(1) }] });
    expect(!unknown.ok && unknown.status.code).toBe(3);
    const wide = packetOutFrame(schema.packetOut, { payload: Uint8Array.of(), metadata: [{ metadataId: 1, value: Uint8Array.of(2, 0) }] });
    expect(!wide.ok && wide.status.code).toBe(3);
  });

  it("PacketOut metadata for a program without packet_out: INVALID_ARGUMENT", () => {
    const r = packetOutFrame(undefined, { payload: Uint8Array.of(), metadata: [{ metadataId: 1, value: Uint8Array.of(1) }] });
    expect(!r.ok && r.status.code).toBe(3);
  });
});

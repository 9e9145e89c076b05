// The hand-written table-entry Update encoder against protobufjs: byte for byte the same
// encoding for every update of its shape (defaults omitted, negative int32/int64 as ten-byte
// varints, zero-length bytes left out), and undefined for every other shape.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { encodeTableUpdate } from "../../src/p4runtime/update-encode.js";

const bytes = fc.uint8Array({ maxLength: 200 });
const u32 = fc.oneof(fc.constant(0), fc.nat({ max: 200 }), fc.integer({ min: 0, max: 0xffffffff }));
const i32 = fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const fieldMatch = fc.oneof(
  fc.record({ fieldId: u32, exact: fc.record({ value: bytes }, { requiredKeys: [] }) }, { requiredKeys: ["exact"] }),
  fc.record({ fieldId: u32, ternary: fc.record({ value: bytes, mask: bytes }, { requiredKeys: [] }) }, { requiredKeys: ["ternary"] }),
  fc.record({ fieldId: u32, lpm: fc.record({ value: bytes, prefixLen: i32 }, { requiredKeys: [] }) }, { requiredKeys: ["lpm"] }),
  fc.record({ fieldId: u32, range: fc.record({ low: bytes, high: bytes }, { requiredKeys: [] }) }, { requiredKeys: ["range"] }),
  fc.record({ fieldId: u32, optional: fc.record({ value: bytes }, { requiredKeys: [] }) }, { requiredKeys: ["optional"] }),
  fc.record({ fieldId: u32 }, { requiredKeys: [] }),
);
const tableEntry = fc.record(
  {
    tableId: u32,
    match: fc.array(fieldMatch, { maxLength: 5 }),
    action: fc.oneof(
      fc.constant({}),
      fc.record({ action: fc.record({ actionId: u32, params: fc.array(fc.record({ paramId: u32, value: bytes }, { requiredKeys: [] }), { maxLength: 4 }) }, { requiredKeys: [] }) }),
    ),
    priority: i32,
    controllerMetadata: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    isDefaultAction: fc.boolean(),
    idleTimeoutNs: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    metadata: bytes,
  },
  { requiredKeys: [] },
);
const update = fc.record({ type: fc.oneof(fc.constantFrom(0, 1, 2, 3), i32), entity: fc.record({ tableEntry }) }, { requiredKeys: ["entity"] });

describe("encodeTableUpdate", () => {
  it("writes the bytes protobufjs writes for every table-entry update of its shape", () => {
    fc.assert(
      fc.property(update, (u: p4.v1.IUpdate) => {
        const fast = encodeTableUpdate(u);
        expect(fast).toBeDefined();
        expect(Buffer.from(fast!).toString("hex")).toBe(Buffer.from(p4.v1.Update.encode(u).finish()).toString("hex"));
      }),
      { numRuns: 1000 },
    );
  });

  it("writes decoded (class) messages as protobufjs does", () => {
    const u: p4.v1.IUpdate = {
      type: 2,
      entity: { tableEntry: { tableId: 5, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(10, 0), prefixLen: 16 } }], action: { action: { actionId: 9, params: [{ paramId: 1, value: Uint8Array.of(3) }] } }, priority: 7 } },
    };
    const decoded = p4.v1.Update.decode(p4.v1.Update.encode(u).finish());
    expect(Buffer.from(encodeTableUpdate(decoded)!)).toEqual(Buffer.from(p4.v1.Update.encode(decoded).finish()));
  });

  it("leaves every other shape to protobufjs", () => {
    const others: p4.v1.IUpdate[] = [
      { type: 1 },
      { type: 1, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 1 } } } },
      { type: 1, entity: { tableEntry: { tableId: 1 }, counterEntry: { counterId: 2 } } },
      { type: 2, entity: { tableEntry: { tableId: 1, counterData: { packetCount: 0n, byteCount: 0n } } } },
      { type: 2, entity: { tableEntry: { tableId: 1, meterConfig: { cir: 1n } } } },
      { type: 2, entity: { tableEntry: { tableId: 1, timeSinceLastHit: { elapsedNs: 1n } } } },
      { type: 2, entity: { tableEntry: { tableId: 1, isConst: true } } },
      { type: 1, entity: { tableEntry: { tableId: 1, action: { actionProfileMemberId: 4 } } } },
      { type: 1, entity: { tableEntry: { tableId: 1, match: [{ fieldId: 1, other: { typeUrl: "x" } }] } } },
      { type: 1, entity: { tableEntry: { tableId: 1, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) }, ternary: { value: Uint8Array.of(1) } }] } } },
      { type: 1, entity: { tableEntry: { tableId: 1, priority: 1.5 } } },
      { type: "INSERT" as unknown as p4.v1.Update.Type, entity: { tableEntry: { tableId: 1 } } },
      { type: 1, entity: { tableEntry: { tableId: 1, metadata: "AQI=" as unknown as Uint8Array } } },
    ];
    for (const u of others) expect(encodeTableUpdate(u)).toBeUndefined();
  });
});

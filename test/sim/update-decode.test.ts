// The sim's hand-written table-entry Update decoder against protobufjs: for every update of
// the shape it takes, the values Device.write reads are the same; every other shape (other
// entities, direct resources, action profiles, merged or repeated singular messages,
// truncated bytes) is left to protobufjs (undefined).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { decodeTableUpdate } from "../../targets/sim/update-decode.js";

const bytes = fc.uint8Array({ maxLength: 20 });
const fieldMatch = fc.oneof(
  fc.record({ fieldId: fc.nat(), exact: fc.record({ value: bytes }) }),
  fc.record({ fieldId: fc.nat(), ternary: fc.record({ value: bytes, mask: bytes }) }),
  fc.record({ fieldId: fc.nat(), lpm: fc.record({ value: bytes, prefixLen: fc.integer() }) }),
  fc.record({ fieldId: fc.nat(), range: fc.record({ low: bytes, high: bytes }) }),
  fc.record({ fieldId: fc.nat(), optional: fc.record({ value: bytes }) }),
  fc.record({ fieldId: fc.nat() }),
);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const tableEntry = fc.record(
  {
    tableId: fc.nat(),
    match: fc.array(fieldMatch, { maxLength: 4 }),
    action: fc.option(
      fc.record({ action: fc.record({ actionId: fc.nat(), params: fc.array(fc.record({ paramId: fc.nat(), value: bytes }), { maxLength: 3 }) }) }),
      { nil: undefined },
    ),
    priority: fc.integer(),
    controllerMetadata: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    isDefaultAction: fc.boolean(),
    idleTimeoutNs: int64,
    metadata: bytes,
  },
  { requiredKeys: [] },
);
const update = fc.record({ type: fc.integer({ min: -1, max: 4 }), entity: fc.record({ tableEntry }) }, { requiredKeys: ["entity"] });

const hex = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString("hex");

/** What Device.write reads of an update, with proto3 defaults filled in. */
function seen(u: p4.v1.IUpdate): unknown {
  const te = u.entity!.tableEntry!;
  const a = te.action?.action;
  return {
    type: u.type ?? 0,
    tableId: te.tableId ?? 0,
    match: (te.match ?? []).map((m) => ({
      id: m.fieldId ?? 0,
      exact: m.exact ? hex(m.exact.value) : null,
      ternary: m.ternary ? [hex(m.ternary.value), hex(m.ternary.mask)] : null,
      lpm: m.lpm ? [hex(m.lpm.value), m.lpm.prefixLen ?? 0] : null,
      range: m.range ? [hex(m.range.low), hex(m.range.high)] : null,
      optional: m.optional ? hex(m.optional.value) : null,
    })),
    action: te.action ? (a ? { id: a.actionId ?? 0, params: (a.params ?? []).map((p) => [p.paramId ?? 0, hex(p.value)]) } : "empty") : null,
    priority: te.priority ?? 0,
    controllerMetadata: te.controllerMetadata ?? 0n,
    isDefaultAction: te.isDefaultAction ?? false,
    idleTimeoutNs: te.idleTimeoutNs ?? 0n,
    metadata: hex(te.metadata),
    others: [te.counterData, te.meterConfig, te.timeSinceLastHit, te.meterCounterData].map((x) => x != null),
  };
}

describe("decodeTableUpdate", () => {
  it("reads every table-entry update of its shape as protobufjs does", () => {
    fc.assert(
      fc.property(update, (u) => {
        const wire = p4.v1.Update.encode(u).finish();
        const fast = decodeTableUpdate(wire);
        expect(fast).toBeDefined();
        expect(seen(fast!)).toEqual(seen(p4.v1.Update.decode(wire)));
      }),
      { numRuns: 500 },
    );
  });

  it("reads views into the request bytes at any offset", () => {
    const wire = p4.v1.Update.encode({ type: 1, entity: { tableEntry: { tableId: 7, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1, 2) } }] } } }).finish();
    const outer = new Uint8Array(wire.length + 5);
    outer.set(wire, 5);
    const u = decodeTableUpdate(outer.subarray(5));
    expect(hex(u!.entity!.tableEntry!.match![0]!.exact!.value)).toBe("0102");
  });

  it("leaves every other shape to protobufjs", () => {
    const others: p4.v1.IUpdate[] = [
      { type: 1, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 1 } } } },
      { type: 1, entity: { counterEntry: { counterId: 1 } } },
      { type: 1, entity: { tableEntry: { tableId: 1, counterData: { packetCount: 1n } } } },
      { type: 1, entity: { tableEntry: { tableId: 1, meterConfig: { cir: 1n } } } },
      { type: 1, entity: { tableEntry: { tableId: 1, timeSinceLastHit: { elapsedNs: 1n } } } },
      { type: 1, entity: { tableEntry: { tableId: 1, action: { actionProfileMemberId: 3 } } } },
      { type: 1, entity: { tableEntry: { tableId: 1, match: [{ fieldId: 1, other: { typeUrl: "x" } }] } } },
      { type: 1, entity: { tableEntry: { tableId: 1, isConst: true } } },
      { type: 1 },
    ];
    for (const u of others) expect(decodeTableUpdate(p4.v1.Update.encode(u).finish())).toBeUndefined();
  });

  it("leaves repeated singular messages (which protobufjs merges) and truncated bytes to protobufjs", () => {
    const a = p4.v1.Update.encode({ type: 1, entity: { tableEntry: { tableId: 1, action: { action: { actionId: 2 } } } } }).finish();
    const action = p4.v1.TableEntry.encode({ action: { action: { actionId: 3 } } }).finish();
    // The entity's table entry carries its action twice.
    const te = p4.v1.TableEntry.encode({ tableId: 1, action: { action: { actionId: 2 } } }).finish();
    const rawTwice = Buffer.concat([Uint8Array.of(0x08, 0x01, 0x12, te.length + action.length + 2, 0x12, te.length + action.length), te, action]);
    expect(p4.v1.Update.decode(rawTwice).entity?.tableEntry?.action?.action?.actionId).toBe(3);
    expect(decodeTableUpdate(rawTwice)).toBeUndefined();
    const fm = p4.v1.FieldMatch.encode({ fieldId: 1, exact: { value: Uint8Array.of(1) } }).finish();
    const twoChoices = Buffer.concat([fm, p4.v1.FieldMatch.encode({ ternary: { value: Uint8Array.of(1), mask: Uint8Array.of(1) } }).finish()]);
    const teTwo = Buffer.concat([Uint8Array.of(0x12, twoChoices.length), twoChoices]);
    expect(decodeTableUpdate(Buffer.concat([Uint8Array.of(0x12, teTwo.length + 2, 0x12, teTwo.length), teTwo]))).toBeUndefined();
    for (let n = 1; n < a.length; n++) expect(decodeTableUpdate(a.subarray(0, n))).toBeUndefined();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { tableEntryKey } from "../../src/p4runtime/entity-key.js";
import { scanCounterResponse, tableEntryKeyAt, type ScanSink } from "../../src/p4runtime/read-scan.js";

const bytes = fc.uint8Array({ minLength: 0, maxLength: 6 });
const fieldMatch: fc.Arbitrary<p4.v1.IFieldMatch> = fc.oneof(
  fc.record({ fieldId: fc.nat(40), exact: fc.record({ value: bytes }) }),
  fc.record({ fieldId: fc.nat(40), ternary: fc.record({ value: bytes, mask: bytes }) }),
  fc.record({ fieldId: fc.nat(40), lpm: fc.record({ value: bytes, prefixLen: fc.integer({ min: -3, max: 128 }) }) }),
  fc.record({ fieldId: fc.nat(40), range: fc.record({ low: bytes, high: bytes }) }),
  fc.record({ fieldId: fc.nat(40), optional: fc.record({ value: bytes }) }),
  fc.record({ fieldId: fc.nat(40), other: fc.record({ typeUrl: fc.string({ maxLength: 8 }), value: bytes }) }),
  fc.record({ fieldId: fc.nat(40) }),
);
const tableEntry: fc.Arbitrary<p4.v1.ITableEntry> = fc.record({
  tableId: fc.nat(),
  priority: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  isDefaultAction: fc.boolean(),
  match: fc.array(fieldMatch, { maxLength: 5 }),
  metadata: bytes,
  action: fc.constant({ action: { actionId: 7, params: [{ paramId: 1, value: Uint8Array.of(1) }] } }),
});
const count = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function collect(buf: Uint8Array): { direct: [string, bigint, bigint][]; counters: [number, number, bigint, bigint][]; result: number | string } {
  const direct: [string, bigint, bigint][] = [];
  const counters: [number, number, bigint, bigint][] = [];
  const sink: ScanSink = {
    direct: (k, p, b) => direct.push([k, p, b]),
    counter: (id, i, p, b) => counters.push([id, i, p, b]),
  };
  const result = scanCounterResponse(buf, sink);
  return { direct, counters, result };
}

describe("counter reads scanned from ReadResponse bytes", () => {
  it("give every table entry the same key as tableEntryKey of the decoded entry", () => {
    fc.assert(
      fc.property(tableEntry, (te) => {
        const enc = p4.v1.TableEntry.encode(te).finish();
        const decoded = p4.v1.TableEntry.decode(enc);
        expect(tableEntryKeyAt(enc, 0, enc.length)).toBe(tableEntryKey(decoded));
      }),
      { numRuns: 500 },
    );
  });

  it("read a key already in canonical form (as targets send it) as the same key, byte for byte", () => {
    fc.assert(
      fc.property(tableEntry, (te) => {
        const key = tableEntryKey(p4.v1.TableEntry.decode(p4.v1.TableEntry.encode(te).finish()));
        const canonical = Buffer.from(key, "latin1");
        expect(tableEntryKeyAt(canonical, 0, canonical.length)).toBe(key);
        // The same entry with its match fields reversed, or a value padded, is the same key.
        const decoded = p4.v1.TableEntry.decode(canonical);
        const reordered = p4.v1.TableEntry.encode({ ...decoded, match: [...decoded.match].reverse() }).finish();
        expect(tableEntryKeyAt(reordered, 0, reordered.length)).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("report each direct and indirect counter with its counts, in order, skipping other entities", () => {
    const entity = fc.oneof(
      fc.record({ te: tableEntry, packets: count, bytes: count }).map(({ te, packets, bytes }) => ({
        e: { directCounterEntry: { tableEntry: te, data: { packetCount: packets, byteCount: bytes } } } as p4.v1.IEntity,
        want: { kind: "direct" as const, te, packets, bytes },
      })),
      fc.record({ id: fc.nat(), index: fc.nat(511), packets: count, bytes: count }).map(({ id, index, packets, bytes }) => ({
        e: { counterEntry: { counterId: id, index: { index: BigInt(index) }, data: { packetCount: packets, byteCount: bytes } } } as p4.v1.IEntity,
        want: { kind: "counter" as const, id, index, packets, bytes },
      })),
      tableEntry.map((te) => ({ e: { tableEntry: te } as p4.v1.IEntity, want: undefined })),
    );
    fc.assert(
      fc.property(fc.array(entity, { maxLength: 12 }), (items) => {
        const buf = p4.v1.ReadResponse.encode({ entities: items.map((i) => i.e) }).finish();
        const got = collect(buf);
        const direct = items.flatMap((i) => (i.want?.kind === "direct" ? [i.want] : []));
        const counters = items.flatMap((i) => (i.want?.kind === "counter" ? [i.want] : []));
        expect(got.result).toBe(direct.length);
        expect(got.direct).toEqual(direct.map((d) => [tableEntryKey(p4.v1.TableEntry.decode(p4.v1.TableEntry.encode(d.te).finish())), d.packets, d.bytes]));
        expect(got.counters).toEqual(counters.map((c) => [c.id, c.index, c.packets, c.bytes]));
      }),
      { numRuns: 300 },
    );
  });

  it("skips a direct counter without a table entry, as the object reader does", () => {
    const buf = p4.v1.ReadResponse.encode({ entities: [{ directCounterEntry: { data: { packetCount: 5n } } }] }).finish();
    const got = collect(buf);
    expect(got.result).toBe(0);
    expect(got.direct).toEqual([]);
  });

  it("ends with an error value on truncated or malformed bytes", () => {
    const buf = p4.v1.ReadResponse.encode({
      entities: [{ directCounterEntry: { tableEntry: { tableId: 1, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1, 2) } }] }, data: { packetCount: 1n } } }],
    }).finish();
    for (let cut = 1; cut < buf.length; cut++) {
      const got = collect(buf.subarray(0, cut));
      expect(typeof got.result).toBe("string");
      expect(got.direct).toEqual([]);
    }
    expect(typeof collect(Uint8Array.of(0x0f)).result).toBe("string");
  });
});

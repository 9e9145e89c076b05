// The sim's fused table-entry path (update-decode.ts keeps match values and params as byte ranges
// of the request; table-entry-check.ts packs them straight into the key and the action) against
// the generic path (protobufjs objects): for random update sequences over the fixture program
// (every match kind, const tables, unknown ids, values of every width) each update gets the
// same status code and message and the devices end with the same entries; truncated bytes and
// unknown fields fall back to protobufjs; and the bad-input messages are the ones the sim gave
// before the fused path (exact strings).
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { parseTextFormat } from "../../src/p4runtime/text-format.js";
import { Device } from "../../targets/sim/device.js";
import { getBig, layoutOf } from "../../targets/sim/packed.js";
import { buildSchema, MatchKind, type MatchFieldInfo, type TableInfo } from "../../targets/sim/schema.js";
import { Table } from "../../targets/sim/table.js";
import { checkMatch, type CheckedMatch } from "../../targets/sim/table-entry-check.js";
import type { P4Status } from "../../targets/sim/status.js";
import { decodeTableUpdate, WireTableEntry } from "../../targets/sim/update-decode.js";

const FIXTURE = new URL("../fixtures/sim/", import.meta.url);
const p4info = parseTextFormat(readFileSync(new URL("simtest.p4info.txtpb", FIXTURE), "utf8"), "p4.config.v1.P4Info") as p4.config.v1.IP4Info;
const json = Uint8Array.from(readFileSync(new URL("simtest.json", FIXTURE)));
const p4infoBytes = p4.config.v1.P4Info.encode(p4info).finish();

const T_L2 = 0x02000001; // in_port EXACT 9, eth_dst TERNARY 48
const T_LPM = 0x02000002; // ipv4_dst LPM 32
const T_SMALL = 0x02000003; // eth_src EXACT 48, const default
const T_RANGE = 0x02000004; // eth_type RANGE 16, ip_proto OPTIONAL 8
const DROP = 0x01000001;
const FWD = 0x01000002; // port: 9 bits
const TO_CPU = 0x01000003; // reason: 7 bits
const FLOOD = 0x01000004; // group: 16 bits
const NOP = 0x01000005;

function device(): Device {
  const d = new Device(0n);
  const s = d.setPipeline(3, { p4info, p4DeviceConfig: json }, p4infoBytes);
  if (s.code !== 0) throw new Error(`pipeline: ${s.message}`);
  return d;
}

/** One encoded Update applied as the server applies it: the fused decoder first (unless generic), protobufjs otherwise. */
function apply(d: Device, wire: Uint8Array, generic: boolean): P4Status {
  let u: p4.v1.IUpdate | undefined;
  try {
    u = (generic ? undefined : decodeTableUpdate(wire)) ?? p4.v1.Update.decode(wire);
  } catch {
    return { code: 3, message: "Malformed Update" };
  }
  return d.write(u);
}

/** Every entry of every table (and the defaults), encoded, in a stable order. */
function contents(d: Device): string[] {
  const out: p4.v1.IEntity[] = [];
  expect(d.read({ tableEntry: { counterData: {} } }, out).code).toBe(0);
  expect(d.read({ tableEntry: { isDefaultAction: true } }, out).code).toBe(0);
  return out.map((e) => Buffer.from(p4.v1.Entity.encode(e).finish()).toString("hex")).sort();
}

// Few distinct values, so entries collide (duplicates, modify, delete of what exists), some too wide.
const value = fc.constantFrom<number[]>([], [0], [1], [0, 1], [2], [0xff], [1, 0xff], [0x0f, 0xff, 0xff, 0xff], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0, 0, 3]);
const bytes = value.map((v) => Uint8Array.from(v));
const fieldMatch = fc.oneof(
  fc.record({ fieldId: fc.constantFrom(0, 1, 2, 3), exact: fc.record({ value: bytes }, { requiredKeys: [] }) }),
  fc.record({ fieldId: fc.constantFrom(0, 1, 2, 3), ternary: fc.record({ value: bytes, mask: bytes }, { requiredKeys: [] }) }),
  fc.record({ fieldId: fc.constantFrom(1, 2), lpm: fc.record({ value: bytes, prefixLen: fc.constantFrom(-1, 0, 1, 8, 24, 32, 33) }, { requiredKeys: [] }) }),
  fc.record({ fieldId: fc.constantFrom(1, 2), range: fc.record({ low: bytes, high: bytes }, { requiredKeys: [] }) }),
  fc.record({ fieldId: fc.constantFrom(1, 2), optional: fc.record({ value: bytes }, { requiredKeys: [] }) }),
  fc.record({ fieldId: fc.constantFrom(1, 2) }),
);
const param = fc.record({ paramId: fc.constantFrom(0, 1, 1, 1, 2), value: bytes }, { requiredKeys: ["paramId"] });
const tableEntry = fc.record(
  {
    tableId: fc.constantFrom(T_L2, T_L2, T_LPM, T_SMALL, T_RANGE, T_RANGE, 0, 0x02000009, DROP),
    match: fc.array(fieldMatch, { maxLength: 3 }),
    action: fc.oneof(
      fc.record({ action: fc.record({ actionId: fc.constantFrom(DROP, FWD, FWD, TO_CPU, FLOOD, NOP, 0, 0x01000009, T_L2), params: fc.array(param, { maxLength: 3 }) }, { requiredKeys: ["actionId"] }) }),
      fc.constant({}),
    ),
    priority: fc.constantFrom(0, 0, 1, 7, -1),
    controllerMetadata: fc.constantFrom(0n, 1n, 2n ** 64n - 1n),
    isDefaultAction: fc.boolean(),
    idleTimeoutNs: fc.constantFrom(0n, 1_000_000n, -5n),
    metadata: bytes,
  },
  { requiredKeys: ["tableId", "match"] },
);
const update = fc.record({ type: fc.constantFrom(0, 1, 1, 1, 2, 3, 3, 4), entity: fc.record({ tableEntry }) });

// Entries that pass every check, over few keys (so inserts, modifies and deletes meet each other).
const small = (n: number): fc.Arbitrary<Uint8Array> => fc.integer({ min: 0, max: n }).map((v) => Uint8Array.of(v));
const fwd = fc.oneof(
  small(3).map((port) => ({ action: { actionId: FWD, params: [{ paramId: 1, value: port }] } })),
  fc.constant({ action: { actionId: DROP } }),
);
const validEntry = fc.oneof(
  fc.record({
    tableId: fc.constant(T_L2),
    match: fc.tuple(small(3), small(2)).map(([port, mac]) => [
      { fieldId: 1, exact: { value: port } },
      { fieldId: 2, ternary: { value: mac, mask: Uint8Array.of(0xff) } },
    ]),
    action: fwd,
    priority: fc.integer({ min: 1, max: 3 }),
    controllerMetadata: fc.constantFrom(0n, 5n),
    metadata: bytes,
  }),
  fc.record({
    tableId: fc.constant(T_LPM),
    match: fc.constantFrom(8, 16, 24).map((len) => [{ fieldId: 1, lpm: { value: Uint8Array.of(10, 0, 0, 0), prefixLen: len } }]),
    action: fwd,
  }),
  fc.record({
    tableId: fc.constant(T_RANGE),
    match: fc.tuple(small(2), small(2)).map(([lo, proto]) => [
      { fieldId: 1, range: { low: lo, high: Uint8Array.of(8, 0) } },
      { fieldId: 2, optional: { value: proto } },
    ]),
    action: fc.constantFrom({ action: { actionId: NOP } }, { action: { actionId: DROP } }),
    priority: fc.integer({ min: 1, max: 3 }),
  }),
);
const validUpdate = fc.record({ type: fc.constantFrom(1, 1, 2, 3), entity: fc.record({ tableEntry: validEntry }) });
const anyUpdate: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: validUpdate, weight: 3 }, { arbitrary: update, weight: 1 });

describe("fused table-entry decoding", () => {
  it("gives every update the status the generic path gives, and the same entries", () => {
    let fused = 0;
    let applied = 0;
    fc.assert(
      fc.property(fc.array(anyUpdate, { minLength: 1, maxLength: 40 }), (updates) => {
        const a = device();
        const b = device();
        for (const u of updates) {
          const wire = p4.v1.Update.encode(u as p4.v1.IUpdate).finish();
          if (decodeTableUpdate(wire)?.entity?.tableEntry instanceof WireTableEntry) fused++;
          const sa = apply(a, wire, false);
          const sb = apply(b, wire, true);
          expect(sa).toEqual(sb);
          if (sa.code === 0) applied++;
        }
        expect(contents(a)).toEqual(contents(b));
      }),
      { numRuns: 300 },
    );
    // The property is only worth something if both paths really ran and some updates applied.
    expect(fused).toBeGreaterThan(1000);
    expect(applied).toBeGreaterThan(100);
  });

  it("truncated bytes: every prefix of an update gets the generic path's status", () => {
    const u: p4.v1.IUpdate = {
      type: 1,
      entity: {
        tableEntry: {
          tableId: T_L2,
          match: [
            { fieldId: 1, exact: { value: Uint8Array.of(1, 2) } },
            { fieldId: 2, ternary: { value: Uint8Array.of(0, 0, 0, 0, 0, 5), mask: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff) } },
          ],
          action: { action: { actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(3) }] } },
          priority: 9,
          controllerMetadata: 77n,
          metadata: Uint8Array.of(9, 9),
        },
      },
    };
    const wire = p4.v1.Update.encode(u).finish();
    for (let n = 0; n <= wire.length; n++) {
      const prefix = wire.subarray(0, n);
      if (n < wire.length) expect(decodeTableUpdate(prefix), `prefix of ${n} bytes`).toBeUndefined();
      expect(apply(device(), prefix, false), `prefix of ${n} bytes`).toEqual(apply(device(), prefix, true));
    }
    expect(apply(device(), wire, false)).toEqual({ code: 0, message: "" });
  });

  it("an unknown field anywhere in the entry is left to protobufjs, which skips it", () => {
    const te = p4.v1.TableEntry.encode({
      tableId: T_LPM,
      match: [{ fieldId: 1, lpm: { value: Uint8Array.of(10, 0, 0, 0), prefixLen: 8 } }],
      action: { action: { actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(1) }] } },
    }).finish();
    // Field 99 (varint 1) after the entry's own fields; then the Entity and Update around it.
    const withUnknown = Buffer.concat([te, Uint8Array.of(0x98, 0x06, 0x01)]);
    const entity = Buffer.concat([Uint8Array.of(0x12, withUnknown.length), withUnknown]);
    const wire = Buffer.concat([Uint8Array.of(0x08, 0x01, 0x12, entity.length), entity]);
    expect(decodeTableUpdate(wire)).toBeUndefined();
    const d = device();
    expect(apply(d, wire, false)).toEqual({ code: 0, message: "" });
    expect(contents(d)).toEqual(contents(withEntry(te)));
  });

  it("bad values, ids and kinds: the codes and messages the sim gave before", () => {
    const cases: [p4.v1.ITableEntry, number, string][] = [
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(2, 0) } }, { fieldId: 2, ternary: { value: Uint8Array.of(1), mask: Uint8Array.of(1) } }], priority: 1 }, 3, "Value of field 'in_port' of table 'I.t_l2' is wider than 9 bits"],
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }, { fieldId: 2, ternary: { value: Uint8Array.of(1), mask: Uint8Array.of(1, 0, 0, 0, 0, 0, 0) } }], priority: 1 }, 3, "Mask of field 'eth_dst' of table 'I.t_l2' is wider than 48 bits"],
      [{ tableId: T_L2, match: [{ fieldId: 9, exact: { value: Uint8Array.of(1) } }], priority: 1 }, 3, "Unknown match field id 9 for table 'I.t_l2'"],
      [{ tableId: T_L2, match: [{ fieldId: 1, ternary: { value: Uint8Array.of(1), mask: Uint8Array.of(1) } }], priority: 1 }, 3, "Wrong match kind for field 'in_port' of table 'I.t_l2': expected EXACT"],
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }, { fieldId: 1, exact: { value: Uint8Array.of(1) } }], priority: 1 }, 3, "Duplicate match for field 'in_port' of table 'I.t_l2'"],
      [{ tableId: T_L2, match: [{ fieldId: 2, ternary: { value: Uint8Array.of(1), mask: Uint8Array.of(1) } }], priority: 1 }, 3, "Missing exact match for field 'in_port' of table 'I.t_l2'"],
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }, { fieldId: 2, ternary: { value: Uint8Array.of(3), mask: Uint8Array.of(1) } }], priority: 1 }, 3, "Ternary value of field 'eth_dst' of table 'I.t_l2' has bits set outside its mask"],
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }, { fieldId: 2, ternary: { value: Uint8Array.of(0), mask: Uint8Array.of(0) } }], priority: 1 }, 3, "Zero ternary mask for field 'eth_dst' of table 'I.t_l2': a don't-care match must be omitted"],
      [{ tableId: T_L2, match: [{ fieldId: 1, exact: { value: Uint8Array.of(1) } }], priority: 0 }, 3, "Table 'I.t_l2' has ternary, range or optional fields: priority must be > 0"],
      [{ tableId: T_LPM, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(10, 0, 0, 1), prefixLen: 8 } }] }, 3, "LPM value of field 'ipv4_dst' of table 'I.t_lpm' has bits set past its prefix length 8"],
      [{ tableId: T_LPM, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(10), prefixLen: 33 } }] }, 3, "Invalid prefix length 33 for field 'ipv4_dst' of table 'I.t_lpm'"],
      [{ tableId: T_LPM, match: [], priority: 3 }, 3, "Table 'I.t_lpm' has no ternary, range or optional field: priority must be 0"],
      [{ tableId: T_RANGE, match: [{ fieldId: 1, range: { low: Uint8Array.of(5), high: Uint8Array.of(4) } }], priority: 1 }, 3, "Range of field 'eth_type' of table 'I.t_range' has low > high"],
      [{ tableId: T_RANGE, match: [{ fieldId: 1, range: { low: Uint8Array.of(0), high: Uint8Array.of(1, 0, 0) } }], priority: 1 }, 3, "Range bound of field 'eth_type' of table 'I.t_range' is wider than 16 bits"],
      [{ tableId: T_RANGE, match: [{ fieldId: 2, optional: { value: Uint8Array.of(1, 0) } }], priority: 1 }, 3, "Value of field 'ip_proto' of table 'I.t_range' is wider than 8 bits"],
    ];
    const action = { action: { actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(1) }] } };
    for (const [te, code, message] of cases) {
      const wire = p4.v1.Update.encode({ type: 1, entity: { tableEntry: { ...te, action } } }).finish();
      expect(decodeTableUpdate(wire)?.entity?.tableEntry).toBeInstanceOf(WireTableEntry);
      expect(apply(device(), wire, false)).toEqual({ code, message });
      expect(apply(device(), wire, true)).toEqual({ code, message });
    }
    const ok = { tableId: T_LPM, match: [{ fieldId: 1, lpm: { value: Uint8Array.of(10, 0, 0, 0), prefixLen: 8 } }] };
    const actions: [p4.v1.IAction, number, string][] = [
      [{ actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(2, 0) }] }, 3, "Value of param 'port' of action 'I.fwd' is wider than 9 bits"],
      [{ actionId: FWD, params: [{ paramId: 2, value: Uint8Array.of(1) }] }, 3, "Unknown param id 2 for action 'I.fwd'"],
      [{ actionId: FWD, params: [] }, 3, "Missing param 'port' for action 'I.fwd'"],
      [{ actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(1) }, { paramId: 1, value: Uint8Array.of(1) }] }, 3, "Duplicate param 'port' for action 'I.fwd'"],
      [{ actionId: 0x01000009 }, 3, "Invalid P4 id 16777225: no such action"],
      [{ actionId: FLOOD, params: [{ paramId: 1, value: Uint8Array.of(1) }] }, 3, "Action 'I.flood' is not an action of table 'I.t_lpm'"],
      // Past the decoder's in-place param reading (a two-byte id, a value of 124 bytes and more).
      [{ actionId: FWD, params: [{ paramId: 300, value: Uint8Array.of(1) }] }, 3, "Unknown param id 300 for action 'I.fwd'"],
      [{ actionId: FWD, params: [{ paramId: 1, value: new Uint8Array(130).fill(1) }] }, 3, "Value of param 'port' of action 'I.fwd' is wider than 9 bits"],
      [{ actionId: FWD, params: [{ paramId: 1, value: Uint8Array.from([...new Uint8Array(129), 7]) }] }, 0, ""],
      [{ actionId: FWD, params: [{ paramId: 1, value: Uint8Array.from([...new Uint8Array(123), 2, 0]) }] }, 3, "Value of param 'port' of action 'I.fwd' is wider than 9 bits"],
      [{ actionId: FWD, params: [{ paramId: 1, value: Uint8Array.from([...new Uint8Array(122), 2, 0]) }] }, 3, "Value of param 'port' of action 'I.fwd' is wider than 9 bits"],
    ];
    for (const [a, code, message] of actions) {
      const wire = p4.v1.Update.encode({ type: 1, entity: { tableEntry: { ...ok, action: { action: a } } } }).finish();
      expect(decodeTableUpdate(wire)?.entity?.tableEntry).toBeInstanceOf(WireTableEntry);
      expect(apply(device(), wire, false)).toEqual({ code, message });
      expect(apply(device(), wire, true)).toEqual({ code, message });
    }
  });

  it("entries sharing masks and params stay distinct, and a repeated insert is ALREADY_EXISTS", () => {
    const d = device();
    const insert = (i: number, port: number): P4Status =>
      apply(
        d,
        p4.v1.Update.encode({
          type: 1,
          entity: {
            tableEntry: {
              tableId: T_L2,
              match: [{ fieldId: 1, exact: { value: Uint8Array.of(i & 0xff) } }],
              action: { action: { actionId: FWD, params: [{ paramId: 1, value: Uint8Array.of(port) }] } },
              priority: 1 + (i % 3),
            },
          },
        }).finish(),
        false,
      );
    for (let i = 0; i < 50; i++) expect(insert(i, i % 2)).toEqual({ code: 0, message: "" });
    expect(insert(7, 0)).toEqual({ code: 6, message: "Match entry exists in table 'I.t_l2'" });
    const out: p4.v1.IEntity[] = [];
    d.read({ tableEntry: { tableId: T_L2 } }, out);
    const seen = out.map((e) => `${e.tableEntry!.match![0]!.exact!.value![0]}/${e.tableEntry!.priority}/${e.tableEntry!.action!.action!.params![0]!.value![0]}`).sort();
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `${i}/${1 + (i % 3)}/${i % 2}`).sort());
  });
});

/** Inserts the checked match, finds it again from its full values alone, and hits it with a packet of its values. */
function roundTrip(info: TableInfo, m: CheckedMatch): void {
  const t = new Table(info);
  const e = t.insert(m, { action: { actionId: 1, params: [], packed: "", refs: 1 }, controllerMetadata: 0n, metadata: undefined, idleTimeoutNs: 0n, packets: 0, bytes: 0, lastHitMs: 0, notifiedMs: 0 });
  expect(e.values).toBe(m.values);
  expect(t.find({ values: m.values, masks: m.masks, priority: m.priority })).toBe(e);
  const values = Buffer.from(m.values, "latin1");
  const fields = info.fields.map((f) => getBig(values, info.layout.offsets[f.index]!, info.layout.widths[f.index]!));
  expect(t.lookup(fields)).toBe(e);
  t.delete(e);
  expect(t.size).toBe(0);
  expect(t.find(m)).toBeUndefined();
}

describe("entry keys", () => {
  it("the check's entry key and the table's agree (fixture tables, every match kind)", () => {
    const schema = buildSchema(p4info);
    if (typeof schema === "string") throw new Error(schema);
    let n = 0;
    fc.assert(
      fc.property(validEntry, (te) => {
        const info = schema.tables.get(te.tableId)!;
        const m = checkMatch(info, p4.v1.TableEntry.decode(p4.v1.TableEntry.encode(te).finish()));
        expect(m.ok).toBe(true);
        if (!m.ok) return;
        const fused = decodeTableUpdate(p4.v1.Update.encode({ type: 1, entity: { tableEntry: te } }).finish())!.entity!.tableEntry!;
        const mf = checkMatch(info, fused);
        expect(mf.ok && mf.value.key).toBe(m.value.key);
        expect(mf.ok && mf.value.values).toBe(m.value.values);
        roundTrip(info, m.value);
        n++;
      }),
      { numRuns: 200 },
    );
    expect(n).toBe(200);
  });

  it("a table of more than 31 fields (marks kept in an array)", () => {
    const fields: MatchFieldInfo[] = Array.from({ length: 40 }, (_, index) => ({
      id: index + 1,
      name: `f${index}`,
      bitwidth: 12,
      kind: index === 35 ? MatchKind.RANGE : index === 2 ? MatchKind.EXACT : MatchKind.TERNARY,
      index,
    }));
    const info: TableInfo = {
      id: 1,
      name: "wide",
      fields,
      fieldsById: new Map(fields.map((f) => [f.id, f])),
      fieldsByName: new Map(fields.map((f) => [f.name, f])),
      layout: layoutOf(fields.map((f) => f.bitwidth)),
      actions: new Map(),
      constDefaultActionId: 0,
      initialDefault: undefined,
      directCounterId: 0,
      directMeterId: 0,
      implementationId: 0,
      size: 1000,
      notifyIdle: false,
      isConst: false,
      needsPriority: true,
      hasRange: true,
      lpmIndex: -1,
    };
    const b = (...v: number[]): Uint8Array => Uint8Array.from(v);
    const m = checkMatch(info, {
      priority: 4,
      match: [
        { fieldId: 40, ternary: { value: b(0x0a, 0x01), mask: b(0x0f, 0xff) } },
        { fieldId: 3, exact: { value: b(7) } },
        { fieldId: 36, range: { low: b(1), high: b(9) } },
        { fieldId: 33, ternary: { value: b(0), mask: b(1) } },
      ],
    });
    expect(m.ok).toBe(true);
    if (m.ok) roundTrip(info, m.value);
    const missing = checkMatch(info, { priority: 4, match: [{ fieldId: 40, ternary: { value: b(1), mask: b(1) } }] });
    expect(missing.ok ? "" : missing.status.message).toBe("Missing exact match for field 'f2' of table 'wide'");
  });
});

/** A device holding just the entry `te` (encoded TableEntry), inserted through protobufjs. */
function withEntry(te: Uint8Array): Device {
  const d = device();
  expect(d.write({ type: 1, entity: { tableEntry: p4.v1.TableEntry.decode(te) } })).toEqual({ code: 0, message: "" });
  return d;
}

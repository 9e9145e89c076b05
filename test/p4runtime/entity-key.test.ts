import { describe, expect, it } from "vitest";
import { entityKey } from "../../src/p4runtime/entity-key.js";

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe("entity keys", () => {
  it("identify a table entry by table, priority and match, in any field order and with leading zeros", () => {
    const a = entityKey({
      tableEntry: { tableId: 1, priority: 5, match: [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(0, 2), mask: b(0xff) } }] },
    });
    const same = entityKey({
      tableEntry: {
        tableId: 1,
        priority: 5,
        match: [{ fieldId: 2, ternary: { value: b(2), mask: b(0, 0xff) } }, { fieldId: 1, exact: { value: b(0, 1) } }],
        action: { action: { actionId: 9 } },
      },
    });
    expect(a).toBe(same);
    expect(entityKey({ tableEntry: { tableId: 1, priority: 6, match: [{ fieldId: 1, exact: { value: b(1) } }] } })).not.toBe(
      entityKey({ tableEntry: { tableId: 1, priority: 5, match: [{ fieldId: 1, exact: { value: b(1) } }] } }),
    );
    expect(entityKey({ tableEntry: { tableId: 1, isDefaultAction: true } })).not.toBe(entityKey({ tableEntry: { tableId: 1 } }));
  });

  it("gives a direct counter the key of its table entry and keys other entities by id", () => {
    const te = { tableId: 3, match: [{ fieldId: 1, lpm: { value: b(10), prefixLen: 8 } }] };
    expect(entityKey({ directCounterEntry: { tableEntry: te } })).toBe(entityKey({ tableEntry: te }));
    expect(entityKey({ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 7 } } })).toBe("mc7");
    expect(entityKey({ packetReplicationEngineEntry: { cloneSessionEntry: { sessionId: 7 } } })).toBe("cs7");
    expect(entityKey({ counterEntry: { counterId: 4, index: { index: 2n } } })).toBe("C4/2");
    expect(entityKey({ actionProfileMember: { actionProfileId: 1, memberId: 2 } })).not.toBe(entityKey({ actionProfileGroup: { actionProfileId: 1, groupId: 2 } }));
    expect(entityKey({})).toBeUndefined();
  });
});

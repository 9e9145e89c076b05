// GROUP_MOD and METER_MOD bodies: what we encode from typed values is what `ovs-ofctl
// ofp-print` reads back, decode refuses bad bodies with the precise error, and random or
// truncated bodies never throw. (Byte-exact round trips of ovs-ofctl's own messages are in
// stats-golden.test.ts.)

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFPG, OFPP } from "../../src/openflow/actions.js";
import { decodeGroupMod, encodeGroupMod } from "../../src/openflow/group.js";
import { OxmField } from "../../src/openflow/match.js";
import { decodeMeterMod, encodeMeterMod } from "../../src/openflow/meter.js";
import type { GroupMod, MeterMod } from "../../src/openflow/multipart-types.js";

const run = promisify(execFile);

async function ofpPrint(msg: Uint8Array): Promise<string> {
  const { stdout } = await run("ovs-ofctl", ["ofp-print", Buffer.from(msg).toString("hex")], { timeout: 10_000 });
  return stdout;
}

describe("encoded GROUP_MOD and METER_MOD as ovs-ofctl ofp-print reads them", () => {
  it("select group with weights, a fast-failover group, a delete", async () => {
    const select: GroupMod = {
      command: "add",
      groupType: "select",
      groupId: 7,
      buckets: [
        { weight: 10, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 1, maxLen: 0 }] },
        {
          weight: 20,
          watchPort: OFPP.ANY,
          watchGroup: OFPG.ANY,
          actions: [
            { type: "set_field", field: OxmField.ETH_SRC, value: 0x020000000009n },
            { type: "output", port: 3, maxLen: 0 },
          ],
        },
      ],
    };
    const out = await ofpPrint(encodeGroupMod(0x04, 0x11, select));
    expect(out).toContain("OFPT_GROUP_MOD (OF1.3) (xid=0x11):");
    expect(out).toContain("ADD group_id=7,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=set_field:02:00:00:00:00:09->eth_src,output:3");
    const ff: GroupMod = {
      command: "modify",
      groupType: "ff",
      groupId: 8,
      buckets: [{ weight: 0, watchPort: 2, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 2, maxLen: 0 }] }],
    };
    expect(await ofpPrint(encodeGroupMod(0x04, 1, ff))).toContain("MOD group_id=8,type=ff,bucket=watch_port:2,actions=output:2");
    const del: GroupMod = { command: "delete", groupType: "all", groupId: OFPG.ALL, buckets: [] };
    expect(await ofpPrint(encodeGroupMod(0x04, 1, del))).toContain("DEL group_id=4294967292,type=all");
  });

  it("meters with drop and dscp_remark bands", async () => {
    const mm: MeterMod = {
      command: "add",
      flags: 1 | 4 | 8,
      meterId: 5,
      bands: [
        { type: "drop", rate: 1000, burstSize: 100 },
        { type: "dscp_remark", rate: 500, burstSize: 0, precLevel: 1 },
      ],
    };
    const out = await ofpPrint(encodeMeterMod(0x04, 2, mm));
    expect(out).toContain("OFPT_METER_MOD (OF1.3) (xid=0x2): ADD meter=5 kbps burst stats bands=");
    expect(out).toContain("type=drop rate=1000 burst_size=100");
    expect(out).toContain("type=dscp_remark rate=500 burst_size=0 prec_level=1");
    const del = await ofpPrint(encodeMeterMod(0x04, 3, { command: "delete", flags: 0, meterId: 5, bands: [] }));
    expect(del).toContain("DEL meter=5");
  });
});

describe("decode errors", () => {
  const gm = encodeGroupMod(0x04, 1, {
    command: "add",
    groupType: "all",
    groupId: 1,
    buckets: [{ weight: 0, watchPort: OFPP.ANY, watchGroup: OFPG.ANY, actions: [{ type: "output", port: 1, maxLen: 0 }] }],
  });
  const body = (m: Uint8Array) => m.slice(8);

  it("GROUP_MOD: OF1.0, short body, bad command, bad type, bad bucket length", () => {
    expect(decodeGroupMod(0x01, body(gm))).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_TYPE" } });
    expect(decodeGroupMod(0x04, body(gm).slice(0, 6))).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_LEN" } });
    const cmd = body(gm);
    cmd[1] = 9;
    expect(decodeGroupMod(0x04, cmd)).toMatchObject({ ok: false, error: { name: "GROUP_MOD_FAILED_BAD_COMMAND" } });
    const type = body(gm);
    type[2] = 4;
    expect(decodeGroupMod(0x04, type)).toMatchObject({ ok: false, error: { name: "GROUP_MOD_FAILED_BAD_TYPE" } });
    const len = body(gm);
    len[9] = 12; // bucket length 12 < 16
    expect(decodeGroupMod(0x04, len)).toMatchObject({ ok: false, error: { name: "GROUP_MOD_FAILED_BAD_BUCKET" } });
    const tail = Uint8Array.from([...body(gm), 0, 0, 0, 0]);
    expect(decodeGroupMod(0x04, tail)).toMatchObject({ ok: false, error: { name: "GROUP_MOD_FAILED_BAD_BUCKET" } });
  });

  it("METER_MOD: bad command, unknown band type, bad band length", () => {
    const mm = encodeMeterMod(0x04, 1, { command: "add", flags: 1, meterId: 1, bands: [{ type: "drop", rate: 1, burstSize: 0 }] });
    const cmd = body(mm);
    cmd[1] = 3;
    expect(decodeMeterMod(0x04, cmd)).toMatchObject({ ok: false, error: { name: "METER_MOD_FAILED_BAD_COMMAND" } });
    const band = body(mm);
    band[9] = 7;
    expect(decodeMeterMod(0x04, band)).toMatchObject({ ok: false, error: { name: "METER_MOD_FAILED_BAD_BAND" } });
    const blen = body(mm);
    blen[11] = 8;
    expect(decodeMeterMod(0x04, blen)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_LEN" } });
    expect(decodeMeterMod(0x01, body(mm))).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BAD_TYPE" } });
  });
});

describe("properties", () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const groupMod = fc.record({
    command: fc.constantFrom("add" as const, "modify" as const, "delete" as const),
    groupType: fc.constantFrom("all" as const, "select" as const, "indirect" as const, "ff" as const),
    groupId: u32,
    buckets: fc.array(
      fc.record({
        weight: fc.integer({ min: 0, max: 0xffff }),
        watchPort: fc.oneof(fc.integer({ min: 1, max: 0xff00 }), fc.constant(OFPP.ANY)),
        watchGroup: fc.oneof(u32, fc.constant(OFPG.ANY)),
        actions: fc.array(
          fc.oneof(
            fc.record({ type: fc.constant("output" as const), port: fc.integer({ min: 1, max: 0xff00 }), maxLen: fc.integer({ min: 0, max: 0xffff }) }),
            fc.record({ type: fc.constant("group" as const), groupId: fc.integer({ min: 0, max: 0xffffff00 }) }),
            fc.constant({ type: "pop_vlan" as const }),
          ),
          { maxLength: 4 },
        ),
      }),
      { maxLength: 5 },
    ),
  });
  const meterMod = fc.record({
    command: fc.constantFrom("add" as const, "modify" as const, "delete" as const),
    flags: fc.integer({ min: 0, max: 15 }),
    meterId: u32,
    bands: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant("drop" as const), rate: u32, burstSize: u32 }),
        fc.record({ type: fc.constant("dscp_remark" as const), rate: u32, burstSize: u32, precLevel: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ type: fc.constant("experimenter" as const), rate: u32, burstSize: u32, experimenter: u32 }),
      ),
      { maxLength: 4 },
    ),
  });

  it("round-trip", () => {
    fc.assert(
      fc.property(groupMod, meterMod, u32, (g, m, xid) => {
        expect(decodeGroupMod(0x04, encodeGroupMod(0x04, xid, g).slice(8))).toEqual({ ok: true, value: g });
        expect(decodeMeterMod(0x04, encodeMeterMod(0x04, xid, m).slice(8))).toEqual({ ok: true, value: m });
      }),
      { numRuns: 300 },
    );
  });

  it("random and truncated bodies never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), groupMod, fc.nat(), (junk, g, cut) => {
        expect(typeof decodeGroupMod(0x04, junk).ok).toBe("boolean");
        expect(typeof decodeMeterMod(0x04, junk).ok).toBe("boolean");
        const b = encodeGroupMod(0x04, 1, g).slice(8);
        const t = b.slice(0, cut % (b.length + 1));
        expect(typeof decodeGroupMod(0x04, t).ok).toBe("boolean");
      }),
      { numRuns: 1000 },
    );
  });
});

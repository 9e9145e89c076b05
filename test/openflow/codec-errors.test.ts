// Decoding errors are values with the OpenFlow error the switch must send: wrong version,
// unknown type, wrong length, unknown experimenter or Nicira subtype, ONF bundles, and the
// match / action / instruction errors (OXM prerequisites, duplicates, masks, NXM fields
// OpenFlow cannot express, bad ports, unknown instructions).

import { describe, expect, it } from "vitest";
import { NO_INSTRUCTIONS, OFPG, OFPP, applyOnly } from "../../src/openflow/actions.js";
import { negotiateVersion } from "../../src/connmgr/hello.js";
import { decodeMessage, encodeMessage } from "../../src/openflow/codec.js";
import type { OfErrorName } from "../../src/openflow/errors.js";
import { OxmField, type Match } from "../../src/openflow/match.js";
import type { FlowMod, OfVersion } from "../../src/openflow/messages.js";
import { decodeNxmMatch } from "../../src/openflow/nxm.js";
import { decodeOxmMatch } from "../../src/openflow/oxm.js";
import { spawn } from "node:child_process";
import { fromHex, recordOfctl, startRecorder } from "../harness/recorder.js";

function errorOf(raw: Uint8Array, flowModTableId = false): OfErrorName | "ok" {
  const d = decodeMessage(raw, { flowModTableId });
  return d.ok ? "ok" : d.error.name;
}

const exact = (field: OxmField, value: bigint, bits: number): Match[number] => ({ field, value, mask: (1n << BigInt(bits)) - 1n });

function flowMod(match: Match, over: Partial<FlowMod> = {}): FlowMod {
  return {
    type: "flow_mod",
    command: "add",
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 100,
    bufferId: 0xffffffff,
    outPort: OFPP.ANY,
    outGroup: OFPG.ANY,
    flags: 0,
    match,
    instructions: applyOnly([{ type: "output", port: 2, maxLen: 0 }]),
    ...over,
  };
}

/** An OF1.3 flow_mod whose match is the given raw OXM TLVs (hex). */
function flowMod13WithOxm(tlvHex: string): Uint8Array {
  const base = encodeMessage(4, 1, flowMod([], { instructions: NO_INSTRUCTIONS }));
  const tlvs = fromHex(tlvHex);
  const matchLen = 4 + tlvs.length;
  const padded = (matchLen + 7) & ~7;
  const out = new Uint8Array(48 + padded);
  out.set(base.subarray(0, 48));
  out.set([0, 1, matchLen >> 8, matchLen & 0xff], 48);
  out.set(tlvs, 52);
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  return out;
}

describe("header errors", () => {
  it("BAD_VERSION for versions other than 1.0 and 1.3", () => {
    for (const v of [0x02, 0x03, 0x05, 0x06]) expect(errorOf(new Uint8Array([v, 2, 0, 8, 0, 0, 0, 1]))).toBe("BAD_REQUEST_BAD_VERSION");
  });

  it("BAD_TYPE for a type the version lacks", () => {
    expect(errorOf(new Uint8Array([1, 22, 0, 8, 0, 0, 0, 1]))).toBe("BAD_REQUEST_BAD_TYPE");
    expect(errorOf(new Uint8Array([4, 30, 0, 8, 0, 0, 0, 1]))).toBe("BAD_REQUEST_BAD_TYPE");
    expect(errorOf(new Uint8Array([4, 33, 0, 8, 0, 0, 0, 1]))).toBe("BAD_REQUEST_BAD_TYPE"); // OF1.4 bundle control
  });

  it("BAD_LEN for a length that disagrees with the header or the message", () => {
    expect(errorOf(new Uint8Array([4, 20, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0]))).toBe("BAD_REQUEST_BAD_LEN"); // barrier with a body
    expect(errorOf(new Uint8Array([4, 20, 0, 9, 0, 0, 0, 1]))).toBe("BAD_REQUEST_BAD_LEN"); // header says 9
    expect(errorOf(new Uint8Array([4, 24, 0, 16, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]))).toBe("BAD_REQUEST_BAD_LEN"); // short role request
    expect(errorOf(new Uint8Array([1, 2, 0]))).toBe("BAD_REQUEST_BAD_LEN");
  });
});

describe("experimenter messages", () => {
  it("BAD_EXP_TYPE for an unknown Nicira subtype, BAD_EXPERIMENTER for an unknown vendor", () => {
    expect(errorOf(fromHex("0104001400000002000023200000006300000000"))).toBe("BAD_REQUEST_BAD_EXP_TYPE");
    expect(errorOf(fromHex("0404001400000002000023200000006300000000"))).toBe("BAD_REQUEST_BAD_EXP_TYPE");
    expect(errorOf(fromHex("0104001400000002000099990000000100000000"))).toBe("BAD_REQUEST_BAD_EXPERIMENTER");
  });

  it("ovs-ofctl --bundle (ONF EXT-230 on OpenFlow 1.3) is refused with BAD_EXPERIMENTER", async () => {
    const rec = await recordOfctl(["--no-names", "-O", "OpenFlow13", "--bundle", "add-flow", "TARGET", "ip,actions=drop"], {
      respond: (m) => {
        if (m.type !== 4) return undefined;
        // Answer ONFT_BUNDLE_CONTROL with the matching reply (request type + 1).
        const reply = Buffer.from(m.bytes);
        reply.writeUInt16BE(reply.readUInt16BE(20) + 1, 20);
        return [reply];
      },
    }).catch((e: unknown) => ({ messages: [], stdout: "", stderr: String(e) }));
    const bundle = rec.messages.filter((m) => m.type === 4);
    expect(bundle.length).toBeGreaterThan(0);
    for (const m of bundle) expect(errorOf(m.bytes)).toBe("BAD_REQUEST_BAD_EXPERIMENTER");
  });

  for (const version of [[], ["-O", "OpenFlow13"]]) {
    it(`ovs-ofctl ${version.join(" ")} monitor's NXT_SET_PACKET_IN_FORMAT decodes and encodes back`, async () => {
      const rec = await startRecorder();
      const child = spawn("ovs-ofctl", ["--no-names", ...version, "monitor", rec.target], { stdio: "ignore" });
      try {
        const seen = await new Promise<Uint8Array>((resolve) => {
          const poll = setInterval(() => {
            const m = rec.messages.find((x) => x.type === 4 && x.bytes.length >= 16 && x.bytes[15] === 16);
            if (m !== undefined) {
              clearInterval(poll);
              resolve(m.bytes);
            }
          }, 20);
        });
        const d = decodeMessage(seen);
        expect(d.ok && d.value.msg).toEqual({ type: "nx_set_packet_in_format", format: 2 });
        if (d.ok) expect(Buffer.from(encodeMessage(d.value.version, d.value.xid, d.value.msg)).equals(Buffer.from(seen))).toBe(true);
      } finally {
        if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill();
        await rec.stop();
      }
    });
  }

  it("NXT_SET_PACKET_IN_FORMAT decodes so the core can refuse it precisely", () => {
    const d = decodeMessage(fromHex("0104001400000002000023200000001000000002"));
    expect(d.ok && d.value.msg).toEqual({ type: "nx_set_packet_in_format", format: 2 });
  });
});

describe("flow_mod errors", () => {
  it("FLOW_MOD_FAILED_BAD_COMMAND for an unknown command", () => {
    const raw = encodeMessage(4, 1, flowMod([]));
    raw[25] = 9;
    expect(errorOf(raw)).toBe("FLOW_MOD_FAILED_BAD_COMMAND");
    const raw10 = encodeMessage(1, 1, flowMod([], { tableId: 0xff }));
    raw10[57] = 7;
    expect(errorOf(raw10)).toBe("FLOW_MOD_FAILED_BAD_COMMAND");
  });

  it("OF1.0: the high byte of command is a table id only with NXT_FLOW_MOD_TABLE_ID on", () => {
    const raw = encodeMessage(1, 1, flowMod([], { tableId: 3 }));
    expect(errorOf(raw)).toBe("FLOW_MOD_FAILED_BAD_COMMAND");
    const d = decodeMessage(raw, { flowModTableId: true });
    expect(d.ok && d.value.msg.type === "flow_mod" && d.value.msg.tableId).toBe(3);
  });

  it("OXM: missing prerequisite, duplicate, mask on a field without one, value outside mask, bad value, unknown field", () => {
    const cases: [string, OfErrorName][] = [
      ["80001c020050", "BAD_MATCH_BAD_PREREQ"], // tcp_dst alone
      ["80000a02080080001401068000a0a0000", "BAD_MATCH_BAD_LEN"], // garbage header length
      ["80000a02080080000a020800", "BAD_MATCH_DUP_FIELD"],
      ["80000b040800ff00", "BAD_MATCH_BAD_MASK"], // eth_type with a partial mask
      ["80000a0208008000170801020304ffff0000", "BAD_MATCH_BAD_WILDCARDS"], // 1.2.3.4/255.255.0.0
      ["80000c023000", "BAD_MATCH_BAD_VALUE"], // vlan_vid 0x3000
      ["80006404000000ff", "BAD_MATCH_BAD_FIELD"], // field 50
      ["000102040000000102", "BAD_MATCH_BAD_FIELD"], // NXM_NX_REG0... (class 1 field 0)
    ];
    for (const [hex, want] of cases) expect([hex, errorOf(flowMod13WithOxm(hex))]).toEqual([hex, want]);
    expect(errorOf(flowMod13WithOxm("80000a020800800014010680001c020050"))).toBe("ok");
  });

  it("NXM: fields with no OXM meaning are BAD_FIELD; VLAN_TCI splits into VLAN_VID and VLAN_PCP", () => {
    expect(decodeNxmMatch(fromHex("0001000400000001"), 0, 8)).toMatchObject({ ok: false, error: { name: "BAD_MATCH_BAD_FIELD" } });
    const tci = decodeNxmMatch(fromHex("000008025005"), 0, 6);
    expect(tci.ok && tci.value).toEqual([exact(OxmField.VLAN_VID, 0x1005n, 13), exact(OxmField.VLAN_PCP, 2n, 3)]);
  });

  it("actions: output to port 0 or ANY is BAD_OUT_PORT; an unknown type BAD_TYPE; a short action BAD_LEN", () => {
    for (const v of [1, 4] as OfVersion[]) {
      for (const port of [0, OFPP.ANY, 0xffffff10]) {
        const raw = encodeMessage(v, 1, flowMod([], { tableId: 0xff, instructions: applyOnly([{ type: "output", port, maxLen: 0 }]) }));
        expect(errorOf(raw)).toBe("BAD_ACTION_BAD_OUT_PORT");
      }
    }
    const raw = encodeMessage(1, 1, flowMod([], { tableId: 0xff }));
    raw[73] = 50; // action type 50
    expect(errorOf(raw)).toBe("BAD_ACTION_BAD_TYPE");
    raw[73] = 0;
    raw[75] = 4; // action length 4
    expect(errorOf(raw)).toBe("BAD_ACTION_BAD_LEN");
  });

  it("instructions: unknown type is UNKNOWN_INST, a repeated one UNSUP_INST", () => {
    const raw = encodeMessage(4, 1, flowMod([], { instructions: { ...NO_INSTRUCTIONS, gotoTable: 3 } }));
    const good = decodeMessage(raw);
    expect(good.ok && good.value.msg.type === "flow_mod" && good.value.msg.instructions.gotoTable).toBe(3);
    raw[57] = 9;
    expect(errorOf(raw)).toBe("BAD_INSTRUCTION_UNKNOWN_INST");
    const twice = encodeMessage(4, 1, flowMod([], { instructions: { ...NO_INSTRUCTIONS, gotoTable: 3, meterId: 1 } }));
    twice[57] = 1; // meter instruction retyped as a second goto_table
    expect(errorOf(twice)).toBe("BAD_INSTRUCTION_UNSUP_INST");
  });
});

describe("matches decode to the internal form", () => {
  it("an OF1.0 tcp flow from ovs-ofctl", () => {
    const d = decodeMessage(
      fromHex("010e0050000000020038184f0000000000000000000000000000000000000800000600000a000000000000000000005000000000000000000000000000008000ffffffffffff00000000000800020000"),
    );
    if (!d.ok || d.value.msg.type !== "flow_mod") throw new Error("decode failed");
    expect(d.value.msg.match).toEqual([
      exact(OxmField.ETH_TYPE, 0x800n, 16),
      exact(OxmField.IP_PROTO, 6n, 8),
      { field: OxmField.IPV4_SRC, value: 0x0a000000n, mask: 0xff000000n },
      exact(OxmField.TCP_DST, 80n, 16),
    ]);
    expect(d.value.msg.tableId).toBe(0xff);
    expect(d.value.msg.outPort).toBe(OFPP.ANY);
    expect(d.value.msg.instructions.applyActions).toEqual([{ type: "output", port: 2, maxLen: 0 }]);
  });

  it("an OXM match in ofp_match form reports its padded length", () => {
    const m = decodeOxmMatch(fromHex("0001000a80000a020800000000000000"), 0);
    expect(m.ok && m.value).toEqual({ match: [exact(OxmField.ETH_TYPE, 0x800n, 16)], length: 16 });
  });

  it("packet_type=(0,0) (Ethernet), as ovs-ofctl writes into a normalised OpenFlow 1.3 match, is no constraint", () => {
    // ovs-ofctl -O OpenFlow13 add-flow "tp_dst=80,actions=output:1" sends exactly this match.
    const m = decodeOxmMatch(fromHex("0001000c800058040000000000000000"), 0);
    expect(m.ok && m.value).toEqual({ match: [], length: 16 });
    const withType = decodeOxmMatch(fromHex("00010012800058040000000080000a020800000000000000"), 0);
    expect(withType.ok && withType.value).toEqual({ match: [exact(OxmField.ETH_TYPE, 0x800n, 16)], length: 24 });
  });

  it("another packet_type is BAD_VALUE naming it; a masked or mis-sized one BAD_FIELD", () => {
    const ip = decodeOxmMatch(fromHex("0001000c800058040001080000000000"), 0);
    expect(!ip.ok && [ip.error.name, ip.error.message]).toEqual(["BAD_MATCH_BAD_VALUE", expect.stringContaining("packet_type=(1,0x800)")]);
    const masked = decodeOxmMatch(fromHex("000100108000590800000000ffffffff"), 0);
    expect(!masked.ok && masked.error.name).toBe("BAD_MATCH_BAD_FIELD");
  });
});

describe("version negotiation", () => {
  it("picks the highest common version", () => {
    // The peer's HELLO carries a version bitmap (its header has its highest version).
    expect(negotiateVersion([1, 4], 6, [1, 4, 6])).toBe(4);
    expect(negotiateVersion([1, 4], 3, [1, 2, 3])).toBe(1);
    expect(negotiateVersion([4], 1, [1])).toBeUndefined();
  });

  it("reads the version bitmap of a HELLO", () => {
    const d = decodeMessage(fromHex("04000010000000010001000800000012"));
    expect(d.ok && d.value.msg).toEqual({ type: "hello", versions: [1, 4] });
  });
});

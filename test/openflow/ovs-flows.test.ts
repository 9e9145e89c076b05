// Cross-version differential test against a live ovs-vswitchd: the match of every add-flow in
// the golden fixtures is re-encoded by our codec in the other wire forms (OpenFlow 1.3 OXM,
// Nicira NXM over 1.0, plain 1.0 where it fits), sent to Open vSwitch, and dumped back with
// ovs-ofctl: Open vSwitch must have understood the same match formatMatch prints.

import { execFile } from "node:child_process";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFPG, OFPP, applyOnly } from "../../src/openflow/actions.js";
import { decodeMessage, encodeMessage } from "../../src/openflow/codec.js";
import { formatMatch } from "../../src/openflow/match-format.js";
import { OxmField, isExact, type Match } from "../../src/openflow/match.js";
import type { FlowMod, OfVersion } from "../../src/openflow/messages.js";
import { startOvs, type OvsSwitch } from "../harness/ovs.js";
import { fromHex } from "../harness/recorder.js";

const run = promisify(execFile);

interface Fixture {
  readonly cases: { name: string; messages: string[] }[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/openflow/ofctl-codec.json", import.meta.url), "utf8")) as Fixture;

/** Distinct matches of every add-flow in the fixtures. */
function goldenMatches(): Match[] {
  const seen = new Map<string, Match>();
  for (const c of fixture.cases) {
    let flowModTableId = false;
    for (const hex of c.messages) {
      const d = decodeMessage(fromHex(hex), { flowModTableId });
      if (!d.ok) continue;
      if (d.value.msg.type === "nx_flow_mod_table_id") flowModTableId = d.value.msg.enable;
      if (d.value.msg.type === "flow_mod" && d.value.msg.command === "add") seen.set(formatMatch(d.value.msg.match), d.value.msg.match);
    }
  }
  return [...seen.values()];
}

/**
 * True when OpenFlow 1.0's ofp_match carries the match exactly: no IPv6/metadata/tunnel/MPLS,
 * exact MACs and ports, a VLAN VID exact or "any tag" only beside a PCP. (Untagged is left out:
 * 1.0's dl_vlan=0xffff also pins the PCP, which ovs-ofctl then prints as vlan_tci=0x0000.)
 */
function fits10(m: Match): boolean {
  const exactOnly = new Set([OxmField.IN_PORT, OxmField.ETH_SRC, OxmField.ETH_DST, OxmField.ETH_TYPE, OxmField.VLAN_PCP, OxmField.IP_DSCP, OxmField.IP_PROTO]);
  const l4 = new Set([OxmField.TCP_SRC, OxmField.TCP_DST, OxmField.UDP_SRC, OxmField.UDP_DST, OxmField.SCTP_SRC, OxmField.SCTP_DST, OxmField.ICMPV4_TYPE, OxmField.ICMPV4_CODE]);
  const cidr = new Set([OxmField.IPV4_SRC, OxmField.IPV4_DST, OxmField.ARP_SPA, OxmField.ARP_TPA, OxmField.ARP_OP]);
  const hasPcp = m.some((f) => f.field === OxmField.VLAN_PCP);
  return m.every((f) => {
    if (f.field === OxmField.VLAN_VID) return (f.mask === 0x1fffn && f.value !== 0n) || (f.mask === 0x1000n && hasPcp);
    if (exactOnly.has(f.field) || l4.has(f.field)) return isExact(f);
    return cidr.has(f.field);
  });
}

function flowMod(match: Match, priority: number, wire?: "nxm"): FlowMod {
  return {
    type: "flow_mod",
    command: "add",
    cookie: BigInt(priority),
    cookieMask: 0n,
    tableId: wire === undefined ? 0 : 0xff,
    idleTimeout: 0,
    hardTimeout: 0,
    priority,
    bufferId: 0xffffffff,
    outPort: OFPP.ANY,
    outGroup: OFPG.ANY,
    flags: 0,
    match,
    instructions: applyOnly([{ type: "output", port: 2, maxLen: 0 }]),
    ...(wire ? { wire } : {}),
  };
}

/** Sends the messages on one connection after HELLO and waits for the final barrier; returns any error replies. */
async function send(port: number, version: OfVersion, msgs: readonly Uint8Array[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const errors: Buffer[] = [];
    let buf = Buffer.alloc(0);
    sock.on("connect", () => {
      sock.write(encodeMessage(version, 1, { type: "hello", versions: version === 1 ? undefined : [4] }));
      for (const m of msgs) sock.write(m);
      sock.write(encodeMessage(version, 0x77, { type: "barrier_request" }));
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const m = buf.subarray(0, buf.readUInt16BE(2));
        buf = buf.subarray(m.length);
        if (m[1] === 1) errors.push(m);
        if (m[1] === (version === 1 ? 19 : 21) && m.readUInt32BE(4) === 0x77) {
          sock.destroy();
          resolve(errors);
        }
      }
    });
    sock.on("error", reject);
  });
}

/** ovs-ofctl dump-flows: match text (with priority) of each flow, keyed by cookie. */
async function dump(target: string): Promise<Map<number, string>> {
  const { stdout } = await run("ovs-ofctl", ["--no-names", "-O", "OpenFlow13", "dump-flows", target]);
  const out = new Map<number, string>();
  for (const line of stdout.split("\n")) {
    const cookie = /cookie=0x([0-9a-f]+)/.exec(line);
    const rest = / n_bytes=\d+, (.*) actions=/.exec(line);
    // OVS marks flows added over OpenFlow 1.0 "reset_counts" (1.0 semantics); that is a flag, not the match.
    if (cookie && rest) out.set(parseInt(cookie[1]!, 16), rest[1]!.replace(/^reset_counts /, ""));
  }
  return out;
}

let ovs: OvsSwitch;
beforeAll(async () => {
  ovs = await startOvs({ ports: 4 });
});
afterAll(async () => {
  await ovs?.stop();
});

describe("Open vSwitch reads our encodings of the golden matches as formatMatch prints them", () => {
  const matches = goldenMatches();

  it("has a spread of matches to try", () => {
    expect(matches.length).toBeGreaterThan(25);
  });

  const forms: { name: string; version: OfVersion; wire?: "nxm"; only?: (m: Match) => boolean }[] = [
    { name: "OpenFlow 1.3 OXM", version: 4 },
    { name: "Nicira NXM over OpenFlow 1.0", version: 1, wire: "nxm" },
    { name: "plain OpenFlow 1.0", version: 1, only: fits10 },
  ];
  for (const form of forms) {
    it(form.name, async () => {
      await run("ovs-ofctl", ["-O", "OpenFlow13", "del-flows", ovs.target]);
      const chosen = matches.filter((m) => form.only?.(m) ?? true);
      expect(chosen.length).toBeGreaterThan(5);
      // Cookie = priority = 100 + index identifies each flow in the dump.
      const msgs = chosen.map((m, i) => encodeMessage(form.version, 10 + i, flowMod(m, 100 + i, form.wire)));
      const errors = await send(ovs.port, form.version, msgs);
      expect(errors.map((e) => e.toString("hex"))).toEqual([]);
      const flows = await dump(ovs.target);
      expect(chosen.map((_m, i) => [i, flows.get(100 + i)])).toEqual(chosen.map((m, i) => [i, formatMatch(m, 100 + i)]));
    });
  }
});

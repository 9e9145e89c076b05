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
import { formatFlow, formatMatch } from "../../src/openflow/match-format.js";
import { OxmField, isExact, type Match } from "../../src/openflow/match.js";
import type { FlowMod, OfMessage, OfVersion } from "../../src/openflow/messages.js";
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

/** Sends one request after HELLO and returns the decoded replies with its xid, up to the last part of a multipart reply. */
async function request(port: number, version: OfVersion, msg: OfMessage): Promise<OfMessage[]> {
  const raw = await new Promise<Buffer[]>((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    sock.on("connect", () => {
      sock.write(encodeMessage(version, 1, { type: "hello", versions: version === 1 ? undefined : [4] }));
      sock.write(encodeMessage(version, 9, msg));
    });
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const m = buf.subarray(0, buf.readUInt16BE(2));
        buf = buf.subarray(m.length);
        if (m.readUInt32BE(4) !== 9) continue;
        out.push(m);
        if ((m.readUInt16BE(10) & 1) === 0) {
          sock.destroy();
          resolve(out);
        }
      }
    });
    sock.on("error", reject);
  });
  return raw.map((m) => {
    const d = decodeMessage(new Uint8Array(m));
    if (!d.ok) throw new Error(`${d.error.name}: ${d.error.message}`);
    return d.value.msg;
  });
}

/** Lines of ovs-ofctl dump-flows with the clock-dependent parts (duration, ages) taken out. */
const steady = (line: string): string => line.replace(/duration=[0-9.]+s, /, "").replace(/(idle|hard)_age=\d+, /g, "");

describe("formatFlow prints flow stats as ovs-ofctl dump-flows does", () => {
  const FLOWS13 = [
    "cookie=0x1234,priority=7,idle_timeout=10,hard_timeout=20,in_port=1,actions=output:2",
    "table=1,actions=drop",
    "priority=9,send_flow_rem,check_overlap,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=set_field:00:00:00:00:00:01->eth_src,output:2",
    "table=2,ipv6,ipv6_src=2001:db8::/32,actions=write_metadata:0x1/0xff,goto_table:3",
    "table=3,metadata=0x1/0xff,udp,actions=clear_actions,write_actions(output:3)",
  ];

  // OpenFlow 1.0 shows 1.0's own action spellings (mod_dl_src) and Nicira actions for instructions: keep to plain ones.
  const FLOWS10 = [FLOWS13[0]!, FLOWS13[1]!, "priority=9,send_flow_rem,tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=output:2,CONTROLLER:128"];

  for (const version of [4, 1] as const) {
    it(version === 4 ? "OFPMP_FLOW over OpenFlow 1.3" : "NXST_FLOW over OpenFlow 1.0", async () => {
      await run("ovs-ofctl", ["-O", "OpenFlow13", "del-flows", ovs.target]);
      const flows = version === 4 ? FLOWS13 : FLOWS10;
      for (const f of flows) await run("ovs-ofctl", ["--no-names", "-O", "OpenFlow13", "add-flow", ovs.target, f]);
      await run("ovs-ofctl", ["--no-names", "add-flow", ovs.target, "priority=8,send_flow_rem,arp,arp_op=2,actions=output:4"]);
      const replies = await request(ovs.port, version, {
        type: "multipart_request",
        body: { type: "flow", flags: 0, tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: [], nxm: version === 1 },
      });
      const ours = replies.flatMap((r) => (r.type === "multipart_reply" && r.body.type === "flow" ? r.body.flows : [])).map((f) => steady(formatFlow(f)));
      const args = version === 4 ? ["--no-names", "-O", "OpenFlow13", "dump-flows", ovs.target] : ["--no-names", "dump-flows", ovs.target];
      const theirs = (await run("ovs-ofctl", args)).stdout.split("\n").filter((l) => l.startsWith(" cookie=")).map(steady);
      expect(theirs.length).toBe(flows.length + 1);
      expect([...ours].sort()).toEqual([...theirs].sort());
    });
  }
});

// A pipeline model of the fixture program test/fixtures/sim/simtest.p4, for the sim's own
// tests (the ofp4.p4 model lives in targets/sim/pipeline/). Does what the P4 apply block
// does: packet_out from the CPU port goes straight to its egress port; otherwise port_rx
// counts, t_small, t_range, t_lpm (IPv4) and t_l2 run, each action writing standard_metadata as
// in P4, and bmv2's traffic manager decides (multicast group, else drop port, else egress_spec).
import type { ForwardingState, PipelineOutput } from "../../targets/sim/forwarding.js";
import { toBigInt } from "../../targets/sim/bitstring.js";

const CPU = 255;
const DROP = 511;

export function simtestPipeline(state: ForwardingState, inPort: number, frame: Uint8Array): PipelineOutput[] {
  if (inPort === CPU) {
    const hdr = (frame[0]! << 8) | frame[1]!;
    return [{ port: hdr >> 7, frame: frame.subarray(2) }];
  }
  // A frame too short for Ethernet leaves the header invalid: its fields read 0 (as in bmv2) and
  // the whole frame is payload.
  const eth = frame.length >= 14;
  const dst = eth ? toBigInt(frame.subarray(0, 6)) : 0n;
  const src = eth ? toBigInt(frame.subarray(6, 12)) : 0n;
  const type = eth ? BigInt((frame[12]! << 8) | frame[13]!) : 0n;
  const ipv4 = type === 0x0800n && frame.length >= 34;
  state.countIndirect("I.port_rx", inPort, frame.length);
  // standard_metadata as v1model starts it: egress_spec 0, no multicast group.
  let egress = 0;
  let mcast = 0;
  let cpuReason: number | undefined;
  const run = (table: string, key: Map<string, bigint>): void => {
    const hit = state.applyTable(table, key, frame.length);
    switch (hit.action) {
      case "I.drop":
        // mark_to_drop: the drop port, and no multicast.
        egress = DROP;
        mcast = 0;
        break;
      case "I.fwd":
        egress = Number(hit.params.get("port"));
        break;
      case "I.flood":
        mcast = Number(hit.params.get("group"));
        break;
      case "I.to_cpu":
        egress = CPU;
        cpuReason = Number(hit.params.get("reason"));
        break;
      default:
        break;
    }
  };
  run("I.t_small", new Map([["eth_src", src]]));
  run("I.t_range", new Map([["eth_type", type], ["ip_proto", ipv4 ? BigInt(frame[23]!) : 0n]]));
  if (ipv4) run("I.t_lpm", new Map([["ipv4_dst", toBigInt(frame.subarray(30, 34))]]));
  run("I.t_l2", new Map([["in_port", BigInt(inPort)], ["eth_dst", dst]]));
  // bmv2's traffic manager: a multicast group wins over egress_spec, then the drop port drops.
  if (mcast !== 0) return (state.multicastGroup(mcast) ?? []).map((r) => ({ port: r.port, frame }));
  if (egress === DROP) return [];
  if (egress === CPU && cpuReason !== undefined) {
    const hdr = ((inPort & 0x1ff) << 7) | (cpuReason & 0x7f);
    const out = new Uint8Array(frame.length + 2);
    out[0] = hdr >> 8;
    out[1] = hdr & 0xff;
    out.set(frame, 2);
    return [{ port: CPU, frame: out }];
  }
  return [{ port: egress, frame }];
}

// Packet I/O between OpenFlow and the P4 controller headers (provider.ts §5): a PacketIn's
// metadata (in_port, reason, table id, OpenFlow metadata) read by id, with the packet's key as
// the program's tables match it (for the core to find the rule that sent it); and an OpenFlow
// packet_out turned into PacketOut sends, with the actions the program cannot run on a
// packet-out (set_field on Ethernet addresses, VLAN push/pop/set) applied by ofp4 to the bytes
// first; anything else is refused with the precise OfError. The functions are pure; PacketIo
// is the room that sends and receives on the session's stream.

import { OFPP, type Action } from "../openflow/actions.js";
import { ofError, type OfError } from "../openflow/errors.js";
import { fail, ok, type Result } from "../openflow/result.js";
import { OxmField } from "../openflow/match.js";
import { bigintToBytes, bytesToBigint, type p4 } from "../p4runtime/index.js";
import type { PacketOut, ProviderCore } from "../ofproto/provider.js";
import type { OffloadMapping } from "./mapping.js";
import type { TargetSession } from "./target-session.js";

export interface PacketInHeader {
  readonly inPort: number;
  readonly reason: number;
  readonly tableId: number;
  readonly metadata: bigint;
}

/** The packet_in header fields of a PacketIn (missing fields read as 0). */
export function readPacketIn(mapping: OffloadMapping, pin: p4.v1.IPacketIn): PacketInHeader {
  const ids = mapping.packetIn.ids;
  const get = (role: string): bigint => {
    const id = ids[role]!.id;
    const m = (pin.metadata ?? []).find((x) => x.metadataId === id);
    return m?.value ? bytesToBigint(m.value) : 0n;
  };
  return { inPort: Number(get("inPort")), reason: Number(get("reason")), tableId: Number(get("tableId")), metadata: get("metadata") };
}

/** The key fields (P4 match field names) of a frame, as ofp4.p4's parser would build them. */
export function packetKey(frame: Uint8Array, inPort: number, metadata: bigint): Map<string, bigint> {
  const k = new Map<string, bigint>();
  const u8 = (o: number): number => frame[o] ?? 0;
  const u16 = (o: number): number => (u8(o) << 8) | u8(o + 1);
  const big = (o: number, n: number): bigint => bytesToBigint(frame.subarray(o, o + n));
  k.set("in_port", BigInt(inPort));
  k.set("metadata", metadata);
  if (frame.length < 14) return k;
  k.set("eth_dst", big(0, 6));
  k.set("eth_src", big(6, 6));
  let type = u16(12);
  let o = 14;
  if ((type === 0x8100 || type === 0x88a8) && frame.length >= 18) {
    const tci = u16(14);
    k.set("vlan_vid", BigInt(0x1000 | (tci & 0xfff)));
    k.set("vlan_pcp", BigInt(tci >> 13));
    type = u16(16);
    o = 18;
  }
  k.set("eth_type", BigInt(type));
  let proto = -1;
  let l4 = -1;
  if (type === 0x0800 && frame.length >= o + 20) {
    const ihl = u8(o) & 0xf;
    k.set("ip_dscp", BigInt(u8(o + 1) >> 2));
    k.set("ip_ecn", BigInt(u8(o + 1) & 3));
    proto = u8(o + 9);
    k.set("ip_proto", BigInt(proto));
    k.set("ipv4_src", big(o + 12, 4));
    k.set("ipv4_dst", big(o + 16, 4));
    const fragOffset = u16(o + 6) & 0x1fff;
    if (ihl === 5 && fragOffset === 0) l4 = o + 20;
  } else if (type === 0x86dd && frame.length >= o + 40) {
    const tc = ((u8(o) & 0xf) << 4) | (u8(o + 1) >> 4);
    k.set("ip_dscp", BigInt(tc >> 2));
    k.set("ip_ecn", BigInt(tc & 3));
    proto = u8(o + 6);
    k.set("ip_proto", BigInt(proto));
    k.set("ipv6_src", big(o + 8, 16));
    k.set("ipv6_dst", big(o + 24, 16));
    l4 = o + 40;
  } else if (type === 0x0806 && frame.length >= o + 28) {
    k.set("arp_op", BigInt(u16(o + 6)));
    k.set("arp_spa", big(o + 14, 4));
    k.set("arp_tpa", big(o + 24, 4));
  }
  if (l4 >= 0) {
    if ((proto === 6 && frame.length >= l4 + 20) || (proto === 17 && frame.length >= l4 + 8)) {
      k.set("l4_src", BigInt(u16(l4)));
      k.set("l4_dst", BigInt(u16(l4 + 2)));
    } else if ((proto === 1 || proto === 58) && frame.length >= l4 + 4) {
      k.set("icmp_type", BigInt(u8(l4)));
      k.set("icmp_code", BigInt(u8(l4 + 1)));
    }
  }
  return k;
}

/** One PacketOut to send: the frame and the packet_out header values. */
export interface PacketOutSend {
  readonly payload: Uint8Array;
  readonly egressPort: number;
  readonly inPort: number;
  readonly runPipeline: boolean;
}

export interface PacketOutPlan {
  readonly sends: readonly PacketOutSend[];
  /** Copies for the controllers (output:CONTROLLER): the frame as it was at that point. */
  readonly toController: readonly { readonly frame: Uint8Array; readonly maxLen: number }[];
}

function pushVlan(frame: Uint8Array, tpid: number): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  const tagged = frame.length >= 18 && ((frame[12]! << 8) | frame[13]!) === 0x8100;
  const tci = tagged ? (frame[14]! << 8) | frame[15]! : 0;
  out[12] = tpid >> 8;
  out[13] = tpid & 0xff;
  out[14] = tci >> 8;
  out[15] = tci & 0xff;
  out.set(frame.subarray(12), 16);
  return out;
}

function isTagged(frame: Uint8Array): boolean {
  if (frame.length < 18) return false;
  const t = (frame[12]! << 8) | frame[13]!;
  return t === 0x8100 || t === 0x88a8;
}

/**
 * The PacketOut sends for an OpenFlow packet_out from `inPort` (a data port, CONTROLLER or
 * ANY). Actions run in order on a copy of the frame; each output sends the frame as it is then.
 */
export function planPacketOut(
  mapping: OffloadMapping,
  isPort: (n: number) => boolean,
  ports: readonly number[],
  inPort: number,
  data: Uint8Array,
  actions: readonly Action[],
): Result<PacketOutPlan> {
  let frame: Uint8Array = Uint8Array.from(data);
  const sends: PacketOutSend[] = [];
  const toController: { frame: Uint8Array; maxLen: number }[] = [];
  const headerInPort = isPort(inPort)
    ? inPort
    : inPort === OFPP.CONTROLLER
      ? mapping.packetOut.inPortReserved.CONTROLLER
      : inPort === OFPP.ANY
        ? mapping.packetOut.inPortReserved.ANY
        : -1;
  if (headerInPort < 0) return fail(ofError("BAD_REQUEST_BAD_PORT", `packet_out in_port ${inPort >>> 0} cannot be given to the P4 program`));
  const send = (egressPort: number, runPipeline = false): void => {
    sends.push({ payload: frame, egressPort, inPort: headerInPort, runPipeline });
  };
  const setTci = (vid: number | undefined, pcp: number | undefined): void => {
    if (!isTagged(frame)) frame = pushVlan(frame, 0x8100);
    frame = Uint8Array.from(frame);
    let tci = (frame[14]! << 8) | frame[15]!;
    if (vid !== undefined) tci = (tci & 0xf000) | (vid & 0xfff);
    if (pcp !== undefined) tci = (tci & 0x1fff) | ((pcp & 7) << 13);
    frame[14] = tci >> 8;
    frame[15] = tci & 0xff;
  };
  for (const a of actions) {
    switch (a.type) {
      case "output":
        if (isPort(a.port)) send(a.port);
        else if (a.port === OFPP.IN_PORT) {
          if (!isPort(inPort)) return fail(ofError("BAD_ACTION_BAD_OUT_PORT", `packet_out output:IN_PORT with in_port ${inPort >>> 0}, not a data port`));
          send(inPort);
        } else if (a.port === OFPP.TABLE) send(0, true);
        else if (a.port === OFPP.FLOOD || a.port === OFPP.ALL) {
          for (const p of ports) if (p !== inPort) send(p);
        } else if (a.port === OFPP.CONTROLLER) toController.push({ frame, maxLen: a.maxLen });
        else return fail(ofError("BAD_ACTION_BAD_OUT_PORT", `packet_out output:${a.port >>> 0} is not a port this switch can send to`));
        break;
      case "set_field":
        if (a.field === OxmField.ETH_DST || a.field === OxmField.ETH_SRC) {
          frame = Uint8Array.from(frame);
          const b = bigintToBytes(a.value);
          const mac = new Uint8Array(6);
          mac.set(b.subarray(Math.max(0, b.length - 6)), 6 - Math.min(6, b.length));
          frame.set(mac, a.field === OxmField.ETH_DST ? 0 : 6);
        } else if (a.field === OxmField.VLAN_VID) setTci(Number(a.value & 0xfffn), undefined);
        else if (a.field === OxmField.VLAN_PCP) setTci(undefined, Number(a.value));
        else return fail(ofError("BAD_ACTION_BAD_SET_TYPE", `packet_out set_field ${OxmField[a.field]}: ofp4 applies only Ethernet address and VLAN set-fields to packet-outs`));
        break;
      case "set_vlan_vid":
        setTci(a.vid, undefined);
        break;
      case "set_vlan_pcp":
        setTci(undefined, a.pcp);
        break;
      case "push_vlan":
        if (a.ethertype !== 0x8100 && a.ethertype !== 0x88a8) return fail(ofError("BAD_ACTION_BAD_ARGUMENT", `push_vlan ethertype 0x${a.ethertype.toString(16)}`));
        frame = pushVlan(frame, a.ethertype);
        break;
      case "pop_vlan":
        if (isTagged(frame)) frame = Uint8Array.from([...frame.subarray(0, 12), ...frame.subarray(16)]);
        break;
      default:
        return fail(ofError("BAD_ACTION_BAD_TYPE", `packet_out action ${a.type}: ofp4 cannot apply it to a packet-out`));
    }
  }
  return ok({ sends, toController });
}

/** The packet_out header metadata of one send. */
export function packetOutMetadata(mapping: OffloadMapping, s: PacketOutSend): { metadataId: number; value: Uint8Array }[] {
  const ids = mapping.packetOut.ids;
  return [
    { metadataId: ids["egressPort"]!.id, value: bigintToBytes(BigInt(s.egressPort)) },
    { metadataId: ids["mcastGrp"]!.id, value: bigintToBytes(0n) },
    { metadataId: ids["inPort"]!.id, value: bigintToBytes(BigInt(s.inPort)) },
    { metadataId: ids["runPipeline"]!.id, value: bigintToBytes(s.runPipeline ? 1n : 0n) },
  ];
}

/** A frame's key by OpenFlow field, as the program's tables match it (a field whose prerequisite fails is absent). */
export function packetKeyByField(mapping: OffloadMapping, frame: Uint8Array, inPort: number, metadata: bigint): Map<OxmField, bigint> {
  const k = packetKey(frame, inPort, metadata);
  const out = new Map<OxmField, bigint>();
  for (const m of mapping.matchFields.values()) {
    if (!m.requires.every((r) => k.get(r.p4Name) === r.value)) continue;
    out.set(m.oxm, m.oxm === OxmField.IN_PORT ? BigInt(inPort >>> 0) : (k.get(m.p4Name) ?? 0n));
  }
  return out;
}

/** The packet I/O room: PacketIn from the stream to the core, packet_out to PacketOuts. */
export class PacketIo {
  #core: ProviderCore | undefined;

  constructor(
    private readonly mapping: OffloadMapping,
    private readonly session: TargetSession,
    private readonly ports: { isPort(n: number): boolean; readonly numbers: readonly number[] },
    private readonly address: string,
  ) {}

  attach(core: ProviderCore): void {
    this.#core = core;
    this.session.client.on("packetIn", (pin) => this.#packetIn(pin));
  }

  #packetIn(pin: p4.v1.PacketIn): void {
    const core = this.#core;
    if (!core) return;
    const h = readPacketIn(this.mapping, pin);
    const frame = pin.payload ?? new Uint8Array();
    core.packetIn({
      reason: h.reason === this.mapping.packetIn.reasons.NO_MATCH ? "no_match" : "action",
      tableId: h.tableId,
      inPort: h.inPort,
      metadata: h.metadata,
      key: packetKeyByField(this.mapping, frame, h.inPort, h.metadata),
      frame,
    });
  }

  /** provider.ts §5.1 */
  packetOut(packet: PacketOut): OfError | undefined {
    const planned = planPacketOut(this.mapping, (n) => this.ports.isPort(n), this.ports.numbers, packet.inPort, packet.data, packet.actions);
    if (!planned.ok) return planned.error;
    const plan = planned.value;
    if (plan.sends.length > 0 && !this.session.ready) {
      return ofError("BAD_REQUEST_EPERM", `packet_out: P4Runtime target ${this.address} is not available`);
    }
    for (const s of plan.sends) this.session.client.packetOut(s.payload, packetOutMetadata(this.mapping, s));
    for (const c of plan.toController) {
      this.#core?.packetIn({
        reason: "action",
        tableId: 0xff,
        inPort: packet.inPort,
        metadata: 0n,
        key: new Map([[OxmField.IN_PORT, BigInt(packet.inPort >>> 0)]]),
        frame: c.frame,
        maxLen: c.maxLen,
      });
    }
    return undefined;
  }
}

// OpenFlow 1.0 and 1.3 action lists to and from the internal Action. OpenFlow 1.0's set_dl_*,
// set_nw_*, set_tp_* and set_nw_tos become set_field (tp ports are TCP until the flow's match
// says UDP or SCTP: see retargetL4); 16-bit ports become 32-bit. Decoding checks lengths,
// types and arguments and returns BAD_ACTION_* errors as values; encoding never fails: an
// action the version cannot carry is left out (the core never gives a 1.0 peer such actions).

import { OFPP, type Action } from "./actions.js";
import { ofError } from "./errors.js";
import { OxmField, getField, type Match } from "./match.js";
import { OXM_FIELD_BYTES, decodeOxmTlv, fieldMaxValue, writeOxmTlv } from "./oxm.js";
import { port16to32, port32to16 } from "./port.js";
import { fail, ok, type Result } from "./result.js";
import { Writer, readUint, viewOf } from "./wire.js";

/** OpenFlow 1.0 action types. */
export const OFPAT10 = {
  OUTPUT: 0,
  SET_VLAN_VID: 1,
  SET_VLAN_PCP: 2,
  STRIP_VLAN: 3,
  SET_DL_SRC: 4,
  SET_DL_DST: 5,
  SET_NW_SRC: 6,
  SET_NW_DST: 7,
  SET_NW_TOS: 8,
  SET_TP_SRC: 9,
  SET_TP_DST: 10,
  ENQUEUE: 11,
  VENDOR: 0xffff,
} as const;

/** OpenFlow 1.3 action types. */
export const OFPAT13 = {
  OUTPUT: 0,
  COPY_TTL_OUT: 11,
  COPY_TTL_IN: 12,
  SET_MPLS_TTL: 15,
  DEC_MPLS_TTL: 16,
  PUSH_VLAN: 17,
  POP_VLAN: 18,
  PUSH_MPLS: 19,
  POP_MPLS: 20,
  SET_QUEUE: 21,
  GROUP: 22,
  SET_NW_TTL: 23,
  DEC_NW_TTL: 24,
  SET_FIELD: 25,
  PUSH_PBB: 26,
  POP_PBB: 27,
  EXPERIMENTER: 0xffff,
} as const;

/** True for a port an output action may name (a physical port or a reserved one other than ANY). */
export function validOutPort(port: number): boolean {
  return port !== 0 && (port <= OFPP.MAX || (port >= OFPP.IN_PORT && port < OFPP.ANY));
}

const badLen = (what: string): Result<never> => fail(ofError("BAD_ACTION_BAD_LEN", what));
const badArg = (what: string): Result<never> => fail(ofError("BAD_ACTION_BAD_ARGUMENT", what));

/** Decodes the actions in buf[offset, offset+length). */
export function decodeActions(version: number, buf: Uint8Array, offset: number, length: number): Result<readonly Action[]> {
  const end = offset + length;
  if (length < 0 || end > buf.length) return badLen("action list runs past the message");
  const v = viewOf(buf);
  const out: Action[] = [];
  for (let at = offset; at < end; ) {
    if (end - at < 8) return badLen(`action header with ${end - at} bytes left`);
    const type = v.getUint16(at);
    const len = v.getUint16(at + 2);
    if (len < 8 || len % 8 !== 0 || at + len > end) return badLen(`action type ${type} has length ${len}`);
    const a = version === 0x01 ? decodeAction10(buf, v, at, type, len) : decodeAction13(buf, v, at, type, len);
    if (!a.ok) return a;
    out.push(a.value);
    at += len;
  }
  return ok(out);
}

function need(len: number, want: number, name: string): Result<never> | undefined {
  return len === want ? undefined : badLen(`${name} has length ${len}, wants ${want}`);
}

function decodeAction10(buf: Uint8Array, v: DataView, at: number, type: number, len: number): Result<Action> {
  const fixed = (want: number, name: string, make: () => Result<Action>): Result<Action> => need(len, want, name) ?? make();
  switch (type) {
    case OFPAT10.OUTPUT:
      return fixed(8, "output", () => {
        const port = port16to32(v.getUint16(at + 4));
        if (!validOutPort(port)) return fail(ofError("BAD_ACTION_BAD_OUT_PORT", `output to port 0x${port.toString(16)}`));
        return ok({ type: "output", port, maxLen: v.getUint16(at + 6) });
      });
    case OFPAT10.SET_VLAN_VID:
      return fixed(8, "set_vlan_vid", () => {
        const vid = v.getUint16(at + 4);
        return vid > 0xfff ? badArg(`vlan vid ${vid}`) : ok({ type: "set_vlan_vid", vid });
      });
    case OFPAT10.SET_VLAN_PCP:
      return fixed(8, "set_vlan_pcp", () => {
        const pcp = buf[at + 4]!;
        return pcp > 7 ? badArg(`vlan pcp ${pcp}`) : ok({ type: "set_vlan_pcp", pcp });
      });
    case OFPAT10.STRIP_VLAN:
      return fixed(8, "strip_vlan", () => ok({ type: "pop_vlan" }));
    case OFPAT10.SET_DL_SRC:
    case OFPAT10.SET_DL_DST:
      return fixed(16, "set_dl_addr", () =>
        ok({ type: "set_field", field: type === OFPAT10.SET_DL_SRC ? OxmField.ETH_SRC : OxmField.ETH_DST, value: readUint(buf, at + 4, 6) }),
      );
    case OFPAT10.SET_NW_SRC:
    case OFPAT10.SET_NW_DST:
      return fixed(8, "set_nw_addr", () =>
        ok({ type: "set_field", field: type === OFPAT10.SET_NW_SRC ? OxmField.IPV4_SRC : OxmField.IPV4_DST, value: BigInt(v.getUint32(at + 4)) }),
      );
    case OFPAT10.SET_NW_TOS:
      return fixed(8, "set_nw_tos", () => {
        const tos = buf[at + 4]!;
        return (tos & 3) !== 0 ? badArg(`nw_tos 0x${tos.toString(16)} sets ECN bits`) : ok({ type: "set_field", field: OxmField.IP_DSCP, value: BigInt(tos >> 2) });
      });
    case OFPAT10.SET_TP_SRC:
    case OFPAT10.SET_TP_DST:
      return fixed(8, "set_tp_port", () =>
        ok({ type: "set_field", field: type === OFPAT10.SET_TP_SRC ? OxmField.TCP_SRC : OxmField.TCP_DST, value: BigInt(v.getUint16(at + 4)) }),
      );
    case OFPAT10.ENQUEUE:
      return fixed(16, "enqueue", () => {
        const port = port16to32(v.getUint16(at + 4));
        if (!validOutPort(port) || port === OFPP.ANY) return fail(ofError("BAD_ACTION_BAD_OUT_PORT", `enqueue on port 0x${port.toString(16)}`));
        return ok({ type: "enqueue", port, queueId: v.getUint32(at + 12) });
      });
    case OFPAT10.VENDOR:
      return ok({ type: "experimenter", experimenter: v.getUint32(at + 4), body: buf.slice(at + 8, at + len) });
    default:
      return fail(ofError("BAD_ACTION_BAD_TYPE", `OpenFlow 1.0 action type ${type}`));
  }
}

function decodeAction13(buf: Uint8Array, v: DataView, at: number, type: number, len: number): Result<Action> {
  const fixed = (want: number, name: string, make: () => Result<Action>): Result<Action> => need(len, want, name) ?? make();
  switch (type) {
    case OFPAT13.OUTPUT:
      return fixed(16, "output", () => {
        const port = v.getUint32(at + 4);
        if (!validOutPort(port)) return fail(ofError("BAD_ACTION_BAD_OUT_PORT", `output to port 0x${port.toString(16)}`));
        return ok({ type: "output", port, maxLen: v.getUint16(at + 8) });
      });
    case OFPAT13.COPY_TTL_OUT:
      return fixed(8, "copy_ttl_out", () => ok({ type: "copy_ttl_out" }));
    case OFPAT13.COPY_TTL_IN:
      return fixed(8, "copy_ttl_in", () => ok({ type: "copy_ttl_in" }));
    case OFPAT13.SET_MPLS_TTL:
      return fixed(8, "set_mpls_ttl", () => ok({ type: "set_mpls_ttl", ttl: buf[at + 4]! }));
    case OFPAT13.DEC_MPLS_TTL:
      return fixed(8, "dec_mpls_ttl", () => ok({ type: "dec_mpls_ttl" }));
    case OFPAT13.PUSH_VLAN:
      return fixed(8, "push_vlan", () => {
        const ethertype = v.getUint16(at + 4);
        return ethertype === 0x8100 || ethertype === 0x88a8 ? ok({ type: "push_vlan", ethertype }) : badArg(`push_vlan ethertype 0x${ethertype.toString(16)}`);
      });
    case OFPAT13.POP_VLAN:
      return fixed(8, "pop_vlan", () => ok({ type: "pop_vlan" }));
    case OFPAT13.PUSH_MPLS:
      return fixed(8, "push_mpls", () => {
        const ethertype = v.getUint16(at + 4);
        return ethertype === 0x8847 || ethertype === 0x8848 ? ok({ type: "push_mpls", ethertype }) : badArg(`push_mpls ethertype 0x${ethertype.toString(16)}`);
      });
    case OFPAT13.POP_MPLS:
      return fixed(8, "pop_mpls", () => ok({ type: "pop_mpls", ethertype: v.getUint16(at + 4) }));
    case OFPAT13.SET_QUEUE:
      return fixed(8, "set_queue", () => ok({ type: "set_queue", queueId: v.getUint32(at + 4) }));
    case OFPAT13.GROUP:
      return fixed(8, "group", () => {
        const groupId = v.getUint32(at + 4);
        return groupId > 0xffffff00 ? fail(ofError("BAD_ACTION_BAD_OUT_GROUP", `group 0x${groupId.toString(16)}`)) : ok({ type: "group", groupId });
      });
    case OFPAT13.SET_NW_TTL:
      return fixed(8, "set_nw_ttl", () => ok({ type: "set_nw_ttl", ttl: buf[at + 4]! }));
    case OFPAT13.DEC_NW_TTL:
      return fixed(8, "dec_nw_ttl", () => ok({ type: "dec_nw_ttl" }));
    case OFPAT13.SET_FIELD:
      return decodeSetField(buf, at, len);
    case OFPAT13.EXPERIMENTER:
      return ok({ type: "experimenter", experimenter: v.getUint32(at + 4), body: buf.slice(at + 8, at + len) });
    default:
      return fail(ofError("BAD_ACTION_BAD_TYPE", `OpenFlow 1.3 action type ${type}`));
  }
}

function decodeSetField(buf: Uint8Array, at: number, len: number): Result<Action> {
  const tlv = decodeOxmTlv(buf, at + 4, at + len);
  if (!tlv.ok) {
    const name = tlv.error.name === "BAD_MATCH_BAD_FIELD" ? "BAD_ACTION_BAD_SET_TYPE" : "BAD_ACTION_BAD_SET_LEN";
    return fail(ofError(name, `set_field: ${tlv.error.message}`));
  }
  const { raw, size } = tlv.value;
  if (((4 + size + 7) & ~7) !== len) return fail(ofError("BAD_ACTION_BAD_SET_LEN", `set_field of ${OxmField[raw.field]} has length ${len}`));
  if (raw.hasMask) return fail(ofError("BAD_ACTION_BAD_SET_ARGUMENT", `set_field of ${OxmField[raw.field]} with a mask`));
  if (raw.field === OxmField.IN_PORT) return fail(ofError("BAD_ACTION_BAD_SET_ARGUMENT", "set_field of IN_PORT")); // as Open vSwitch answers
  if (raw.field === OxmField.IN_PHY_PORT || raw.field === OxmField.IPV6_EXTHDR) {
    return fail(ofError("BAD_ACTION_BAD_SET_TYPE", `set_field of ${OxmField[raw.field]}`));
  }
  if (raw.value > fieldMaxValue(raw.field)) return fail(ofError("BAD_ACTION_BAD_SET_ARGUMENT", `set_field of ${OxmField[raw.field]} value too wide`));
  return ok({ type: "set_field", field: raw.field, value: raw.value });
}

const L4_SRC: Readonly<Record<number, OxmField>> = { 6: OxmField.TCP_SRC, 17: OxmField.UDP_SRC, 132: OxmField.SCTP_SRC };
const L4_DST: Readonly<Record<number, OxmField>> = { 6: OxmField.TCP_DST, 17: OxmField.UDP_DST, 132: OxmField.SCTP_DST };

/**
 * OpenFlow 1.0 set_tp_src/dst name no protocol: once the flow's match is known, point them
 * at the UDP or SCTP port when the match says so (decodeActions assumes TCP).
 */
export function retargetL4(actions: readonly Action[], match: Match): readonly Action[] {
  const proto = getField(match, OxmField.IP_PROTO);
  if (proto === undefined || proto.value === 6n) return actions;
  const p = Number(proto.value);
  const src = L4_SRC[p];
  const dst = L4_DST[p];
  if (src === undefined || dst === undefined) return actions;
  return actions.map((a) => {
    if (a.type !== "set_field") return a;
    if (a.field === OxmField.TCP_SRC) return { ...a, field: src };
    if (a.field === OxmField.TCP_DST) return { ...a, field: dst };
    return a;
  });
}

/** Writes the wire form of `actions` for `version`. */
export function writeActions(w: Writer, version: number, actions: readonly Action[]): void {
  for (const a of actions) {
    if (version === 0x01) writeAction10(w, a);
    else writeAction13(w, a);
  }
}

export function encodeActions(version: number, actions: readonly Action[]): Uint8Array {
  const w = new Writer(16 * actions.length + 8);
  writeActions(w, version, actions);
  return w.finish();
}

function writeAction10(w: Writer, a: Action): void {
  switch (a.type) {
    case "output":
      w.u16(OFPAT10.OUTPUT).u16(8).u16(port32to16(a.port)).u16(a.maxLen);
      return;
    case "enqueue":
      w.u16(OFPAT10.ENQUEUE).u16(16).u16(port32to16(a.port)).zeros(6).u32(a.queueId);
      return;
    case "set_vlan_vid":
      w.u16(OFPAT10.SET_VLAN_VID).u16(8).u16(a.vid).zeros(2);
      return;
    case "set_vlan_pcp":
      w.u16(OFPAT10.SET_VLAN_PCP).u16(8).u8(a.pcp).zeros(3);
      return;
    case "pop_vlan":
      w.u16(OFPAT10.STRIP_VLAN).u16(8).zeros(4);
      return;
    case "experimenter":
      w.u16(OFPAT10.VENDOR).u16((8 + a.body.length + 7) & ~7).u32(a.experimenter).bytes(a.body).padTo(8);
      return;
    case "set_field":
      writeSetField10(w, a.field, a.value);
      return;
    default:
      return; // no OpenFlow 1.0 form
  }
}

function writeSetField10(w: Writer, field: OxmField, value: bigint): void {
  switch (field) {
    case OxmField.ETH_SRC:
    case OxmField.ETH_DST:
      w.u16(field === OxmField.ETH_SRC ? OFPAT10.SET_DL_SRC : OFPAT10.SET_DL_DST).u16(16).uint(value, 6).zeros(6);
      return;
    case OxmField.IPV4_SRC:
    case OxmField.IPV4_DST:
      w.u16(field === OxmField.IPV4_SRC ? OFPAT10.SET_NW_SRC : OFPAT10.SET_NW_DST).u16(8).u32(Number(value));
      return;
    case OxmField.IP_DSCP:
      w.u16(OFPAT10.SET_NW_TOS).u16(8).u8(Number(value) << 2).zeros(3);
      return;
    case OxmField.TCP_SRC:
    case OxmField.UDP_SRC:
    case OxmField.SCTP_SRC:
      w.u16(OFPAT10.SET_TP_SRC).u16(8).u16(Number(value)).zeros(2);
      return;
    case OxmField.TCP_DST:
    case OxmField.UDP_DST:
    case OxmField.SCTP_DST:
      w.u16(OFPAT10.SET_TP_DST).u16(8).u16(Number(value)).zeros(2);
      return;
    case OxmField.VLAN_VID:
      w.u16(OFPAT10.SET_VLAN_VID).u16(8).u16(Number(value & 0xfffn)).zeros(2);
      return;
    case OxmField.VLAN_PCP:
      w.u16(OFPAT10.SET_VLAN_PCP).u16(8).u8(Number(value)).zeros(3);
      return;
    default:
      return;
  }
}

function writeSetField13(w: Writer, field: OxmField, value: bigint): void {
  const len = (4 + 4 + OXM_FIELD_BYTES[field] + 7) & ~7;
  const start = w.length;
  w.u16(OFPAT13.SET_FIELD).u16(len);
  writeOxmTlv(w, field, value, undefined);
  w.zeros(len - (w.length - start));
}

function writeAction13(w: Writer, a: Action): void {
  const simple = (type: number): void => {
    w.u16(type).u16(8).zeros(4);
  };
  switch (a.type) {
    case "output":
      w.u16(OFPAT13.OUTPUT).u16(16).u32(a.port).u16(a.maxLen).zeros(6);
      return;
    case "group":
      w.u16(OFPAT13.GROUP).u16(8).u32(a.groupId);
      return;
    case "set_queue":
      w.u16(OFPAT13.SET_QUEUE).u16(8).u32(a.queueId);
      return;
    case "enqueue":
      w.u16(OFPAT13.SET_QUEUE).u16(8).u32(a.queueId);
      w.u16(OFPAT13.OUTPUT).u16(16).u32(a.port).u16(0).zeros(6);
      return;
    case "set_field":
      writeSetField13(w, a.field, a.value);
      return;
    case "set_vlan_vid":
      writeSetField13(w, OxmField.VLAN_VID, BigInt(a.vid) | 0x1000n);
      return;
    case "set_vlan_pcp":
      writeSetField13(w, OxmField.VLAN_PCP, BigInt(a.pcp));
      return;
    case "push_vlan":
      w.u16(OFPAT13.PUSH_VLAN).u16(8).u16(a.ethertype).zeros(2);
      return;
    case "pop_vlan":
      simple(OFPAT13.POP_VLAN);
      return;
    case "dec_nw_ttl":
      simple(OFPAT13.DEC_NW_TTL);
      return;
    case "set_nw_ttl":
      w.u16(OFPAT13.SET_NW_TTL).u16(8).u8(a.ttl).zeros(3);
      return;
    case "copy_ttl_out":
      simple(OFPAT13.COPY_TTL_OUT);
      return;
    case "copy_ttl_in":
      simple(OFPAT13.COPY_TTL_IN);
      return;
    case "push_mpls":
      w.u16(OFPAT13.PUSH_MPLS).u16(8).u16(a.ethertype).zeros(2);
      return;
    case "pop_mpls":
      w.u16(OFPAT13.POP_MPLS).u16(8).u16(a.ethertype).zeros(2);
      return;
    case "set_mpls_ttl":
      w.u16(OFPAT13.SET_MPLS_TTL).u16(8).u8(a.ttl).zeros(3);
      return;
    case "dec_mpls_ttl":
      simple(OFPAT13.DEC_MPLS_TTL);
      return;
    case "experimenter":
      w.u16(OFPAT13.EXPERIMENTER).u16((8 + a.body.length + 7) & ~7).u32(a.experimenter).bytes(a.body).padTo(8);
      return;
  }
}

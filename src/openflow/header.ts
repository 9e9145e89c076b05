// The OpenFlow header (version, type, length, xid) and each version's message type numbers,
// plus the Nicira/ONF vendor ids and subtypes the codec knows, and the small code tables both
// halves of the codec share (flow_mod commands, roles, OpenFlow 1.0 flow_mod flags). Constants
// and tiny readers; no decoding of bodies, no I/O.

import { OFPFF, type FlowModCommand, type OfRole } from "./messages.js";

export const OFP_HEADER_LEN = 8;
/** Largest OpenFlow message (the length field is 16 bits). */
export const OFP_MAX_MESSAGE_LEN = 0xffff;

export const OFPT10 = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  VENDOR: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  PORT_MOD: 15,
  STATS_REQUEST: 16,
  STATS_REPLY: 17,
  BARRIER_REQUEST: 18,
  BARRIER_REPLY: 19,
  QUEUE_GET_CONFIG_REQUEST: 20,
  QUEUE_GET_CONFIG_REPLY: 21,
} as const;

export const OFPT13 = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  EXPERIMENTER: 4,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  GET_CONFIG_REQUEST: 7,
  GET_CONFIG_REPLY: 8,
  SET_CONFIG: 9,
  PACKET_IN: 10,
  FLOW_REMOVED: 11,
  PORT_STATUS: 12,
  PACKET_OUT: 13,
  FLOW_MOD: 14,
  GROUP_MOD: 15,
  PORT_MOD: 16,
  TABLE_MOD: 17,
  MULTIPART_REQUEST: 18,
  MULTIPART_REPLY: 19,
  BARRIER_REQUEST: 20,
  BARRIER_REPLY: 21,
  QUEUE_GET_CONFIG_REQUEST: 22,
  QUEUE_GET_CONFIG_REPLY: 23,
  ROLE_REQUEST: 24,
  ROLE_REPLY: 25,
  GET_ASYNC_REQUEST: 26,
  GET_ASYNC_REPLY: 27,
  SET_ASYNC: 28,
  METER_MOD: 29,
} as const;

export const NX_VENDOR_ID = 0x00002320;
/** ONF's experimenter id (ONF extensions to OpenFlow 1.3, e.g. EXT-230 bundles). */
export const ONF_EXPERIMENTER_ID = 0x4f4e4600;

/** Nicira message subtypes (after the vendor id). */
export const NXT = {
  ROLE_REQUEST: 10,
  ROLE_REPLY: 11,
  SET_FLOW_FORMAT: 12,
  FLOW_MOD: 13,
  FLOW_REMOVED: 14,
  FLOW_MOD_TABLE_ID: 15,
  SET_PACKET_IN_FORMAT: 16,
} as const;

export interface OfHeader {
  readonly version: number;
  readonly type: number;
  readonly length: number;
  readonly xid: number;
}

/** The header of `raw` (which must hold at least 8 bytes). */
export function readHeader(raw: Uint8Array): OfHeader {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return { version: v.getUint8(0), type: v.getUint8(1), length: v.getUint16(2), xid: v.getUint32(4) };
}

/** flow_mod commands by their wire code. */
export const FLOW_MOD_COMMANDS: readonly FlowModCommand[] = ["add", "modify", "modify_strict", "delete", "delete_strict"];
/** OpenFlow 1.3 roles by their wire code. */
export const ROLES13: readonly OfRole[] = ["nochange", "equal", "master", "slave"];
/** Nicira roles by their wire code. */
export const NX_ROLES: readonly OfRole[] = ["equal", "master", "slave"];

/** OpenFlow 1.0 flow_mod flags (EMERG is bit 2 on the wire) as the internal OFPFF bits. */
export function flowModFlags10(wire: number): number {
  return (wire & ~4) | (wire & 4 ? OFPFF.EMERG_10 : 0);
}

/** The internal OFPFF bits as OpenFlow 1.0 flow_mod flags. */
export function flowModFlagsTo10(flags: number): number {
  return (flags & ~OFPFF.EMERG_10 & 0xffff) | (flags & OFPFF.EMERG_10 ? 4 : 0);
}

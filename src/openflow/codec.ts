// The top-level OpenFlow codec: one whole message's bytes <-> { version, xid, msg: OfMessage }
// for OpenFlow 1.0 (0x01) and 1.3 (0x04), with the Nicira messages ovs-ofctl uses. Decoding
// checks the header and every length and returns OfError values (BAD_VERSION, BAD_TYPE,
// BAD_LEN, BAD_EXPERIMENTER, BAD_EXP_TYPE, and the match/action errors); it never throws.
// Multipart, group and meter bodies go to multipart.ts, group.ts and meter.ts. Encoding
// throws only for a message the version cannot carry (a caller bug). No I/O, no state.

import { NO_INSTRUCTIONS, OFPG, OFPP, applyOnly, type Action, type Instructions } from "./actions.js";
import { decodeActions, retargetL4, writeActions } from "./action-codec.js";
import { NXET_VENDOR, errorEncoding, ofError, type OfError } from "./errors.js";
import { decodeGroupMod, encodeGroupMod } from "./group.js";
import { NXT, NX_VENDOR_ID, OFPT10, OFPT13, OFP_HEADER_LEN, OFP_MAX_MESSAGE_LEN } from "./header.js";
import { decodeInstructions, sharedSingleOutput, writeInstructions } from "./instruction-codec.js";
import { OxmField, getField, type Match } from "./match.js";
import { decodeMatch10, writeMatch10 } from "./match10.js";
import {
  OFPFF,
  OFPTT_ALL,
  type AsyncMasks,
  type DecodeOptions,
  type DecodedMessage,
  type FeaturesReply,
  type FlowMod,
  type FlowModCommand,
  type FlowRemoved,
  type OfMessage,
  type OfRole,
  type OfVersion,
  type PacketIn,
  type PacketQueue,
} from "./messages.js";
import { decodeMeterMod, encodeMeterMod } from "./meter.js";
import { decodeMultipartReply, decodeMultipartRequest, encodeMultipartReply, encodeMultipartRequest } from "./multipart.js";
import { decodeNxmMatchWithCookie, decodeNxmTlvAsOxm, writeNxmMatch } from "./nxm.js";
import { decodeOxmMatch, decodeOxmMatchFast, writeOxmMatch } from "./oxm.js";
import { OFP10_PHY_PORT_LEN, OFP13_PORT_LEN, decodePortDesc, port16to32, port32to16, writePortDesc } from "./port.js";
import { fail, ok, type Result } from "./result.js";
import { Writer, readU16, readU32, readU64, viewOf } from "./wire.js";

export const SUPPORTED_VERSIONS: readonly OfVersion[] = [0x01, 0x04];

const FLOW_MOD_COMMANDS: readonly FlowModCommand[] = ["add", "modify", "modify_strict", "delete", "delete_strict"];
const ROLES13: readonly OfRole[] = ["nochange", "equal", "master", "slave"];
const NX_ROLES: readonly OfRole[] = ["equal", "master", "slave"];

const badLen = (what: string): Result<never> => fail(ofError("BAD_REQUEST_BAD_LEN", what));

/**
 * Decodes one whole message (as FrameSplitter yields it). `options.flowModTableId`: the
 * connection enabled NXT_FLOW_MOD_TABLE_ID, so an OF1.0 flow_mod's command carries a table id.
 */
export function decodeMessage(raw: Uint8Array, options: DecodeOptions = NO_OPTIONS): Result<DecodedMessage> {
  if (raw.length < OFP_HEADER_LEN) return badLen(`message of ${raw.length} bytes`);
  const length = readU16(raw, 2);
  if (length !== raw.length) return badLen(`header length ${length} but ${raw.length} bytes`);
  const version = raw[0]!;
  if (version !== 0x01 && version !== 0x04) {
    return fail(ofError("BAD_REQUEST_BAD_VERSION", `OpenFlow version 0x${version.toString(16)}`));
  }
  const type = raw[1]!;
  let msg: Result<OfMessage>;
  try {
    if (version === 0x04 && type === OFPT13.FLOW_MOD) msg = decodeFlowMod13(raw);
    else msg = version === 0x01 ? decode10(raw, type, options) : decode13(raw, type, options);
  } catch (err) {
    // A bounds slip in a body decoder must still be an error value for the peer, not a crash.
    msg = badLen(`malformed message type ${type}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return msg.ok ? ok({ version, xid: readU32(raw, 4), msg: msg.value }) : msg;
}

const NO_OPTIONS: DecodeOptions = {};

function decodeCommon(raw: Uint8Array, type: number, options: DecodeOptions): Result<OfMessage> | undefined {
  const v = viewOf(raw);
  const n = raw.length;
  switch (type) {
    case 0:
      return decodeHello(raw);
    case 1: {
      if (n < 12) return badLen("error message shorter than 12 bytes");
      const errType = v.getUint16(8);
      if (errType === 0xffff && raw[0] === 0x04) {
        if (n < 16) return badLen("experimenter error shorter than 16 bytes");
        return ok({ type: "error", errType, code: v.getUint16(10), experimenter: v.getUint32(12), data: raw.slice(16) });
      }
      return ok({ type: "error", errType, code: v.getUint16(10), data: raw.slice(12) });
    }
    case 2:
      return ok({ type: "echo_request", data: raw.slice(8) });
    case 3:
      return ok({ type: "echo_reply", data: raw.slice(8) });
    case 4:
      return decodeVendor(raw, options);
    case 5:
      return n === 8 ? ok({ type: "features_request" }) : badLen("features_request with a body");
    case 6:
      return decodeFeaturesReply(raw);
    case 7:
      return n === 8 ? ok({ type: "get_config_request" }) : badLen("get_config_request with a body");
    case 8:
    case 9: {
      if (n !== 12) return badLen(`switch config of ${n} bytes`);
      const flags = v.getUint16(8);
      const missSendLen = v.getUint16(10);
      return ok(type === 8 ? { type: "get_config_reply", flags, missSendLen } : { type: "set_config", flags, missSendLen });
    }
    case 10:
      return decodePacketIn(raw);
    case 11:
      return decodeFlowRemoved(raw);
    case 12: {
      const want = 16 + (raw[0] === 0x01 ? OFP10_PHY_PORT_LEN : OFP13_PORT_LEN);
      if (n !== want) return badLen(`port_status of ${n} bytes`);
      return ok({ type: "port_status", reason: raw[8]!, desc: decodePortDesc(raw[0]!, raw, 16) });
    }
    case 13:
      return decodePacketOut(raw);
    case 14:
      return undefined; // flow_mod: version-specific
    default:
      return undefined;
  }
}

function decode10(raw: Uint8Array, type: number, options: DecodeOptions): Result<OfMessage> {
  const common = decodeCommon(raw, type, options);
  if (common !== undefined) return common;
  const v = viewOf(raw);
  const n = raw.length;
  switch (type) {
    case OFPT10.FLOW_MOD:
      return decodeFlowMod10(raw, options);
    case OFPT10.PORT_MOD:
      if (n !== 32) return badLen(`port_mod of ${n} bytes`);
      return ok({
        type: "port_mod",
        portNo: port16to32(v.getUint16(8)),
        hwAddr: raw.slice(10, 16),
        config: v.getUint32(16),
        mask: v.getUint32(20),
        advertise: v.getUint32(24),
      });
    case OFPT10.STATS_REQUEST: {
      const body = decodeMultipartRequest(0x01, raw);
      return body.ok ? ok({ type: "multipart_request", body: body.value }) : body;
    }
    case OFPT10.STATS_REPLY: {
      const body = decodeMultipartReply(0x01, raw);
      return body.ok ? ok({ type: "multipart_reply", body: body.value }) : body;
    }
    case OFPT10.QUEUE_GET_CONFIG_REQUEST:
      return n === 12 ? ok({ type: "queue_get_config_request", port: port16to32(v.getUint16(8)) }) : badLen(`queue_get_config_request of ${n} bytes`);
    case OFPT10.QUEUE_GET_CONFIG_REPLY:
      return decodeQueueReply(raw);
    case OFPT10.BARRIER_REQUEST:
      return n === 8 ? ok({ type: "barrier_request" }) : badLen("barrier_request with a body");
    case OFPT10.BARRIER_REPLY:
      return n === 8 ? ok({ type: "barrier_reply" }) : badLen("barrier_reply with a body");
    default:
      return fail(ofError("BAD_REQUEST_BAD_TYPE", `OpenFlow 1.0 message type ${type}`));
  }
}

function decode13(raw: Uint8Array, type: number, options: DecodeOptions): Result<OfMessage> {
  const common = decodeCommon(raw, type, options);
  if (common !== undefined) return common;
  const v = viewOf(raw);
  const n = raw.length;
  switch (type) {
    case OFPT13.FLOW_MOD:
      return decodeFlowMod13(raw);
    case OFPT13.GROUP_MOD: {
      const body = decodeGroupMod(0x04, raw.subarray(8));
      return body.ok ? ok({ type: "group_mod", body: body.value }) : body;
    }
    case OFPT13.PORT_MOD:
      if (n !== 40) return badLen(`port_mod of ${n} bytes`);
      return ok({
        type: "port_mod",
        portNo: v.getUint32(8),
        hwAddr: raw.slice(16, 22),
        config: v.getUint32(24),
        mask: v.getUint32(28),
        advertise: v.getUint32(32),
      });
    case OFPT13.TABLE_MOD:
      if (n !== 16) return badLen(`table_mod of ${n} bytes`);
      return ok({ type: "table_mod", tableId: raw[8]!, config: v.getUint32(12) });
    case OFPT13.MULTIPART_REQUEST: {
      const body = decodeMultipartRequest(0x04, raw);
      return body.ok ? ok({ type: "multipart_request", body: body.value }) : body;
    }
    case OFPT13.MULTIPART_REPLY: {
      const body = decodeMultipartReply(0x04, raw);
      return body.ok ? ok({ type: "multipart_reply", body: body.value }) : body;
    }
    case OFPT13.QUEUE_GET_CONFIG_REQUEST:
      return n === 16 ? ok({ type: "queue_get_config_request", port: v.getUint32(8) }) : badLen(`queue_get_config_request of ${n} bytes`);
    case OFPT13.QUEUE_GET_CONFIG_REPLY:
      return decodeQueueReply(raw);
    case OFPT13.BARRIER_REQUEST:
      return n === 8 ? ok({ type: "barrier_request" }) : badLen("barrier_request with a body");
    case OFPT13.BARRIER_REPLY:
      return n === 8 ? ok({ type: "barrier_reply" }) : badLen("barrier_reply with a body");
    case OFPT13.ROLE_REQUEST:
    case OFPT13.ROLE_REPLY: {
      if (n !== 24) return badLen(`role message of ${n} bytes`);
      const code = v.getUint32(8);
      const role = ROLES13[code];
      if (role === undefined) return fail(ofError("ROLE_REQUEST_FAILED_BAD_ROLE", `role ${code}`));
      const generationId = v.getBigUint64(16);
      return ok(type === OFPT13.ROLE_REQUEST ? { type: "role_request", role, generationId } : { type: "role_reply", role, generationId });
    }
    case OFPT13.GET_ASYNC_REQUEST:
      return n === 8 ? ok({ type: "get_async_request" }) : badLen("get_async_request with a body");
    case OFPT13.GET_ASYNC_REPLY:
    case OFPT13.SET_ASYNC: {
      if (n !== 32) return badLen(`async config of ${n} bytes`);
      const masks: AsyncMasks = {
        packetIn: [v.getUint32(8), v.getUint32(12)],
        portStatus: [v.getUint32(16), v.getUint32(20)],
        flowRemoved: [v.getUint32(24), v.getUint32(28)],
      };
      return ok(type === OFPT13.SET_ASYNC ? { type: "set_async", masks } : { type: "get_async_reply", masks });
    }
    case OFPT13.METER_MOD: {
      const body = decodeMeterMod(0x04, raw.subarray(8));
      return body.ok ? ok({ type: "meter_mod", body: body.value }) : body;
    }
    default:
      return fail(ofError("BAD_REQUEST_BAD_TYPE", `OpenFlow 1.3 message type ${type}`));
  }
}

/** OFPT_QUEUE_GET_CONFIG_REPLY: port, then ofp_packet_queue entries (1.0: 8-byte header; 1.3: 16). */
function decodeQueueReply(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  const is10 = raw[0] === 0x01;
  if (raw.length < 16) return badLen(`queue_get_config_reply of ${raw.length} bytes`);
  const port = is10 ? port16to32(v.getUint16(8)) : v.getUint32(8);
  const hdr = is10 ? 8 : 16;
  const queues: PacketQueue[] = [];
  for (let at = 16; at < raw.length; ) {
    if (raw.length - at < hdr) return badLen("truncated ofp_packet_queue");
    const len = v.getUint16(is10 ? at + 4 : at + 8);
    if (len < hdr || at + len > raw.length) return badLen(`ofp_packet_queue of length ${len}`);
    queues.push({ queueId: v.getUint32(at), port: is10 ? port : v.getUint32(at + 4), properties: raw.slice(at + hdr, at + len) });
    at += len;
  }
  return ok({ type: "queue_get_config_reply", port, queues });
}

function decodeHello(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  let at = 8;
  while (at + 4 <= raw.length) {
    const type = v.getUint16(at);
    const len = v.getUint16(at + 2);
    if (len < 4 || at + len > raw.length) return badLen(`hello element of length ${len}`);
    if (type === 1) {
      const versions: number[] = [];
      for (let word = 0; 4 + 4 * word + 4 <= len; word++) {
        const bits = v.getUint32(at + 4 + 4 * word);
        for (let bit = 0; bit < 32; bit++) if ((bits >>> bit) & 1) versions.push(32 * word + bit);
      }
      return ok({ type: "hello", versions });
    }
    at += (len + 7) & ~7;
  }
  return ok({ type: "hello", versions: undefined });
}

function decodeFeaturesReply(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  const version = raw[0]!;
  if (version === 0x04) {
    if (raw.length !== 32) return badLen(`features_reply of ${raw.length} bytes`);
  } else if (raw.length < 32 || (raw.length - 32) % OFP10_PHY_PORT_LEN !== 0) {
    return badLen(`features_reply of ${raw.length} bytes`);
  }
  const ports = [];
  if (version === 0x01) for (let at = 32; at < raw.length; at += OFP10_PHY_PORT_LEN) ports.push(decodePortDesc(0x01, raw, at));
  const msg: FeaturesReply = {
    type: "features_reply",
    datapathId: v.getBigUint64(8),
    nBuffers: v.getUint32(16),
    nTables: raw[20]!,
    auxiliaryId: version === 0x04 ? raw[21]! : 0,
    capabilities: v.getUint32(24),
    actions: version === 0x01 ? v.getUint32(28) : 0,
    ports,
  };
  return ok(msg);
}

function decodePacketIn(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw[0] === 0x01) {
    if (raw.length < 18) return badLen(`packet_in of ${raw.length} bytes`);
    const inPort = port16to32(v.getUint16(14));
    const msg: PacketIn = {
      type: "packet_in",
      bufferId: v.getUint32(8),
      totalLen: v.getUint16(12),
      reason: raw[16]!,
      tableId: 0,
      cookie: 0n,
      match: [{ field: OxmField.IN_PORT, value: BigInt(inPort), mask: 0xffffffffn }],
      data: raw.slice(18),
    };
    return ok(msg);
  }
  if (raw.length < 32) return badLen(`packet_in of ${raw.length} bytes`);
  const m = decodeOxmMatch(raw, 24, decodeNxmTlvAsOxm);
  if (!m.ok) return m;
  const dataAt = 24 + m.value.length + 2;
  if (dataAt > raw.length) return badLen("packet_in match runs past the message");
  return ok({
    type: "packet_in",
    bufferId: v.getUint32(8),
    totalLen: v.getUint16(12),
    reason: raw[14]!,
    tableId: raw[15]!,
    cookie: v.getBigUint64(16),
    match: m.value.match,
    data: raw.slice(dataAt),
  });
}

function decodeFlowRemoved(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw[0] === 0x01) {
    if (raw.length !== 88) return badLen(`flow_removed of ${raw.length} bytes`);
    const m = decodeMatch10(raw, 8);
    if (!m.ok) return m;
    const msg: FlowRemoved = {
      type: "flow_removed",
      match: m.value,
      cookie: v.getBigUint64(48),
      priority: v.getUint16(56),
      reason: raw[58]!,
      tableId: 0,
      durationSec: v.getUint32(60),
      durationNsec: v.getUint32(64),
      idleTimeout: v.getUint16(68),
      hardTimeout: 0,
      packetCount: v.getBigUint64(72),
      byteCount: v.getBigUint64(80),
    };
    return ok(msg);
  }
  if (raw.length < 56) return badLen(`flow_removed of ${raw.length} bytes`);
  const m = decodeOxmMatch(raw, 48, decodeNxmTlvAsOxm);
  if (!m.ok) return m;
  if (48 + m.value.length !== raw.length) return badLen("flow_removed length disagrees with its match");
  return ok({
    type: "flow_removed",
    cookie: v.getBigUint64(8),
    priority: v.getUint16(16),
    reason: raw[18]!,
    tableId: raw[19]!,
    durationSec: v.getUint32(20),
    durationNsec: v.getUint32(24),
    idleTimeout: v.getUint16(28),
    hardTimeout: v.getUint16(30),
    packetCount: v.getBigUint64(32),
    byteCount: v.getBigUint64(40),
    match: m.value.match,
  });
}

function decodePacketOut(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  const is10 = raw[0] === 0x01;
  const fixed = is10 ? 16 : 24;
  if (raw.length < fixed) return badLen(`packet_out of ${raw.length} bytes`);
  const actionsLen = v.getUint16(is10 ? 14 : 16);
  if (fixed + actionsLen > raw.length) return badLen(`packet_out actions_len ${actionsLen} runs past the message`);
  const actions = decodeActions(raw[0]!, raw, fixed, actionsLen);
  if (!actions.ok) return actions;
  return ok({
    type: "packet_out",
    bufferId: v.getUint32(8),
    inPort: is10 ? port16to32(v.getUint16(12)) : v.getUint32(12),
    actions: actions.value,
    data: raw.slice(fixed + actionsLen),
  });
}

function flowModFlags10(wire: number): number {
  return (wire & ~4) | (wire & 4 ? OFPFF.EMERG_10 : 0);
}

function flowModFlagsTo10(flags: number): number {
  return (flags & ~OFPFF.EMERG_10 & 0xffff) | (flags & OFPFF.EMERG_10 ? 4 : 0);
}

function commandOf(code: number): Result<FlowModCommand> {
  const c = FLOW_MOD_COMMANDS[code];
  return c === undefined ? fail(ofError("FLOW_MOD_FAILED_BAD_COMMAND", `flow_mod command ${code}`)) : ok(c);
}

function decodeFlowMod10(raw: Uint8Array, options: DecodeOptions): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw.length < 72) return badLen(`flow_mod of ${raw.length} bytes`);
  const m = decodeMatch10(raw, 8);
  if (!m.ok) return m;
  const wireCommand = v.getUint16(56);
  const tableId = options.flowModTableId ? wireCommand >> 8 : OFPTT_ALL;
  const command = commandOf(options.flowModTableId ? wireCommand & 0xff : wireCommand);
  if (!command.ok) return command;
  const actions = decodeActions(0x01, raw, 72, raw.length - 72);
  if (!actions.ok) return actions;
  const msg: FlowMod = {
    type: "flow_mod",
    command: command.value,
    cookie: v.getBigUint64(48),
    cookieMask: 0n,
    tableId,
    idleTimeout: v.getUint16(58),
    hardTimeout: v.getUint16(60),
    priority: v.getUint16(62),
    bufferId: v.getUint32(64),
    outPort: port16to32(v.getUint16(68)),
    outGroup: OFPG.ANY,
    flags: flowModFlags10(v.getUint16(70)),
    match: m.value,
    instructions: applyOnly(retargetL4(actions.value, m.value)),
  };
  return ok(msg);
}

/**
 * OpenFlow 1.3 flow_mod. The hot path: the common match and instructions are read by the fast
 * decoders (no object per field, shared instructions); anything else, and every error, by the
 * general ones.
 */
function decodeFlowMod13(raw: Uint8Array): Result<OfMessage> {
  if (raw.length < 56) return badLen(`flow_mod of ${raw.length} bytes`);
  const command = FLOW_MOD_COMMANDS[raw[25]!];
  if (command === undefined) return fail(ofError("FLOW_MOD_FAILED_BAD_COMMAND", `flow_mod command ${raw[25]!}`));
  let match: Match;
  let matchLen: number;
  const fast = decodeOxmMatchFast(raw, 48);
  if (fast !== undefined) {
    match = fast.match;
    matchLen = fast.length;
  } else {
    const m = decodeOxmMatch(raw, 48, decodeNxmTlvAsOxm);
    if (!m.ok) return m;
    match = m.value.match;
    matchLen = m.value.length;
  }
  const insAt = 48 + matchLen;
  let instructions = sharedSingleOutput(raw, insAt, raw.length - insAt);
  if (instructions === undefined) {
    const ins = decodeInstructions(0x04, raw, insAt, raw.length - insAt);
    if (!ins.ok) return ins;
    instructions = ins.value;
  }
  const msg: FlowMod = {
    type: "flow_mod",
    command,
    cookie: readU64(raw, 8),
    cookieMask: readU64(raw, 16),
    tableId: raw[24]!,
    idleTimeout: readU16(raw, 26),
    hardTimeout: readU16(raw, 28),
    priority: readU16(raw, 30),
    bufferId: readU32(raw, 32),
    outPort: readU32(raw, 36),
    outGroup: readU32(raw, 40),
    flags: readU16(raw, 44),
    match,
    instructions,
  };
  return ok(msg);
}

/** NXT_FLOW_MOD: an OF1.0-style flow_mod with an NXM match (and NXM_NX_COOKIE for cookie filters). */
function decodeNxFlowMod(raw: Uint8Array, options: DecodeOptions): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw.length < 48) return badLen(`NXT_FLOW_MOD of ${raw.length} bytes`);
  const matchLen = v.getUint16(40);
  const actionsAt = 48 + ((matchLen + 7) & ~7);
  if (actionsAt > raw.length) return badLen(`NXT_FLOW_MOD match_len ${matchLen} runs past the message`);
  const nxm = decodeNxmMatchWithCookie(raw, 48, matchLen);
  if (!nxm.ok) return nxm;
  const wireCommand = v.getUint16(24);
  const command = commandOf(options.flowModTableId ? wireCommand & 0xff : wireCommand);
  if (!command.ok) return command;
  const actions = decodeActions(0x01, raw, actionsAt, raw.length - actionsAt);
  if (!actions.ok) return actions;
  const headerCookie = v.getBigUint64(16);
  const adds = command.value === "add";
  const filtered = !adds && nxm.value.cookieMask !== 0n;
  const msg: FlowMod = {
    type: "flow_mod",
    command: command.value,
    cookie: filtered ? nxm.value.cookie : headerCookie,
    cookieMask: filtered ? nxm.value.cookieMask : 0n,
    ...(filtered ? { newCookie: headerCookie } : {}),
    tableId: options.flowModTableId ? wireCommand >> 8 : OFPTT_ALL,
    idleTimeout: v.getUint16(26),
    hardTimeout: v.getUint16(28),
    priority: v.getUint16(30),
    bufferId: v.getUint32(32),
    outPort: port16to32(v.getUint16(36)),
    outGroup: OFPG.ANY,
    flags: flowModFlags10(v.getUint16(38)),
    match: nxm.value.match,
    instructions: applyOnly(retargetL4(actions.value, nxm.value.match)),
    wire: "nxm",
  };
  return ok(msg);
}

/** NXT_FLOW_REMOVED: cookie, priority, reason, table id + 1, durations, idle timeout, match_len, counters, nx_match. */
function decodeNxFlowRemoved(raw: Uint8Array): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw.length < 56) return badLen(`NXT_FLOW_REMOVED of ${raw.length} bytes`);
  const matchLen = v.getUint16(38);
  if (56 + ((matchLen + 7) & ~7) !== raw.length) return badLen(`NXT_FLOW_REMOVED match_len ${matchLen} disagrees with its length`);
  const nxm = decodeNxmMatchWithCookie(raw, 56, matchLen, false);
  if (!nxm.ok) return nxm;
  return ok({
    type: "flow_removed",
    cookie: v.getBigUint64(16),
    priority: v.getUint16(24),
    reason: raw[26]!,
    // Open vSwitch stores table_id + 1 here (0: unknown, which becomes 0xff).
    tableId: (raw[27]! - 1) & 0xff,
    durationSec: v.getUint32(28),
    durationNsec: v.getUint32(32),
    idleTimeout: v.getUint16(36),
    hardTimeout: 0,
    packetCount: v.getBigUint64(40),
    byteCount: v.getBigUint64(48),
    match: nxm.value.match,
    wire: "nxm",
  });
}

function decodeVendor(raw: Uint8Array, options: DecodeOptions): Result<OfMessage> {
  const v = viewOf(raw);
  if (raw.length < 12) return badLen(`vendor message of ${raw.length} bytes`);
  const vendor = v.getUint32(8);
  if (vendor !== NX_VENDOR_ID) {
    // Includes ONF EXT-230 bundles on OpenFlow 1.3 (DESIGN.md §2: refused, never a silent success).
    return fail(ofError("BAD_REQUEST_BAD_EXPERIMENTER", `experimenter 0x${vendor.toString(16)}`));
  }
  if (raw.length < 16) return badLen(`Nicira message of ${raw.length} bytes`);
  const subtype = v.getUint32(12);
  const u32Body = (make: (x: number) => Result<OfMessage>): Result<OfMessage> =>
    raw.length === 20 ? make(v.getUint32(16)) : badLen(`Nicira subtype ${subtype} of ${raw.length} bytes`);
  switch (subtype) {
    case NXT.ROLE_REQUEST:
    case NXT.ROLE_REPLY:
      return u32Body((code) => {
        const role = NX_ROLES[code];
        if (role === undefined) return fail(ofError("ROLE_REQUEST_FAILED_BAD_ROLE", `Nicira role ${code}`));
        return ok(subtype === NXT.ROLE_REQUEST ? { type: "nx_role_request", role } : { type: "nx_role_reply", role });
      });
    case NXT.SET_FLOW_FORMAT:
      return u32Body((format) => ok({ type: "nx_set_flow_format", format }));
    case NXT.SET_PACKET_IN_FORMAT:
      return u32Body((format) => ok({ type: "nx_set_packet_in_format", format }));
    case NXT.FLOW_MOD_TABLE_ID:
      return raw.length === 24 ? ok({ type: "nx_flow_mod_table_id", enable: raw[16] !== 0 }) : badLen(`NXT_FLOW_MOD_TABLE_ID of ${raw.length} bytes`);
    case NXT.FLOW_MOD:
      return decodeNxFlowMod(raw, options);
    case NXT.FLOW_REMOVED:
      return decodeNxFlowRemoved(raw);
    default:
      return fail(ofError("BAD_REQUEST_BAD_EXP_TYPE", `Nicira subtype ${subtype}`));
  }
}

// ---- encoding ---------------------------------------------------------------------------

function begin(version: OfVersion, type: number, xid: number, capacity = 64): Writer {
  const w = new Writer(capacity);
  w.u8(version).u8(type).u16(0).u32(xid);
  return w;
}

function end(w: Writer): Uint8Array {
  if (w.length > OFP_MAX_MESSAGE_LEN) throw new Error(`OpenFlow message of ${w.length} bytes exceeds 65535`);
  w.setU16(2, w.length);
  return w.finish();
}

function nxHeader(version: OfVersion, xid: number, subtype: number): Writer {
  return begin(version, 4, xid).u32(NX_VENDOR_ID).u32(subtype);
}

function need13(version: OfVersion, what: string): void {
  if (version !== 0x04) throw new Error(`${what} has no OpenFlow 1.0 encoding`);
}

/**
 * Encodes one message. A multipart reply longer than one message is concatenated here; use
 * encodeMessages to get the separate messages.
 */
export function encodeMessage(version: OfVersion, xid: number, msg: OfMessage): Uint8Array {
  const parts = encodeMessages(version, xid, msg);
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every message needed to carry `msg` (a multipart reply is split at 64 KiB with the MORE flag). */
export function encodeMessages(version: OfVersion, xid: number, msg: OfMessage): Uint8Array[] {
  if (msg.type === "multipart_reply") return encodeMultipartReply(version, xid, msg.body);
  return [encodeOne(version, xid, msg)];
}

function encodeOne(version: OfVersion, xid: number, msg: OfMessage): Uint8Array {
  const is10 = version === 0x01;
  switch (msg.type) {
    case "hello": {
      const w = begin(version, 0, xid);
      if (msg.versions !== undefined) {
        const words = Math.max(1, Math.floor(Math.max(...msg.versions, 0) / 32) + 1);
        const bits = new Array<number>(words).fill(0);
        for (const ver of msg.versions) bits[ver >> 5]! |= 1 << (ver & 31);
        w.u16(1).u16(4 + 4 * words);
        for (const b of bits) w.u32(b);
        w.padTo(8);
      }
      return end(w);
    }
    case "error": {
      const w = begin(version, 1, xid, 16 + msg.data.length);
      w.u16(msg.errType).u16(msg.code);
      if (msg.experimenter !== undefined && !is10) w.u32(msg.experimenter);
      return end(w.bytes(msg.data));
    }
    case "echo_request":
      return end(begin(version, 2, xid, 8 + msg.data.length).bytes(msg.data));
    case "echo_reply":
      return end(begin(version, 3, xid, 8 + msg.data.length).bytes(msg.data));
    case "features_request":
      return end(begin(version, 5, xid));
    case "features_reply": {
      const w = begin(version, 6, xid, 32 + 48 * msg.ports.length);
      w.u64(msg.datapathId).u32(msg.nBuffers).u8(msg.nTables).u8(is10 ? 0 : msg.auxiliaryId).zeros(2);
      w.u32(msg.capabilities).u32(is10 ? msg.actions : 0);
      if (is10) for (const p of msg.ports) writePortDesc(w, 0x01, p);
      return end(w);
    }
    case "get_config_request":
      return end(begin(version, 7, xid));
    case "get_config_reply":
      return end(begin(version, 8, xid).u16(msg.flags).u16(msg.missSendLen));
    case "set_config":
      return end(begin(version, 9, xid).u16(msg.flags).u16(msg.missSendLen));
    case "packet_in":
      return encodePacketIn(version, xid, msg);
    case "flow_removed":
      return encodeFlowRemoved(version, xid, msg);
    case "port_status": {
      const w = begin(version, 12, xid, 80).u8(msg.reason).zeros(7);
      writePortDesc(w, version, msg.desc);
      return end(w);
    }
    case "packet_out": {
      const w = begin(version, 13, xid, 32 + msg.data.length).u32(msg.bufferId);
      if (is10) w.u16(port32to16(msg.inPort)).u16(0);
      else w.u32(msg.inPort).u16(0).zeros(6);
      const actionsAt = w.length;
      writeActions(w, version, msg.actions);
      w.setU16(is10 ? 14 : 16, w.length - actionsAt);
      return end(w.bytes(msg.data));
    }
    case "flow_mod":
      return encodeFlowMod(version, xid, msg);
    case "port_mod": {
      if (is10) {
        const w = begin(version, OFPT10.PORT_MOD, xid).u16(port32to16(msg.portNo)).bytes(msg.hwAddr.subarray(0, 6));
        return end(w.u32(msg.config).u32(msg.mask).u32(msg.advertise).zeros(4));
      }
      const w = begin(version, OFPT13.PORT_MOD, xid).u32(msg.portNo).zeros(4).bytes(msg.hwAddr.subarray(0, 6)).zeros(2);
      return end(w.u32(msg.config).u32(msg.mask).u32(msg.advertise).zeros(4));
    }
    case "table_mod":
      need13(version, "table_mod");
      return end(begin(version, OFPT13.TABLE_MOD, xid).u8(msg.tableId).zeros(3).u32(msg.config));
    case "group_mod":
      need13(version, "group_mod");
      return encodeGroupMod(version, xid, msg.body);
    case "meter_mod":
      need13(version, "meter_mod");
      return encodeMeterMod(version, xid, msg.body);
    case "multipart_request":
      return encodeMultipartRequest(version, xid, msg.body);
    case "multipart_reply":
      return encodeMessage(version, xid, msg);
    case "queue_get_config_request": {
      const w = begin(version, is10 ? OFPT10.QUEUE_GET_CONFIG_REQUEST : OFPT13.QUEUE_GET_CONFIG_REQUEST, xid);
      return end(is10 ? w.u16(port32to16(msg.port)).zeros(2) : w.u32(msg.port).zeros(4));
    }
    case "queue_get_config_reply": {
      const w = begin(version, is10 ? OFPT10.QUEUE_GET_CONFIG_REPLY : OFPT13.QUEUE_GET_CONFIG_REPLY, xid);
      if (is10) w.u16(port32to16(msg.port)).zeros(6);
      else w.u32(msg.port).zeros(4);
      for (const q of msg.queues) {
        if (is10) w.u32(q.queueId).u16(8 + q.properties.length).zeros(2);
        else w.u32(q.queueId).u32(q.port).u16(16 + q.properties.length).zeros(6);
        w.bytes(q.properties);
      }
      return end(w);
    }
    case "barrier_request":
      return end(begin(version, is10 ? OFPT10.BARRIER_REQUEST : OFPT13.BARRIER_REQUEST, xid));
    case "barrier_reply":
      return end(begin(version, is10 ? OFPT10.BARRIER_REPLY : OFPT13.BARRIER_REPLY, xid));
    case "role_request":
    case "role_reply":
      need13(version, msg.type);
      return end(
        begin(version, msg.type === "role_request" ? OFPT13.ROLE_REQUEST : OFPT13.ROLE_REPLY, xid)
          .u32(ROLES13.indexOf(msg.role))
          .zeros(4)
          .u64(msg.generationId),
      );
    case "get_async_request":
      need13(version, msg.type);
      return end(begin(version, OFPT13.GET_ASYNC_REQUEST, xid));
    case "get_async_reply":
    case "set_async": {
      need13(version, msg.type);
      const w = begin(version, msg.type === "set_async" ? OFPT13.SET_ASYNC : OFPT13.GET_ASYNC_REPLY, xid);
      const m = msg.masks;
      return end(w.u32(m.packetIn[0]).u32(m.packetIn[1]).u32(m.portStatus[0]).u32(m.portStatus[1]).u32(m.flowRemoved[0]).u32(m.flowRemoved[1]));
    }
    case "nx_role_request":
    case "nx_role_reply": {
      const code = Math.max(0, NX_ROLES.indexOf(msg.role));
      return end(nxHeader(version, xid, msg.type === "nx_role_request" ? NXT.ROLE_REQUEST : NXT.ROLE_REPLY).u32(code));
    }
    case "nx_set_flow_format":
      return end(nxHeader(version, xid, NXT.SET_FLOW_FORMAT).u32(msg.format));
    case "nx_set_packet_in_format":
      return end(nxHeader(version, xid, NXT.SET_PACKET_IN_FORMAT).u32(msg.format));
    case "nx_flow_mod_table_id":
      return end(nxHeader(version, xid, NXT.FLOW_MOD_TABLE_ID).u8(msg.enable ? 1 : 0).zeros(7));
  }
}

function inPortOf(match: Match): number {
  const f = getField(match, OxmField.IN_PORT);
  return f === undefined ? 0 : Number(f.value);
}

function encodePacketIn(version: OfVersion, xid: number, msg: PacketIn): Uint8Array {
  const w = begin(version, 10, xid, 64 + msg.data.length).u32(msg.bufferId).u16(msg.totalLen);
  if (version === 0x01) {
    w.u16(port32to16(inPortOf(msg.match))).u8(msg.reason).u8(0);
  } else {
    w.u8(msg.reason).u8(msg.tableId).u64(msg.cookie);
    writeOxmMatch(w, msg.match);
    w.zeros(2);
  }
  return end(w.bytes(msg.data));
}

function encodeFlowRemoved(version: OfVersion, xid: number, msg: FlowRemoved): Uint8Array {
  if (version === 0x01 && msg.wire === "nxm") {
    const w = nxHeader(version, xid, NXT.FLOW_REMOVED);
    w.u64(msg.cookie).u16(msg.priority).u8(msg.reason).u8((msg.tableId + 1) & 0xff);
    w.u32(msg.durationSec).u32(msg.durationNsec).u16(msg.idleTimeout);
    const lenAt = w.length;
    w.u16(0).u64(msg.packetCount).u64(msg.byteCount);
    w.setU16(lenAt, writeNxmMatch(w, msg.match));
    return end(w.padTo(8));
  }
  const w = begin(version, 11, xid, 128);
  if (version === 0x01) {
    writeMatch10(w, msg.match);
    w.u64(msg.cookie).u16(msg.priority).u8(msg.reason).u8(0);
    w.u32(msg.durationSec).u32(msg.durationNsec).u16(msg.idleTimeout).zeros(2);
    return end(w.u64(msg.packetCount).u64(msg.byteCount));
  }
  w.u64(msg.cookie).u16(msg.priority).u8(msg.reason).u8(msg.tableId);
  w.u32(msg.durationSec).u32(msg.durationNsec).u16(msg.idleTimeout).u16(msg.hardTimeout);
  w.u64(msg.packetCount).u64(msg.byteCount);
  writeOxmMatch(w, msg.match);
  return end(w);
}

function commandCode(c: FlowModCommand): number {
  return FLOW_MOD_COMMANDS.indexOf(c);
}

function encodeFlowMod(version: OfVersion, xid: number, msg: FlowMod): Uint8Array {
  const ins: Instructions = msg.instructions ?? NO_INSTRUCTIONS;
  if (version === 0x04) {
    const w = begin(version, OFPT13.FLOW_MOD, xid, 128);
    w.u64(msg.cookie).u64(msg.cookieMask).u8(msg.tableId).u8(commandCode(msg.command));
    w.u16(msg.idleTimeout).u16(msg.hardTimeout).u16(msg.priority).u32(msg.bufferId);
    w.u32(msg.outPort).u32(msg.outGroup).u16(msg.flags & 0xffff & ~OFPFF.EMERG_10).zeros(2);
    writeOxmMatch(w, msg.match);
    writeInstructions(w, ins);
    return end(w);
  }
  const actions: readonly Action[] = ins.applyActions;
  const command = commandCode(msg.command) | (msg.tableId !== OFPTT_ALL ? msg.tableId << 8 : 0);
  if (msg.wire === "nxm") {
    const filtered = msg.command !== "add" && msg.cookieMask !== 0n;
    const w = nxHeader(version, xid, NXT.FLOW_MOD);
    w.u64(filtered ? (msg.newCookie ?? 0n) : msg.cookie).u16(command);
    w.u16(msg.idleTimeout).u16(msg.hardTimeout).u16(msg.priority).u32(msg.bufferId);
    w.u16(port32to16(msg.outPort === OFPP.ANY ? OFPP.ANY : msg.outPort)).u16(flowModFlagsTo10(msg.flags));
    const lenAt = w.length;
    w.u16(0).zeros(6);
    const matchLen = writeNxmMatch(w, msg.match, filtered ? msg.cookie : 0n, filtered ? msg.cookieMask : 0n);
    w.setU16(lenAt, matchLen);
    w.padTo(8);
    writeActions(w, 0x01, actions);
    return end(w);
  }
  const w = begin(version, OFPT10.FLOW_MOD, xid, 128);
  writeMatch10(w, msg.match);
  w.u64(msg.cookie).u16(command).u16(msg.idleTimeout).u16(msg.hardTimeout).u16(msg.priority);
  w.u32(msg.bufferId).u16(port32to16(msg.outPort)).u16(flowModFlagsTo10(msg.flags));
  writeActions(w, 0x01, actions);
  return end(w);
}

/**
 * OFPT_ERROR for `error`, answering the request with `xid` and quoting `request` (the whole
 * request, as Open vSwitch 3.1 does, cut to fit one message; at least its first 64 bytes).
 * Errors OpenFlow 1.0 lacks go as Nicira vendor errors (errors.ts).
 */
export function encodeError(version: OfVersion, xid: number, error: OfError, request: Uint8Array): Uint8Array {
  const enc = errorEncoding(error.name, version);
  const w = begin(version, 1, xid, 32 + Math.min(request.length, 1024));
  if (enc.vendor !== undefined && version === 0x01) {
    w.u16(NXET_VENDOR).u16(0).u32(enc.vendor).u16(enc.type).u16(enc.code);
  } else {
    w.u16(enc.type).u16(enc.code);
  }
  const room = OFP_MAX_MESSAGE_LEN - w.length;
  return end(w.bytes(request.subarray(0, Math.min(request.length, room))));
}

// The top-level OpenFlow codec: one whole message's bytes <-> { version, xid, msg: OfMessage }
// for OpenFlow 1.0 (0x01) and 1.3 (0x04), with the Nicira messages ovs-ofctl uses. Decoding
// checks the header and every length and returns OfError values (BAD_VERSION, BAD_TYPE,
// BAD_LEN, BAD_EXPERIMENTER, BAD_EXP_TYPE, and the match/action errors); it never throws.
// Multipart, group and meter bodies go to multipart.ts, group.ts and meter.ts. Encoding
// throws only for a message the version cannot carry (a caller bug). No I/O, no state.

import { OFPG, applyOnly } from "./actions.js";
import { decodeActions, retargetL4 } from "./action-codec.js";
import { ofError } from "./errors.js";
import { decodeGroupMod } from "./group.js";
import { FLOW_MOD_COMMANDS, NXT, NX_ROLES, NX_VENDOR_ID, OFPT10, OFPT13, OFP_HEADER_LEN, ROLES13, flowModFlags10 } from "./header.js";
import { decodeInstructions, sharedSingleOutput } from "./instruction-codec.js";
import { OxmField, type Match } from "./match.js";
import { decodeMatch10 } from "./match10.js";
import {
  OFPTT_ALL,
  type AsyncMasks,
  type DecodeOptions,
  type DecodedMessage,
  type FeaturesReply,
  type FlowMod,
  type FlowModCommand,
  type FlowRemoved,
  type OfMessage,
  type OfVersion,
  type PacketIn,
  type PacketQueue } from "./messages.js";
import { decodeMeterMod } from "./meter.js";
import { decodeMultipartReply, decodeMultipartRequest } from "./multipart.js";
import { decodeNxmMatchWithCookie, decodeNxmTlvAsOxm } from "./nxm.js";
import { decodeOxmMatch, decodeOxmMatchFast } from "./oxm.js";
import { OFP10_PHY_PORT_LEN, OFP13_PORT_LEN, decodePortDesc, port16to32 } from "./port.js";
import { fail, ok, type Result } from "./result.js";
import { readU16, readU32, readU64, viewOf } from "./wire.js";

export const SUPPORTED_VERSIONS: readonly OfVersion[] = [0x01, 0x04];


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

export { encodeError, encodeMessage, encodeMessages } from "./encode.js";

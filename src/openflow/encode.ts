// The encoding half of the top-level OpenFlow codec (codec.ts decodes): an OfMessage to the
// bytes of one whole message, or of several for a multipart reply longer than a message, for
// OpenFlow 1.0 and 1.3 with the Nicira messages ovs-ofctl uses; and OFPT_ERROR quoting a
// request, in each version's encoding of the error. Throws only for a message the version
// cannot carry (a caller bug). No I/O, no state.


import { NO_INSTRUCTIONS, OFPP, type Action, type Instructions } from "./actions.js";
import { writeActions } from "./action-codec.js";
import { NXET_VENDOR, errorEncoding, type OfError } from "./errors.js";
import { encodeGroupMod } from "./group.js";
import { NXT, NX_VENDOR_ID, OFPT10, OFPT13, OFP_MAX_MESSAGE_LEN } from "./header.js";
import { writeInstructions } from "./instruction-codec.js";
import { OxmField, getField, type Match } from "./match.js";
import { writeMatch10 } from "./match10.js";
import {
  OFPFF,
  OFPTT_ALL,
  type FlowMod,
  type FlowModCommand,
  type FlowRemoved,
  type OfMessage,
  type OfVersion,
  type PacketIn } from "./messages.js";
import { encodeMeterMod } from "./meter.js";
import { encodeMultipartReply, encodeMultipartRequest } from "./multipart.js";
import { writeNxmMatch } from "./nxm.js";
import { writeOxmMatch } from "./oxm.js";
import { port32to16, writePortDesc } from "./port.js";
import { Writer } from "./wire.js";

import { FLOW_MOD_COMMANDS, NX_ROLES, ROLES13, flowModFlagsTo10 } from "./header.js";

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

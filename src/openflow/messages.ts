// The typed OpenFlow message union: what the codec decodes bytes into and encodes from.
// Version-independent where OpenFlow 1.0 and 1.3 agree: ports are 32-bit OpenFlow 1.3
// numbers, matches are the internal Match, actions the internal Instructions, flag bits use
// OpenFlow 1.3 meanings (the codec converts OpenFlow 1.0's). Values that can pass 2^53
// (cookies, datapath ids, metadata, counters) are bigint. Plain data only: no I/O, no
// methods, no wire offsets.

import type { Action, Instructions } from "./actions.js";
import type { Match } from "./match.js";
import type { MultipartReply, MultipartRequest } from "./multipart-types.js";
import type { GroupMod } from "./group.js";
import type { MeterMod } from "./meter.js";

export type OfVersion = 0x01 | 0x04;
export const OFP10_VERSION = 0x01;
export const OFP13_VERSION = 0x04;

/** OFP_NO_BUFFER: buffer_id meaning "no buffered packet". */
export const OFP_NO_BUFFER = 0xffffffff;

/** Table id meaning "all tables" (OF1.3 OFPTT_ALL; OF1.0 flow_mods without a table id). */
export const OFPTT_ALL = 0xff;

export type FlowModCommand = "add" | "modify" | "modify_strict" | "delete" | "delete_strict";

/** Flow-mod flags with OpenFlow 1.3 bit meanings (OF1.0 EMERG gets a private bit). */
export const OFPFF = {
  SEND_FLOW_REM: 1 << 0,
  CHECK_OVERLAP: 1 << 1,
  RESET_COUNTS: 1 << 2,
  NO_PKT_COUNTS: 1 << 3,
  NO_BYT_COUNTS: 1 << 4,
  /** OpenFlow 1.0 OFPFF_EMERG (wire bit 2 in 1.0); never on the 1.3 wire. */
  EMERG_10: 1 << 15,
} as const;

/** Packet-in reasons (OpenFlow 1.3 ofp_packet_in_reason; 1.0 has the first two). */
export const OFPR = { NO_MATCH: 0, ACTION: 1, INVALID_TTL: 2 } as const;
/** Flow-removed reasons (OpenFlow 1.3; 1.0 lacks GROUP_DELETE). */
export const OFPRR = { IDLE_TIMEOUT: 0, HARD_TIMEOUT: 1, DELETE: 2, GROUP_DELETE: 3 } as const;
/** Port-status reasons. */
export const OFPPR = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** Port config bits (OpenFlow 1.3 ofp_port_config; 1.0's NO_STP/NO_RECV_STP/NO_FLOOD kept at their 1.0 bits). */
export const OFPPC = {
  PORT_DOWN: 1 << 0,
  NO_STP_10: 1 << 1,
  NO_RECV: 1 << 2,
  NO_RECV_STP_10: 1 << 3,
  NO_FLOOD_10: 1 << 4,
  NO_FWD: 1 << 5,
  NO_PACKET_IN: 1 << 6,
} as const;

/** Port state bits (OpenFlow 1.3 ofp_port_state). */
export const OFPPS = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;

/**
 * Port feature bits with OpenFlow 1.3 meanings (ofp_port_features). The codec maps OpenFlow
 * 1.0's layout (no 40G/100G/1T/OTHER; COPPER at bit 7) to and from these.
 */
export const OFPPF = {
  "10MB_HD": 1 << 0,
  "10MB_FD": 1 << 1,
  "100MB_HD": 1 << 2,
  "100MB_FD": 1 << 3,
  "1GB_HD": 1 << 4,
  "1GB_FD": 1 << 5,
  "10GB_FD": 1 << 6,
  "40GB_FD": 1 << 7,
  "100GB_FD": 1 << 8,
  "1TB_FD": 1 << 9,
  OTHER: 1 << 10,
  COPPER: 1 << 11,
  FIBER: 1 << 12,
  AUTONEG: 1 << 13,
  PAUSE: 1 << 14,
  PAUSE_ASYM: 1 << 15,
} as const;

/** One port's description (OF1.0 ofp_phy_port, OF1.3 ofp_port). */
export interface PortDesc {
  readonly portNo: number;
  /** 6 bytes. */
  readonly hwAddr: Uint8Array;
  /** At most 15 characters (16 with the NUL on the wire). */
  readonly name: string;
  readonly config: number;
  readonly state: number;
  readonly curr: number;
  readonly advertised: number;
  readonly supported: number;
  readonly peer: number;
  /** kbps; OpenFlow 1.3 only (0 when decoded from 1.0). */
  readonly currSpeed: number;
  /** kbps; OpenFlow 1.3 only (0 when decoded from 1.0). */
  readonly maxSpeed: number;
}

/** One queue of OFPT_QUEUE_GET_CONFIG_REPLY; properties stay as their wire bytes. */
export interface PacketQueue {
  readonly queueId: number;
  /** OpenFlow 1.3 only (the reply's port on 1.0). */
  readonly port: number;
  readonly properties: Uint8Array;
}

export type OfRole = "nochange" | "equal" | "master" | "slave";

/** OFPT_GET_ASYNC_REPLY / OFPT_SET_ASYNC masks: index 0 master/equal, index 1 slave. */
export interface AsyncMasks {
  readonly packetIn: readonly [number, number];
  readonly portStatus: readonly [number, number];
  readonly flowRemoved: readonly [number, number];
}

export interface FlowMod {
  readonly type: "flow_mod";
  readonly command: FlowModCommand;
  readonly cookie: bigint;
  /** OF1.0: 0 (no mask) unless it came as NXT_FLOW_MOD. */
  readonly cookieMask: bigint;
  /** OFPTT_ALL (0xff) for an OF1.0 flow_mod without a table id. */
  readonly tableId: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly priority: number;
  readonly bufferId: number;
  /** OFPP.ANY for none. */
  readonly outPort: number;
  /** OFPG.ANY for none (always on OF1.0). */
  readonly outGroup: number;
  /** OFPFF bits. */
  readonly flags: number;
  readonly match: Match;
  readonly instructions: Instructions;
  /**
   * NXT_FLOW_MOD modify/delete with an NXM_NX_COOKIE filter only: the header's cookie (the
   * value a modify would set), kept so the message encodes back to the same bytes.
   */
  readonly newCookie?: bigint;
  /** OpenFlow 1.4+ importance; never set by the 1.0/1.3 codec. */
  readonly importance?: number;
  /** OF1.0 only: the wire form it came in (or is to be sent in). Default "openflow10". */
  readonly wire?: "openflow10" | "nxm";
}

export interface PacketIn {
  readonly type: "packet_in";
  readonly bufferId: number;
  readonly totalLen: number;
  readonly reason: number;
  /** OF1.3 only (0 when decoded from 1.0). */
  readonly tableId: number;
  /** OF1.3 only (0 when decoded from 1.0). */
  readonly cookie: bigint;
  /** Carries at least IN_PORT (OF1.0: in_port is read from and written to this field). */
  readonly match: Match;
  readonly data: Uint8Array;
}

export interface FlowRemoved {
  readonly type: "flow_removed";
  readonly cookie: bigint;
  readonly priority: number;
  readonly reason: number;
  /** OF1.3 only. */
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly idleTimeout: number;
  /** OF1.3 only. */
  readonly hardTimeout: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  /**
   * OF1.0 only: "nxm" sends NXT_FLOW_REMOVED (NXM match, table id), as Open vSwitch does for a
   * connection whose flow format is NXM. Default "openflow10".
   */
  readonly wire?: "openflow10" | "nxm";
}

export interface FeaturesReply {
  readonly type: "features_reply";
  readonly datapathId: bigint;
  readonly nBuffers: number;
  readonly nTables: number;
  /** OF1.3 only. */
  readonly auxiliaryId: number;
  readonly capabilities: number;
  /** OF1.0 only: supported actions bitmap. */
  readonly actions: number;
  /** OF1.0 only (OF1.3 uses the port-desc multipart). */
  readonly ports: readonly PortDesc[];
}

export type OfMessage =
  | { readonly type: "hello"; /** Version bitmap element; undefined when the HELLO carries none. */ readonly versions: readonly number[] | undefined }
  | {
      readonly type: "error";
      readonly errType: number;
      readonly code: number;
      /** OF1.3 OFPET_EXPERIMENTER (0xffff) only. */
      readonly experimenter?: number;
      readonly data: Uint8Array;
    }
  | { readonly type: "echo_request"; readonly data: Uint8Array }
  | { readonly type: "echo_reply"; readonly data: Uint8Array }
  | { readonly type: "features_request" }
  | FeaturesReply
  | { readonly type: "get_config_request" }
  | { readonly type: "get_config_reply"; readonly flags: number; readonly missSendLen: number }
  | { readonly type: "set_config"; readonly flags: number; readonly missSendLen: number }
  | PacketIn
  | FlowRemoved
  | { readonly type: "port_status"; readonly reason: number; readonly desc: PortDesc }
  | {
      readonly type: "packet_out";
      readonly bufferId: number;
      readonly inPort: number;
      readonly actions: readonly Action[];
      readonly data: Uint8Array;
    }
  | FlowMod
  | {
      readonly type: "port_mod";
      readonly portNo: number;
      readonly hwAddr: Uint8Array;
      readonly config: number;
      readonly mask: number;
      readonly advertise: number;
    }
  | { readonly type: "table_mod"; readonly tableId: number; readonly config: number }
  | { readonly type: "group_mod"; readonly body: GroupMod }
  | { readonly type: "meter_mod"; readonly body: MeterMod }
  | { readonly type: "multipart_request"; readonly body: MultipartRequest }
  | { readonly type: "multipart_reply"; readonly body: MultipartReply }
  /** OFPT_QUEUE_GET_CONFIG_REQUEST: the queues of one port (OFPP.ANY: all ports, 1.3). */
  | { readonly type: "queue_get_config_request"; readonly port: number }
  | { readonly type: "queue_get_config_reply"; readonly port: number; readonly queues: readonly PacketQueue[] }
  | { readonly type: "barrier_request" }
  | { readonly type: "barrier_reply" }
  | { readonly type: "role_request"; readonly role: OfRole; readonly generationId: bigint }
  | { readonly type: "role_reply"; readonly role: OfRole; readonly generationId: bigint }
  | { readonly type: "get_async_request" }
  | { readonly type: "get_async_reply"; readonly masks: AsyncMasks }
  | { readonly type: "set_async"; readonly masks: AsyncMasks }
  /** Nicira NXT_ROLE_REQUEST / REPLY (OF1.0): "equal" is Nicira's "other"; never "nochange". */
  | { readonly type: "nx_role_request"; readonly role: OfRole }
  | { readonly type: "nx_role_reply"; readonly role: OfRole }
  /** NXT_SET_FLOW_FORMAT: 0 openflow10, 2 nxm (NXFF_*). */
  | { readonly type: "nx_set_flow_format"; readonly format: number }
  | { readonly type: "nx_flow_mod_table_id"; readonly enable: boolean }
  /** NXT_SET_PACKET_IN_FORMAT: 0 openflow10, 1 nxm, 2 nxt_packet_in2 (NXPIF_*). Decoded so the core can refuse it precisely. */
  | { readonly type: "nx_set_packet_in_format"; readonly format: number };

export type OfMessageType = OfMessage["type"];
export type OfMessageOf<T extends OfMessageType> = Extract<OfMessage, { type: T }>;

/** NXT_SET_FLOW_FORMAT formats. */
export const NXFF = { OPENFLOW10: 0, NXM: 2 } as const;
/** NXT_SET_PACKET_IN_FORMAT formats. */
export const NXPIF = { OPENFLOW10: 0, NXM: 1, NXT_PACKET_IN2: 2 } as const;

/** Options of the top-level decoder that depend on connection state. */
export interface DecodeOptions {
  /** NXT_FLOW_MOD_TABLE_ID is on: the high byte of an OF1.0 flow_mod command is the table id. */
  readonly flowModTableId?: boolean;
}

/** A decoded message with its header fields. */
export interface DecodedMessage {
  readonly version: OfVersion;
  readonly xid: number;
  readonly msg: OfMessage;
}

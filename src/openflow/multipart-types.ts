// The typed multipart (OpenFlow 1.3) / stats (OpenFlow 1.0) requests and replies, the shared
// port description, and the GROUP_MOD / METER_MOD bodies. One version-independent form:
// ports are OpenFlow 1.3 32-bit numbers, counters and cookies are bigint (an unknown count
// is all ones, UNKNOWN_COUNT), port feature bits use the OpenFlow 1.3 layout. Types only:
// the codecs are multipart.ts, group.ts, meter.ts, table-features.ts; nothing here does I/O.

import type { Action, Instructions } from "./actions.js";
import type { Match } from "./match.js";
import type { PortDesc } from "./messages.js";

/** OFPMPF_REQ_MORE (1.3) / no 1.0 equivalent: more request parts follow. */
export const OFPMPF_REQ_MORE = 0x0001;
/** OFPMPF_REPLY_MORE (1.3) / OFPSF_REPLY_MORE (1.0): more reply parts follow. */
export const OFPMPF_REPLY_MORE = 0x0001;

/** A packet or byte count the switch does not know. */
export const UNKNOWN_COUNT = 0xffffffffffffffffn;

/** Nicira's vendor / experimenter id (NX_VENDOR_ID). */
export const NX_VENDOR_ID = 0x00002320;

/** Reserved meter ids (ofp_meter). */
export const OFPM = { MAX: 0xffff0000, SLOWPATH: 0xfffffffd, CONTROLLER: 0xfffffffe, ALL: 0xffffffff } as const;

/** Multipart type numbers (OpenFlow 1.3 ofp_multipart_type; 1.0 uses 0-5 and 0xffff). */
export const OFPMP = {
  DESC: 0,
  FLOW: 1,
  AGGREGATE: 2,
  TABLE: 3,
  PORT_STATS: 4,
  QUEUE: 5,
  GROUP: 6,
  GROUP_DESC: 7,
  GROUP_FEATURES: 8,
  METER: 9,
  METER_CONFIG: 10,
  METER_FEATURES: 11,
  TABLE_FEATURES: 12,
  PORT_DESC: 13,
  EXPERIMENTER: 0xffff,
} as const;

// ---------------------------------------------------------------------------------------
// Ports

/** One port's description: the same type FEATURES_REPLY (1.0) and PORT_STATUS use (messages.ts). */
export type { PortDesc };

// ---------------------------------------------------------------------------------------
// Requests

/**
 * Flow or aggregate stats request. OpenFlow 1.0 has no out_group or cookie (decoded as
 * OFPG.ANY, 0, 0). `nxm: true` is Nicira's NXST_FLOW / NXST_AGGREGATE (OF1.0 vendor stats),
 * whose match is NXM; its cookie/cookieMask come from NXM_NX_COOKIE when present.
 */
export interface FlowStatsRequest {
  readonly tableId: number;
  readonly outPort: number;
  readonly outGroup: number;
  readonly cookie: bigint;
  readonly cookieMask: bigint;
  readonly match: Match;
  readonly nxm: boolean;
}

export type MultipartRequestBody =
  | { readonly type: "desc" }
  | ({ readonly type: "flow" } & FlowStatsRequest)
  | ({ readonly type: "aggregate" } & FlowStatsRequest)
  | { readonly type: "table" }
  /** Port stats; portNo OFPP.ANY (1.3) / OFPP_NONE (1.0, decoded as OFPP.ANY) = all ports. */
  | { readonly type: "port_stats"; readonly portNo: number }
  /**
   * Queue stats; portNo OFPP.ANY = all ports (OpenFlow 1.0 says OFPP_ALL: decoded as OFPP.ANY
   * and encoded back as OFPP_ALL), queueId OFPQ_ALL (0xffffffff) = all queues.
   */
  | { readonly type: "queue"; readonly portNo: number; readonly queueId: number }
  | { readonly type: "port_desc" }
  /** Empty `tables` = a query; non-empty = the controller sets the tables' features. */
  | { readonly type: "table_features"; readonly tables: readonly TableFeatures[] }
  /** groupId OFPG.ALL = all groups. */
  | { readonly type: "group"; readonly groupId: number }
  | { readonly type: "group_desc" }
  | { readonly type: "group_features" }
  /** meterId OFPM.ALL = all meters. */
  | { readonly type: "meter"; readonly meterId: number }
  | { readonly type: "meter_config"; readonly meterId: number }
  | { readonly type: "meter_features" }
  /** A vendor/experimenter multipart the codec does not know (kept so it can be refused precisely). */
  | { readonly type: "experimenter"; readonly experimenter: number; readonly expType: number; readonly body: Uint8Array };

/** A multipart request; `flags` carries OFPMPF_REQ_MORE (0 after reassembly). */
export type MultipartRequest = MultipartRequestBody & { readonly flags: number };

// ---------------------------------------------------------------------------------------
// Replies

export interface DescStats {
  readonly mfrDesc: string;
  readonly hwDesc: string;
  readonly swDesc: string;
  readonly serialNum: string;
  readonly dpDesc: string;
}

/** One flow entry in a flow stats reply (1.0 ofp_flow_stats, NXST nx_flow_stats, 1.3 ofp_flow_stats). */
export interface FlowStats {
  readonly tableId: number;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  /** OFPFF_* (1.3 only on the wire). */
  readonly flags: number;
  /** Seconds since the last hit / last modification (NXST only; the wire carries age + 1, 0 = undefined). */
  readonly idleAge?: number;
  readonly hardAge?: number;
  readonly cookie: bigint;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly match: Match;
  readonly instructions: Instructions;
}

export interface AggregateStats {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly flowCount: number;
}

/** One table in a table stats reply; name/wildcards/maxEntries are sent by 1.0 only. */
export interface TableStats {
  readonly tableId: number;
  readonly name: string;
  /** OF1.0 OFPFW_* wildcards the table supports. */
  readonly wildcards: number;
  readonly maxEntries: number;
  readonly activeCount: number;
  readonly lookupCount: bigint;
  readonly matchedCount: bigint;
}

export interface PortStats {
  readonly portNo: number;
  readonly rxPackets: bigint;
  readonly txPackets: bigint;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
  readonly rxDropped: bigint;
  readonly txDropped: bigint;
  readonly rxErrors: bigint;
  readonly txErrors: bigint;
  readonly rxFrameErr: bigint;
  readonly rxOverErr: bigint;
  readonly rxCrcErr: bigint;
  readonly collisions: bigint;
  /** 1.3 only on the wire. */
  readonly durationSec: number;
  readonly durationNsec: number;
}

/** The counts a port keeps: packets and bytes each way. */
export interface PortCounts {
  readonly rxPackets: bigint;
  readonly txPackets: bigint;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
}

/** Port stats with the given counts (zero when absent); the counters ofp4 has no source for are zero. */
export function portStatsOf(portNo: number, counts?: PortCounts): PortStats {
  return {
    portNo,
    rxPackets: counts?.rxPackets ?? 0n,
    txPackets: counts?.txPackets ?? 0n,
    rxBytes: counts?.rxBytes ?? 0n,
    txBytes: counts?.txBytes ?? 0n,
    rxDropped: 0n,
    txDropped: 0n,
    rxErrors: 0n,
    txErrors: 0n,
    rxFrameErr: 0n,
    rxOverErr: 0n,
    rxCrcErr: 0n,
    collisions: 0n,
    durationSec: 0,
    durationNsec: 0,
  };
}

export interface QueueStats {
  readonly portNo: number;
  readonly queueId: number;
  readonly txBytes: bigint;
  readonly txPackets: bigint;
  readonly txErrors: bigint;
  /** 1.3 only on the wire. */
  readonly durationSec: number;
  readonly durationNsec: number;
}

export interface BucketCounter {
  readonly packetCount: bigint;
  readonly byteCount: bigint;
}

export interface GroupStats {
  readonly groupId: number;
  readonly refCount: number;
  readonly packetCount: bigint;
  readonly byteCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly buckets: readonly BucketCounter[];
}

export interface GroupDesc {
  readonly groupType: GroupType;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}

/** OFPGFC_* group capabilities. */
export const OFPGFC = { SELECT_WEIGHT: 1, SELECT_LIVENESS: 2, CHAINING: 4, CHAINING_CHECKS: 8 } as const;

export interface GroupFeatures {
  /** Bitmap of supported group types, bit n = OFPGT value n. */
  readonly types: number;
  readonly capabilities: number;
  /** Max groups per type, indexed all, select, indirect, ff. */
  readonly maxGroups: readonly [number, number, number, number];
  /** Bitmaps of OFPAT_* action types per group type (bit n = action type n). */
  readonly actions: readonly [number, number, number, number];
}

export interface MeterStats {
  readonly meterId: number;
  readonly flowCount: number;
  readonly packetInCount: bigint;
  readonly byteInCount: bigint;
  readonly durationSec: number;
  readonly durationNsec: number;
  readonly bands: readonly BucketCounter[];
}

export interface MeterConfig {
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}

export interface MeterFeatures {
  readonly maxMeter: number;
  /** Bitmap, bit n = OFPMBT value n (1 drop, 2 dscp_remark). */
  readonly bandTypes: number;
  /** OFPMF_* flags supported. */
  readonly capabilities: number;
  readonly maxBands: number;
  readonly maxColor: number;
}

export type MultipartReplyBody =
  | ({ readonly type: "desc" } & DescStats)
  | { readonly type: "flow"; readonly nxm: boolean; readonly flows: readonly FlowStats[] }
  | ({ readonly type: "aggregate"; readonly nxm: boolean } & AggregateStats)
  | { readonly type: "table"; readonly tables: readonly TableStats[] }
  | { readonly type: "port_stats"; readonly ports: readonly PortStats[] }
  | { readonly type: "queue"; readonly queues: readonly QueueStats[] }
  | { readonly type: "port_desc"; readonly ports: readonly PortDesc[] }
  | { readonly type: "table_features"; readonly tables: readonly TableFeatures[] }
  | { readonly type: "group"; readonly groups: readonly GroupStats[] }
  | { readonly type: "group_desc"; readonly groups: readonly GroupDesc[] }
  | ({ readonly type: "group_features" } & GroupFeatures)
  | { readonly type: "meter"; readonly meters: readonly MeterStats[] }
  | { readonly type: "meter_config"; readonly meters: readonly MeterConfig[] }
  | ({ readonly type: "meter_features" } & MeterFeatures)
  | { readonly type: "experimenter"; readonly experimenter: number; readonly expType: number; readonly body: Uint8Array };

/**
 * A multipart reply. `flags` (OFPMPF_REPLY_MORE) is set by the decoder on each part it
 * reads; when encoding leave it out (or 0): encodeMultipartReply splits and sets MORE itself.
 */
export type MultipartReply = MultipartReplyBody & { readonly flags?: number };

export type MultipartType = MultipartRequestBody["type"];

// ---------------------------------------------------------------------------------------
// Table features (OFPMP_TABLE_FEATURES)

/** An OXM header as a table-features property lists it: 32-bit header, plus the experimenter id for class 0xffff. */
export interface OxmId {
  /** oxm_class << 16 | oxm_field << 9 | hasmask << 8 | length. */
  readonly header: number;
  readonly experimenter?: number;
}

/** An instruction or action id in a table-features property (type; experimenter ones carry their id). */
export interface FeatureId {
  readonly type: number;
  readonly experimenter?: number;
}

export type TableFeatureProp =
  | { readonly type: "instructions" | "instructions_miss"; readonly ids: readonly FeatureId[] }
  | { readonly type: "next_tables" | "next_tables_miss"; readonly tableIds: readonly number[] }
  | {
      readonly type: "write_actions" | "write_actions_miss" | "apply_actions" | "apply_actions_miss";
      readonly ids: readonly FeatureId[];
    }
  | {
      readonly type:
        | "match"
        | "wildcards"
        | "write_setfield"
        | "write_setfield_miss"
        | "apply_setfield"
        | "apply_setfield_miss";
      readonly oxmIds: readonly OxmId[];
    }
  | {
      readonly type: "experimenter" | "experimenter_miss";
      readonly experimenter: number;
      readonly expType: number;
      readonly data: Uint8Array;
    };

export type TableFeaturePropType = TableFeatureProp["type"];

/** One table's features (ofp_table_features). `name` at most 31 bytes. */
export interface TableFeatures {
  readonly tableId: number;
  readonly name: string;
  readonly metadataMatch: bigint;
  readonly metadataWrite: bigint;
  /** OFPTC_* (1.3: deprecated bits, 0). */
  readonly config: number;
  readonly maxEntries: number;
  /** Properties in wire order. */
  readonly properties: readonly TableFeatureProp[];
}

// ---------------------------------------------------------------------------------------
// Groups (GROUP_MOD, OpenFlow 1.3 only)

export type GroupType = "all" | "select" | "indirect" | "ff";
export const GROUP_TYPE_CODES: Readonly<Record<GroupType, number>> = { all: 0, select: 1, indirect: 2, ff: 3 };

export type GroupModCommand = "add" | "modify" | "delete";
export const GROUP_MOD_COMMAND_CODES: Readonly<Record<GroupModCommand, number>> = { add: 0, modify: 1, delete: 2 };

export interface Bucket {
  /** Select groups only; 0 for others. */
  readonly weight: number;
  /** Fast-failover groups: port / group whose liveness the bucket watches (OFPP.ANY / OFPG.ANY = none). */
  readonly watchPort: number;
  readonly watchGroup: number;
  readonly actions: readonly Action[];
}

export interface GroupMod {
  readonly command: GroupModCommand;
  readonly groupType: GroupType;
  readonly groupId: number;
  readonly buckets: readonly Bucket[];
}

// ---------------------------------------------------------------------------------------
// Meters (METER_MOD, OpenFlow 1.3 only)

export type MeterModCommand = "add" | "modify" | "delete";
export const METER_MOD_COMMAND_CODES: Readonly<Record<MeterModCommand, number>> = { add: 0, modify: 1, delete: 2 };

/** OFPMF_* meter flags. */
export const OFPMF = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;

export type MeterBand =
  | { readonly type: "drop"; readonly rate: number; readonly burstSize: number }
  | { readonly type: "dscp_remark"; readonly rate: number; readonly burstSize: number; readonly precLevel: number }
  | { readonly type: "experimenter"; readonly rate: number; readonly burstSize: number; readonly experimenter: number };

export interface MeterMod {
  readonly command: MeterModCommand;
  readonly flags: number;
  readonly meterId: number;
  readonly bands: readonly MeterBand[];
}

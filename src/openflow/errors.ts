// The internal OpenFlow error enumeration. Every error the switch can send has one name
// here; each version's (type, code) encoding lives in OF_ERRORS. The core returns these
// names as values (never exceptions); connmgr turns them into OFPT_ERROR messages in one
// place. OF1.3 encodings are from the OpenFlow 1.3.5 specification, OF1.0 from 1.0.0;
// errors OpenFlow 1.0 lacks are encoded as Open vSwitch 3.1 does (see `of10`).

export interface ErrorEncoding {
  readonly type: number;
  readonly code: number;
  /**
   * Set for an error OpenFlow 1.0 lacks: Open vSwitch sends it as a Nicira vendor error
   * (type NXET_VENDOR 0xb0c2, code 0, body: vendor id, this type and code, then the request).
   */
  readonly vendor?: number;
}

export interface ErrorSpec {
  /** OpenFlow 1.3 (type, code). */
  readonly of13: ErrorEncoding;
  /** OpenFlow 1.0 (type, code), or the Nicira vendor error Open vSwitch 3.1 uses for it. */
  readonly of10: ErrorEncoding;
}

/** Nicira's vendor/experimenter id. */
export const NX_VENDOR_ID = 0x00002320;
/** OpenFlow 1.0 error type that carries a vendor error (Nicira NXET_VENDOR). */
export const NXET_VENDOR = 0xb0c2;

const e = (type: number, code: number): ErrorEncoding => ({ type, code });
const nx = (type: number, code: number): ErrorEncoding => ({ type, code, vendor: NX_VENDOR_ID });
/**
 * What Open vSwitch 3.1 sends over OpenFlow 1.0 for an error that version cannot express:
 * NXBRC_UNENCODABLE_ERROR, Nicira vendor error (1, 521). Found with ovs-ofctl ofp-parse over
 * every vendor (type, code) and against a live ovs-vswitchd (test/openflow/errors.test.ts).
 */
const UNENCODABLE = nx(1, 521);

export const OF_ERRORS = {
  HELLO_FAILED_INCOMPATIBLE: { of13: e(0, 0), of10: e(0, 0) },
  HELLO_FAILED_EPERM: { of13: e(0, 1), of10: e(0, 1) },

  BAD_REQUEST_BAD_VERSION: { of13: e(1, 0), of10: e(1, 0) },
  BAD_REQUEST_BAD_TYPE: { of13: e(1, 1), of10: e(1, 1) },
  BAD_REQUEST_BAD_MULTIPART: { of13: e(1, 2), of10: e(1, 2) },
  BAD_REQUEST_BAD_EXPERIMENTER: { of13: e(1, 3), of10: e(1, 3) },
  BAD_REQUEST_BAD_EXP_TYPE: { of13: e(1, 4), of10: e(1, 4) },
  BAD_REQUEST_EPERM: { of13: e(1, 5), of10: e(1, 5) },
  BAD_REQUEST_BAD_LEN: { of13: e(1, 6), of10: e(1, 6) },
  BAD_REQUEST_BUFFER_EMPTY: { of13: e(1, 7), of10: e(1, 7) },
  BAD_REQUEST_BUFFER_UNKNOWN: { of13: e(1, 8), of10: e(1, 8) },
  BAD_REQUEST_BAD_TABLE_ID: { of13: e(1, 9), of10: nx(1, 512) },
  BAD_REQUEST_IS_SLAVE: { of13: e(1, 10), of10: e(1, 5) },
  BAD_REQUEST_BAD_PORT: { of13: e(1, 11), of10: nx(1, 514) },
  BAD_REQUEST_BAD_PACKET: { of13: e(1, 12), of10: UNENCODABLE },
  BAD_REQUEST_MULTIPART_BUFFER_OVERFLOW: { of13: e(1, 13), of10: UNENCODABLE },

  BAD_ACTION_BAD_TYPE: { of13: e(2, 0), of10: e(2, 0) },
  BAD_ACTION_BAD_LEN: { of13: e(2, 1), of10: e(2, 1) },
  BAD_ACTION_BAD_EXPERIMENTER: { of13: e(2, 2), of10: e(2, 2) },
  BAD_ACTION_BAD_EXP_TYPE: { of13: e(2, 3), of10: e(2, 3) },
  BAD_ACTION_BAD_OUT_PORT: { of13: e(2, 4), of10: e(2, 4) },
  BAD_ACTION_BAD_ARGUMENT: { of13: e(2, 5), of10: e(2, 5) },
  BAD_ACTION_EPERM: { of13: e(2, 6), of10: e(2, 6) },
  BAD_ACTION_TOO_MANY: { of13: e(2, 7), of10: e(2, 7) },
  BAD_ACTION_BAD_QUEUE: { of13: e(2, 8), of10: e(2, 8) },
  BAD_ACTION_BAD_OUT_GROUP: { of13: e(2, 9), of10: nx(2, 9) },
  BAD_ACTION_MATCH_INCONSISTENT: { of13: e(2, 10), of10: nx(1, 522) },
  BAD_ACTION_UNSUPPORTED_ORDER: { of13: e(2, 11), of10: UNENCODABLE },
  BAD_ACTION_BAD_TAG: { of13: e(2, 12), of10: UNENCODABLE },
  BAD_ACTION_BAD_SET_TYPE: { of13: e(2, 13), of10: nx(1, 523) },
  BAD_ACTION_BAD_SET_LEN: { of13: e(2, 14), of10: nx(1, 524) },
  BAD_ACTION_BAD_SET_ARGUMENT: { of13: e(2, 15), of10: nx(1, 525) },

  BAD_INSTRUCTION_UNKNOWN_INST: { of13: e(3, 0), of10: UNENCODABLE },
  BAD_INSTRUCTION_UNSUP_INST: { of13: e(3, 1), of10: nx(2, 257) },
  BAD_INSTRUCTION_BAD_TABLE_ID: { of13: e(3, 2), of10: UNENCODABLE },
  BAD_INSTRUCTION_UNSUP_METADATA: { of13: e(3, 3), of10: UNENCODABLE },
  BAD_INSTRUCTION_UNSUP_METADATA_MASK: { of13: e(3, 4), of10: UNENCODABLE },
  BAD_INSTRUCTION_BAD_EXPERIMENTER: { of13: e(3, 5), of10: UNENCODABLE },
  BAD_INSTRUCTION_BAD_EXP_TYPE: { of13: e(3, 6), of10: UNENCODABLE },
  BAD_INSTRUCTION_BAD_LEN: { of13: e(3, 7), of10: UNENCODABLE },
  BAD_INSTRUCTION_EPERM: { of13: e(3, 8), of10: UNENCODABLE },

  BAD_MATCH_BAD_TYPE: { of13: e(4, 0), of10: UNENCODABLE },
  BAD_MATCH_BAD_LEN: { of13: e(4, 1), of10: UNENCODABLE },
  BAD_MATCH_BAD_TAG: { of13: e(4, 2), of10: UNENCODABLE },
  BAD_MATCH_BAD_DL_ADDR_MASK: { of13: e(4, 3), of10: UNENCODABLE },
  BAD_MATCH_BAD_NW_ADDR_MASK: { of13: e(4, 4), of10: UNENCODABLE },
  BAD_MATCH_BAD_WILDCARDS: { of13: e(4, 5), of10: nx(1, 262) },
  BAD_MATCH_BAD_FIELD: { of13: e(4, 6), of10: nx(0, 263) },
  BAD_MATCH_BAD_VALUE: { of13: e(4, 7), of10: nx(1, 258) },
  BAD_MATCH_BAD_MASK: { of13: e(4, 8), of10: nx(1, 259) },
  BAD_MATCH_BAD_PREREQ: { of13: e(4, 9), of10: nx(1, 260) },
  BAD_MATCH_DUP_FIELD: { of13: e(4, 10), of10: nx(1, 261) },
  BAD_MATCH_EPERM: { of13: e(4, 11), of10: UNENCODABLE },

  FLOW_MOD_FAILED_UNKNOWN: { of13: e(5, 0), of10: UNENCODABLE },
  FLOW_MOD_FAILED_TABLE_FULL: { of13: e(5, 1), of10: e(3, 0) },
  FLOW_MOD_FAILED_BAD_TABLE_ID: { of13: e(5, 2), of10: UNENCODABLE },
  FLOW_MOD_FAILED_OVERLAP: { of13: e(5, 3), of10: e(3, 1) },
  FLOW_MOD_FAILED_EPERM: { of13: e(5, 4), of10: e(3, 2) },
  FLOW_MOD_FAILED_BAD_TIMEOUT: { of13: e(5, 5), of10: e(3, 3) },
  FLOW_MOD_FAILED_BAD_COMMAND: { of13: e(5, 6), of10: e(3, 4) },
  FLOW_MOD_FAILED_BAD_FLAGS: { of13: e(5, 7), of10: nx(3, 258) },

  GROUP_MOD_FAILED_GROUP_EXISTS: { of13: e(6, 0), of10: nx(6, 0) },
  GROUP_MOD_FAILED_INVALID_GROUP: { of13: e(6, 1), of10: nx(6, 1) },
  GROUP_MOD_FAILED_WEIGHT_UNSUPPORTED: { of13: e(6, 2), of10: nx(6, 2) },
  GROUP_MOD_FAILED_OUT_OF_GROUPS: { of13: e(6, 3), of10: nx(6, 3) },
  GROUP_MOD_FAILED_OUT_OF_BUCKETS: { of13: e(6, 4), of10: nx(6, 4) },
  GROUP_MOD_FAILED_CHAINING_UNSUPPORTED: { of13: e(6, 5), of10: nx(6, 5) },
  GROUP_MOD_FAILED_WATCH_UNSUPPORTED: { of13: e(6, 6), of10: nx(6, 6) },
  GROUP_MOD_FAILED_LOOP: { of13: e(6, 7), of10: nx(6, 7) },
  GROUP_MOD_FAILED_UNKNOWN_GROUP: { of13: e(6, 8), of10: nx(6, 8) },
  GROUP_MOD_FAILED_CHAINED_GROUP: { of13: e(6, 9), of10: nx(6, 9) },
  GROUP_MOD_FAILED_BAD_TYPE: { of13: e(6, 10), of10: nx(6, 10) },
  GROUP_MOD_FAILED_BAD_COMMAND: { of13: e(6, 11), of10: nx(6, 11) },
  GROUP_MOD_FAILED_BAD_BUCKET: { of13: e(6, 12), of10: nx(6, 12) },
  GROUP_MOD_FAILED_BAD_WATCH: { of13: e(6, 13), of10: nx(6, 13) },
  GROUP_MOD_FAILED_EPERM: { of13: e(6, 14), of10: nx(6, 14) },

  PORT_MOD_FAILED_BAD_PORT: { of13: e(7, 0), of10: e(4, 0) },
  PORT_MOD_FAILED_BAD_HW_ADDR: { of13: e(7, 1), of10: e(4, 1) },
  PORT_MOD_FAILED_BAD_CONFIG: { of13: e(7, 2), of10: UNENCODABLE },
  PORT_MOD_FAILED_BAD_ADVERTISE: { of13: e(7, 3), of10: UNENCODABLE },
  PORT_MOD_FAILED_EPERM: { of13: e(7, 4), of10: UNENCODABLE },

  TABLE_MOD_FAILED_BAD_TABLE: { of13: e(8, 0), of10: UNENCODABLE },
  TABLE_MOD_FAILED_BAD_CONFIG: { of13: e(8, 1), of10: UNENCODABLE },
  TABLE_MOD_FAILED_EPERM: { of13: e(8, 2), of10: UNENCODABLE },

  QUEUE_OP_FAILED_BAD_PORT: { of13: e(9, 0), of10: e(5, 0) },
  QUEUE_OP_FAILED_BAD_QUEUE: { of13: e(9, 1), of10: e(5, 1) },
  QUEUE_OP_FAILED_EPERM: { of13: e(9, 2), of10: e(5, 2) },

  SWITCH_CONFIG_FAILED_BAD_FLAGS: { of13: e(10, 0), of10: UNENCODABLE },
  SWITCH_CONFIG_FAILED_BAD_LEN: { of13: e(10, 1), of10: UNENCODABLE },
  SWITCH_CONFIG_FAILED_EPERM: { of13: e(10, 2), of10: UNENCODABLE },

  ROLE_REQUEST_FAILED_STALE: { of13: e(11, 0), of10: UNENCODABLE },
  ROLE_REQUEST_FAILED_UNSUP: { of13: e(11, 1), of10: UNENCODABLE },
  ROLE_REQUEST_FAILED_BAD_ROLE: { of13: e(11, 2), of10: nx(1, 513) },

  METER_MOD_FAILED_UNKNOWN: { of13: e(12, 0), of10: UNENCODABLE },
  METER_MOD_FAILED_METER_EXISTS: { of13: e(12, 1), of10: UNENCODABLE },
  METER_MOD_FAILED_INVALID_METER: { of13: e(12, 2), of10: UNENCODABLE },
  METER_MOD_FAILED_UNKNOWN_METER: { of13: e(12, 3), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_COMMAND: { of13: e(12, 4), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_FLAGS: { of13: e(12, 5), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_RATE: { of13: e(12, 6), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_BURST: { of13: e(12, 7), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_BAND: { of13: e(12, 8), of10: UNENCODABLE },
  METER_MOD_FAILED_BAD_BAND_VALUE: { of13: e(12, 9), of10: UNENCODABLE },
  METER_MOD_FAILED_OUT_OF_METERS: { of13: e(12, 10), of10: UNENCODABLE },
  METER_MOD_FAILED_OUT_OF_BANDS: { of13: e(12, 11), of10: UNENCODABLE },

  TABLE_FEATURES_FAILED_BAD_TABLE: { of13: e(13, 0), of10: UNENCODABLE },
  TABLE_FEATURES_FAILED_BAD_METADATA: { of13: e(13, 1), of10: UNENCODABLE },
  TABLE_FEATURES_FAILED_BAD_TYPE: { of13: e(13, 2), of10: nx(13, 2) }, // OVS: OFPBPC_* (property errors)
  TABLE_FEATURES_FAILED_BAD_LEN: { of13: e(13, 3), of10: nx(13, 3) }, // OVS: OFPBPC_* (property errors)
  TABLE_FEATURES_FAILED_BAD_ARGUMENT: { of13: e(13, 4), of10: nx(13, 4) }, // OVS: OFPBPC_* (property errors)
  TABLE_FEATURES_FAILED_EPERM: { of13: e(13, 5), of10: UNENCODABLE },
} as const satisfies Record<string, ErrorSpec>;

export type OfErrorName = keyof typeof OF_ERRORS;

/**
 * An OpenFlow error as a value: the name, and a human message naming the field and value
 * that caused it (for logs; the wire carries only type, code and the quoted request).
 */
export interface OfError {
  readonly name: OfErrorName;
  readonly message: string;
}

export function ofError(name: OfErrorName, message: string): OfError {
  return { name, message };
}

/** The (type, code) of `name` in `version` (0x01 or 0x04). */
export function errorEncoding(name: OfErrorName, version: number): ErrorEncoding {
  const spec: ErrorSpec = OF_ERRORS[name];
  return version === 0x01 ? spec.of10 : spec.of13;
}

/**
 * The name of a received (type, code) in `version`, or undefined. For an OpenFlow 1.0
 * Nicira vendor error pass the inner type and code with `vendor` set.
 */
export function errorName(version: number, type: number, code: number, vendor?: number): OfErrorName | undefined {
  const index = version === 0x01 ? OF10_INDEX : OF13_INDEX;
  return index.get(`${vendor ?? 0}/${type}/${code}`);
}

function buildIndex(pick: (s: ErrorSpec) => ErrorEncoding): Map<string, OfErrorName> {
  const m = new Map<string, OfErrorName>();
  for (const name of Object.keys(OF_ERRORS) as OfErrorName[]) {
    const enc = pick(OF_ERRORS[name]);
    if (enc === UNENCODABLE) continue;
    const key = `${enc.vendor ?? 0}/${enc.type}/${enc.code}`;
    if (!m.has(key)) m.set(key, name);
  }
  return m;
}

const OF10_INDEX = buildIndex((s) => s.of10);
const OF13_INDEX = buildIndex((s) => s.of13);

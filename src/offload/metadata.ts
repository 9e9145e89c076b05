// Rule metadata: the bytes ofp4 puts in each table entry's `metadata` so that the OpenFlow
// rule can be rebuilt from the target alone (restart, reconciliation, dump-entries). Owns the
// versioned encoding: "OFP4" tag, version 1, table id, OpenFlow priority, cookie, flags,
// timeouts, importance, then the original instructions as JSON (bigints as tagged strings).
// Pure; decoding foreign or damaged bytes gives undefined, never throws.

import type { Instructions } from "../openflow/actions.js";

export const METADATA_TAG = Uint8Array.of(0x4f, 0x46, 0x50, 0x34); // "OFP4"
export const METADATA_VERSION = 1;
const FIXED = 4 + 1 + 1 + 4 + 8 + 2 + 2 + 2 + 2; // 26 bytes before the instructions

/** What one entry's metadata says about its rule (the match comes from the entry's key). */
export interface RuleRecord {
  readonly tableId: number;
  readonly priority: number;
  readonly cookie: bigint;
  readonly flags: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  readonly instructions: Instructions;
}

const BIG = "\u0000n:";

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return BIG + v.toString(16);
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("hex") };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (typeof v === "string" && v.startsWith(BIG)) return BigInt("0x" + v.slice(BIG.length));
  if (typeof v === "object" && v !== null && "$bytes" in v && typeof (v as { $bytes: unknown }).$bytes === "string") {
    return Uint8Array.from(Buffer.from((v as { $bytes: string }).$bytes, "hex"));
  }
  return v;
}

export function encodeRuleMetadata(r: RuleRecord): Uint8Array {
  const json = Buffer.from(JSON.stringify(r.instructions, replacer), "utf8");
  const out = new Uint8Array(FIXED + json.length);
  const dv = new DataView(out.buffer);
  out.set(METADATA_TAG, 0);
  out[4] = METADATA_VERSION;
  out[5] = r.tableId;
  dv.setUint32(6, r.priority);
  dv.setBigUint64(10, r.cookie);
  dv.setUint16(18, r.flags);
  dv.setUint16(20, r.idleTimeout);
  dv.setUint16(22, r.hardTimeout);
  dv.setUint16(24, r.importance);
  out.set(json, FIXED);
  return out;
}

/** True when the bytes carry ofp4's tag (any version): the entry is ofp4's own. */
export function hasOfp4Tag(b: Uint8Array | null | undefined): boolean {
  if (!b || b.length < 5) return false;
  for (let i = 0; i < 4; i++) if (b[i] !== METADATA_TAG[i]) return false;
  return true;
}

/** The record in ofp4 metadata bytes, or undefined for foreign, damaged or unknown-version bytes. */
export function decodeRuleMetadata(b: Uint8Array | null | undefined): RuleRecord | undefined {
  if (!b || b.length < FIXED || !hasOfp4Tag(b) || b[4] !== METADATA_VERSION) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let instructions: unknown;
  try {
    instructions = JSON.parse(Buffer.from(b.subarray(FIXED)).toString("utf8"), reviver);
  } catch {
    return undefined;
  }
  if (typeof instructions !== "object" || instructions === null || !Array.isArray((instructions as Instructions).applyActions)) {
    return undefined;
  }
  const ins = instructions as Instructions;
  return {
    tableId: b[5]!,
    priority: dv.getUint32(6),
    cookie: dv.getBigUint64(10),
    flags: dv.getUint16(18),
    idleTimeout: dv.getUint16(20),
    hardTimeout: dv.getUint16(22),
    importance: dv.getUint16(24),
    instructions: {
      applyActions: ins.applyActions,
      clearActions: ins.clearActions === true,
      writeActions: ins.writeActions ?? undefined,
      writeMetadata: ins.writeMetadata ?? undefined,
      gotoTable: ins.gotoTable ?? undefined,
      meterId: ins.meterId ?? undefined,
    },
  };
}

/** Byte equality (metadata comparison during reconciliation). */
export function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  const x = a ?? new Uint8Array();
  const y = b ?? new Uint8Array();
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

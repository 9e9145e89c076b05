// OpenFlow 1.3 group records carried in rule metadata, so that a fresh ofp4 rebuilds its group
// table from the target (issue 6). bmv2 does not keep a multicast group entry's `metadata`
// (checked: written, read back empty), so the metadata of each rule that sends to groups ends
// with a trailer holding those groups' definitions: JSON records, their length (u32) and the
// tag "OFPG". Rules without groups carry metadata.ts's bytes unchanged. Pure; a damaged or
// absent trailer decodes as no records. A group no rule uses has nothing on the target.

import type { Instructions } from "../openflow/actions.js";
import type { Bucket, GroupDesc } from "../openflow/multipart-types.js";
import { decodeRuleMetadata, encodeRuleMetadata, type RuleRecord } from "./metadata.js";

const TRAILER_TAG = Uint8Array.of(0x4f, 0x46, 0x50, 0x47); // "OFPG"
const BIG = "\u0000n:";

function groupIds(ins: Instructions): number[] {
  const ids: number[] = [];
  for (const list of [ins.applyActions, ins.writeActions ?? []]) {
    for (const a of list) if (a.type === "group" && !ids.includes(a.groupId)) ids.push(a.groupId);
  }
  return ids;
}

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

/** The entry metadata of a rule: metadata.ts's record, then the records of the groups it uses. */
export function encodeEntryMetadata(r: RuleRecord, groups: (id: number) => GroupDesc | undefined): Uint8Array {
  const base = encodeRuleMetadata(r);
  const ids = groupIds(r.instructions);
  if (ids.length === 0) return base;
  const records: GroupDesc[] = [];
  for (const id of ids) {
    const g = groups(id);
    if (!g) continue;
    const buckets: Bucket[] = g.buckets.map((b) => ({ weight: b.weight, watchPort: b.watchPort, watchGroup: b.watchGroup, actions: b.actions }));
    records.push({ groupId: id, groupType: g.groupType, buckets });
  }
  if (records.length === 0) return base;
  const json = Buffer.from(JSON.stringify(records, replacer), "utf8");
  const out = new Uint8Array(base.length + json.length + 8);
  out.set(base, 0);
  out.set(json, base.length);
  new DataView(out.buffer).setUint32(base.length + json.length, json.length);
  out.set(TRAILER_TAG, out.length - 4);
  return out;
}

function isRecord(v: unknown): v is GroupDesc {
  if (typeof v !== "object" || v === null) return false;
  const r = v as { groupId?: unknown; groupType?: unknown; buckets?: unknown };
  const typeOk = r.groupType === "all" || r.groupType === "indirect" || r.groupType === "select" || r.groupType === "ff";
  return typeof r.groupId === "number" && typeOk && Array.isArray(r.buckets) && r.buckets.every((b: unknown) => typeof b === "object" && b !== null && Array.isArray((b as { actions?: unknown }).actions));
}

/** The trailer's records and where the rule's own bytes end, or undefined when there is none. */
function trailer(b: Uint8Array): { records: GroupDesc[]; end: number } | undefined {
  if (b.length < 8) return undefined;
  for (let i = 0; i < 4; i++) if (b[b.length - 4 + i] !== TRAILER_TAG[i]) return undefined;
  const len = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(b.length - 8);
  const end = b.length - 8 - len;
  if (end < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(b.subarray(end, b.length - 8)).toString("utf8"), reviver);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isRecord)) return undefined;
  return { records: parsed, end };
}

/**
 * The rule record of an entry's metadata (undefined for foreign or damaged bytes); the group
 * records it carries are added to `found` (the first record of each group id wins).
 */
export function decodeEntryMetadata(b: Uint8Array | null | undefined, found: Map<number, GroupDesc>): RuleRecord | undefined {
  if (!b) return undefined;
  const t = trailer(b);
  if (t) {
    const r = decodeRuleMetadata(b.subarray(0, t.end));
    if (r) {
      const used = groupIds(r.instructions);
      for (const g of t.records) if (used.includes(g.groupId) && !found.has(g.groupId)) found.set(g.groupId, g);
      return r;
    }
  }
  return decodeRuleMetadata(b);
}


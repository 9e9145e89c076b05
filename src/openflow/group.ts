// GROUP_MOD (OpenFlow 1.3 ofp_group_mod) and the bucket lists that GROUP_MOD and the
// group-desc multipart share: decode from and encode to the wire, both directions. Owns the
// bucket layout; actions inside buckets go through action-codec.ts. Errors are values; an
// OpenFlow 1.0 connection has no groups (BAD_TYPE). Never validates group semantics (the core does).

import { decodeActions, writeActions } from "./action-codec.js";
import { ofError } from "./errors.js";
import type { OfVersion } from "./messages.js";
import {
  GROUP_MOD_COMMAND_CODES,
  GROUP_TYPE_CODES,
  type Bucket,
  type GroupMod,
  type GroupModCommand,
  type GroupType,
} from "./multipart-types.js";
import { fail, ok, type Result } from "./result.js";
import { WireReader } from "./multipart-wire.js";
import { Writer } from "./wire.js";

export type { Bucket, GroupMod, GroupModCommand, GroupType } from "./multipart-types.js";

/** OFPT_GROUP_MOD message type (OpenFlow 1.3). */
export const OFPT13_GROUP_MOD = 15;

const BUCKET_HEADER_LEN = 16;

export function groupTypeFromCode(code: number): GroupType | undefined {
  for (const [name, c] of Object.entries(GROUP_TYPE_CODES)) if (c === code) return name as GroupType;
  return undefined;
}

/** Decodes `length` bytes of ofp_bucket structures at `offset`. */
export function decodeBuckets(version: OfVersion, r: WireReader, offset: number, length: number): Result<Bucket[]> {
  const buckets: Bucket[] = [];
  let o = offset;
  const end = offset + length;
  while (o < end) {
    if (!r.has(o, BUCKET_HEADER_LEN) || o + BUCKET_HEADER_LEN > end) {
      return fail(ofError("GROUP_MOD_FAILED_BAD_BUCKET", `bucket list ends with ${end - o} leftover bytes`));
    }
    const len = r.u16(o);
    if (len < BUCKET_HEADER_LEN || len % 8 !== 0 || o + len > end) {
      return fail(ofError("GROUP_MOD_FAILED_BAD_BUCKET", `bucket length ${len} at offset ${o - offset}`));
    }
    const actions = decodeActions(version, r.bytes, o + BUCKET_HEADER_LEN, len - BUCKET_HEADER_LEN);
    if (!actions.ok) return actions;
    buckets.push({ weight: r.u16(o + 2), watchPort: r.u32(o + 4), watchGroup: r.u32(o + 8), actions: actions.value });
    o += len;
  }
  return ok(buckets);
}

export function encodeBuckets(version: OfVersion, w: Writer, buckets: readonly Bucket[]): void {
  for (const b of buckets) {
    const start = w.length;
    w.u16(0).u16(b.weight).u32(b.watchPort).u32(b.watchGroup).zeros(4);
    writeActions(w, version, b.actions);
    w.setU16(start, w.length - start);
  }
}

/**
 * Decodes a GROUP_MOD body (the message without its 8-byte header). Returns BAD_LEN for a
 * short body, GROUP_MOD_FAILED_BAD_COMMAND / BAD_TYPE for unknown codes, BAD_BUCKET for a
 * malformed bucket, or the action codec's error.
 */
export function decodeGroupMod(version: OfVersion, body: Uint8Array): Result<GroupMod> {
  if (version !== 0x04) return fail(ofError("BAD_REQUEST_BAD_TYPE", "GROUP_MOD needs OpenFlow 1.3"));
  const r = new WireReader(body);
  if (!r.has(0, 8)) return fail(ofError("BAD_REQUEST_BAD_LEN", `GROUP_MOD body of ${body.length} bytes`));
  const cmdCode = r.u16(0);
  const command = (Object.keys(GROUP_MOD_COMMAND_CODES) as GroupModCommand[]).find((c) => GROUP_MOD_COMMAND_CODES[c] === cmdCode);
  if (command === undefined) return fail(ofError("GROUP_MOD_FAILED_BAD_COMMAND", `group_mod command ${cmdCode}`));
  const typeCode = r.u8(2);
  const groupType = groupTypeFromCode(typeCode);
  if (groupType === undefined) return fail(ofError("GROUP_MOD_FAILED_BAD_TYPE", `group type ${typeCode}`));
  const buckets = decodeBuckets(version, r, 8, body.length - 8);
  if (!buckets.ok) return buckets;
  return ok({ command, groupType, groupId: r.u32(4), buckets: buckets.value });
}

/** Encodes a whole OFPT_GROUP_MOD message (OpenFlow 1.3 header included). */
export function encodeGroupMod(version: OfVersion, xid: number, gm: GroupMod): Uint8Array {
  const w = new Writer(64);
  w.u8(version).u8(OFPT13_GROUP_MOD).u16(0).u32(xid);
  w.u16(GROUP_MOD_COMMAND_CODES[gm.command]).u8(GROUP_TYPE_CODES[gm.groupType]).u8(0).u32(gm.groupId);
  encodeBuckets(version, w, gm.buckets);
  w.setU16(2, w.length);
  return w.finish();
}

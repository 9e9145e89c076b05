// The bytes of a WriteRequest as a gRPC message: the 5-byte message prefix, the request's fixed
// fields (device_id, role, election_id: encoded once per client and election id), the updates
// (field 4, each already a p4.v1.Update message or already framed), and atomicity (field 5,
// omitted for CONTINUE_ON_ERROR, its default). One buffer per Write, written once, no
// protobufjs objects. Also counts the updates of a framed run, to check the caller's count.
import { p4 } from "../generated/proto.js";
import { MESSAGE_PREFIX_BYTES, writeMessagePrefix } from "./grpc-framing.js";
import { putVarint, varintSize } from "./proto-writer.js";

export type Atomicity = keyof typeof p4.v1.WriteRequest.Atomicity;

/** Tag of WriteRequest.updates: field 4, length-delimited. */
export const UPDATE_TAG = 0x22;
/** Tag of WriteRequest.atomicity: field 5, varint. */
const ATOMICITY_TAG = 0x28;

/** WriteRequest fields 1, 6, 3 (device_id, role, election_id) as they lead every request. */
export function encodeWriteHeader(deviceId: bigint, role: string, electionId: p4.v1.IUint128 | null): Buffer {
  const h = p4.v1.WriteRequest.encode({ deviceId, role, electionId }).finish();
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength);
}


function atomicityValue(a: Atomicity): number {
  return p4.v1.WriteRequest.Atomicity[a];
}

/**
 * A buffer for a gRPC-framed WriteRequest with `updatesBytes` of updates: the message prefix,
 * `header` and atomicity are written; the updates go at MESSAGE_PREFIX_BYTES + header.length.
 */
function allocate(header: Buffer, updatesBytes: number, atomicity: Atomicity): Buffer {
  const atom = atomicityValue(atomicity);
  const length = header.length + updatesBytes + (atom ? 2 : 0);
  const buf = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES + length);
  writeMessagePrefix(buf, 0, length);
  header.copy(buf, MESSAGE_PREFIX_BYTES);
  if (atom) {
    buf[buf.length - 2] = ATOMICITY_TAG;
    buf[buf.length - 1] = atom;
  }
  return buf;
}

/** A gRPC-framed WriteRequest of encoded p4.v1.Update messages. */
export function writeRequestOfUpdates(header: Buffer, updates: readonly Uint8Array[], atomicity: Atomicity): Buffer {
  let bytes = 0;
  for (const u of updates) bytes += 1 + varintSize(u.length) + u.length;
  const buf = allocate(header, bytes, atomicity);
  let o = MESSAGE_PREFIX_BYTES + header.length;
  for (const u of updates) {
    buf[o++] = UPDATE_TAG;
    o = putVarint(buf, o, u.length);
    buf.set(u, o);
    o += u.length;
  }
  return buf;
}

/** A gRPC-framed WriteRequest of updates already framed as WriteRequest field 4. */
export function writeRequestOfFramed(header: Buffer, framed: Uint8Array, atomicity: Atomicity): Buffer {
  const buf = allocate(header, framed.length, atomicity);
  buf.set(framed, MESSAGE_PREFIX_BYTES + header.length);
  return buf;
}

/**
 * How many updates `framed` holds (each: tag 0x22, varint length, that many bytes), or -1 when
 * it is not exactly a run of such fields.
 */
export function countFramedUpdates(framed: Uint8Array): number {
  let i = 0;
  let count = 0;
  const n = framed.length;
  while (i < n) {
    if (framed[i++] !== UPDATE_TAG) return -1;
    let len = 0;
    let shift = 1;
    for (let k = 0; ; k++) {
      if (i >= n || k === 5) return -1;
      const b = framed[i++]!;
      len += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) break;
    }
    i += len;
    if (i > n) return -1;
    count++;
  }
  return count;
}

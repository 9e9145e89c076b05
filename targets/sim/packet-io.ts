// Controller packet headers (../shared/p4runtime-facts.md §2.8): a frame the pipeline sends
// to the CPU port becomes a PacketIn (its packet_in header stripped into metadata, canonical
// bytes, P4Info order); a PacketOut becomes a frame with its packet_out header built in front.
// Pure; never sends anything.
import type { p4 } from "../../src/generated/proto.js";
import { canonical, fitsWidth, fixedWidth, ones, toBigInt } from "./bitstring.js";
import type { PacketHeaderInfo } from "./schema.js";
import { bad, Code, good, type Checked } from "./status.js";

/** PacketIn for a frame leaving on the CPU port; undefined when it is shorter than the header. */
export function packetIn(header: PacketHeaderInfo | undefined, frame: Uint8Array): p4.v1.IPacketIn | undefined {
  if (!header) return { payload: frame, metadata: [] };
  const n = Math.ceil(header.bits / 8);
  if (frame.length < n) return undefined;
  const all = toBigInt(frame.subarray(0, n));
  const metadata: p4.v1.IPacketMetadata[] = [];
  let shift = n * 8;
  for (const f of header.fields) {
    shift -= f.bitwidth;
    metadata.push({ metadataId: f.id, value: canonical((all >> BigInt(shift)) & ones(f.bitwidth)) });
  }
  return { payload: frame.subarray(n), metadata };
}

/** The frame a PacketOut injects on the CPU port, or why it is dropped. */
export function packetOutFrame(header: PacketHeaderInfo | undefined, out: p4.v1.IPacketOut): Checked<Uint8Array> {
  const payload = out.payload ?? new Uint8Array();
  const metadata = out.metadata ?? [];
  if (!header) {
    if (metadata.length > 0) return bad(Code.INVALID_ARGUMENT, "PacketOut metadata but the program has no packet_out header");
    return good(payload);
  }
  const values = new Map<number, bigint>();
  for (const m of metadata) {
    const f = header.fieldsById.get(m.metadataId ?? 0);
    if (!f) return bad(Code.INVALID_ARGUMENT, `Unknown packet_out metadata id ${m.metadataId ?? 0}`);
    const v = m.value ?? new Uint8Array();
    if (!fitsWidth(v, f.bitwidth)) return bad(Code.INVALID_ARGUMENT, `packet_out metadata '${f.name}' is wider than ${f.bitwidth} bits`);
    values.set(f.id, toBigInt(v));
  }
  const n = Math.ceil(header.bits / 8);
  let all = 0n;
  for (const f of header.fields) all = (all << BigInt(f.bitwidth)) | (values.get(f.id) ?? 0n);
  all <<= BigInt(n * 8 - header.bits);
  const frame = new Uint8Array(n + payload.length);
  frame.set(fixedWidth(all, n * 8), 0);
  frame.set(payload, n);
  return good(frame);
}

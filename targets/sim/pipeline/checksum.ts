// The 16-bit ones' complement checksum of v1model's HashAlgorithm.csum16, as bmv2 computes
// update_checksum(_with_payload): the field list's bits packed big-endian, then the payload,
// an odd trailing byte padded with zero. Pure; never decides when a checksum is due.

/** Packs (value, width) pairs into bytes; the total width must be a multiple of 8. */
export function packFields(fields: readonly (readonly [bigint, number])[]): Uint8Array {
  let all = 0n;
  let bits = 0;
  for (const [v, w] of fields) {
    all = (all << BigInt(w)) | (v & ((1n << BigInt(w)) - 1n));
    bits += w;
  }
  if (bits % 8 !== 0) throw new Error("checksum field list is not byte-aligned");
  const out = new Uint8Array(bits / 8);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(all & 0xffn);
    all >>= 8n;
  }
  return out;
}

function addWords(sum: number, bytes: Uint8Array, start: number, end: number, lowNext: boolean): [number, boolean] {
  // `lowNext`: the previous chunk ended on a word's high byte (chunks may split a word).
  let s = sum;
  let low = lowNext;
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    s += low ? b : b << 8;
    low = !low;
  }
  return [s, low];
}

/** csum16 over `head` then `payload[payloadStart..]`. */
export function csum16(head: Uint8Array, payload?: Uint8Array, payloadStart = 0): bigint {
  const [headSum, lowNext] = addWords(0, head, 0, head.length, false);
  let sum = payload === undefined ? headSum : addWords(headSum, payload, payloadStart, payload.length, lowNext)[0];
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return BigInt(~sum & 0xffff);
}

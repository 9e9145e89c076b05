// Packed fixed-width byte layouts for the sim's hot paths: a table key (every match field
// right-aligned in ceil(bitwidth/8) bytes, P4Info order) or an action's params, kept as one
// latin1 string per entry so a million entries cost few objects and little garbage. Pure
// functions over Buffers; inputs are already checked to fit their widths.

export interface Layout {
  /** Byte offset of each field. */
  readonly offsets: readonly number[];
  /** Byte width of each field. */
  readonly widths: readonly number[];
  /** Total bytes. */
  readonly size: number;
}

export function layoutOf(bitwidths: readonly number[]): Layout {
  const offsets: number[] = [];
  const widths: number[] = [];
  let size = 0;
  for (const bits of bitwidths) {
    const w = Math.max(1, Math.ceil(bits / 8));
    offsets.push(size);
    widths.push(w);
    size += w;
  }
  return { offsets, widths, size };
}

/** Copies big-endian `bytes` (that fit in `w` bytes once leading zeros are dropped) right-aligned. */
export function putBytes(buf: Uint8Array, off: number, w: number, bytes: Uint8Array): void {
  putRange(buf, off, w, bytes, 0, bytes.length);
}

/** putBytes of the value in bytes [start, end) of `src`. */
export function putRange(buf: Uint8Array, off: number, w: number, src: Uint8Array, start: number, end: number): void {
  // Byte loops: fields are a few bytes, where set()/fill() cost more than the copy.
  const n = end - start;
  if (n >= w) {
    const from = end - w;
    for (let i = 0; i < w; i++) buf[off + i] = src[from + i]!;
  } else {
    const pad = w - n;
    for (let i = 0; i < pad; i++) buf[off + i] = 0;
    for (let i = 0; i < n; i++) buf[off + pad + i] = src[start + i]!;
  }
}

export function putBig(buf: Buffer, off: number, w: number, v: bigint): void {
  let x = v;
  for (let i = off + w - 1; i >= off; i--) {
    buf[i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

export function getBig(buf: Uint8Array, off: number, w: number): bigint {
  let v = 0n;
  for (let i = off; i < off + w; i++) v = (v << 8n) | BigInt(buf[i]!);
  return v;
}

/** Shortest big-endian form of a field (one 0x00 byte for zero), as P4Runtime answers. */
export function canonicalSlice(buf: Uint8Array, off: number, w: number): Uint8Array {
  let i = off;
  const end = off + w;
  while (i < end - 1 && buf[i] === 0) i++;
  return Uint8Array.prototype.slice.call(buf, i, end);
}

export function isZero(buf: Uint8Array, off: number, w: number): boolean {
  for (let i = off; i < off + w; i++) if (buf[i] !== 0) return false;
  return true;
}

/** True when a field holds the all-ones value of a `bits`-wide field (what putOnes writes). */
export function isOnes(buf: Uint8Array, off: number, w: number, bits: number): boolean {
  const extra = w * 8 - bits;
  const first = extra > 0 ? 0xff >> extra : 0xff;
  if (buf[off] !== first) return false;
  for (let i = off + 1; i < off + w; i++) if (buf[i] !== 0xff) return false;
  return true;
}

/** Sign of the big-endian comparison of two equal-width fields. */
export function compareFields(a: Uint8Array, b: Uint8Array, off: number, w: number): number {
  for (let i = off; i < off + w; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Number of one bits in a field. */
export function popcountBytes(buf: Uint8Array, off: number, w: number): number {
  let n = 0;
  for (let i = off; i < off + w; i++) {
    let b = buf[i]!;
    while (b) {
      n += b & 1;
      b >>= 1;
    }
  }
  return n;
}

/** Writes the all-ones mask of a `bits`-wide field. */
export function putOnes(buf: Uint8Array, off: number, w: number, bits: number): void {
  for (let i = off; i < off + w; i++) buf[i] = 0xff;
  const extra = w * 8 - bits;
  if (extra > 0) buf[off] = 0xff >> extra;
}

/** Writes the mask of the `len` high bits of a `bits`-wide field. */
export function putPrefix(buf: Uint8Array, off: number, w: number, bits: number, len: number): void {
  for (let i = off; i < off + w; i++) buf[i] = 0;
  const start = w * 8 - bits; // bit index (from the left of the field bytes) where the field starts
  for (let k = 0; k < len; k++) {
    const bit = start + k;
    buf[off + (bit >> 3)]! |= 0x80 >> (bit & 7);
  }
}

// P4Runtime bytestrings as the sim reads and writes them, the way PI does: a value of every length is
// accepted on input (left padding, leading zeros, and empty = 0), a value wider than its
// field is refused, and every answer is canonical (shortest big-endian, zero = one 0x00 byte).
// Pure functions; never throws.

/** Big-endian bytes to an unsigned integer. */
export function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  const n = bytes.length;
  let i = 0;
  // Six bytes at a time through a double: exact below 2^53.
  for (; i + 6 <= n; i += 6) {
    const chunk = bytes[i]! * 2 ** 40 + bytes[i + 1]! * 2 ** 32 + bytes[i + 2]! * 2 ** 24 + ((bytes[i + 3]! << 16) | (bytes[i + 4]! << 8) | bytes[i + 5]!);
    v = (v << 48n) | BigInt(chunk);
  }
  for (; i < n; i++) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** Number of significant bits of the big-endian value in `bytes` (0 for zero). */
export function significantBits(bytes: Uint8Array): number {
  return significantBitsIn(bytes, 0, bytes.length);
}

/** significantBits of the value in bytes [start, end) of `buf`. */
export function significantBitsIn(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== 0) return (end - i - 1) * 8 + (32 - Math.clz32(b));
  }
  return 0;
}

/** True when the value fits in `bitwidth` bits (PI: wider → INVALID_ARGUMENT). */
export function fitsWidth(bytes: Uint8Array, bitwidth: number): boolean {
  return significantBitsIn(bytes, 0, bytes.length) <= bitwidth;
}

/** fitsWidth of the value in bytes [start, end) of `buf`. */
export function fitsWidthIn(buf: Uint8Array, start: number, end: number, bitwidth: number): boolean {
  return significantBitsIn(buf, start, end) <= bitwidth;
}

/** Canonical bytestring of an unsigned integer: shortest big-endian, zero = 0x00. */
export function canonical(value: bigint): Uint8Array {
  if (value === 0n) return Uint8Array.of(0);
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** Bytes of `value` left-padded to exactly `bitwidth` bits, as a header carries it. */
export function fixedWidth(value: bigint, bitwidth: number): Uint8Array {
  const n = Math.ceil(bitwidth / 8);
  const out = new Uint8Array(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** All-ones mask of `bitwidth` bits. */
export function ones(bitwidth: number): bigint {
  return (1n << BigInt(bitwidth)) - 1n;
}

/** Mask of the `prefixLen` high bits of a `bitwidth`-bit field. */
export function prefixMask(prefixLen: number, bitwidth: number): bigint {
  return ones(prefixLen) << BigInt(bitwidth - prefixLen);
}

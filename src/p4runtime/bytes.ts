// Canonical P4Runtime bytestrings: the shortest big-endian encoding of an unsigned value, with
// zero as one 0x00 byte (P4Runtime spec, "Bytestrings"). Converts numbers, bigints, MAC, IPv4 and
// IPv6 strings and raw bytes to that form and back, checks values against a field's bit width,
// and builds ternary masks, LPM prefixes and ranges. Pure functions; never does I/O.
// Bad input (a value too wide, a malformed address) is a BytesError naming field, width, value.

export class BytesError extends Error {
  override readonly name = "BytesError";
}

/** Anything that can become a bytestring. Strings: MAC, IPv4, IPv6, or decimal/0x-hex numbers. */
export type ByteValue = number | bigint | string | Uint8Array;

const ZERO = Uint8Array.of(0);

/** Shortest big-endian encoding of `v` (>= 0); zero is [0x00]. */
export function bigintToBytes(v: bigint): Uint8Array {
  if (v < 0n) throw new BytesError(`negative value ${v} has no bytestring`);
  if (v === 0n) return Uint8Array.of(0);
  if (v < 0x100000000n) return smallToBytes(Number(v));
  if (v <= 0x1fffffffffffffn) {
    // Below 2^53 the value is exact as a number: bytes by division, no bigint steps.
    let n = Number(v);
    let len = 4;
    while (len < 7 && n >= 2 ** (8 * len)) len++;
    const out = new Uint8Array(len);
    for (let i = len - 1; i >= 0; i--) {
      out[i] = n % 256;
      n = Math.floor(n / 256);
    }
    return out;
  }
  let hex = v.toString(16);
  if (hex.length & 1) hex = "0" + hex;
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function smallToBytes(n: number): Uint8Array {
  if (n < 0x100) return Uint8Array.of(n);
  if (n < 0x10000) return Uint8Array.of(n >>> 8, n & 0xff);
  if (n < 0x1000000) return Uint8Array.of(n >>> 16, (n >>> 8) & 0xff, n & 0xff);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Shortest big-endian encoding of a non-negative safe integer. */
export function numberToBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new BytesError(`${n} is not a non-negative integer`);
  return n <= 0xffffffff ? smallToBytes(n) : bigintToBytes(BigInt(n));
}

/** The unsigned big-endian value of `b` (any length; empty = 0). */
export function bytesToBigint(b: Uint8Array): bigint {
  if (b.length <= 6) {
    let n = 0;
    for (let i = 0; i < b.length; i++) n = n * 256 + b[i]!;
    return BigInt(n);
  }
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** The value as a number; throws if it does not fit in a safe integer. */
export function bytesToNumber(b: Uint8Array): number {
  const v = bytesToBigint(b);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BytesError(`value ${v} does not fit in a number`);
  return Number(v);
}

/** Strips leading zero bytes; empty or all-zero becomes [0x00]. Returns `b` itself when already canonical. */
export function canonical(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  if (b.length === 0) return ZERO.slice();
  return i === 0 ? b : b.subarray(i);
}

/** True when `b` is the canonical form (non-empty, no leading zero byte unless it is [0x00]). */
export function isCanonical(b: Uint8Array): boolean {
  return b.length > 0 && (b[0] !== 0 || b.length === 1);
}

/** Number of significant bits of the unsigned value of `b` (0 for zero). */
export function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** Fixed-width big-endian bytes (⌈width/8⌉ long) of `b`; throws if the value is wider. */
export function toWidth(b: Uint8Array, bitwidth: number, field = "value"): Uint8Array {
  checkWidth(b, bitwidth, field);
  const n = (bitwidth + 7) >> 3;
  const out = new Uint8Array(n);
  const c = canonical(b);
  if (c.length > n) out.set(c.subarray(c.length - n));
  else out.set(c, n - c.length);
  return out;
}

/** Throws a BytesError naming field, width and value when `b` needs more than `bitwidth` bits. */
export function checkWidth(b: Uint8Array, bitwidth: number, field = "value"): void {
  if (bitLength(b) > bitwidth) {
    throw new BytesError(`${field}: value 0x${hex(canonical(b))} is wider than ${bitwidth} bits`);
  }
}

/** Lowercase hex of `b`, no separators. */
export function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
}

const MAC_RE = /^[0-9a-fA-F]{1,2}([:-])[0-9a-fA-F]{1,2}(\1[0-9a-fA-F]{1,2}){4}$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** 6 bytes of a MAC address "aa:bb:cc:dd:ee:ff" (or with '-'). */
export function macToBytes(s: string): Uint8Array {
  if (!MAC_RE.test(s)) throw new BytesError(`"${s}" is not a MAC address`);
  return Uint8Array.from(s.split(/[:-]/), (p) => parseInt(p, 16));
}

/** 4 bytes of a dotted-quad IPv4 address. */
export function ipv4ToBytes(s: string): Uint8Array {
  const m = IPV4_RE.exec(s);
  if (!m) throw new BytesError(`"${s}" is not an IPv4 address`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) throw new BytesError(`"${s}" is not an IPv4 address`);
    out[i] = n;
  }
  return out;
}

/** 16 bytes of an IPv6 address (RFC 4291 text forms, "::" and an IPv4 tail included). */
export function ipv6ToBytes(s: string): Uint8Array {
  const bad = (): BytesError => new BytesError(`"${s}" is not an IPv6 address`);
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    if (lastColon < 0) throw bad();
    const v4 = ipv4ToBytes(text.slice(lastColon + 1));
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const parse = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
          return parseInt(g, 16);
        });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? 8 - head.length - rest.length - tail.length : 0;
  if (halves.length === 2 ? groups < 1 : head.length + tail.length !== 8) throw bad();
  const all = [...head, ...new Array<number>(groups).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Canonical bytestring of a readable value: number, bigint, Uint8Array (canonicalised), or a
 * string holding a MAC, IPv4 or IPv6 address, or a decimal / 0x-hex integer.
 */
export function toBytes(v: ByteValue): Uint8Array {
  if (typeof v === "number") return numberToBytes(v);
  if (typeof v === "bigint") return bigintToBytes(v);
  if (v instanceof Uint8Array) return canonical(v);
  if (/^\d+$/.test(v) || /^0x[0-9a-fA-F]+$/.test(v)) return bigintToBytes(BigInt(v));
  if (MAC_RE.test(v)) return canonical(macToBytes(v));
  if (IPV4_RE.test(v)) return canonical(ipv4ToBytes(v));
  if (v.includes(":")) return canonical(ipv6ToBytes(v));
  throw new BytesError(`cannot read "${v}" as a number, MAC, IPv4 or IPv6 address`);
}

/** Canonical bytes of `v`, checked against the field's width (error names field, width, value). */
export function fieldBytes(v: ByteValue, bitwidth: number, field: string): Uint8Array {
  let b: Uint8Array;
  try {
    b = toBytes(v);
  } catch (e) {
    throw new BytesError(`${field}: ${(e as Error).message}`);
  }
  checkWidth(b, bitwidth, field);
  return b;
}

/** All-ones value of `bitwidth` bits. */
export function maxValue(bitwidth: number): bigint {
  return (1n << BigInt(bitwidth)) - 1n;
}

/** Canonical mask with the top `prefixLen` bits of a `bitwidth`-bit field set. */
export function prefixMask(prefixLen: number, bitwidth: number): Uint8Array {
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > bitwidth) {
    throw new BytesError(`prefix length ${prefixLen} is outside 0..${bitwidth}`);
  }
  return bigintToBytes(maxValue(bitwidth) ^ maxValue(bitwidth - prefixLen));
}

/** Bitwise AND of two bytestrings, canonical. */
export function and(a: Uint8Array, b: Uint8Array): Uint8Array {
  return bigintToBytes(bytesToBigint(a) & bytesToBigint(b));
}

/** Byte-wise equality of the unsigned values (leading zeros ignored). */
export function sameValue(a: Uint8Array, b: Uint8Array): boolean {
  const x = canonical(a);
  const y = canonical(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export interface Ternary {
  value: Uint8Array;
  mask: Uint8Array;
}

/**
 * A canonical ternary match: value & mask must equal value and the mask must not be zero
 * (P4Runtime: a zero mask is expressed by omitting the field).
 */
export function ternary(value: ByteValue, mask: ByteValue, bitwidth: number, field: string): Ternary {
  const v = fieldBytes(value, bitwidth, field);
  const m = fieldBytes(mask, bitwidth, `${field} mask`);
  if (bitLength(m) === 0) throw new BytesError(`${field}: a ternary mask of 0 is a don't-care; omit the field`);
  if (!sameValue(and(v, m), v)) {
    throw new BytesError(`${field}: value 0x${hex(v)} has bits outside mask 0x${hex(m)}`);
  }
  return { value: v, mask: m };
}

export interface Lpm {
  value: Uint8Array;
  prefixLen: number;
}

/** A canonical LPM match: 1..width prefix and no value bits past the prefix. */
export function lpm(value: ByteValue, prefixLen: number, bitwidth: number, field: string): Lpm {
  const v = fieldBytes(value, bitwidth, field);
  if (!Number.isInteger(prefixLen) || prefixLen < 1 || prefixLen > bitwidth) {
    throw new BytesError(`${field}: prefix length ${prefixLen} is outside 1..${bitwidth} (0 = omit the field)`);
  }
  if (!sameValue(and(v, prefixMask(prefixLen, bitwidth)), v)) {
    throw new BytesError(`${field}: value 0x${hex(v)} has bits past prefix /${prefixLen}`);
  }
  return { value: v, prefixLen };
}

export interface Range {
  low: Uint8Array;
  high: Uint8Array;
}

/** A canonical range match: low <= high, and not the full range (omit the field for that). */
export function range(low: ByteValue, high: ByteValue, bitwidth: number, field: string): Range {
  const lo = fieldBytes(low, bitwidth, `${field} low`);
  const hi = fieldBytes(high, bitwidth, `${field} high`);
  const l = bytesToBigint(lo);
  const h = bytesToBigint(hi);
  if (l > h) throw new BytesError(`${field}: range low ${l} is above high ${h}`);
  if (l === 0n && h === maxValue(bitwidth)) {
    throw new BytesError(`${field}: range 0..${h} covers every value; omit the field`);
  }
  return { low: lo, high: hi };
}

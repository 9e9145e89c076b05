// Byte-level helpers shared by the OpenFlow codecs: a growable big-endian Writer and bounds-
// checked reads over a DataView. Owns nothing protocol-specific. Reads never go past the end
// of the view they are given (callers check lengths first and turn shortfalls into
// BAD_LEN errors); writes grow the buffer as needed.

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.length, v & 0xff);
    this.length += 1;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    // setBigUint64 takes the value modulo 2^64 itself.
    this.view.setBigUint64(this.length, v);
    this.length += 8;
    return this;
  }

  /** Writes the low `n` bytes of `v`, big-endian. */
  uint(v: bigint, n: number): this {
    this.ensure(n);
    if (n <= 6) {
      // Fast path: fits a double exactly (a value wider than n bytes keeps its low bytes).
      let x = v >= 0n && v < 0x1000000000000n ? Number(v) : Number(BigInt.asUintN(8 * n, v));
      for (let i = n - 1; i >= 0; i--) {
        this.buf[this.length + i] = x % 256;
        x = Math.floor(x / 256);
      }
      this.length += n;
      return this;
    }
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.length + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.length += n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    if (n <= 16) for (let i = 0; i < n; i++) this.buf[this.length + i] = 0;
    else this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }

  /** Zero bytes up to the next multiple of `align`. */
  padTo(align: number): this {
    const r = this.length % align;
    return r === 0 ? this : this.zeros(align - r);
  }

  /** A fixed-size string field, NUL-padded (and truncated to leave one NUL). */
  str(s: string, size: number): this {
    const enc = new TextEncoder().encode(s).subarray(0, size - 1);
    this.bytes(enc);
    return this.zeros(size - enc.length);
  }

  setU16(at: number, v: number): void {
    this.view.setUint16(at, v & 0xffff);
  }

  setU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0);
  }

  /** The bytes written, as a view of the buffer (valid until the next write). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

let lastBytes: Uint8Array | undefined;
let lastView: DataView | undefined;

/** A DataView over exactly `b` (the last one is reused: decoders ask for the same message's view many times). */
export function viewOf(b: Uint8Array): DataView {
  if (b === lastBytes && lastView !== undefined) return lastView;
  lastBytes = b;
  lastView = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return lastView;
}

/** Reads `n` bytes at `at` as an unsigned big-endian bigint. */
/** One shared bigint per value below 2^16 (ethertypes, ports, protocols recur in every rule). */
const SMALL_BIGINTS: bigint[] = [];

export function readUint(b: Uint8Array, at: number, n: number): bigint {
  if (n <= 6) {
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + b[at + i]!;
    if (x < 0x10000) return (SMALL_BIGINTS[x] ??= BigInt(x));
    return BigInt(x);
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i]!);
  return v;
}

/** A big-endian u64 at `at` (no DataView; small values are shared bigints). */
export function readU64(b: Uint8Array, at: number): bigint {
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  if (hi === 0) return lo < 0x10000 ? (SMALL_BIGINTS[lo] ??= BigInt(lo)) : BigInt(lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A big-endian u32 at `at`. */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** A big-endian u16 at `at`. */
export function readU16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** A NUL-terminated string from a fixed-size field. */
export function readStr(b: Uint8Array, at: number, size: number): string {
  let end = at;
  while (end < at + size && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(at, end));
}

/** A copy of b[at, at+n). */
export function copyBytes(b: Uint8Array, at: number, n: number): Uint8Array {
  return b.slice(at, at + n);
}

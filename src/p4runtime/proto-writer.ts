// A protobuf writer over one growable buffer, for the hot path: updates are written field by
// field straight into the buffer a Write will carry (no message objects, no per-field
// allocation). Lengths of nested messages are reserved and closed afterwards (one byte, widened
// in place when the message is longer). Canonical P4Runtime bytestrings are written from numbers
// and bigints directly. Owns the varint helpers of the p4runtime layer. Never decodes.

/** Bytes a varint of `n` (0 ≤ n < 2^32) takes. */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** Writes the varint of `n` (0 ≤ n < 2^32) at `o`; returns the offset after it. */
export function putVarint(buf: Uint8Array, o: number, n: number): number {
  while (n >= 0x80) {
    buf[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[o++] = n;
  return o;
}

/** Bytes the canonical bytestring of `n` (0 ≤ n < 2^53) takes: zero is one byte. */
function numberBytes(n: number): number {
  let len = 1;
  while (n >= 256) {
    n = Math.floor(n / 256);
    len++;
  }
  return len;
}

const TWO_53 = 0x20000000000000n;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 256));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    this.ensure(5);
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** A varint of a 64-bit unsigned value. */
  varint64(v: bigint): void {
    if (v < 0x100000000n) {
      this.varint(Number(v));
      return;
    }
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A varint field (wire type 0). */
  uintField(field: number, n: number): void {
    this.ensure(10);
    this.pos = putVarint(this.buf, this.pos, field << 3);
    this.pos = putVarint(this.buf, this.pos, n);
  }

  /** A bytes field (wire type 2) holding `b`. */
  bytesField(field: number, b: Uint8Array): void {
    this.ensure(10 + b.length);
    this.pos = putVarint(this.buf, this.pos, (field << 3) | 2);
    this.pos = putVarint(this.buf, this.pos, b.length);
    if (b.length <= 16) {
      for (let i = 0; i < b.length; i++) this.buf[this.pos + i] = b[i]!;
    } else this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Raw bytes. */
  raw(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.ensure(n);
    // Short copies by hand; a view (subarray) costs an object, so only a partial long copy makes one.
    if (n <= 64) {
      for (let i = 0; i < n; i++) this.buf[this.pos + i] = b[start + i]!;
    } else this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** The bytes of a latin1 string (one byte per char, as written by latin1()). */
  latin1(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  /** The bytes in [start, end) as a latin1 string (a compact one-byte string). */
  latin1Of(start: number, end = this.pos): string {
    return this.buf.toString("latin1", start, end);
  }

  /** A bytes field holding the canonical bytestring of `n` (0 ≤ n < 2^53). */
  canonicalNumberField(field: number, n: number): void {
    const len = numberBytes(n);
    this.ensure(3 + len);
    this.buf[this.pos++] = (field << 3) | 2;
    this.buf[this.pos++] = len;
    for (let i = len - 1; i >= 0; i--) {
      this.buf[this.pos + i] = n % 256;
      n = Math.floor(n / 256);
    }
    this.pos += len;
  }

  /** A bytes field holding the canonical bytestring of `v` (≥ 0). */
  canonicalField(field: number, v: bigint): void {
    if (v < TWO_53) {
      this.canonicalNumberField(field, Number(v));
      return;
    }
    let len = 0;
    for (let x = v; x > 0n; x >>= 8n) len++;
    this.ensure(3 + len);
    this.buf[this.pos++] = (field << 3) | 2;
    this.buf[this.pos++] = len;
    let x = v;
    for (let i = len - 1; i >= 0; i--) {
      this.buf[this.pos + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.pos += len;
  }

  /** Opens a length-delimited field: writes its tag and reserves one byte for its length; returns the mark for close(). */
  open(field: number): number {
    this.ensure(6);
    this.pos = putVarint(this.buf, this.pos, (field << 3) | 2);
    this.buf[this.pos] = 0;
    return this.pos++;
  }

  /** Closes the field opened at `mark`: writes its length, widening the reserved byte when needed. */
  close(mark: number): void {
    const len = this.pos - mark - 1;
    if (len < 0x80) {
      this.buf[mark] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    putVarint(this.buf, mark, len);
    this.pos += extra;
  }
}

// Byte-level helpers for the multipart, group and meter codecs: a bounds-checked big-endian
// reader that reports "too short" as a value, and a growable big-endian writer. Pure and
// allocation-light; never throws on input bytes (only on a programming error such as a
// negative length).

/** Reads big-endian fields from a view; every read is bounds-checked by the caller via `has`. */
export class WireReader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.byteLength;
  }
  has(offset: number, n: number): boolean {
    return offset >= 0 && n >= 0 && offset + n <= this.bytes.byteLength;
  }
  u8(o: number): number {
    return this.view.getUint8(o);
  }
  u16(o: number): number {
    return this.view.getUint16(o);
  }
  u32(o: number): number {
    return this.view.getUint32(o);
  }
  u64(o: number): bigint {
    return this.view.getBigUint64(o);
  }
  slice(o: number, n: number): Uint8Array {
    return this.bytes.subarray(o, o + n);
  }
  /** A NUL-padded fixed-size string field (stops at the first NUL), decoded as UTF-8. */
  str(o: number, n: number): string {
    const b = this.bytes.subarray(o, o + n);
    const end = b.indexOf(0);
    return textDecoder.decode(end < 0 ? b : b.subarray(0, end));
  }
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** A growable big-endian writer. */
export class WireWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }
  get offset(): number {
    return this.pos;
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }
  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v));
    this.pos += 8;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  /** A NUL-padded fixed-size string field; truncated so at least one NUL remains. */
  str(s: string, n: number): this {
    const b = textEncoder.encode(s).subarray(0, n - 1);
    this.bytes(b);
    return this.zeros(n - b.length);
  }
  /** Pads with zeros to a multiple of `align`. */
  pad(align: number): this {
    const r = this.pos % align;
    return r === 0 ? this : this.zeros(align - r);
  }
  /** Overwrites a u16 already written (length fields). */
  setU16(at: number, v: number): this {
    this.view.setUint16(at, v);
    return this;
  }
  /** A copy of everything written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** OpenFlow 1.0 16-bit port number to the 32-bit OpenFlow 1.3 number (0xff00.. reserved range moves up). */
export function port10To13(p: number): number {
  return p >= 0xff00 ? (0xffff0000 | p) >>> 0 : p;
}

/** OpenFlow 1.3 32-bit port number to OpenFlow 1.0's 16 bits (reserved numbers move down; others truncate). */
export function port13To10(p: number): number {
  return p >= 0xffffff00 ? p & 0xffff : p & 0xffff;
}

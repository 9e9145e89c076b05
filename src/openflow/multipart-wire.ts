// Reading side of the multipart, group and meter codecs: a big-endian reader over one
// message with a `has` check that callers use before every read, so that a short body
// becomes a BAD_LEN value. Writing uses wire.ts's Writer. Pure; never throws on input bytes
// the caller has checked.

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

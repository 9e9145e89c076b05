// The headers of p4/ofp4.p4 as data: each header type's fields and widths in declaration
// order, and a Header that extracts itself from and emits itself into frame bytes the way a
// P4 parser and deparser do (big-endian, fields packed without padding). Field values are
// bigints masked to their width. Never knows about tables or actions.

export type FieldList<F extends string> = readonly (readonly [F, number])[];

export interface HeaderLayout<F extends string> {
  /** The P4 header type name, as in the bmv2 JSON's header_types. */
  readonly typeName: string;
  readonly fields: FieldList<F>;
  /** Total width in bytes (P4 headers here are byte-aligned). */
  readonly bytes: number;
  /** Field name -> position in `fields`. */
  readonly at: Readonly<Record<F, number>>;
  /** Field position -> all-ones mask of its width. */
  readonly masks: readonly bigint[];
}

function layout<F extends string>(typeName: string, fields: FieldList<F>): HeaderLayout<F> {
  const bits = fields.reduce((n, [, w]) => n + w, 0);
  if (bits % 8 !== 0) throw new Error(`header ${typeName} is not byte-aligned`);
  const at = {} as Record<F, number>;
  fields.forEach(([name], i) => (at[name] = i));
  return { typeName, fields, bytes: bits / 8, at, masks: fields.map(([, w]) => (1n << BigInt(w)) - 1n) };
}

export const PACKET_IN = layout("packet_in_t", [
  ["ingress_port", 16], ["reason", 8], ["table_id", 8], ["metadata", 64],
] as const);
export const PACKET_OUT = layout("packet_out_t", [
  ["egress_port", 16], ["mcast_grp", 16], ["in_port", 16], ["run_pipeline", 8],
] as const);
export const ETHERNET = layout("ethernet_t", [["dst_addr", 48], ["src_addr", 48], ["ether_type", 16]] as const);
export const VLAN_TAG = layout("vlan_tag_t", [["pcp", 3], ["dei", 1], ["vid", 12], ["ether_type", 16]] as const);
export const ARP = layout("arp_t", [
  ["htype", 16], ["ptype", 16], ["hlen", 8], ["plen", 8], ["oper", 16],
  ["sha", 48], ["spa", 32], ["tha", 48], ["tpa", 32],
] as const);
export const IPV4 = layout("ipv4_t", [
  ["version", 4], ["ihl", 4], ["dscp", 6], ["ecn", 2], ["total_len", 16], ["identification", 16],
  ["flags", 3], ["frag_offset", 13], ["ttl", 8], ["protocol", 8], ["hdr_checksum", 16],
  ["src_addr", 32], ["dst_addr", 32],
] as const);
export const IPV6 = layout("ipv6_t", [
  ["version", 4], ["dscp", 6], ["ecn", 2], ["flow_label", 20], ["payload_len", 16],
  ["next_hdr", 8], ["hop_limit", 8], ["src_addr", 128], ["dst_addr", 128],
] as const);
export const TCP = layout("tcp_t", [
  ["src_port", 16], ["dst_port", 16], ["seq_no", 32], ["ack_no", 32], ["data_offset", 4],
  ["res", 4], ["flags", 8], ["window", 16], ["checksum", 16], ["urgent_ptr", 16],
] as const);
export const UDP = layout("udp_t", [["src_port", 16], ["dst_port", 16], ["length", 16], ["checksum", 16]] as const);
export const ICMP = layout("icmp_t", [["type", 8], ["code", 8], ["checksum", 16]] as const);

/** Every header type of the program, for the agreement test against the bmv2 JSON. */
export const HEADER_LAYOUTS: readonly HeaderLayout<string>[] = [
  PACKET_IN, PACKET_OUT, ETHERNET, VLAN_TAG, ARP, IPV4, IPV6, TCP, UDP, ICMP,
];

/** One header instance: validity bit plus field values. */
export class Header<F extends string> {
  valid = false;
  private readonly v: bigint[];
  /** Where the header was extracted from, while no field has changed since (emit copies it). */
  private src: Uint8Array | undefined;
  private srcOff = 0;

  constructor(readonly layout: HeaderLayout<F>) {
    this.v = new Array<bigint>(layout.fields.length).fill(0n);
  }

  get(f: F): bigint {
    return this.v[this.layout.at[f]] as bigint;
  }

  /** Assigns with the truncation of a P4 bit<W> assignment. */
  set(f: F, x: bigint): void {
    const i = this.layout.at[f];
    this.v[i] = x & (this.layout.masks[i] as bigint);
    this.src = undefined;
  }

  /** P4 setValid(): the fields keep whatever they held (the program assigns them all). */
  setValid(): void {
    this.valid = true;
  }

  setInvalid(): void {
    this.valid = false;
  }

  /** packet.extract: false (and the header stays invalid) when the frame is too short. */
  extract(frame: Uint8Array, offset: number): boolean {
    const n = this.layout.bytes;
    if (offset + n > frame.length) return false;
    let all = 0n;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const word = (((frame[offset + i] as number) << 24) >>> 0) + ((frame[offset + i + 1] as number) << 16) +
        ((frame[offset + i + 2] as number) << 8) + (frame[offset + i + 3] as number);
      all = (all << 32n) | BigInt(word);
    }
    for (; i < n; i++) all = (all << 8n) | BigInt(frame[offset + i] as number);
    const fields = this.layout.fields;
    for (let f = fields.length - 1; f >= 0; f--) {
      const w = (fields[f] as readonly [F, number])[1];
      this.v[f] = all & (this.layout.masks[f] as bigint);
      all >>= BigInt(w);
    }
    this.valid = true;
    this.src = frame;
    this.srcOff = offset;
    return true;
  }

  /** The header's bytes (whether valid or not) as one big-endian value. */
  pack(): bigint {
    let all = 0n;
    const fields = this.layout.fields;
    for (let i = 0; i < fields.length; i++) {
      all = (all << BigInt((fields[i] as readonly [F, number])[1])) | (this.v[i] as bigint);
    }
    return all;
  }

  /** Writes the header at `offset`; returns the offset after it. */
  emitInto(out: Uint8Array, offset: number): number {
    const n = this.layout.bytes;
    if (this.src !== undefined) {
      out.set(this.src.subarray(this.srcOff, this.srcOff + n), offset);
      return offset + n;
    }
    let all = this.pack();
    let i = n;
    for (; i >= 4; i -= 4) {
      const word = Number(all & 0xffffffffn);
      out[offset + i - 1] = word & 0xff;
      out[offset + i - 2] = (word >>> 8) & 0xff;
      out[offset + i - 3] = (word >>> 16) & 0xff;
      out[offset + i - 4] = word >>> 24;
      all >>= 32n;
    }
    for (; i > 0; i--) {
      out[offset + i - 1] = Number(all & 0xffn);
      all >>= 8n;
    }
    return offset + n;
  }
}

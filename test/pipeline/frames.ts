// Frame builders for the pipeline tests, written byte by byte and independently of the model's
// header code, with their own checksum arithmetic, so a wrong model cannot agree with itself.

export type Bytes = number[];

const be16 = (v: number): Bytes => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number): Bytes => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
export const mac = (s: string): Bytes => s.split(":").map((h) => parseInt(h, 16));
export const ip4 = (s: string): Bytes => s.split(".").map((d) => parseInt(d, 10));
export const ip4n = (s: string): number => ip4(s).reduce((a, b) => a * 256 + b, 0);

/** Internet checksum of bytes (RFC 1071). */
export function inetSum(bytes: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 2) s += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function ethernet(dst: string, src: string, type: number): Bytes {
  return [...mac(dst), ...mac(src), ...be16(type)];
}

export function vlanTag(pcp: number, vid: number, type: number): Bytes {
  return [...be16((pcp << 13) | vid), ...be16(type)];
}

export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  dscp?: number;
  ecn?: number;
  fragOffset?: number;
}

/** An IPv4 header (no options) for an L4 part of `l4Length` bytes, with a valid checksum. */
export function ipv4(o: Ipv4Opts, l4Length: number): Bytes {
  const h = [
    0x45, ((o.dscp ?? 0) << 2) | (o.ecn ?? 0), ...be16(20 + l4Length), 0x12, 0x34,
    ...be16(o.fragOffset ?? 0), o.ttl ?? 64, o.proto, 0, 0, ...ip4(o.src), ...ip4(o.dst),
  ];
  const c = inetSum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return h;
}

export function ipv6(src: Bytes, dst: Bytes, next: number, payloadLen: number, dscp = 0, hopLimit = 64): Bytes {
  return [0x60 | (dscp >> 2), ((dscp & 3) << 6), 0, 0, ...be16(payloadLen), next, hopLimit, ...src, ...dst];
}

function pseudo4(src: string, dst: string, proto: number, len: number): Bytes {
  return [...ip4(src), ...ip4(dst), 0, proto, ...be16(len)];
}

/** A TCP segment (20-byte header + payload) over IPv4 with a valid checksum. */
export function tcp4(src: string, dst: string, sport: number, dport: number, payload: Bytes): Bytes {
  const t = [...be16(sport), ...be16(dport), ...be32(1000), ...be32(0), 0x50, 0x02, ...be16(8192), 0, 0, 0, 0, ...payload];
  const c = inetSum([...pseudo4(src, dst, 6, t.length), ...t]);
  t[16] = c >> 8;
  t[17] = c & 0xff;
  return t;
}

/** A UDP datagram over IPv4; checksum computed unless `zeroChecksum`. */
export function udp4(src: string, dst: string, sport: number, dport: number, payload: Bytes, zeroChecksum = false): Bytes {
  const u = [...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload];
  if (!zeroChecksum) {
    const c = inetSum([...pseudo4(src, dst, 17, u.length), ...u]);
    u[6] = c >> 8;
    u[7] = c & 0xff;
  }
  return u;
}

/** A complete Ethernet/IPv4/TCP frame. */
export function tcpFrame(o: { ethDst?: string; ethSrc?: string; src: string; dst: string; sport: number; dport: number; ttl?: number; vlan?: [number, number] }): Uint8Array {
  const seg = tcp4(o.src, o.dst, o.sport, o.dport, [1, 2, 3, 4, 5]);
  const ip = ipv4({ src: o.src, dst: o.dst, proto: 6, ttl: o.ttl ?? 64 }, seg.length);
  const l2 = o.vlan
    ? [...ethernet(o.ethDst ?? "02:00:00:00:00:02", o.ethSrc ?? "02:00:00:00:00:01", 0x8100), ...vlanTag(o.vlan[0], o.vlan[1], 0x0800)]
    : ethernet(o.ethDst ?? "02:00:00:00:00:02", o.ethSrc ?? "02:00:00:00:00:01", 0x0800);
  return Uint8Array.from([...l2, ...ip, ...seg]);
}

/** True when the IPv4 header at `off` has a valid checksum. */
export function ipv4ChecksumOk(f: Uint8Array, off: number): boolean {
  return inetSum([...f.subarray(off, off + 20)]) === 0;
}

/** True when the TCP/UDP segment after the IPv4 header at `ipOff` has a valid checksum. */
export function l4ChecksumOk(f: Uint8Array, ipOff: number): boolean {
  const ip = f.subarray(ipOff, ipOff + 20);
  const l4 = [...f.subarray(ipOff + 20, ipOff + ((ip[2] as number) << 8) + (ip[3] as number))];
  return inetSum([...ip.subarray(12, 20), 0, ip[9] as number, ...be16(l4.length), ...l4]) === 0;
}

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BytesError,
  bigintToBytes,
  bytesToBigint,
  canonical,
  fieldBytes,
  hex,
  ipv6ToBytes,
  lpm,
  macToBytes,
  prefixMask,
  range,
  ternary,
  toBytes,
  toWidth,
} from "../../src/p4runtime/bytes.js";

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe("canonical bytestrings", () => {
  it("encodes zero as one 0x00 byte", () => {
    expect(toBytes(0)).toEqual(b(0));
    expect(toBytes(0n)).toEqual(b(0));
    expect(canonical(b())).toEqual(b(0));
    expect(canonical(b(0, 0, 0))).toEqual(b(0));
  });

  it("uses the shortest big-endian form", () => {
    expect(toBytes(1)).toEqual(b(1));
    expect(toBytes(256)).toEqual(b(1, 0));
    expect(toBytes(0x1ff)).toEqual(b(1, 0xff));
    expect(toBytes(0xffffffff)).toEqual(b(0xff, 0xff, 0xff, 0xff));
    expect(toBytes(2 ** 40)).toEqual(b(1, 0, 0, 0, 0, 0));
    expect(toBytes(b(0, 0, 7, 0))).toEqual(b(7, 0));
    expect(toBytes("0x0a0b")).toEqual(b(10, 11));
    expect(toBytes("4096")).toEqual(b(16, 0));
  });

  it("accepts the maximum of a field and rejects one past it, naming field, width and value", () => {
    expect(fieldBytes(511, 9, "standard_metadata.ingress_port")).toEqual(b(1, 0xff));
    expect(() => fieldBytes(512, 9, "standard_metadata.ingress_port")).toThrow(
      /standard_metadata\.ingress_port: value 0x0200 is wider than 9 bits/,
    );
    expect(fieldBytes((1n << 128n) - 1n, 128, "ipv6.dst").length).toBe(16);
    expect(() => fieldBytes(1n << 128n, 128, "ipv6.dst")).toThrow(BytesError);
    expect(() => fieldBytes(b(0, 0, 0x80), 8, "x")).not.toThrow();
  });

  it("reads MAC addresses", () => {
    expect(macToBytes("aa:bb:cc:dd:ee:ff")).toEqual(b(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff));
    expect(toBytes("00:00:00:00:00:01")).toEqual(b(1));
    expect(toBytes("00-00-00-00-01-00")).toEqual(b(1, 0));
    expect(() => macToBytes("aa:bb:cc:dd:ee")).toThrow(/not a MAC/);
  });

  it("reads IPv4 and IPv6 addresses", () => {
    expect(toBytes("10.0.0.1")).toEqual(b(10, 0, 0, 1));
    expect(toBytes("0.0.1.2")).toEqual(b(1, 2));
    expect(() => toBytes("10.0.0.256")).toThrow(/IPv4/);
    expect(hex(ipv6ToBytes("2001:db8::1"))).toBe("20010db8000000000000000000000001");
    expect(hex(ipv6ToBytes("::"))).toBe("0".repeat(32));
    expect(hex(ipv6ToBytes("fe80::"))).toBe("fe80" + "0".repeat(28));
    expect(hex(ipv6ToBytes("::ffff:10.1.2.3"))).toBe("00000000000000000000ffff0a010203");
    expect(hex(ipv6ToBytes("1:2:3:4:5:6:7:8"))).toBe("00010002000300040005000600070008");
    expect(toBytes("::1")).toEqual(b(1));
    expect(() => ipv6ToBytes("1::2::3")).toThrow(/IPv6/);
    expect(() => ipv6ToBytes("1:2:3:4:5:6:7:8:9")).toThrow(/IPv6/);
    expect(() => toBytes("nonsense")).toThrow(BytesError);
  });

  it("round-trips any unsigned bigint", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 160n) - 1n }), (v) => {
        const bytes = bigintToBytes(v);
        expect(bytesToBigint(bytes)).toBe(v);
        expect(bytes.length === 1 || bytes[0] !== 0).toBe(true);
      }),
    );
  });

  it("pads to a field's width", () => {
    expect(toWidth(b(1), 48, "eth.dst")).toEqual(b(0, 0, 0, 0, 0, 1));
    expect(toWidth(b(0, 0, 1, 0xff), 9, "port")).toEqual(b(1, 0xff));
    expect(() => toWidth(b(2, 0), 9, "port")).toThrow(/port/);
  });
});

describe("match helpers", () => {
  it("builds ternary matches and rejects bits outside the mask or a zero mask", () => {
    expect(ternary("0a:00:00:00:00:00", "ff:00:00:00:00:00", 48, "eth.dst")).toEqual({
      value: b(10, 0, 0, 0, 0, 0),
      mask: b(0xff, 0, 0, 0, 0, 0),
    });
    expect(() => ternary(3, 1, 8, "f")).toThrow(/outside mask/);
    expect(() => ternary(0, 0, 8, "f")).toThrow(/mask of 0/);
    expect(() => ternary(0, 0x1ff, 8, "f")).toThrow(/f mask: value 0x01ff is wider than 8 bits/);
  });

  it("builds LPM matches", () => {
    expect(lpm("10.1.0.0", 16, 32, "ipv4.dst")).toEqual({ value: b(10, 1, 0, 0), prefixLen: 16 });
    expect(() => lpm("10.1.0.1", 16, 32, "ipv4.dst")).toThrow(/past prefix \/16/);
    expect(() => lpm(0, 0, 32, "ipv4.dst")).toThrow(/outside 1\.\.32/);
    expect(() => lpm(0, 33, 32, "ipv4.dst")).toThrow(/outside 1\.\.32/);
    expect(prefixMask(12, 16)).toEqual(b(0xff, 0xf0));
    expect(prefixMask(0, 16)).toEqual(b(0));
  });

  it("builds ranges", () => {
    expect(range(10, 20, 16, "tcp.dport")).toEqual({ low: b(10), high: b(20) });
    expect(() => range(20, 10, 16, "tcp.dport")).toThrow(/above high/);
    expect(() => range(0, 0xffff, 16, "tcp.dport")).toThrow(/covers every value/);
  });
});

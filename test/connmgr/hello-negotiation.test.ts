// HELLO version negotiation as a pure function (OpenFlow 1.3.5 §6.3.1).
import { describe, expect, it } from "vitest";
import { negotiateVersion, readPeerHello } from "../../src/connmgr/hello.js";

function hello(version: number, bitmapWords?: number[]): Uint8Array {
  const elementLength = bitmapWords === undefined ? 0 : 4 + 4 * bitmapWords.length;
  const padded = (elementLength + 7) & ~7;
  const b = Buffer.alloc(8 + padded);
  b.writeUInt8(version, 0);
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(99, 4);
  if (bitmapWords !== undefined) {
    b.writeUInt16BE(1, 8);
    b.writeUInt16BE(elementLength, 10);
    bitmapWords.forEach((w, i) => b.writeUInt32BE(w >>> 0, 12 + 4 * i));
  }
  return b;
}

describe("HELLO negotiation", () => {
  it("reads a version bitmap, and none from a plain HELLO", () => {
    expect(readPeerHello(hello(4, [(1 << 1) | (1 << 4)]))).toEqual({ versions: [1, 4] });
    expect(readPeerHello(hello(1))).toEqual({ versions: undefined });
    expect(readPeerHello(hello(33, [0, 1 << 1]))).toEqual({ versions: [33] });
    const notHello = hello(4);
    notHello[1] = 5;
    expect(readPeerHello(notHello)).toBeUndefined();
  });

  it("picks the highest common version", () => {
    expect(negotiateVersion([1, 4], 1, undefined)).toBe(1);
    expect(negotiateVersion([1, 4], 4, undefined)).toBe(4);
    expect(negotiateVersion([1, 4], 6, undefined)).toBe(4);
    expect(negotiateVersion([1, 4], 2, undefined)).toBe(1);
    expect(negotiateVersion([1, 4], 6, [1, 6])).toBe(1);
    expect(negotiateVersion([1, 4], 6, [4, 5, 6])).toBe(4);
    expect(negotiateVersion([1], 4, [4])).toBeUndefined();
    expect(negotiateVersion([4], 1, undefined)).toBeUndefined();
    expect(negotiateVersion([1, 4], 6, [5, 6])).toBeUndefined();
  });
});

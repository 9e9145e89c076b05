// gRPC framing pieces of the Write transport (grpc-framing.ts, write-request.ts): message
// prefixes and the response reader over any split, grpc-timeout, grpc-message decoding, status
// mappings, addresses, and the WriteRequest bytes against protobufjs's own encoding.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import {
  MessageReader,
  codeOfHttpStatus,
  codeOfReset,
  decodeGrpcMessage,
  parseHostPort,
  parseStatus,
  timeoutHeader,
  writeMessagePrefix,
} from "../../src/p4runtime/grpc-framing.js";
import { Code } from "../../src/p4runtime/status.js";
import { countFramedUpdates, encodeWriteHeader, writeRequestOfFramed, writeRequestOfUpdates } from "../../src/p4runtime/write-request.js";
import { badTableInsert, encode, entryUpdate, framed } from "./write-fixtures.js";

function messages(lengths: readonly number[]): Buffer {
  const parts = lengths.map((n) => {
    const b = Buffer.alloc(5 + n, 0xab);
    writeMessagePrefix(b, 0, n);
    return b;
  });
  return Buffer.concat(parts);
}

describe("MessageReader", () => {
  it("counts whole messages however the body is cut into DATA frames", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(300), { maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }), (lengths, cuts) => {
        const body = messages(lengths);
        const r = new MessageReader();
        let at = 0;
        for (let i = 0; at < body.length; i++) {
          const step = cuts[i % cuts.length]!;
          r.feed(body.subarray(at, at + step));
          at += step;
        }
        expect(r.messages).toBe(lengths.length);
        expect(r.atBoundary).toBe(true);
        expect(r.error).toBeUndefined();
      }),
    );
  });

  it("sees a message cut short, and refuses a compressed one", () => {
    const r = new MessageReader();
    r.feed(messages([10]).subarray(0, 8));
    expect([r.messages, r.atBoundary]).toEqual([0, false]);
    const c = new MessageReader();
    c.feed(Buffer.from([1, 0, 0, 0, 0]));
    expect(c.error).toMatch(/compressed/);
    expect(c.messages).toBe(0);
  });
});

describe("header values", () => {
  it("writes grpc-timeout with at most 8 digits", () => {
    expect(timeoutHeader(10_000)).toBe("10000m");
    expect(timeoutHeader(0.2)).toBe("1m");
    expect(timeoutHeader(99_999_999)).toBe("99999999m");
    expect(timeoutHeader(100_000_000)).toBe("100000S");
    expect(timeoutHeader(1e15)).toMatch(/^\d{1,8}[MH]$/);
  });

  it("percent-decodes grpc-message as UTF-8 and keeps a stray %", () => {
    expect(decodeGrpcMessage("Not primary")).toBe("Not primary");
    expect(decodeGrpcMessage("a%20b%25c")).toBe("a b%c");
    expect(decodeGrpcMessage("caf%C3%A9 %E2%9C%93")).toBe("café ✓");
    expect(decodeGrpcMessage("50% off %zz %4")).toBe("50% off %zz %4");
  });

  it("reads grpc-status, and maps HTTP statuses and stream resets to codes", () => {
    expect(parseStatus("0")).toBe(0);
    expect(parseStatus("6")).toBe(Code.ALREADY_EXISTS);
    expect(parseStatus("x")).toBe(Code.UNKNOWN);
    expect(parseStatus("")).toBe(Code.UNKNOWN);
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500].map(codeOfHttpStatus)).toEqual([
      Code.INTERNAL, Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.UNIMPLEMENTED,
      Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNKNOWN,
    ]);
    expect([7, 8, 0xb, 0xc, 2, 1].map(codeOfReset)).toEqual([
      Code.UNAVAILABLE, Code.CANCELLED, Code.RESOURCE_EXHAUSTED, Code.PERMISSION_DENIED, Code.INTERNAL, Code.INTERNAL,
    ]);
  });

  it("takes host:port and [v6]:port, nothing else", () => {
    expect(parseHostPort("127.0.0.1:9559")).toEqual({ host: "127.0.0.1", port: 9559 });
    expect(parseHostPort("switch-1.lab:50051")).toEqual({ host: "switch-1.lab", port: 50051 });
    expect(parseHostPort("[::1]:9559")).toEqual({ host: "::1", port: 9559 });
    for (const a of ["dns:///h:1", "unix:/tmp/s", "h", "h:0", "h:70000", "::1:9559"]) expect(parseHostPort(a)).toBeUndefined();
  });
});

describe("WriteRequest bytes", () => {
  const ups = [entryUpdate("INSERT", 1), badTableInsert(2), entryUpdate("DELETE", 3)];

  it("is what protobufjs encodes, behind a 5-byte prefix, from updates or from framed updates", () => {
    for (const role of ["", "r"]) {
      const header = encodeWriteHeader(3n, role, { high: 1n, low: 2n });
      for (const atomicity of ["CONTINUE_ON_ERROR", "ROLLBACK_ON_ERROR", "DATAPLANE_ATOMIC"] as const) {
        const request = { deviceId: 3n, role, electionId: { high: 1n, low: 2n }, updates: ups, atomicity: p4.v1.WriteRequest.Atomicity[atomicity] };
        const want = Buffer.from(p4.v1.WriteRequest.encode(request).finish());
        for (const got of [writeRequestOfUpdates(header, ups.map(encode), atomicity), writeRequestOfFramed(header, framed(ups), atomicity)]) {
          expect(got[0]).toBe(0);
          expect(got.readUInt32BE(1)).toBe(got.length - 5);
          // Field order differs from protobufjs's only for a role (field 6 leads, with the header).
          if (role === "") expect(got.subarray(5)).toEqual(want);
          expect(p4.v1.WriteRequest.decode(got.subarray(5))).toEqual(p4.v1.WriteRequest.decode(want));
        }
      }
    }
  });

  it("counts framed updates and refuses anything that is not a run of them", () => {
    expect(countFramedUpdates(framed(ups))).toBe(3);
    expect(countFramedUpdates(new Uint8Array())).toBe(0);
    const big = framed([{ type: 1, entity: { tableEntry: { tableId: 1, metadata: new Uint8Array(300) } } }]);
    expect(countFramedUpdates(big)).toBe(1);
    expect(countFramedUpdates(big.subarray(0, big.length - 1))).toBe(-1);
    expect(countFramedUpdates(Uint8Array.of(0x0a, 0))).toBe(-1);
    expect(countFramedUpdates(Uint8Array.of(0x22, 0x80))).toBe(-1);
    expect(countFramedUpdates(Uint8Array.of(0x22, 0))).toBe(1);
  });
});

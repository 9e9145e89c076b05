// The http2 Write transport against a plain node:http2 server on 127.0.0.1 that answers the way
// real gRPC servers may but the sim and bmv2 cannot be made to on demand: the request as sent, a
// response cut into many DATA frames, trailers-only answers, percent-encoded messages, HTTP
// errors without gRPC status, refused streams, GOAWAY and a dropped connection mid-Write,
// session rotation, the send size limit, and a session node:http2 leaves stuck.
import { once } from "node:events";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { P4RuntimeClient, type ClientOptions } from "../../src/p4runtime/client.js";
import { Http2WriteTransport } from "../../src/p4runtime/grpc-write.js";
import { Code, encodeWriteFailure, type UpdateStatus } from "../../src/p4runtime/status.js";
import { entryUpdate } from "./write-fixtures.js";

interface Request {
  readonly stream: http2.ServerHttp2Stream;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Requests before this one, on any session. */
  readonly index: number;
}

class H2Target {
  readonly server = http2.createServer({ maxSendHeaderBlockLength: 1 << 24 });
  readonly sessions: http2.Http2Session[] = [];
  readonly requests: Request[] = [];
  constructor(private readonly handle: (r: Request) => void) {
    this.server.on("session", (s) => {
      this.sessions.push(s);
      s.on("error", () => {});
    });
    this.server.on("stream", (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on("error", () => {});
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const r = { stream, headers, body: Buffer.concat(chunks), index: this.requests.length };
        this.requests.push(r);
        this.handle(r);
      });
    });
  }
  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): void {
    for (const s of this.sessions) if (!s.destroyed) s.destroy();
    this.server.close();
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function target(handle: (r: Request) => void): Promise<{ t: H2Target; c: P4RuntimeClient; address: string }> {
  const t = new H2Target(handle);
  const address = await t.start();
  cleanups.push(() => t.stop());
  return { t, c: client(address), address };
}

function client(address: string, o: Partial<ClientOptions> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address, electionId: 1n, reconnect: false, writeTimeoutMs: 3000, ...o });
  cleanups.push(() => c.close());
  return c;
}

const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

/** Headers, the empty WriteResponse, then `trailers`. */
function answer(stream: http2.ServerHttp2Stream, trailers: http2.OutgoingHttpHeaders, body: Buffer = EMPTY_MESSAGE): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
}

/** A trailers-only response. */
function trailersOnly(stream: http2.ServerHttp2Stream, h: http2.OutgoingHttpHeaders): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc", ...h }, { endStream: true });
}

const ok = (r: Request): void => answer(r.stream, { "grpc-status": "0" });
const codes = (r: readonly UpdateStatus[]): number[] => r.map((x) => x.code);

describe("http2 Write transport: the request", () => {
  it("sends POST /p4.v1.P4Runtime/Write with gRPC's headers and the framed WriteRequest", async () => {
    const { t, c, address } = await target(ok);
    expect(codes(await c.write([entryUpdate("INSERT", 1), entryUpdate("DELETE", 2)], "ROLLBACK_ON_ERROR"))).toEqual([0, 0]);
    const { headers, body } = t.requests[0]!;
    expect(headers[":method"]).toBe("POST");
    expect(headers[":path"]).toBe("/p4.v1.P4Runtime/Write");
    expect(headers[":scheme"]).toBe("http");
    expect(headers[":authority"]).toBe(address);
    expect(headers["content-type"]).toBe("application/grpc");
    expect(headers.te).toBe("trailers");
    expect(headers["grpc-timeout"]).toBe("3000m");
    expect(headers["user-agent"]).toMatch(/^ofp4-p4runtime/);
    expect(body[0]).toBe(0);
    expect(body.readUInt32BE(1)).toBe(body.length - 5);
    const req = p4.v1.WriteRequest.decode(body.subarray(5));
    expect(req.updates.map((u) => u.type)).toEqual([p4.v1.Update.Type.INSERT, p4.v1.Update.Type.DELETE]);
    expect(req.electionId).toMatchObject({ high: 0n, low: 1n });
    expect(req.atomicity).toBe(p4.v1.WriteRequest.Atomicity.ROLLBACK_ON_ERROR);
  });

  it("refuses a request over grpc.max_send_message_length unsent", async () => {
    const { t, address } = await target(ok);
    const c = client(address, { channelOptions: { "grpc.max_send_message_length": 100 } });
    const r = await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]);
    expect(r.map((x) => [x.code, x.outcomeUnknown])).toEqual(Array(2).fill([Code.RESOURCE_EXHAUSTED, false]));
    expect(r[0]!.message).toMatch(/larger than the maximum send size \(100\)/);
    expect(codes(await c.write([entryUpdate("INSERT", 1)]))).toEqual([0]);
    expect(t.requests.length).toBe(1);
  });

  it("opens a fresh session when one has used its streams", async () => {
    const t = new H2Target(ok);
    const address = await t.start();
    cleanups.push(() => t.stop());
    const [host, port] = address.split(":");
    const w = new Http2WriteTransport({ host: host!, port: Number(port), address, timeoutMs: 2000, maxSendBytes: 1 << 20, maxMetadataBytes: 1 << 20, userAgent: "test", streamsPerSession: 3 });
    cleanups.push(() => w.close());
    for (let i = 0; i < 7; i++) {
      const r = await new Promise<UpdateStatus[]>((resolve) => w.send(EMPTY_MESSAGE, 1, resolve));
      expect(codes(r)).toEqual([0]);
    }
    expect(w.sessionsOpened).toBe(3);
    expect(t.sessions.length).toBe(3);
  });
});

describe("http2 Write transport: responses", () => {
  it("reads a response cut into one DATA frame per byte, then its trailers", async () => {
    const { c } = await target((r) => {
      r.stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      r.stream.once("wantTrailers", () => r.stream.sendTrailers({ "grpc-status": "0" }));
      // a 3-byte WriteResponse (an unknown field; clients skip it), one byte per DATA frame
      const bytes = [0, 0, 0, 0, 3, 0x78, 0x01, 0x00];
      const next = (): void => {
        const b = bytes.shift();
        if (b === undefined) {
          r.stream.end();
          return;
        }
        r.stream.write(Buffer.of(b), () => setTimeout(next, 2));
      };
      next();
    });
    expect(codes(await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]))).toEqual([0, 0]);
  });

  it("takes the status of a trailers-only response, grpc-message percent-decoded", async () => {
    const { c, address } = await target((r) => trailersOnly(r.stream, { "grpc-status": "7", "grpc-message": "Not%20primary%3A%20%E2%9C%93 100%" }));
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r).toEqual([expect.objectContaining({ code: Code.PERMISSION_DENIED, outcomeUnknown: false, message: `Write to ${address}: Not primary: ✓ 100%` })]);
  });

  it("decodes per-update errors from grpc-status-details-bin, in trailers and trailers-only", async () => {
    const details = Buffer.from(
      encodeWriteFailure([
        { code: 0, message: "", space: "" },
        { code: Code.ALREADY_EXISTS, message: "Match entry exists", space: "ALL-sswitch-p4org" },
        { code: Code.INVALID_ARGUMENT, message: "bad", space: "ALL-sswitch-p4org" },
      ]),
    )
      .toString("base64")
      .replace(/=+$/, ""); // gRPC allows unpadded base64
    const { c } = await target((r) =>
      r.index === 0
        ? answer(r.stream, { "grpc-status": "2", "grpc-status-details-bin": details }, Buffer.alloc(0))
        : trailersOnly(r.stream, { "grpc-status": "2", "grpc-status-details-bin": details }),
    );
    for (let i = 0; i < 2; i++) {
      const r = await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2), entryUpdate("INSERT", 3)]);
      expect(codes(r)).toEqual([0, Code.ALREADY_EXISTS, Code.INVALID_ARGUMENT]);
      expect(r[1]).toMatchObject({ message: "Match entry exists", space: "ALL-sswitch-p4org", outcomeUnknown: false });
    }
  });

  it("does not take OK without a WriteResponse, nor a compressed one (INTERNAL, outcome unknown)", async () => {
    const { c } = await target((r) =>
      r.index === 0 ? answer(r.stream, { "grpc-status": "0" }, Buffer.alloc(0)) : answer(r.stream, { "grpc-status": "0" }, Buffer.from([1, 0, 0, 0, 0])),
    );
    const none = await c.write([entryUpdate("INSERT", 1)]);
    expect(none).toEqual([expect.objectContaining({ code: Code.INTERNAL, outcomeUnknown: true })]);
    expect(none[0]!.message).toMatch(/without a WriteResponse/);
    const compressed = await c.write([entryUpdate("INSERT", 1)]);
    expect(compressed[0]).toMatchObject({ code: Code.INTERNAL, outcomeUnknown: true });
    expect(compressed[0]!.message).toMatch(/compressed/);
  });

  it("maps an HTTP error without gRPC status: 404 is no P4Runtime server, 503 unavailable", async () => {
    const { c, address } = await target((r) => r.stream.respond({ ":status": r.index === 0 ? 404 : 503 }, { endStream: true }));
    const missing = await c.write([entryUpdate("INSERT", 1)]);
    expect(missing[0]).toMatchObject({ code: Code.UNIMPLEMENTED, outcomeUnknown: false });
    expect(missing[0]!.message).toBe(`${address} is not a P4Runtime server (Write: HTTP status 404 without a gRPC status)`);
    expect((await c.write([entryUpdate("INSERT", 1)]))[0]).toMatchObject({ code: Code.UNAVAILABLE, outcomeUnknown: true });
  });

  it("reports a stream the server resets (INTERNAL_ERROR) as INTERNAL, outcome unknown", async () => {
    const { c } = await target((r) => r.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r[0]).toMatchObject({ code: Code.INTERNAL, outcomeUnknown: true });
    expect(r[0]!.message).toMatch(/HTTP\/2 error code 2/);
  });
});

describe("http2 Write transport: sessions that go away", () => {
  it("sends a refused stream again once, on a fresh session; refused twice is UNAVAILABLE, known unsent", async () => {
    let refuse = 1;
    const { t, c } = await target((r) => (r.index < refuse ? r.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM) : ok(r)));
    expect(codes(await c.write([entryUpdate("INSERT", 1)]))).toEqual([0]);
    expect(t.requests.length).toBe(2);
    expect(t.sessions.length).toBe(2);
    refuse = 4;
    const r = await c.write([entryUpdate("INSERT", 2)]);
    expect(r[0]).toMatchObject({ code: Code.UNAVAILABLE, outcomeUnknown: false });
    expect(r[0]!.message).toMatch(/refused the stream/);
    expect(t.requests.length).toBe(4);
  });

  it("a GOAWAY then a closed connection mid-Write: UNAVAILABLE, outcome unknown; the next Write reconnects", async () => {
    const { t, c } = await target((r) => {
      if (r.index > 0) return ok(r);
      const s = r.stream.session!;
      s.goaway(http2.constants.NGHTTP2_NO_ERROR, r.stream.id);
      setTimeout(() => s.destroy(), 20);
    });
    const r = await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]);
    expect(r.map((x) => [x.code, x.outcomeUnknown])).toEqual(Array(2).fill([Code.UNAVAILABLE, true]));
    expect(r[0]!.message).toMatch(/unreachable \(Write: connection lost during the Write/);
    expect(codes(await c.write([entryUpdate("INSERT", 3)]))).toEqual([0]);
    expect(t.sessions.length).toBe(2);
  });

  it("a graceful GOAWAY: the Write in flight still gets its answer, the next one a new session", async () => {
    const { t, c } = await target((r) => {
      if (r.index > 0) return ok(r);
      r.stream.session!.close(); // GOAWAY, then waits for this stream
      setTimeout(() => ok(r), 50);
    });
    expect(codes(await c.write([entryUpdate("INSERT", 1)]))).toEqual([0]);
    expect(codes(await c.write([entryUpdate("INSERT", 2)]))).toEqual([0]);
    expect(t.sessions.length).toBe(2);
  });

  it("moves off a session that stops reading (a header field past nghttp2's 64 KB): the Writes queued on it go to a fresh one", async () => {
    const huge = Buffer.alloc(60_000, 1).toString("base64"); // ~67 KB once HPACK-coded
    const { t, address } = await target((r) => {
      if (t.sessions.indexOf(r.stream.session!) > 0) ok(r);
      else if (r.index === 0) trailersOnly(r.stream, { "grpc-status": "2", "grpc-status-details-bin": huge });
    });
    const c = client(address, { writeTimeoutMs: 400 });
    const t0 = performance.now();
    const first = c.write([entryUpdate("INSERT", 1)]);
    await new Promise((r) => setTimeout(r, 100));
    // nghttp2 has given up on the session: this one never leaves, and nothing says so
    const second = c.write([entryUpdate("INSERT", 2)]).then((r) => [r, performance.now() - t0] as const);
    expect((await first)[0]).toMatchObject({ code: Code.DEADLINE_EXCEEDED, outcomeUnknown: true });
    // after the first one's deadline the session is probed and dropped; the unsent Write is sent again
    const [r2, ms] = await second;
    expect(codes(r2)).toEqual([0]);
    expect(ms).toBeLessThan(480); // its own deadline would have been at 500 ms
    expect(t.requests.length).toBe(2);
    expect(t.sessions.length).toBe(2);
    expect(codes(await c.write([entryUpdate("INSERT", 3)]))).toEqual([0]);
  });
});

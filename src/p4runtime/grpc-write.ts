// P4Runtime Write over plain node:http2, speaking gRPC's HTTP/2 framing (grpc-framing.ts): the
// client's Write path without grpc-js's per-call machinery. One HTTP/2 session per target (TCP or
// TLS with the client's TlsOptions), opened on the first Write and again on the first Write after
// it closed, went away (GOAWAY) or used up its stream ids; each Write is one stream: fixed request
// headers, the gRPC-framed WriteRequest, then the status from the trailers (or a trailers-only
// response). Contract of send(): `done` is called exactly once, never before send() returns, with
// one UpdateStatus per update in order: all OK; per-update errors decoded from
// grpc-status-details-bin as status.ts decodeWriteFailure does; or the whole RPC's code for every
// update, `outcomeUnknown` unless the Write provably never reached the target (never sent,
// refused stream, too large). Every Write has a deadline (one timer for all: deadlines are in
// send order), after which its stream is cancelled, it gets DEADLINE_EXCEEDED, and its session
// takes no new Writes and must answer a PING or be destroyed (see probe()). A stream the server
// refused (REFUSED_STREAM, or above a GOAWAY's last stream) is sent again once.
import * as http2 from "node:http2";
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import * as tls from "node:tls";
import {
  H2,
  MESSAGE_PREFIX_BYTES,
  MessageReader,
  codeOfHttpStatus,
  codeOfReset,
  decodeBinaryHeader,
  decodeGrpcMessage,
  headerValue,
  parseStatus,
  timeoutHeader,
} from "./grpc-framing.js";
import { Code, allOk, decodeWriteFailure, rpcFailureMessage, wholeRpcFailure, type UpdateStatus } from "./status.js";

export interface TlsOptions {
  /** PEM of the CA that signed the target's certificate (default: system roots). */
  ca?: Uint8Array;
  /** PEM client certificate and key, for mutual TLS. */
  cert?: Uint8Array;
  key?: Uint8Array;
  /** Name to check the server certificate against instead of the address' host. */
  serverName?: string;
}

/** Receives the statuses of one Write: one per update, in order. */
export type WriteDone = (statuses: UpdateStatus[]) => void;

export interface Http2WriteOptions {
  /** host:port or [v6]:port. */
  readonly host: string;
  readonly port: number;
  /** The address as the client names it in messages. */
  readonly address: string;
  readonly tls?: TlsOptions;
  /** Deadline of every Write, ms. */
  readonly timeoutMs: number;
  /** Largest WriteRequest message sent, bytes (grpc.max_send_message_length). */
  readonly maxSendBytes: number;
  /** Largest response header or trailer block accepted, bytes (grpc.max_metadata_size). */
  readonly maxMetadataBytes: number;
  readonly userAgent: string;
  /** Streams opened on one session before the next Write opens a fresh one (default 2^30). */
  readonly streamsPerSession?: number;
}

const WRITE_PATH = "/p4.v1.P4Runtime/Write";
/** How long a session has to answer a PING after one of its Writes passed its deadline. */
const PROBE_MS = 1000;
/** Client stream ids are odd and below 2^31: a session can open 2^30 streams. */
const MAX_STREAMS_PER_SESSION = 2 ** 30 - 1;

/** One HTTP/2 session and what happened to it. */
class Connection {
  usable = true;
  /** The session's error (connect refused, TLS, reset...), if it failed. */
  error: Error | undefined;
  /** Whether the TLS handshake completed (TLS only). */
  secured = false;
  /** The target's HTTP/2 SETTINGS arrived (it accepted the connection). */
  settled = false;
  /** A PING is checking that the session still reads (after a deadline). */
  probing = false;
  streamsLeft: number;
  constructor(
    readonly session: http2.ClientHttp2Session,
    streams: number,
  ) {
    this.streamsLeft = streams;
  }
}

/** One Write in flight. */
class WriteCall {
  stream: http2.ClientHttp2Stream | undefined;
  conn: Connection | undefined;
  /** grpc-status once seen; -1 before. */
  status = -1;
  grpcMessage = "";
  details: Uint8Array | undefined;
  httpStatus = 0;
  readonly reader = new MessageReader();
  streamError: Error | undefined;
  retried = false;
  finished = false;
  constructor(
    readonly transport: Http2WriteTransport,
    readonly message: Buffer,
    readonly count: number,
    readonly done: WriteDone,
    readonly deadline: number,
  ) {}

  readStatus(h: http2.IncomingHttpHeaders): void {
    const s = headerValue(h["grpc-status"]);
    if (s === undefined) return;
    this.status = parseStatus(s);
    const m = headerValue(h["grpc-message"]);
    if (m !== undefined) this.grpcMessage = decodeGrpcMessage(m);
    const d = headerValue(h["grpc-status-details-bin"]);
    if (d !== undefined) this.details = decodeBinaryHeader(d);
  }
}

// Stream listeners are shared by every Write (no closures per Write): each finds its call here.
const callOf = new WeakMap<http2.ClientHttp2Stream, WriteCall>();

function onResponse(this: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
  const c = callOf.get(this);
  if (!c) return;
  c.httpStatus = headers[":status"] ?? 0;
  c.readStatus(headers); // a trailers-only response carries the status here
}
function onTrailers(this: http2.ClientHttp2Stream, trailers: http2.IncomingHttpHeaders): void {
  callOf.get(this)?.readStatus(trailers);
}
function onData(this: http2.ClientHttp2Stream, chunk: Buffer): void {
  callOf.get(this)?.reader.feed(chunk);
}
function onStreamError(this: http2.ClientHttp2Stream, e: Error): void {
  const c = callOf.get(this);
  if (c && c.streamError === undefined) c.streamError = e;
}
function onStreamClose(this: http2.ClientHttp2Stream): void {
  const c = callOf.get(this);
  callOf.delete(this);
  if (c) c.transport.streamClosed(c, this);
}

/** Calls `done` on a later tick (send() never calls it synchronously). */
function later(done: WriteDone, statuses: UpdateStatus[]): void {
  process.nextTick(done, statuses);
}

export class Http2WriteTransport {
  private readonly o: Http2WriteOptions;
  private readonly headers: http2.OutgoingHttpHeaders;
  private readonly streamsPerSession: number;
  private conn: Connection | undefined;
  /** Writes in flight, in send order = deadline order (every Write has the same timeout). */
  private readonly live = new Set<WriteCall>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Sessions opened so far (for tests and stats). */
  sessionsOpened = 0;

  constructor(o: Http2WriteOptions) {
    this.o = o;
    this.streamsPerSession = Math.max(1, Math.min(o.streamsPerSession ?? MAX_STREAMS_PER_SESSION, MAX_STREAMS_PER_SESSION));
    this.headers = this.requestHeaders(o.timeoutMs);
  }

  private requestHeaders(timeoutMs: number): http2.OutgoingHttpHeaders {
    return {
      ":method": "POST",
      ":scheme": this.o.tls ? "https" : "http",
      ":path": WRITE_PATH,
      ":authority": this.o.tls?.serverName ?? this.o.address,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": timeoutHeader(timeoutMs),
      "user-agent": this.o.userAgent,
    };
  }

  /**
   * Sends one gRPC-framed WriteRequest (`message` starts with the 5-byte prefix) holding
   * `count` updates; `done` gets one status per update (see the header for the contract).
   */
  send(message: Buffer, count: number, done: WriteDone): void {
    if (this.closed) {
      later(done, wholeRpcFailure(count, Code.CANCELLED, `Write to ${this.o.address}: the client is closed`, false));
      return;
    }
    const length = message.length - MESSAGE_PREFIX_BYTES;
    if (length > this.o.maxSendBytes) {
      const why = `Write to ${this.o.address}: request of ${length} bytes is larger than the maximum send size (${this.o.maxSendBytes})`;
      later(done, wholeRpcFailure(count, Code.RESOURCE_EXHAUSTED, why, false));
      return;
    }
    const call = new WriteCall(this, message, count, done, performance.now() + this.o.timeoutMs);
    this.live.add(call);
    if (this.timer === undefined) this.timer = setTimeout(this.onDeadline, this.o.timeoutMs + 1);
    else if (this.live.size === 1) this.timer.ref();
    this.start(call, this.headers);
  }

  /** No new Writes; those in flight finish on the open session, which then closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.conn;
    this.conn = undefined;
    if (c) this.retire(c);
  }

  /** Opens the call's stream on the current session (a new one if needed) and sends the request. */
  private start(call: WriteCall, headers: http2.OutgoingHttpHeaders): void {
    const conn = this.connection();
    let stream: http2.ClientHttp2Stream;
    try {
      stream = conn.session.request(headers);
    } catch (e) {
      // The session went away between our check and the request: nothing was sent.
      conn.usable = false;
      this.finish(call, this.whole(call, Code.UNAVAILABLE, e instanceof Error ? e.message : String(e), false));
      return;
    }
    // Stream ids run out at 2^31: the next Write closes this session (it drains) and opens a
    // fresh one. Not now: a GOAWAY sent in this tick would refuse the stream just opened.
    if (--conn.streamsLeft <= 0) conn.usable = false;
    call.stream = stream;
    call.conn = conn;
    callOf.set(stream, call);
    stream.on("response", onResponse);
    stream.on("trailers", onTrailers);
    stream.on("data", onData);
    stream.on("error", onStreamError);
    stream.on("close", onStreamClose);
    stream.end(call.message);
  }

  private connection(): Connection {
    const c = this.conn;
    if (c && c.usable && !c.session.closed && !c.session.destroyed) return c;
    if (c) this.retire(c);
    const { host, port, tls: t } = this.o;
    const socket = this.socket();
    const session = http2.connect(`${t ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`, {
      createConnection: () => socket,
      settings: { enablePush: false, maxHeaderListSize: this.o.maxMetadataBytes },
      maxSessionMemory: 64,
    });
    const conn = new Connection(session, this.streamsPerSession);
    if (t) socket.once("secureConnect", () => (conn.secured = true));
    session.on("error", (e: Error) => {
      conn.error ??= e;
      conn.usable = false;
    });
    session.once("remoteSettings", () => (conn.settled = true));
    session.on("goaway", () => {
      conn.usable = false;
    });
    session.on("close", () => {
      conn.usable = false;
      if (this.conn === conn) this.conn = undefined;
    });
    // Idle sessions do not keep the process alive; a Write in flight does, through its deadline timer.
    session.unref();
    this.conn = conn;
    this.sessionsOpened++;
    return conn;
  }

  private socket(): net.Socket {
    const { host, port, tls: t } = this.o;
    if (!t) return net.connect({ host, port, noDelay: true });
    const s = tls.connect({
      host,
      port,
      ca: t.ca ? Buffer.from(t.ca) : undefined,
      cert: t.cert ? Buffer.from(t.cert) : undefined,
      key: t.key ? Buffer.from(t.key) : undefined,
      servername: t.serverName ?? (net.isIP(host) ? undefined : host),
      ALPNProtocols: ["h2"],
    });
    s.setNoDelay(true);
    return s;
  }

  /**
   * After a deadline: new Writes go to a fresh session, and this one must answer a PING within
   * PROBE_MS or be destroyed (failing its Writes with UNAVAILABLE). node:http2 leaves a session
   * silently stuck when a response header field exceeds nghttp2's 64 KB per field (a
   * grpc-status-details-bin for some 550 of bmv2's per-update errors): nothing more is read, no
   * event fires, and every Write on it would wait for its deadline.
   */
  private probe(c: Connection): void {
    if (this.conn === c) this.conn = undefined;
    if (c.probing || c.session.destroyed) return;
    c.probing = true;
    const destroy = (): void => {
      if (c.session.destroyed) return;
      c.error ??= new Error(`no answer to an HTTP/2 PING within ${PROBE_MS} ms after a Write's deadline`);
      c.session.destroy();
    };
    const timer = setTimeout(destroy, PROBE_MS);
    timer.unref();
    let sent: boolean;
    try {
      sent = c.session.ping((err) => {
        clearTimeout(timer);
        if (err) destroy();
        else this.retire(c);
      });
    } catch {
      sent = false;
    }
    if (!sent) {
      clearTimeout(timer);
      destroy();
    }
  }

  /** Stops new streams on a session; its streams in flight run to their end. */
  private retire(c: Connection): void {
    c.usable = false;
    if (!c.session.closed && !c.session.destroyed) c.session.close();
  }

  /** A stream ended (its 'close'): the call's outcome, unless its deadline already gave one. */
  streamClosed(call: WriteCall, stream: http2.ClientHttp2Stream): void {
    if (call.finished || call.stream !== stream) return;
    const refused = call.httpStatus === 0 && call.status < 0 && stream.rstCode === H2.REFUSED_STREAM;
    if (refused && !call.retried && !this.closed && performance.now() < call.deadline) {
      // The server did not process it (RFC 9113 §8.7): send it again, once, on a fresh session.
      call.retried = true;
      if (this.conn === call.conn) this.conn = undefined;
      if (call.conn) this.retire(call.conn);
      this.start(call, this.requestHeaders(call.deadline - performance.now()));
      return;
    }
    this.finish(call, this.outcome(call, stream));
  }

  /** The same failure for every update of a call; outcome unknown by the code unless given. */
  private whole(call: WriteCall, code: number, why: string, unknown?: boolean): UpdateStatus[] {
    return wholeRpcFailure(call.count, code, rpcFailureMessage("Write", this.o.address, code, why), unknown);
  }

  private outcome(call: WriteCall, stream: http2.ClientHttp2Stream): UpdateStatus[] {
    if (call.status >= 0) {
      if (call.status === Code.OK) {
        if (call.reader.messages >= 1 && call.reader.error === undefined) return allOk(call.count);
        return this.whole(call, Code.INTERNAL, call.reader.error ?? "status OK without a WriteResponse message");
      }
      const msg = call.details ? call.grpcMessage : rpcFailureMessage("Write", this.o.address, call.status, call.grpcMessage);
      return decodeWriteFailure(call.count, call.status, msg, call.details);
    }
    if (call.httpStatus !== 0 && call.httpStatus !== 200) {
      return this.whole(call, codeOfHttpStatus(call.httpStatus), `HTTP status ${call.httpStatus} without a gRPC status`);
    }
    if (call.reader.error !== undefined) return this.whole(call, Code.INTERNAL, call.reader.error);
    const conn = call.conn;
    // Never given a stream id: the request never left this process.
    if (stream.id === undefined) return this.whole(call, Code.UNAVAILABLE, this.connectionFailure(conn, call), false);
    if (stream.rstCode === H2.REFUSED_STREAM) return this.whole(call, Code.UNAVAILABLE, "the target refused the stream", false);
    if (conn !== undefined && (conn.error !== undefined || conn.session.destroyed)) {
      return this.whole(call, Code.UNAVAILABLE, `connection lost during the Write: ${this.connectionFailure(conn, call)}`);
    }
    if (stream.rstCode === H2.NO_ERROR) return this.whole(call, Code.INTERNAL, "the response ended without a gRPC status");
    return this.whole(call, codeOfReset(stream.rstCode ?? 0), `stream reset by the target (HTTP/2 error code ${stream.rstCode})`);
  }

  /** Why a session failed, in words: the root error, marked as a TLS failure when it was one. */
  private connectionFailure(conn: Connection | undefined, call: WriteCall): string {
    let e = conn?.error ?? call.streamError;
    // node:http2 cancels pending streams with an error whose cause is the session's.
    if (e?.cause instanceof Error) e = e.cause;
    const code = e && "code" in e && typeof e.code === "string" ? e.code : "";
    // A system error (ECONNREFUSED, ECONNRESET, ...) is the TCP connection's, not TLS's.
    if (e && this.o.tls && conn && !conn.secured && !/^E[A-Z]+$/.test(code)) return `TLS handshake failed: ${e.message}`;
    const text = e ? e.message : "connection closed";
    if (conn && !conn.settled) {
      // A TLS 1.3 server that refuses our client certificate hangs up right after the handshake.
      return `${text} before the target's HTTP/2 settings${this.o.tls ? " (a TLS server that refuses the client certificate does this)" : ""}`;
    }
    return text;
  }

  private finish(call: WriteCall, statuses: UpdateStatus[]): void {
    if (call.finished) return;
    call.finished = true;
    this.live.delete(call);
    if (this.live.size === 0) this.timer?.unref();
    call.done(statuses);
  }

  private readonly onDeadline = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const c of this.live) {
      if (c.deadline > now) {
        this.timer = setTimeout(this.onDeadline, c.deadline - now + 1);
        return;
      }
      this.expire(c);
    }
  };

  private expire(call: WriteCall): void {
    const stream = call.stream;
    const sent = stream !== undefined && stream.id !== undefined;
    if (stream && !stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    if (call.conn) this.probe(call.conn);
    const why = `deadline of ${this.o.timeoutMs} ms exceeded${sent ? "" : " before the Write was sent"}`;
    this.finish(call, this.whole(call, Code.DEADLINE_EXCEEDED, why, sent));
  }
}

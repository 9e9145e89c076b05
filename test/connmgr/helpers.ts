// Test helpers for connmgr: a raw-bytes controller client (its own framing, independent of
// the code under test), OpenFlow message builders for the few messages the tests send, and
// a small scripted OfprotoEndpoint. Nothing here sleeps: every wait is on an event.

import net from "node:net";
import tls from "node:tls";
import { once } from "node:events";
import type {
  HandleResult,
  OfConnView,
  OfprotoEndpoint,
  Request,
} from "../../src/connmgr/endpoint.js";

export interface Frame {
  readonly version: number;
  readonly type: number;
  readonly xid: number;
  readonly bytes: Buffer;
}

export const OFPT = {
  HELLO: 0,
  ERROR: 1,
  ECHO_REQUEST: 2,
  ECHO_REPLY: 3,
  FEATURES_REQUEST: 5,
  FEATURES_REPLY: 6,
  PACKET_IN: 10,
} as const;
/** BARRIER_REQUEST / REPLY differ between versions. */
export const barrierType = (v: number, reply: boolean) => (v === 1 ? (reply ? 19 : 18) : reply ? 21 : 20);

export function header(version: number, type: number, length: number, xid: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUInt8(version, 0);
  b.writeUInt8(type, 1);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

export function helloBytes(version: number, bitmap?: readonly number[]): Buffer {
  if (bitmap === undefined) return header(version, OFPT.HELLO, 8, 1);
  const words = Math.floor(Math.max(...bitmap) / 32) + 1;
  const elementLength = 4 + 4 * words;
  const b = header(version, OFPT.HELLO, 8 + ((elementLength + 7) & ~7), 1);
  b.writeUInt16BE(1, 8);
  b.writeUInt16BE(elementLength, 10);
  for (const v of bitmap) {
    const o = 12 + 4 * Math.floor(v / 32);
    b.writeUInt32BE((b.readUInt32BE(o) | (1 << v % 32)) >>> 0, o);
  }
  return b;
}

export function echoRequest(version: number, xid: number, payload = "ping"): Buffer {
  const data = Buffer.from(payload);
  const b = header(version, OFPT.ECHO_REQUEST, 8 + data.length, xid);
  data.copy(b, 8);
  return b;
}

export function barrierRequest(version: number, xid: number): Buffer {
  return header(version, barrierType(version, false), 8, xid);
}

export function featuresRequest(version: number, xid: number): Buffer {
  return header(version, OFPT.FEATURES_REQUEST, 8, xid);
}

/** Reads the (type, code) and quoted data of an OFPT_ERROR frame. */
export function errorOf(f: Frame): { type: number; code: number; data: Buffer } {
  return { type: f.bytes.readUInt16BE(8), code: f.bytes.readUInt16BE(10), data: f.bytes.subarray(12) };
}

/** A controller speaking raw OpenFlow bytes over TCP or TLS. */
export class RawClient {
  readonly frames: Frame[] = [];
  private pending = Buffer.alloc(0);
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }[] = [];
  private readonly closedPromise: Promise<void>;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {});
    this.closedPromise = once(socket, "close").then(() => {
      this.closed = true;
    });
  }

  static async connect(port: number, tlsOptions?: tls.ConnectionOptions): Promise<RawClient> {
    if (tlsOptions !== undefined) {
      const s = tls.connect({ host: "127.0.0.1", port, ...tlsOptions });
      await once(s, "secureConnect");
      return new RawClient(s);
    }
    const s = net.connect({ host: "127.0.0.1", port });
    await once(s, "connect");
    return new RawClient(s);
  }

  /** Wraps a socket accepted by a test controller (active connection tests). */
  static wrap(socket: net.Socket): RawClient {
    return new RawClient(socket);
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first frame (received so far or later) of `type` matching `pred`. */
  next(type: number, pred: (f: Frame) => boolean = () => true, from = 0): Promise<Frame> {
    const p = (f: Frame) => f.type === type && pred(f);
    const found = this.frames.slice(from).find(p);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ pred: p, resolve, from });
      void this.closedPromise.then(() => reject(new Error(`connection closed while waiting for type ${type}`)));
    });
  }

  /** Sends HELLO and waits for the switch's. */
  async hello(version: number, bitmap?: readonly number[]): Promise<Frame> {
    this.send(helloBytes(version, bitmap));
    return this.next(OFPT.HELLO);
  }

  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt16BE(2);
      if (length < 8 || this.pending.length < length) break;
      const bytes = this.pending.subarray(0, length);
      this.pending = this.pending.subarray(length);
      const f: Frame = { version: bytes[0]!, type: bytes[1]!, xid: bytes.readUInt32BE(4), bytes: Buffer.from(bytes) };
      this.frames.push(f);
      for (const w of [...this.waiters]) {
        if (w.pred(f)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    }
  }
}

/**
 * A scripted core: answers barrier requests with a barrier reply and features requests with
 * a small features reply, records every request, and postpones whatever `postpone` says
 * (until the test changes its mind and calls wake()).
 */
export class ScriptedEndpoint implements OfprotoEndpoint {
  readonly handled: { conn: number; xid: number; type: string }[] = [];
  readonly attempts: { conn: number; xid: number; type: string }[] = [];
  readonly connectedIds: number[] = [];
  readonly disconnectedIds: number[] = [];
  postpone: (conn: OfConnView, request: Request) => boolean = () => false;
  private readyWaiters: ((c: OfConnView) => void)[] = [];
  private handledWaiters: { pred: (h: { conn: number; xid: number; type: string }) => boolean; resolve: () => void }[] = [];

  connected(conn: OfConnView): void {
    this.connectedIds.push(conn.id);
    for (const w of this.readyWaiters.splice(0)) w(conn);
  }

  disconnected(conn: OfConnView): void {
    this.disconnectedIds.push(conn.id);
  }

  handle(conn: OfConnView, request: Request): HandleResult {
    const entry = { conn: conn.id, xid: request.xid, type: request.msg.type };
    this.attempts.push(entry);
    if (this.postpone(conn, request)) return "postponed";
    this.handled.push(entry);
    switch (request.msg.type) {
      case "barrier_request":
        conn.send({ type: "barrier_reply" }, request.xid);
        break;
      case "features_request":
        conn.send(
          { type: "features_reply", datapathId: 0x42n, nBuffers: 256, nTables: 4, auxiliaryId: 0, capabilities: 0, actions: 0, ports: [] },
          request.xid,
        );
        break;
      default:
        break;
    }
    for (const w of [...this.handledWaiters]) {
      if (w.pred(entry)) {
        this.handledWaiters.splice(this.handledWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    return "done";
  }

  nextConnected(): Promise<OfConnView> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  whenHandled(pred: (h: { conn: number; xid: number; type: string }) => boolean): Promise<void> {
    if (this.handled.some(pred)) return Promise.resolve();
    return new Promise((resolve) => this.handledWaiters.push({ pred, resolve }));
  }
}

// OfConn: one controller connection, an explicit state machine
//   hello ──HELLO, common version──▶ ready ⇄ blocked (head request postponed) ──▶ closed
// It owns the socket, framing, HELLO, echo both ways with an inactivity probe, the ordered
// inbound queue (requests reach the core one at a time, in arrival order; a postponed one
// stays at the head and blocks only this connection; echo requests are answered on arrival
// and never reach the core), the bounded send queue, packet buffers and the packet-in rate
// limiter. It never interprets requests: that is the core's (OfprotoEndpoint.handle).

import { channel } from "node:diagnostics_channel";
import type { Duplex } from "node:stream";
import { ofError, type OfError } from "../openflow/errors.js";
import type { Result } from "../openflow/result.js";
import type { DecodeOptions, DecodedMessage, OfMessage } from "../openflow/messages.js";
import { wantsAsync, defaultAsyncConfig, type AsyncKind } from "./async-config.js";
import type {
  AsyncConfig,
  BufferedPacket,
  ControllerRole,
  OfConnView,
  OfprotoEndpoint,
  OfVersion,
  OpenflowErrorEvent,
  PacketInEvent,
  Request,
} from "./endpoint.js";
import { OPENFLOW_ERROR_CHANNEL } from "./endpoint.js";
import { errorVersionFor, helloVersion, negotiateVersion, readPeerHello } from "./hello.js";
import { InboundQueue } from "./inbound-queue.js";
import { PacketBuffers, type PacketBuffersOptions } from "./packet-buffers.js";
import { SendQueue, DEFAULT_SEND_QUEUE_LIMITS, type SendQueueLimits, type SendKind } from "./send-queue.js";
import { InactivityProbe } from "./probe.js";
import { TokenBucket } from "./token-bucket.js";
import { SUPPORTED_VERSIONS, decodeMessage, encodeError, encodeMessage, encodeMessages } from "../openflow/codec.js";
import { FrameSplitter } from "../openflow/framing.js";
import { OFP_NO_BUFFER } from "../openflow/messages.js";
import type { Logger } from "./logger.js";

export type OfConnState = "hello" | "ready" | "blocked" | "closed";

/** Legal transitions of the state machine; anything else is a bug. */
const TRANSITIONS: Readonly<Record<OfConnState, readonly OfConnState[]>> = {
  hello: ["ready", "closed"],
  ready: ["blocked", "closed"],
  blocked: ["ready", "closed"],
  closed: [],
};

/** OFPT_ECHO_REQUEST and OFPT_ECHO_REPLY have the same type number in OpenFlow 1.0 and 1.3. */
const OFPT_HELLO = 0;
const OFPT_ECHO_REQUEST = 2;
const OFPT_ECHO_REPLY = 3;
const openflowErrors = channel(OPENFLOW_ERROR_CHANNEL);

/** Decode options: an OF1.0 flow_mod command carries a table id (NXT_FLOW_MOD_TABLE_ID), or not. */
const TABLE_ID_IN_COMMAND: DecodeOptions = { flowModTableId: true };
const PLAIN: DecodeOptions = { flowModTableId: false };

/** OFPCML_NO_BUFFER: an output:CONTROLLER max_len asking for the whole packet, unbuffered. */
const OFPCML_NO_BUFFER = 0xffff;

export interface OfConnOptions {
  /** Versions ofp4 offers in HELLO. Default OpenFlow 1.0 and 1.3. */
  readonly versions?: readonly OfVersion[];
  /** Send ECHO_REQUEST after this long without input; close after twice as long. 0 turns it off. Default 5 s. */
  readonly probeIntervalMs?: number;
  readonly sendQueue?: SendQueueLimits;
  /** Packet-ins per second this controller may receive. Default 1,000. */
  readonly packetInRate?: number;
  /** Packet-ins allowed at once. Default 100. */
  readonly packetInBurst?: number;
  readonly packetBuffers?: PacketBuffersOptions;
  /** Requests held in the inbound queue before the socket stops being read. Default 10,000. */
  readonly maxInbound?: number;
  /** Bytes of requests held in the inbound queue before the socket stops being read. Default 1 MiB. */
  readonly maxInboundBytes?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** Counters for ofp4ctl and metrics. */
export interface OfConnStats {
  readonly id: number;
  readonly name: string;
  readonly state: OfConnState;
  readonly version: OfVersion | undefined;
  readonly role: ControllerRole;
  readonly messagesIn: number;
  readonly bytesIn: number;
  readonly messagesOut: number;
  readonly bytesOut: number;
  /** Requests answered `postponed` by the core (each postponement counted once). */
  readonly postponed: number;
  readonly inboundQueued: number;
  readonly inboundQueuedBytes: number;
  readonly sendQueuedBytes: number;
  /** The send queue is above its high-water mark. */
  readonly congested: boolean;
  readonly repliesDropped: number;
  /** Async messages (flow_removed, port_status, packet_in) dropped because the send queue was full. */
  readonly asyncDropped: number;
  readonly packetInsSent: number;
  /** Packet-ins dropped by the rate limiter. */
  readonly packetInsRateLimited: number;
  /** Packet-ins dropped because the send queue was full. */
  readonly packetInsQueueDropped: number;
  readonly echoRequestsAnswered: number;
  readonly probesSent: number;
}

export interface OfConnHooks {
  /** HELLO done; the connection is ready. */
  readonly onReady?: (conn: OfConn) => void;
  /** The connection closed (after the endpoint heard `disconnected` if it had heard `connected`). */
  readonly onClose?: (conn: OfConn, reason: string) => void;
}

let nextConnId = 1;

export class OfConn implements OfConnView {
  readonly id = nextConnId++;
  readonly name: string;
  role: ControllerRole = "equal";
  asyncConfig: AsyncConfig = defaultAsyncConfig();
  flowFormat: "openflow10" | "nxm" = "openflow10";
  flowModTableId = false;
  missSendLen = 128;

  private stateValue: OfConnState = "hello";
  private negotiated: OfVersion | undefined;
  private closeReason: string | undefined;
  private readonly versions: readonly OfVersion[];
  private readonly framer: FrameSplitter;
  private readonly sendQueue: SendQueue;
  private readonly inbound = new InboundQueue<Request | Uint8Array>();
  private readonly maxInbound: number;
  private readonly maxInboundBytes: number;
  private inboundBytes = 0;
  private readonly buffers: PacketBuffers;
  private readonly packetInLimiter: TokenBucket;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly probe: InactivityProbe;
  /**
   * Xids of the messages this side starts (HELLO, echo probes) count from the top of the
   * space: controllers such as ovs-ofctl number their requests from 1, and a probe that
   * reused the xid of a pending dump would read as a bad reply to it.
   */
  private nextXid = 0xf0000000;
  private running = false;
  private rerun = false;
  /** wake() was called: a blocked head is to be retried. */
  private woken = false;
  private readingPaused = false;
  private counters = {
    messagesIn: 0,
    bytesIn: 0,
    postponed: 0,
    packetInsSent: 0,
    packetInsRateLimited: 0,
    packetInsQueueDropped: 0,
    echoRequestsAnswered: 0,
  };

  constructor(
    private readonly socket: Duplex,
    name: string,
    private readonly endpoint: OfprotoEndpoint,
    options: OfConnOptions = {},
    private readonly hooks: OfConnHooks = {},
  ) {
    this.name = name;
    this.versions = options.versions ?? SUPPORTED_VERSIONS;
    if (this.versions.length === 0) throw new RangeError("an ofconn needs at least one OpenFlow version");
    this.now = options.now ?? (() => performance.now());
    this.log = options.logger;
    this.framer = new FrameSplitter();
    this.maxInbound = options.maxInbound ?? 10_000;
    this.maxInboundBytes = options.maxInboundBytes ?? 1024 * 1024;
    this.sendQueue = new SendQueue(socket, options.sendQueue ?? DEFAULT_SEND_QUEUE_LIMITS, () => this.onUncongested());
    this.buffers = new PacketBuffers({ now: this.now, ...options.packetBuffers });
    this.packetInLimiter = new TokenBucket({
      rate: options.packetInRate ?? 1000,
      burst: options.packetInBurst ?? 100,
      now: this.now,
    });
    this.probe = new InactivityProbe(options.probeIntervalMs ?? 5000, this.now, {
      busy: () => this.readingPaused || this.inbound.length > 0 || this.sendQueue.queuedBytes > 0,
      sendEcho: () => {
        if (!this.isOpen()) return false;
        this.rawSend(encodeMessage(this.version, this.xid(), { type: "echo_request", data: new Uint8Array(0) }), "reply");
        return true;
      },
      timeout: (why) => this.close(why),
    });

    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err: Error) => this.close(`socket error: ${err.message}`));
    socket.on("close", () => this.close("connection closed by peer"));
    socket.on("end", () => this.close("connection closed by peer"));

    this.rawSend(encodeMessage(helloVersion(this.versions), this.xid(), this.helloMessage()), "reply");
    this.probe.arm();
  }

  // ---- OfConnView -------------------------------------------------------------------------

  get version(): OfVersion {
    return this.negotiated ?? helloVersion(this.versions);
  }

  get state(): OfConnState {
    return this.stateValue;
  }

  get congested(): boolean {
    return this.sendQueue.congested;
  }

  send(msg: OfMessage, xid: number): boolean {
    if (!this.isOpen()) return false;
    return this.sendQueue.pushAll(encodeMessages(this.version, xid, msg), kindOf(msg));
  }

  /** The core's errors: the core logs each one it sends (with the switch and connection). */
  sendError(error: OfError, request: Request): void {
    if (!this.isOpen()) return;
    this.sendQueue.push(encodeError(this.version, request.xid, error, request.raw), "reply");
  }

  takeBuffer(bufferId: number): Result<BufferedPacket> {
    return this.buffers.take(bufferId);
  }

  // ---- async messages (called by ConnManager) -----------------------------------------------

  /** Sends a packet_in if this connection's role and async config want it, within its rate. */
  sendPacketIn(event: PacketInEvent): void {
    if (!this.isOpen() || !this.wants("packetIn", event.reason)) return;
    if (!this.packetInLimiter.take()) {
      this.counters.packetInsRateLimited++;
      return;
    }
    if (this.sendQueue.full("async")) {
      this.counters.packetInsQueueDropped++;
      this.sendQueue.countDrop("async");
      return;
    }
    const maxLen = event.maxLen === "miss_send_len" ? this.missSendLen : event.maxLen;
    let bufferId = OFP_NO_BUFFER;
    let data = event.data;
    if (maxLen !== OFPCML_NO_BUFFER) {
      bufferId = this.buffers.store({ inPort: event.inPort, data: event.data });
      if (bufferId !== OFP_NO_BUFFER) data = event.data.subarray(0, maxLen);
    }
    const msg: OfMessage = {
      type: "packet_in",
      bufferId,
      totalLen: event.data.length,
      reason: event.reason,
      tableId: event.tableId,
      cookie: event.cookie,
      match: event.match,
      data,
    };
    if (this.send(msg, 0)) this.counters.packetInsSent++;
    else this.counters.packetInsQueueDropped++;
  }

  /** Sends flow_removed / port_status if this connection's role and async config want it. */
  sendAsync(msg: OfMessage, reason: number, kind: "flowRemoved" | "portStatus"): void {
    if (this.isOpen() && this.wants(kind, reason)) this.send(msg, 0);
  }

  /** Retries a postponed head request (the core calls ConnManagerPort.wake after a group completes). */
  wake(): void {
    this.woken = true;
    this.run();
  }

  stats(): OfConnStats {
    const q = this.sendQueue.counters;
    return {
      id: this.id,
      name: this.name,
      state: this.stateValue,
      version: this.negotiated,
      role: this.role,
      messagesIn: this.counters.messagesIn,
      bytesIn: this.counters.bytesIn,
      messagesOut: q.messagesOut,
      bytesOut: q.bytesOut,
      postponed: this.counters.postponed,
      inboundQueued: this.inbound.length,
      inboundQueuedBytes: this.inboundBytes,
      sendQueuedBytes: this.sendQueue.queuedBytes,
      congested: this.sendQueue.congested,
      repliesDropped: q.repliesDropped,
      asyncDropped: q.asyncDropped,
      packetInsSent: this.counters.packetInsSent,
      packetInsRateLimited: this.counters.packetInsRateLimited,
      packetInsQueueDropped: this.counters.packetInsQueueDropped,
      echoRequestsAnswered: this.counters.echoRequestsAnswered,
      probesSent: this.probe.sent,
    };
  }

  /** Closes the connection (idempotent). The endpoint hears `disconnected` if it heard `connected`. */
  close(reason: string): void {
    if (this.stateValue === "closed") return;
    const wasConnected = this.stateValue !== "hello";
    this.transition("closed");
    this.closeReason = reason;
    this.probe.stop();
    this.inbound.clear();
    this.inboundBytes = 0;
    this.log?.info({ conn: this.name, reason }, "controller connection closed");
    // Let what is queued (a HELLO_FAILED error, say) go out, but never wait on a peer that
    // does not read.
    if (!this.socket.destroyed) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    if (wasConnected) this.endpoint.disconnected(this);
    this.hooks.onClose?.(this, reason);
  }

  get closedBecause(): string | undefined {
    return this.closeReason;
  }

  // ---- state machine ------------------------------------------------------------------------

  private transition(next: OfConnState): void {
    const from = this.stateValue;
    if (!TRANSITIONS[from].includes(next)) {
      throw new Error(`ofconn ${this.name}: illegal transition ${from} -> ${next}`);
    }
    this.stateValue = next;
  }

  private isClosed(): boolean {
    return this.stateValue === "closed";
  }

  private isOpen(): boolean {
    return this.stateValue === "ready" || this.stateValue === "blocked";
  }

  // ---- input --------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.stateValue === "closed") return;
    this.probe.input();
    this.counters.bytesIn += chunk.length;
    const framed = this.framer.push(chunk);
    if (!framed.ok) {
      this.close(`framing error: ${framed.error.message}`);
      return;
    }
    for (const raw of framed.value) {
      if (this.isClosed()) return;
      this.counters.messagesIn++;
      this.onMessage(raw);
    }
    this.run();
  }

  private onMessage(raw: Uint8Array): void {
    if (this.stateValue === "hello") {
      this.onHello(raw);
      return;
    }
    const type = raw[1];
    if (type === OFPT_ECHO_REQUEST) {
      this.answerEcho(raw);
      return;
    }
    if (type === OFPT_ECHO_REPLY || type === OFPT_HELLO) return; // liveness only
    this.inbound.push(raw);
    this.inboundBytes += raw.length;
  }

  private onHello(raw: Uint8Array): void {
    const peerVersion = raw[0] ?? 0;
    const decoded = readPeerHello(raw);
    if (decoded === undefined) {
      this.failHello(peerVersion, raw, `expected HELLO, got message type ${raw[1] ?? -1}`);
      return;
    }
    const version = negotiateVersion(this.versions, peerVersion, decoded.versions);
    if (version === undefined) {
      const hex = (v: number) => `0x${v.toString(16).padStart(2, "0")}`;
      const offered = decoded.versions?.map(hex).join(", ") ?? `up to ${hex(peerVersion)}`;
      this.failHello(peerVersion, raw, `We support versions ${this.versions.map(hex).join(", ")}; you support ${offered}.`);
      return;
    }
    this.negotiated = version;
    this.transition("ready");
    this.log?.info({ conn: this.name, version }, "controller connected");
    this.endpoint.connected(this);
    this.hooks.onReady?.(this);
  }

  /** HELLO_FAILED/INCOMPATIBLE carries an ASCII explanation, not a quote (OpenFlow 1.3.5 §7.4.1). */
  private failHello(peerVersion: number, raw: Uint8Array, why: string): void {
    const error = ofError("HELLO_FAILED_INCOMPATIBLE", why);
    const text = new TextEncoder().encode(why);
    this.logError(error, raw);
    this.sendQueue.push(encodeError(errorVersionFor(peerVersion), readXid(raw), error, text), "reply");
    this.close(why);
  }

  /**
   * Errors this connection answers itself (a request the codec refuses, a wrong version, a
   * failed HELLO) are logged here, once, in the core's form ("CONN: ERROR_NAME (why)") with
   * the request's type and xid; the core's own errors are logged by the core.
   */
  private replyError(xid: number, error: OfError, raw: Uint8Array): void {
    this.logError(error, raw);
    this.sendQueue.push(encodeError(this.version, xid, error, raw), "reply");
  }

  private logError(error: OfError, raw: Uint8Array): void {
    if (openflowErrors.hasSubscribers) openflowErrors.publish({ endpoint: this.endpoint, error: error.name } satisfies OpenflowErrorEvent);
    this.log?.info({ conn: this.name, ofError: error.name, requestType: raw[1], xid: readXid(raw) }, `${this.name}: ${error.name} (${error.message})`);
  }

  private answerEcho(raw: Uint8Array): void {
    const decoded = decodeMessage(raw);
    if (!decoded.ok) {
      this.replyError(readXid(raw), decoded.error, raw);
      return;
    }
    const msg = decoded.value.msg;
    const data = msg.type === "echo_request" ? msg.data : new Uint8Array(0);
    this.sendQueue.push(encodeMessage(this.version, decoded.value.xid, { type: "echo_reply", data }), "reply");
    this.counters.echoRequestsAnswered++;
  }

  /**
   * Hands queued requests to the core in order until the queue is empty, the head is
   * postponed (state blocked) or the send queue is congested. Re-entrant calls (the core
   * calling wake() from inside handle) ask for another pass, so a wake is never lost.
   */
  private run(): void {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.rerun = false;
        if (this.woken) {
          this.woken = false;
          if (this.stateValue === "blocked") this.transition("ready");
        }
        this.drain();
      } while (this.rerun);
    } finally {
      this.running = false;
    }
    this.updateReading();
  }

  private drain(): void {
    while (this.stateValue === "ready" && this.inbound.length > 0) {
      if (this.sendQueue.congested) return;
      const head = this.inbound.peek()!;
      const request = head instanceof Uint8Array ? this.decodeRequest(head) : head;
      if (request === undefined) {
        this.shiftInbound(head);
        continue;
      }
      const result = this.endpoint.handle(this, request);
      if (this.isClosed()) return;
      if (result === "postponed") {
        this.inbound.replaceHead(request);
        this.counters.postponed++;
        this.transition("blocked");
        return;
      }
      this.shiftInbound(request);
    }
  }

  private shiftInbound(head: Request | Uint8Array): void {
    this.inbound.shift();
    this.inboundBytes -= head instanceof Uint8Array ? head.length : head.raw.length;
  }

  /** Decodes a request at the head of the queue; undefined when it was answered here (an error, a stray message). */
  private decodeRequest(raw: Uint8Array): Request | undefined {
    const xid = readXid(raw);
    const decoded = decodeMessage(raw, this.flowModTableId ? TABLE_ID_IN_COMMAND : PLAIN);
    if (!decoded.ok) {
      this.replyError(xid, decoded.error, raw);
      return undefined;
    }
    const d: DecodedMessage = decoded.value;
    if (d.version !== this.version) {
      const error = ofError("BAD_REQUEST_BAD_VERSION", `message version 0x${d.version.toString(16)} on a 0x${this.version.toString(16)} connection`);
      this.replyError(xid, error, raw);
      return undefined;
    }
    if (d.msg.type === "error") {
      this.log?.warn({ conn: this.name, errType: d.msg.errType, code: d.msg.code }, "controller sent an error");
      return undefined;
    }
    return { msg: d.msg, xid: d.xid, raw };
  }

  /**
   * Reads the socket only while this connection can keep up: stops while the send queue is
   * congested (a peer that does not read its replies) or the inbound queue holds maxInbound
   * requests or maxInboundBytes (a blocked head), resumes below half of that. This bounds
   * memory both ways. (Echo requests wait in the socket meanwhile.)
   */
  private updateReading(): void {
    if (this.stateValue === "closed") return;
    const share = this.readingPaused ? 0.5 : 1;
    const pause =
      this.sendQueue.congested ||
      this.inbound.length >= this.maxInbound * share ||
      this.inboundBytes >= this.maxInboundBytes * share;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  /** The peer caught up: retry a head the core postponed (it may have waited on `congested`). */
  private onUncongested(): void {
    if (this.stateValue === "closed") return;
    this.woken = true;
    this.run();
  }

  // ---- output -------------------------------------------------------------------------------

  private rawSend(bytes: Uint8Array, kind: SendKind): boolean {
    return this.sendQueue.push(bytes, kind);
  }

  private helloMessage(): OfMessage {
    const top = helloVersion(this.versions);
    // A HELLO needs a version bitmap only when the allowed set is not every version up to the top.
    const contiguous = this.versions.length === top;
    return { type: "hello", versions: contiguous ? undefined : [...this.versions].sort((a, b) => a - b) };
  }

  private xid(): number {
    const x = this.nextXid;
    this.nextXid = (this.nextXid + 1) >>> 0 || 0xf0000000;
    return x;
  }

  private wants(kind: AsyncKind, reason: number): boolean {
    if (this.negotiated === 0x01) {
      // OpenFlow 1.0 has no INVALID_TTL packet-in and no GROUP_DELETE flow_removed.
      if (kind === "packetIn" && reason > 1) return false;
      if (kind === "flowRemoved" && reason > 2) return false;
    }
    return wantsAsync(this.asyncConfig, this.role, kind, reason);
  }
}

function kindOf(msg: OfMessage): SendKind {
  return msg.type === "packet_in" || msg.type === "flow_removed" || msg.type === "port_status" ? "async" : "reply";
}

function readXid(raw: Uint8Array): number {
  if (raw.length < 8) return 0;
  return ((raw[4]! << 24) | (raw[5]! << 16) | (raw[6]! << 8) | raw[7]!) >>> 0;
}

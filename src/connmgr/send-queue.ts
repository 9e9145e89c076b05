// The bounded send queue of one controller connection. Bytes go straight to the socket;
// what the socket has not yet flushed (writableLength) is the queue, so a peer that stops
// reading meets three bounds: above `highWaterBytes` the queue is `congested` (the ofconn
// stops reading requests, the core pauses stats replies), above `asyncLimitBytes`
// asynchronous messages (packet_in, flow_removed, port_status) are dropped and counted, and
// above `maxBytes` everything is dropped and counted. A reply goes whole or not at all. It
// never buffers without bound: past maxBytes by at most one reply.

export interface SendQueueLimits {
  readonly highWaterBytes: number;
  readonly asyncLimitBytes: number;
  readonly maxBytes: number;
}

export const DEFAULT_SEND_QUEUE_LIMITS: SendQueueLimits = {
  highWaterBytes: 64 * 1024,
  asyncLimitBytes: 256 * 1024,
  maxBytes: 1024 * 1024,
};

/** The part of a socket the queue uses (net.Socket and tls.TLSSocket both fit). */
export interface ByteSink {
  write(data: Uint8Array): boolean;
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
  readonly destroyed: boolean;
  on(event: "drain", listener: () => void): unknown;
}

export type SendKind = "reply" | "async";

export interface SendQueueCounters {
  messagesOut: number;
  bytesOut: number;
  /** Replies dropped at maxBytes (the peer has stopped reading). */
  repliesDropped: number;
  /** Asynchronous messages dropped at asyncLimitBytes. */
  asyncDropped: number;
}

export class SendQueue {
  readonly counters: SendQueueCounters = { messagesOut: 0, bytesOut: 0, repliesDropped: 0, asyncDropped: 0 };
  readonly limits: SendQueueLimits;
  private wasCongested = false;

  constructor(
    private readonly sink: ByteSink,
    limits: SendQueueLimits = DEFAULT_SEND_QUEUE_LIMITS,
    /** Called when the queue leaves the congested state. */
    private readonly onUncongested: () => void = () => {},
  ) {
    // Above the sink's own high-water mark a write returns false, so 'drain' is sure to
    // follow: the congested state always ends with an event.
    const highWaterBytes = Math.max(limits.highWaterBytes, sink.writableHighWaterMark);
    this.limits = {
      highWaterBytes,
      asyncLimitBytes: Math.max(limits.asyncLimitBytes, highWaterBytes),
      maxBytes: Math.max(limits.maxBytes, limits.asyncLimitBytes, highWaterBytes),
    };
    sink.on("drain", () => this.checkUncongested());
  }

  /** Bytes written but not yet taken by the peer. */
  get queuedBytes(): number {
    return this.sink.writableLength;
  }

  get congested(): boolean {
    return this.sink.writableLength > this.limits.highWaterBytes;
  }

  /** True if a message of `kind` would be dropped now. */
  full(kind: SendKind): boolean {
    const queued = this.sink.writableLength;
    return queued >= this.limits.maxBytes || (kind === "async" && queued >= this.limits.asyncLimitBytes);
  }

  /** Counts a message of `kind` dropped because the queue was full. */
  countDrop(kind: SendKind): void {
    if (kind === "async") this.counters.asyncDropped++;
    else this.counters.repliesDropped++;
  }

  /** Queues one encoded message: false (and a counted drop) when the queue is full for its kind. */
  push(bytes: Uint8Array, kind: SendKind): boolean {
    return this.pushAll([bytes], kind);
  }

  /**
   * Queues the messages of one reply (a multipart reply split at 64 KiB) all or none: a
   * controller never sees half a reply. The decision is taken once, on the queue before
   * the first part, so one reply may carry the queue past maxBytes; the next is refused.
   */
  pushAll(parts: readonly Uint8Array[], kind: SendKind): boolean {
    if (this.sink.destroyed) return false;
    if (this.full(kind)) {
      this.countDrop(kind);
      return false;
    }
    for (const bytes of parts) {
      this.sink.write(bytes);
      this.counters.messagesOut++;
      this.counters.bytesOut += bytes.length;
    }
    if (this.congested) this.wasCongested = true;
    return true;
  }

  private checkUncongested(): void {
    if (this.wasCongested && !this.congested) {
      this.wasCongested = false;
      this.onUncongested();
    }
  }
}

// The P4Runtime client: one gRPC channel to one device (insecure or TLS), the StreamChannel with
// its arbitration (knows at every moment whether it is primary; events on every change), packet
// in/out and notifications, reconnect with capped exponential backoff and re-arbitration; and the
// RPCs: Write (per-update results, every Write with a deadline), Read, Set/GetForwardingPipeline
// Config, Capabilities. Peer errors in a Write are values (UpdateStatus per update); the other
// RPCs reject with a P4RuntimeError naming the target's address. Never interprets entities.
//
// Write transport: Writes go over plain node:http2 with gRPC's framing (grpc-write.ts), one
// session of their own, opened on the first Write: a unary grpc-js call costs several times the
// CPU (bench/profiles/README.md, "The Write path"). grpc-js carries everything else. Option
// `writeTransport: "grpc-js"` sends Writes through grpc-js instead, for a target where the raw
// path misbehaves; an address that is not host:port or [v6]:port (a grpc-js target name such as
// dns:///host:port or unix:path) always uses grpc-js. Both keep the same contract.
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { p4 } from "../generated/proto.js";
import { arbitrate, type ArbitrationEvent, type ArbitrationState } from "./arbitration.js";
import { Backoff, type BackoffOptions } from "../util/backoff.js";
import { WriteBatcher, type BatcherOptions } from "./batcher.js";
import type { P4InfoIndex } from "./p4info.js";
import type { TlsOptions } from "./grpc-write.js";
import { Code, P4RuntimeError, rpcFailureMessage, type UpdateStatus } from "./status.js";
import { encodeTableUpdate } from "./update-encode.js";
import { WritePath, type WriteTransportKind } from "./write-path.js";
import type { Atomicity } from "./write-request.js";

export type { TlsOptions } from "./grpc-write.js";
export type { Atomicity } from "./write-request.js";

const SERVICE = "/p4.v1.P4Runtime/";
const MAX_U64 = (1n << 64n) - 1n;

export interface ClientOptions {
  /** host:port of the P4Runtime server. */
  address: string;
  deviceId?: bigint | number;
  /** 128-bit election id; undefined = send none (PI then accepts writes with no stream open only). */
  electionId?: bigint;
  role?: string;
  tls?: TlsOptions;
  /** Deadline of every Write, ms (default 10,000). */
  writeTimeoutMs?: number;
  /** Deadline of Read, ms (default 120,000). */
  readTimeoutMs?: number;
  /** Deadline of the other unary RPCs, ms (default 30,000). */
  rpcTimeoutMs?: number;
  /** How long connect() waits for the first arbitration answer, ms (default 10,000). */
  connectTimeoutMs?: number;
  /** Reconnect after the stream is lost (default true). */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /**
   * grpc-js channel options. The Write transport takes grpc.max_send_message_length and
   * grpc.max_metadata_size (the largest trailer block it accepts) from here too.
   */
  channelOptions?: grpc.ChannelOptions;
  /** How Writes travel: "http2" (default; plain node:http2) or "grpc-js" (the fallback). */
  writeTransport?: WriteTransportKind;
}

export interface ArbitrationInfo {
  readonly isPrimary: boolean;
  /** The primary's election id as the target reported it (undefined when none is primary). */
  readonly primaryElectionId: bigint | undefined;
  readonly code: number;
  readonly message: string;
}

export interface PacketMetadataValue {
  metadataId: number;
  value: Uint8Array;
}

export type ClientEvents = {
  /** Every state change of the connection / arbitration state machine. */
  state: [ArbitrationState];
  /** Every MasterArbitrationUpdate the target sends us. */
  arbitration: [ArbitrationInfo];
  /** We became primary (first time or again). */
  primary: [];
  /** We were primary and no longer are (a higher election id, or the stream dropped). */
  primaryLost: [];
  packetIn: [p4.v1.PacketIn];
  idleTimeout: [p4.v1.IdleTimeoutNotification];
  digest: [p4.v1.DigestList];
  /** A StreamError message from the target (a refused PacketOut, ...). */
  streamError: [p4.v1.StreamError];
  /** The StreamChannel ended after having been established; reconnect follows if enabled. */
  disconnected: [P4RuntimeError];
  /** A reconnect attempt failed; another follows after `delayMs`. */
  reconnectFailed: [P4RuntimeError, number];
  /** The StreamChannel is back and arbitrated after a loss. */
  reconnected: [];
};

export type PipelineAction = keyof typeof p4.v1.SetForwardingPipelineConfigRequest.Action;
export type PipelineResponseType = keyof typeof p4.v1.GetForwardingPipelineConfigRequest.ResponseType;

export interface SetPipelineOptions {
  action?: PipelineAction;
  p4info?: P4InfoIndex | p4.config.v1.IP4Info;
  deviceConfig?: Uint8Array;
  cookie?: bigint;
}

export function toUint128(v: bigint): p4.v1.IUint128 {
  if (v < 0n || v >> 128n !== 0n) throw new RangeError(`election id ${v} is not a 128-bit unsigned value`);
  return { high: v >> 64n, low: v & MAX_U64 };
}

export function fromUint128(u: p4.v1.IUint128 | null | undefined): bigint | undefined {
  if (!u) return undefined;
  return (BigInt(u.high ?? 0n) << 64n) | BigInt(u.low ?? 0n);
}

function serializer<T>(codec: { encode(m: T): { finish(): Uint8Array } }): (m: T) => Buffer {
  return (m) => {
    const b = codec.encode(m).finish();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  };
}
function deserializer<T>(codec: { decode(b: Uint8Array): T }): (b: Buffer) => T {
  return (b) => codec.decode(b);
}
const rawDeserialize = (b: Buffer): Buffer => b;

function isServiceError(e: unknown): e is grpc.ServiceError {
  return typeof e === "object" && e !== null && "code" in e && "metadata" in e;
}

export class P4RuntimeClient extends EventEmitter<ClientEvents> {
  readonly address: string;
  readonly deviceId: bigint;
  readonly role: string;
  private election: bigint | undefined;
  private readonly o: ClientOptions;
  private readonly channel: grpc.Client;
  private readonly writes: WritePath;
  private readonly backoff: Backoff;
  private stateValue: ArbitrationState = "disconnected";
  private stream: grpc.ClientDuplexStream<p4.v1.IStreamMessageRequest, p4.v1.StreamMessageResponse> | undefined;
  private primaryId: bigint | undefined;
  private everConnected = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectWaiter: { resolve: (a: ArbitrationInfo) => void; reject: (e: P4RuntimeError) => void; timer: NodeJS.Timeout } | undefined;

  constructor(o: ClientOptions) {
    super();
    this.o = o;
    this.address = o.address;
    this.deviceId = BigInt(o.deviceId ?? 0);
    this.role = o.role ?? "";
    this.election = o.electionId;
    if (this.election !== undefined) toUint128(this.election);
    this.backoff = new Backoff({ initialMs: 100, maxMs: 5000, jitter: 0.2, ...o.backoff });
    const creds = o.tls
      ? grpc.credentials.createSsl(
          o.tls.ca ? Buffer.from(o.tls.ca) : null,
          o.tls.key ? Buffer.from(o.tls.key) : null,
          o.tls.cert ? Buffer.from(o.tls.cert) : null,
        )
      : grpc.credentials.createInsecure();
    const options: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
      "grpc.max_metadata_size": 1024 * 1024,
      ...(o.tls?.serverName ? { "grpc.ssl_target_name_override": o.tls.serverName, "grpc.default_authority": o.tls.serverName } : {}),
      ...o.channelOptions,
    };
    this.channel = new grpc.Client(o.address, creds, options);
    this.writes = new WritePath({
      address: o.address,
      deviceId: this.deviceId,
      role: this.role,
      electionId: this.election === undefined ? null : toUint128(this.election),
      tls: o.tls,
      timeoutMs: o.writeTimeoutMs ?? 10_000,
      channel: this.channel,
      channelOptions: options,
      transport: o.writeTransport ?? "http2",
    });
  }

  /** Which transport carries Writes ("grpc-js" when asked for, or for a non host:port address). */
  get writeTransport(): WriteTransportKind {
    return this.writes.transport;
  }

  /** The connection / arbitration state right now. */
  get state(): ArbitrationState {
    return this.stateValue;
  }
  get isPrimary(): boolean {
    return this.stateValue === "primary";
  }
  get electionId(): bigint | undefined {
    return this.election;
  }
  /** The primary's election id from the last arbitration update. */
  get primaryElectionId(): bigint | undefined {
    return this.primaryId;
  }

  // --- StreamChannel and arbitration ------------------------------------------------------------

  /**
   * Opens the StreamChannel and arbitrates. Resolves with the first arbitration answer (primary
   * or backup); rejects with a P4RuntimeError naming the address when the target cannot be
   * reached, is not a P4Runtime server, refuses the arbitration, or does not answer in time.
   */
  connect(): Promise<ArbitrationInfo> {
    if (this.stateValue === "closed") return Promise.reject(new P4RuntimeError(Code.CANCELLED, `client for ${this.address} is closed`, this.address));
    if (this.connectWaiter || this.stream) return Promise.reject(new P4RuntimeError(Code.FAILED_PRECONDITION, `already connecting or connected to ${this.address}`, this.address));
    return new Promise((resolve, reject) => {
      const ms = this.o.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        const w = this.connectWaiter;
        this.connectWaiter = undefined;
        this.dropStream();
        this.step({ kind: "stream-lost" });
        const err = new P4RuntimeError(Code.DEADLINE_EXCEEDED, `P4Runtime target ${this.address} gave no arbitration answer within ${ms} ms`, this.address);
        w?.reject(err);
        if (this.everConnected) this.scheduleReconnect(err, true);
      }, ms);
      this.connectWaiter = { resolve, reject, timer };
      this.openStream();
    });
  }

  /** Changes the election id; sends it at once when the stream is open. */
  setElectionId(id: bigint): void {
    toUint128(id);
    this.election = id;
    this.writes.setElectionId(toUint128(id));
    if (this.stream) {
      this.sendArbitration();
      this.step({ kind: "election-id-changed" });
    }
  }

  /** Closes the stream and the channel; no reconnect. */
  close(): void {
    if (this.stateValue === "closed") return;
    clearTimeout(this.reconnectTimer);
    const w = this.connectWaiter;
    this.connectWaiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(new P4RuntimeError(Code.CANCELLED, `client for ${this.address} closed while connecting`, this.address));
    }
    this.step({ kind: "close" });
    this.dropStream();
    this.writes.close();
    this.channel.close();
  }

  /** Sends a PacketOut on the StreamChannel; false when the stream is not open. */
  packetOut(payload: Uint8Array, metadata: readonly PacketMetadataValue[] = []): boolean {
    if (!this.stream) return false;
    this.stream.write({ packet: { payload, metadata: metadata as PacketMetadataValue[] } });
    return true;
  }

  /** Acknowledges a DigestList. */
  digestAck(digestId: number, listId: bigint): boolean {
    if (!this.stream) return false;
    this.stream.write({ digestAck: { digestId, listId } });
    return true;
  }

  private step(e: ArbitrationEvent): void {
    const t = arbitrate(this.stateValue, e);
    const changed = t.state !== this.stateValue;
    this.stateValue = t.state;
    if (changed) this.emit("state", t.state);
    if (t.gainedPrimary) this.emit("primary");
    if (t.lostPrimary) this.emit("primaryLost");
  }

  private openStream(): void {
    this.step({ kind: "connect" });
    const call = this.channel.makeBidiStreamRequest(
      SERVICE + "StreamChannel",
      serializer(p4.v1.StreamMessageRequest),
      deserializer(p4.v1.StreamMessageResponse),
      new grpc.Metadata(),
      {},
    );
    this.stream = call;
    call.on("data", (m: p4.v1.StreamMessageResponse) => this.onStreamMessage(call, m));
    call.on("error", (e: Error) => this.onStreamEnd(call, e));
    call.on("end", () => this.onStreamEnd(call, undefined));
    this.sendArbitration();
    this.step({ kind: "stream-open" });
  }

  private sendArbitration(): void {
    this.stream?.write({
      arbitration: {
        deviceId: this.deviceId,
        role: this.role ? { name: this.role } : null,
        electionId: this.election === undefined ? null : toUint128(this.election),
      },
    });
  }

  private onStreamMessage(call: unknown, m: p4.v1.StreamMessageResponse): void {
    if (call !== this.stream) return;
    switch (m.update) {
      case "arbitration": {
        const a = m.arbitration!;
        const code = a.status?.code ?? 0;
        this.primaryId = fromUint128(a.electionId);
        const info: ArbitrationInfo = {
          isPrimary: code === 0,
          primaryElectionId: this.primaryId,
          code,
          message: a.status?.message ?? "",
        };
        this.step({ kind: "arbitration", code });
        this.emit("arbitration", info);
        const w = this.connectWaiter;
        if (w) {
          this.connectWaiter = undefined;
          clearTimeout(w.timer);
          const again = this.everConnected;
          this.everConnected = true;
          this.backoff.reset();
          w.resolve(info);
          if (again) this.emit("reconnected");
        }
        return;
      }
      case "packet":
        this.emit("packetIn", m.packet as p4.v1.PacketIn);
        return;
      case "idleTimeoutNotification":
        this.emit("idleTimeout", m.idleTimeoutNotification as p4.v1.IdleTimeoutNotification);
        return;
      case "digest":
        this.emit("digest", m.digest as p4.v1.DigestList);
        return;
      case "error":
        this.emit("streamError", m.error as p4.v1.StreamError);
        return;
      default:
        return;
    }
  }

  private onStreamEnd(call: unknown, e: Error | undefined): void {
    if (call !== this.stream) return;
    this.stream = undefined;
    if (this.stateValue === "closed") return;
    const err = this.streamFailure(e);
    this.step({ kind: "stream-lost" });
    const w = this.connectWaiter;
    if (w) {
      this.connectWaiter = undefined;
      clearTimeout(w.timer);
      w.reject(err);
      // A reconnect attempt failed: try again later.
      if (this.everConnected) this.scheduleReconnect(err, true);
      return;
    }
    this.emit("disconnected", err);
    this.scheduleReconnect(err, false);
  }

  private scheduleReconnect(err: P4RuntimeError, failedAttempt: boolean): void {
    if (this.o.reconnect === false || this.stateValue === "closed") return;
    const delay = this.backoff.next();
    if (failedAttempt) this.emit("reconnectFailed", err, delay);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.stateValue === "closed" || this.stream) return;
      this.connect().catch(() => {
        // connect() failures during reconnect are reported through reconnectFailed.
      });
    }, delay);
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      s.removeAllListeners("data");
      s.on("error", () => {});
      s.cancel();
    }
  }

  private streamFailure(e: Error | undefined): P4RuntimeError {
    if (!e) return new P4RuntimeError(Code.UNAVAILABLE, `P4Runtime target ${this.address} ended the StreamChannel`, this.address);
    return this.rpcError("StreamChannel", e);
  }

  /** A P4RuntimeError for a failed RPC, naming the address and saying what went wrong. */
  private rpcError(rpc: string, e: unknown): P4RuntimeError {
    if (!isServiceError(e)) return new P4RuntimeError(Code.UNKNOWN, `${rpc} to ${this.address}: ${String(e)}`, this.address);
    return new P4RuntimeError(e.code, rpcFailureMessage(rpc, this.address, e.code, e.details || e.message), this.address);
  }

  // --- Write -------------------------------------------------------------------------------------

  /** Writes updates; resolves one UpdateStatus per update, in order. Never rejects. */
  write(updates: readonly p4.v1.IUpdate[], atomicity: Atomicity = "CONTINUE_ON_ERROR"): Promise<UpdateStatus[]> {
    const encoded = updates.map((u) => encodeTableUpdate(u) ?? p4.v1.Update.encode(u).finish());
    return this.writes.writeEncoded(encoded, atomicity);
  }

  /**
   * Writes pre-encoded p4.v1.Update messages. Resolves one UpdateStatus per update; never rejects.
   */
  writeEncoded(updates: readonly Uint8Array[], _encodedBytes?: number, atomicity: Atomicity = "CONTINUE_ON_ERROR"): Promise<UpdateStatus[]> {
    return this.writes.writeEncoded(updates, atomicity);
  }

  /**
   * Writes `count` updates already framed as they sit inside a WriteRequest (each: byte 0x22,
   * varint length, the p4.v1.Update bytes); the client adds device_id, role, election_id and
   * atomicity. `done` is called exactly once, never before writeFramed returns, with one
   * UpdateStatus per update in order: OK, the target's per-update error, or the whole Write's
   * failure (outcomeUnknown when the target may have applied it). A `count` that does not match
   * `framed` fails every update with INVALID_ARGUMENT, nothing sent. Never throws.
   */
  writeFramed(framed: Uint8Array, count: number, done: (statuses: readonly UpdateStatus[]) => void, atomicity: Atomicity = "CONTINUE_ON_ERROR"): void {
    this.writes.writeFramed(framed, count, done, atomicity);
  }

  /** A WriteBatcher that sends through this client. */
  batcher(options?: BatcherOptions): WriteBatcher {
    return new WriteBatcher((framed, count, done) => this.writeFramed(framed, count, done), options);
  }

  // --- Read ----------------------------------------------------------------------------------------

  /** Reads entities; yields every entity of every ReadResponse. Throws a P4RuntimeError on failure. */
  async *read(entities: readonly p4.v1.IEntity[]): AsyncIterable<p4.v1.Entity> {
    const call = this.channel.makeServerStreamRequest(
      SERVICE + "Read",
      serializer(p4.v1.ReadRequest),
      deserializer(p4.v1.ReadResponse),
      { deviceId: this.deviceId, role: this.role, entities: entities as p4.v1.IEntity[] },
      new grpc.Metadata(),
      { deadline: Date.now() + (this.o.readTimeoutMs ?? 120_000) },
    );
    try {
      for await (const r of call as AsyncIterable<p4.v1.ReadResponse>) {
        for (const e of r.entities) yield e as p4.v1.Entity;
      }
    } catch (e) {
      throw this.rpcError("Read", e);
    } finally {
      call.cancel();
    }
  }

  /**
   * Reads entities; yields the raw bytes of each ReadResponse (for scanners such as
   * read-scan.ts that need no protobufjs objects). Throws a P4RuntimeError on failure.
   */
  async *readRaw(entities: readonly p4.v1.IEntity[]): AsyncIterable<Uint8Array> {
    const call = this.channel.makeServerStreamRequest(
      SERVICE + "Read",
      serializer(p4.v1.ReadRequest),
      rawDeserialize,
      { deviceId: this.deviceId, role: this.role, entities: entities as p4.v1.IEntity[] },
      new grpc.Metadata(),
      { deadline: Date.now() + (this.o.readTimeoutMs ?? 120_000) },
    );
    try {
      for await (const r of call as AsyncIterable<Buffer>) yield r;
    } catch (e) {
      throw this.rpcError("Read", e);
    } finally {
      call.cancel();
    }
  }

  /** All entities a Read returns, as an array. */
  async readAll(entities: readonly p4.v1.IEntity[]): Promise<p4.v1.Entity[]> {
    const out: p4.v1.Entity[] = [];
    for await (const e of this.read(entities)) out.push(e);
    return out;
  }

  // --- Pipeline and capabilities --------------------------------------------------------------------

  private unary<Req, Res>(
    rpc: string,
    req: Req,
    reqCodec: { encode(m: Req): { finish(): Uint8Array } },
    resCodec: { decode(b: Uint8Array): Res },
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.channel.makeUnaryRequest(
        SERVICE + rpc,
        serializer(reqCodec),
        deserializer(resCodec),
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + (this.o.rpcTimeoutMs ?? 30_000) },
        (err: grpc.ServiceError | null, res?: Res) => {
          if (err) reject(this.rpcError(rpc, err));
          else resolve(res!);
        },
      );
    });
  }

  /** SetForwardingPipelineConfig with any action (default VERIFY_AND_COMMIT) and an optional cookie. */
  async setPipeline(s: SetPipelineOptions): Promise<void> {
    const info = s.p4info && "encoded" in s.p4info ? (s.p4info as P4InfoIndex).message : (s.p4info as p4.config.v1.IP4Info | undefined);
    await this.unary(
      "SetForwardingPipelineConfig",
      {
        deviceId: this.deviceId,
        role: this.role,
        electionId: this.election === undefined ? null : toUint128(this.election),
        action: p4.v1.SetForwardingPipelineConfigRequest.Action[s.action ?? "VERIFY_AND_COMMIT"],
        config: {
          p4info: info ?? null,
          p4DeviceConfig: s.deviceConfig ?? new Uint8Array(),
          cookie: s.cookie === undefined ? null : { cookie: s.cookie },
        },
      },
      p4.v1.SetForwardingPipelineConfigRequest,
      p4.v1.SetForwardingPipelineConfigResponse,
    );
  }

  /** GetForwardingPipelineConfig with any response type (default ALL). */
  async getPipeline(responseType: PipelineResponseType = "ALL"): Promise<p4.v1.ForwardingPipelineConfig> {
    const r = await this.unary(
      "GetForwardingPipelineConfig",
      { deviceId: this.deviceId, responseType: p4.v1.GetForwardingPipelineConfigRequest.ResponseType[responseType] },
      p4.v1.GetForwardingPipelineConfigRequest,
      p4.v1.GetForwardingPipelineConfigResponse,
    );
    return (r.config as p4.v1.ForwardingPipelineConfig | null) ?? new p4.v1.ForwardingPipelineConfig();
  }

  /** The target's P4Runtime API version string. */
  async capabilities(): Promise<string> {
    const r = await this.unary("Capabilities", {}, p4.v1.CapabilitiesRequest, p4.v1.CapabilitiesResponse);
    return r.p4runtimeApiVersion;
  }
}

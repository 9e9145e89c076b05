// The sim's P4Runtime service (p4.v1.P4Runtime) on grpc-js: RPC-level checks in PI's order
// (../shared/p4runtime-facts.md §2.1), Writes applied one at a time in arrival order after the
// acknowledgement-latency knob, per-update errors in grpc-status-details-bin as bmv2 sends
// them (§2.2), Read in one response (§2.5, its bytes written by read-encode.ts), the
// StreamChannel with arbitration (§2.7) and packet-out. Owns the transport mapping only: state
// lives in Device, primacy in Arbitration.
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs/minimal.js";
import { google, p4 } from "../../src/generated/proto.js";
import { Arbitration, type StreamPeer } from "./arbitration.js";
import type { Device } from "./device.js";
import { method, preEncoded } from "./grpc-methods.js";
import type { Knobs } from "./knobs.js";
import { Code, ERROR_SPACE, type P4Status } from "./status.js";
import { electionId } from "./wire.js";
import { decodeTableUpdate } from "./update-decode.js";
import { ReadResponseWriter } from "./read-encode.js";

/** A SetForwardingPipelineConfig request with the raw bytes of its P4Info. */
interface SetConfigCall {
  readonly request: p4.v1.SetForwardingPipelineConfigRequest;
  readonly p4infoBytes: Uint8Array;
}

const setConfigCodec = {
  encode: (m: SetConfigCall) => p4.v1.SetForwardingPipelineConfigRequest.encode(m.request),
  decode: (b: Uint8Array): SetConfigCall => {
    const config = lastLengthDelimited(b, 5);
    return {
      request: p4.v1.SetForwardingPipelineConfigRequest.decode(b),
      p4infoBytes: (config && lastLengthDelimited(config, 1)) ?? new Uint8Array(),
    };
  },
};

/**
 * A WriteRequest with its updates left encoded: each is decoded just before it is applied,
 * so a queue of large Writes holds bytes, not thousands of live message objects.
 */
interface LazyWrite {
  readonly deviceId: bigint;
  readonly electionId: p4.v1.IUint128 | undefined;
  readonly atomicity: number;
  readonly updates: Uint8Array[];
}

const lazyWriteCodec = {
  encode: (m: LazyWrite) => p4.v1.WriteRequest.encode({ ...m, updates: m.updates.map((u) => p4.v1.Update.decode(u)) }),
  decode: (b: Uint8Array): LazyWrite => {
    const r = protobuf.Reader.create(b);
    let deviceId = 0n;
    let election: p4.v1.IUint128 | undefined;
    let atomicity = 0;
    const updates: Uint8Array[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | 0: {
          const v = r.uint64();
          deviceId = typeof v === "number" ? BigInt(v) : (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
          break;
        }
        case (3 << 3) | 2:
          election = p4.v1.Uint128.decode(r.bytes());
          break;
        case (4 << 3) | 2:
          updates.push(r.bytes());
          break;
        case (5 << 3) | 0:
          atomicity = r.int32();
          break;
        default:
          r.skipType(tag & 7);
      }
    }
    return { deviceId, electionId: election, atomicity, updates };
  },
};

/** The bytes of the last occurrence of length-delimited field `field` in a message. */
function lastLengthDelimited(buf: Uint8Array, field: number): Uint8Array | undefined {
  const r = protobuf.Reader.create(buf);
  let found: Uint8Array | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if ((tag & 7) === 2 && tag >>> 3 === field) found = r.bytes();
    else r.skipType(tag & 7);
  }
  return found;
}

/** Updates applied between two turns of the event loop. */
const YIELD_EVERY = 100;

export const P4RUNTIME_SERVICE = {
  Write: method("/p4.v1.P4Runtime/Write", false, false, lazyWriteCodec, p4.v1.WriteResponse),
  // Answers are ReadResponse bytes written by hand (read-encode.ts), sent as they are.
  Read: { ...method("/p4.v1.P4Runtime/Read", false, true, p4.v1.ReadRequest, preEncoded), responseSerialize: (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b)) },
  SetForwardingPipelineConfig: method(
    "/p4.v1.P4Runtime/SetForwardingPipelineConfig",
    false,
    false,
    setConfigCodec,
    p4.v1.SetForwardingPipelineConfigResponse,
  ),
  GetForwardingPipelineConfig: method("/p4.v1.P4Runtime/GetForwardingPipelineConfig", false, false, p4.v1.GetForwardingPipelineConfigRequest, preEncoded),
  StreamChannel: method("/p4.v1.P4Runtime/StreamChannel", true, true, p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse),
  Capabilities: method("/p4.v1.P4Runtime/Capabilities", false, false, p4.v1.CapabilitiesRequest, p4.v1.CapabilitiesResponse),
} satisfies grpc.ServiceDefinition;

/** What the service needs from the rest of the sim. */
export interface P4RuntimeHost {
  readonly device: Device;
  readonly knobs: Knobs;
  /** A primary's PacketOut for `deviceId`. */
  packetOut(packet: p4.v1.IPacketOut): void;
}

function rpcError(s: P4Status, metadata?: grpc.Metadata): Partial<grpc.StatusObject> {
  return metadata ? { code: s.code as number, details: s.message, metadata } : { code: s.code as number, details: s.message };
}

/** The per-update trailer bmv2 sends with a failed Write: one p4.v1.Error per update. */
function writeErrorTrailer(statuses: readonly P4Status[]): grpc.Metadata {
  const details = statuses.map((s) => ({
    typeUrl: "type.googleapis.com/p4.v1.Error",
    value: s.code === Code.OK ? new Uint8Array() : p4.v1.Error.encode({ canonicalCode: s.code, message: s.message, space: ERROR_SPACE }).finish(),
  }));
  const md = new grpc.Metadata();
  md.set("grpc-status-details-bin", Buffer.from(google.rpc.Status.encode({ code: Code.UNKNOWN, details }).finish()));
  return md;
}

export class P4RuntimeService {
  readonly arbitration = new Arbitration();
  /** Every open StreamChannel, arbitrated or not. */
  private readonly streams = new Set<StreamPeer>();
  private sinceYield = 0;
  /** Writes and pipeline changes, applied one after another in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly host: P4RuntimeHost) {}

  /** Sends a message to the primary stream of the sim's device, if there is one. */
  toPrimary(message: p4.v1.IStreamMessageResponse): boolean {
    const primary = this.arbitration.primary(this.host.device.deviceId);
    if (!primary) return false;
    primary.peer.send(message);
    return true;
  }

  /** The "drop the streams" knob: every StreamChannel ends with UNAVAILABLE. */
  dropStreams(): void {
    for (const peer of [...this.streams]) peer.end(Code.UNAVAILABLE, "Stream dropped by the sim");
  }

  /** Resolves when every Write received so far has been answered. */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(job: () => Promise<void> | void): void {
    this.queue = this.queue.then(job).catch(() => undefined);
  }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      Capabilities: (_call: grpc.ServerUnaryCall<p4.v1.CapabilitiesRequest, p4.v1.CapabilitiesResponse>, cb: grpc.sendUnaryData<p4.v1.ICapabilitiesResponse>) =>
        cb(null, { p4runtimeApiVersion: "1.3.0" }),
      Write: (call: grpc.ServerUnaryCall<LazyWrite, p4.v1.WriteResponse>, cb: grpc.sendUnaryData<p4.v1.IWriteResponse>) => this.write(call, cb),
      Read: (call: grpc.ServerWritableStream<p4.v1.ReadRequest, Uint8Array>) => this.read(call),
      SetForwardingPipelineConfig: (call: grpc.ServerUnaryCall<SetConfigCall, p4.v1.SetForwardingPipelineConfigResponse>, cb: grpc.sendUnaryData<p4.v1.ISetForwardingPipelineConfigResponse>) =>
        this.setConfig(call, cb),
      GetForwardingPipelineConfig: (call: grpc.ServerUnaryCall<p4.v1.GetForwardingPipelineConfigRequest, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>) => this.getConfig(call, cb),
      StreamChannel: (call: grpc.ServerDuplexStream<p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse>) => this.streamChannel(call),
    };
  }

  private write(call: grpc.ServerUnaryCall<LazyWrite, p4.v1.WriteResponse>, cb: grpc.sendUnaryData<p4.v1.IWriteResponse>): void {
    const { device, knobs } = this.host;
    if (knobs.refuseWrites) {
      cb(rpcError({ code: Code.UNAVAILABLE, message: "Writes refused by the sim" }));
      return;
    }
    const arrival = performance.now();
    const req = call.request;
    this.enqueue(async () => {
      const wait = arrival + knobs.ackLatencyMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const deviceId = req.deviceId;
      const arb = this.arbitration.checkWriter(deviceId, req.electionId ? electionId(req.electionId) : undefined);
      if (arb.code !== Code.OK) return cb(rpcError(arb));
      if (deviceId !== device.deviceId || !device.config) return cb(rpcError({ code: Code.FAILED_PRECONDITION, message: "No forwarding pipeline config set for this device" }));
      if (req.atomicity !== 0) return cb(rpcError({ code: Code.UNIMPLEMENTED, message: "Only CONTINUE_ON_ERROR atomicity is supported" }));
      const statuses: P4Status[] = [];
      let failed = false;
      for (const bytes of req.updates) {
        // Let the event loop run now and then (HTTP/2 window updates, other RPCs): a long
        // burst of updates would otherwise stall the clients' sends. Order is unchanged.
        if (++this.sinceYield >= YIELD_EVERY) {
          this.sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
        }
        let s = knobs.takeFailure();
        if (!s) {
          let u: p4.v1.IUpdate | undefined;
          try {
            u = decodeTableUpdate(bytes) ?? p4.v1.Update.decode(bytes);
          } catch {
            u = undefined;
          }
          s = u ? device.write(u) : { code: Code.INVALID_ARGUMENT, message: "Malformed Update" };
        }
        if (s.code !== Code.OK) failed = true;
        statuses.push(s);
      }
      if (!failed) return cb(null, {});
      cb(rpcError({ code: Code.UNKNOWN, message: "" }, writeErrorTrailer(statuses)));
    });
  }

  private read(call: grpc.ServerWritableStream<p4.v1.ReadRequest, Uint8Array>): void {
    const { device } = this.host;
    const req = call.request;
    if ((req.deviceId ?? 0n) !== device.deviceId || !device.config) {
      call.emit("error", rpcError({ code: Code.FAILED_PRECONDITION, message: "No forwarding pipeline config set for this device" }));
      return;
    }
    const out = new ReadResponseWriter(device.config.schema);
    let failure: P4Status | undefined;
    for (const e of req.entities ?? []) {
      const s = device.read(e, out);
      if (s.code !== Code.OK) {
        failure = s;
        break;
      }
    }
    call.write(out.finish());
    if (failure) call.emit("error", rpcError(failure));
    else call.end();
  }

  private setConfig(
    call: grpc.ServerUnaryCall<SetConfigCall, p4.v1.SetForwardingPipelineConfigResponse>,
    cb: grpc.sendUnaryData<p4.v1.ISetForwardingPipelineConfigResponse>,
  ): void {
    const { request, p4infoBytes } = call.request;
    this.enqueue(() => {
      const deviceId = request.deviceId ?? 0n;
      const arb = this.arbitration.checkWriter(deviceId, request.electionId ? electionId(request.electionId) : undefined);
      if (arb.code !== Code.OK) return cb(rpcError(arb));
      if (deviceId !== this.host.device.deviceId) return cb(rpcError({ code: Code.UNKNOWN, message: `No device ${deviceId} in this switch` }));
      const s = this.host.device.setPipeline(request.action ?? 0, request.config, p4infoBytes);
      if (s.code !== Code.OK) return cb(rpcError(s));
      cb(null, {});
    });
  }

  private getConfig(call: grpc.ServerUnaryCall<p4.v1.GetForwardingPipelineConfigRequest, Uint8Array>, cb: grpc.sendUnaryData<Uint8Array>): void {
    const { device } = this.host;
    const config = device.config;
    const ours = (call.request.deviceId ?? 0n) === device.deviceId;
    if (ours && !config && device.verifiedOnly) {
      // bmv2 after a VERIFY (or a failed load) on a switch without pipeline: OK, empty config.
      cb(null, p4.v1.GetForwardingPipelineConfigResponse.encode({ config: {} }).finish());
      return;
    }
    if (!ours || !config) {
      cb(rpcError({ code: Code.FAILED_PRECONDITION, message: "No forwarding pipeline config set for this device" }));
      return;
    }
    const type = call.request.responseType ?? 0;
    if (type < 0 || type > 3) {
      cb(rpcError({ code: Code.INVALID_ARGUMENT, message: `Invalid response_type ${type}` }));
      return;
    }
    const inner = protobuf.Writer.create();
    if (type === 0 || type === 2) inner.uint32((1 << 3) | 2).bytes(config.p4infoBytes);
    if (type === 0 || type === 3) inner.uint32((2 << 3) | 2).bytes(config.deviceConfig);
    if (config.cookie !== undefined) inner.uint32((3 << 3) | 2).bytes(p4.v1.ForwardingPipelineConfig.Cookie.encode({ cookie: config.cookie }).finish());
    const outer = protobuf.Writer.create();
    outer.uint32((1 << 3) | 2).bytes(inner.finish());
    cb(null, outer.finish());
  }

  private streamChannel(call: grpc.ServerDuplexStream<p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse>): void {
    let open = true;
    const peer: StreamPeer = {
      send: (m) => {
        if (open) call.write(m);
      },
      end: (code, message) => {
        if (!open) return;
        finish();
        call.emit("error", rpcError({ code, message }));
      },
    };
    const finish = (): void => {
      open = false;
      this.streams.delete(peer);
      this.arbitration.close(peer);
    };
    this.streams.add(peer);
    call.on("data", (m: p4.v1.StreamMessageRequest) => {
      if (!open) return;
      if (m.arbitration) {
        this.arbitration.update(peer, m.arbitration.deviceId ?? 0n, electionId(m.arbitration.electionId));
      } else if (m.packet) {
        // PacketOut before arbitration or from a backup is dropped silently (PI).
        if (this.arbitration.isPrimary(peer)) this.host.packetOut(m.packet);
      }
    });
    call.on("end", () => {
      if (!open) return;
      finish();
      call.end();
    });
    call.on("cancelled", () => {
      if (open) finish();
    });
    call.on("error", () => {
      if (open) finish();
    });
    call.on("close", () => {
      if (open) finish();
    });
  }
}

// The client's Write path: builds each WriteRequest once as gRPC-framed bytes (the cached
// device_id / role / election_id header, the updates, atomicity) and sends it on the chosen
// transport: node:http2 (grpc-write.ts, the default) or a grpc-js unary call (the fallback, and
// the only choice for addresses that are not host:port). Contract of both entry points: one
// UpdateStatus per update, in order; never throws, never rejects; `done` is never called before
// the call that was given it returns.
import * as grpc from "@grpc/grpc-js";
import { MESSAGE_PREFIX_BYTES, parseHostPort } from "./grpc-framing.js";
import { Http2WriteTransport, type TlsOptions, type WriteDone } from "./grpc-write.js";
import { Code, allOk, decodeWriteFailure, rpcFailureMessage, wholeRpcFailure, type UpdateStatus } from "./status.js";
import { countFramedUpdates, encodeWriteHeader, writeRequestOfFramed, writeRequestOfUpdates, type Atomicity } from "./write-request.js";
import type { p4 } from "../generated/proto.js";

const WRITE_METHOD = "/p4.v1.P4Runtime/Write";
const USER_AGENT = "ofp4-p4runtime (node:http2)";

export type WriteTransportKind = "http2" | "grpc-js";

export interface WritePathOptions {
  readonly address: string;
  readonly deviceId: bigint;
  readonly role: string;
  readonly electionId: p4.v1.IUint128 | null;
  readonly tls: TlsOptions | undefined;
  readonly timeoutMs: number;
  /** The client's grpc-js channel (the fallback transport) and its options (sizes). */
  readonly channel: grpc.Client;
  readonly channelOptions: grpc.ChannelOptions;
  readonly transport: WriteTransportKind;
}

const rawBytes = (b: Buffer): Buffer => b;

/** A numeric channel option, if set. */
function numberOption(options: grpc.ChannelOptions, name: string): number | undefined {
  const v: unknown = options[name];
  return typeof v === "number" ? v : undefined;
}

export class WritePath {
  readonly transport: WriteTransportKind;
  private readonly o: WritePathOptions;
  private readonly h2: Http2WriteTransport | undefined;
  private header: Buffer;

  constructor(o: WritePathOptions) {
    this.o = o;
    this.header = encodeWriteHeader(o.deviceId, o.role, o.electionId);
    const hostPort = parseHostPort(o.address);
    if (o.transport === "http2" && hostPort) {
      const maxSend = numberOption(o.channelOptions, "grpc.max_send_message_length");
      this.h2 = new Http2WriteTransport({
        ...hostPort,
        address: o.address,
        tls: o.tls,
        timeoutMs: o.timeoutMs,
        maxSendBytes: maxSend === undefined || maxSend < 0 ? Number.POSITIVE_INFINITY : maxSend,
        maxMetadataBytes: numberOption(o.channelOptions, "grpc.max_metadata_size") ?? 1024 * 1024,
        userAgent: USER_AGENT,
      });
    }
    this.transport = this.h2 ? "http2" : "grpc-js";
  }

  /** A new election id for the Writes that follow. */
  setElectionId(electionId: p4.v1.IUint128 | null): void {
    this.header = encodeWriteHeader(this.o.deviceId, this.o.role, electionId);
  }

  writeEncoded(updates: readonly Uint8Array[], atomicity: Atomicity): Promise<UpdateStatus[]> {
    const n = updates.length;
    if (n === 0) return Promise.resolve([]);
    const message = writeRequestOfUpdates(this.header, updates, atomicity);
    return new Promise((resolve) => this.send(message, n, resolve));
  }

  writeFramed(framed: Uint8Array, count: number, done: WriteDone, atomicity: Atomicity): void {
    const found = countFramedUpdates(framed);
    if (found !== count || count === 0) {
      const what = found < 0 ? "is not a run of framed updates" : `holds ${found} updates`;
      const statuses = found === count ? [] : wholeRpcFailure(count, Code.INVALID_ARGUMENT, `writeFramed: framed ${what}, count says ${count}`, false);
      process.nextTick(done, statuses);
      return;
    }
    this.send(writeRequestOfFramed(this.header, framed, atomicity), count, done);
  }

  /** Writes in flight finish; later ones fail with CANCELLED (http2; grpc-js's channel closes with the client). */
  close(): void {
    this.h2?.close();
  }

  private send(message: Buffer, n: number, done: WriteDone): void {
    if (this.h2) this.h2.send(message, n, done);
    else this.sendGrpcJs(message, n, done);
  }

  /** The grpc-js fallback: the same request bytes as a grpc-js unary call. */
  private sendGrpcJs(message: Buffer, n: number, done: WriteDone): void {
    const address = this.o.address;
    this.o.channel.makeUnaryRequest(
      WRITE_METHOD,
      rawBytes,
      rawBytes,
      message.subarray(MESSAGE_PREFIX_BYTES),
      new grpc.Metadata(),
      { deadline: Date.now() + this.o.timeoutMs },
      (err: grpc.ServiceError | null) => {
        if (!err) {
          done(allOk(n));
          return;
        }
        const raw = err.metadata?.get("grpc-status-details-bin")[0];
        const details = raw === undefined ? undefined : typeof raw === "string" ? Buffer.from(raw, "base64") : raw;
        const message = details ? err.details : rpcFailureMessage("Write", address, err.code, err.details || err.message);
        done(decodeWriteFailure(n, err.code, message, details));
      },
    );
  }
}

// A tap on bmv2's dataplane service (p4.bm.DataplaneInterface/PacketStream, served by the sim
// and by simple_switch_grpc --dp-grpc-server-addr): injects frames on a target port and keeps
// the last frames each port emitted, for ofp4ctl inject and capture. Owns one gRPC stream;
// never touches P4Runtime.

import * as grpc from "@grpc/grpc-js";
import { p4 } from "../../src/generated/proto.js";

const PATH = "/p4.bm.DataplaneInterface/PacketStream";
const KEEP = 100;

export interface CapturedFrame {
  /** Milliseconds since the epoch when ofp4 saw it. */
  readonly time: number;
  readonly frame: Uint8Array;
}

export class DataplaneTap {
  readonly #client: grpc.Client;
  readonly #frames = new Map<number, CapturedFrame[]>();
  #stream: grpc.ClientDuplexStream<Uint8Array, p4.bm.PacketStreamResponse> | undefined;
  #seen = 0;

  constructor(
    readonly address: string,
    readonly deviceId: bigint,
  ) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
    this.#open();
  }

  #open(): void {
    const stream = this.#client.makeBidiStreamRequest(
      PATH,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => p4.bm.PacketStreamResponse.decode(b),
    );
    stream.on("data", (r: p4.bm.PacketStreamResponse) => {
      const port = Number(r.port);
      const list = this.#frames.get(port) ?? [];
      list.push({ time: Date.now(), frame: r.packet });
      if (list.length > KEEP) list.shift();
      this.#frames.set(port, list);
      this.#seen++;
    });
    // The target went away (bmv2 killed or restarted): the next inject or capture opens a new stream.
    stream.on("error", () => {
      if (this.#stream === stream) this.#stream = undefined;
    });
    this.#stream = stream;
  }

  /** Frames seen so far on all ports. */
  get seen(): number {
    return this.#seen;
  }

  inject(port: number, frame: Uint8Array): void {
    const req = p4.bm.PacketStreamRequest.encode({ deviceId: this.deviceId, port, packet: frame }).finish();
    if (!this.#stream) this.#open();
    this.#stream?.write(req);
  }

  /** The last frames `port` emitted (oldest first); `clear` forgets them. */
  captured(port: number, clear = false): CapturedFrame[] {
    if (!this.#stream) this.#open();
    const list = this.#frames.get(port) ?? [];
    if (clear) this.#frames.delete(port);
    return [...list];
  }

  close(): void {
    this.#stream?.end();
    this.#stream?.cancel();
    this.#client.close();
  }
}

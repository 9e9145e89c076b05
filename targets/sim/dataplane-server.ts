// bmv2's dataplane service (p4.bm.DataplaneInterface, simple_switch_grpc
// --dp-grpc-server-addr) for the sim: a PacketStream request injects a frame on a port, and
// every frame a port emits goes to every open PacketStream; SetPortOperStatus takes ports
// down and up. Owns only the transport; the Sim moves the frames.
import type * as grpc from "@grpc/grpc-js";
import { p4 } from "../../src/generated/proto.js";
import { method } from "./grpc-methods.js";

export const DATAPLANE_SERVICE = {
  PacketStream: method("/p4.bm.DataplaneInterface/PacketStream", true, true, p4.bm.PacketStreamRequest, p4.bm.PacketStreamResponse),
  SetPortOperStatus: method("/p4.bm.DataplaneInterface/SetPortOperStatus", false, false, p4.bm.SetPortOperStatusRequest, p4.bm.SetPortOperStatusResponse),
} satisfies grpc.ServiceDefinition;

export interface DataplaneHost {
  readonly deviceId: bigint;
  inject(port: number, frame: Uint8Array): void;
  setPortUp(port: number, up: boolean): void;
}

export class DataplaneService {
  private readonly streams = new Set<grpc.ServerDuplexStream<p4.bm.PacketStreamRequest, p4.bm.IPacketStreamResponse>>();

  constructor(private readonly host: DataplaneHost) {}

  /** A frame left `port`: every PacketStream hears of it. */
  emitted(port: number, frame: Uint8Array): void {
    for (const s of this.streams) s.write({ deviceId: this.host.deviceId, port, packet: frame });
  }

  /** Ends every PacketStream (on stop). */
  close(): void {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  implementation(): grpc.UntypedServiceImplementation {
    return {
      PacketStream: (call: grpc.ServerDuplexStream<p4.bm.PacketStreamRequest, p4.bm.IPacketStreamResponse>) => {
        this.streams.add(call);
        call.on("data", (m: p4.bm.PacketStreamRequest) => this.host.inject(m.port ?? 0, m.packet ?? new Uint8Array()));
        const drop = (): void => {
          this.streams.delete(call);
        };
        call.on("end", () => {
          drop();
          call.end();
        });
        call.on("cancelled", drop);
        call.on("error", drop);
        call.on("close", drop);
      },
      SetPortOperStatus: (
        call: grpc.ServerUnaryCall<p4.bm.SetPortOperStatusRequest, p4.bm.SetPortOperStatusResponse>,
        cb: grpc.sendUnaryData<p4.bm.ISetPortOperStatusResponse>,
      ) => {
        const s = call.request.operStatus ?? 0;
        if (s === 1 || s === 2) this.host.setPortUp(call.request.port ?? 0, s === 2);
        cb(null, {});
      },
    };
  }
}

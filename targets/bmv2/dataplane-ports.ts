// Port operational status on targets that serve bmv2's dataplane service (p4.bm.DataplaneInterface:
// bmv2 with --dp-grpc-server-addr, and ofp4's sim): SetPortOperStatus takes a port down or up.
// P4Runtime itself has no port control, so this is a second, optional gRPC channel; the daemon
// gives it to the offload provider as its PortControl. Promises a rejection naming the address
// on failure; never touches P4Runtime state.

import * as grpc from "@grpc/grpc-js";
import { p4 } from "../../src/generated/proto.js";

const PATH = "/p4.bm.DataplaneInterface/SetPortOperStatus";

export class DataplanePorts {
  readonly #client: grpc.Client;

  constructor(
    readonly address: string,
    readonly deviceId: bigint,
  ) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  /** Sets the operational status of target port `port`. */
  setOperStatus(port: number, up: boolean, timeoutMs = 5000): Promise<void> {
    const request = p4.bm.SetPortOperStatusRequest.encode({
      deviceId: this.deviceId,
      port,
      operStatus: up ? p4.bm.PortOperStatus.OPER_STATUS_UP : p4.bm.PortOperStatus.OPER_STATUS_DOWN,
    }).finish();
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        PATH,
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => p4.bm.SetPortOperStatusResponse.decode(b),
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null) => {
          if (err) reject(new Error(`SetPortOperStatus(${port}, ${up ? "up" : "down"}) to ${this.address}: ${err.details || err.message}`));
          else resolve();
        },
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}

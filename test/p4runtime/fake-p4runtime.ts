// A minimal P4Runtime server over real gRPC for the client's tests: arbitration as PI does it
// (highest election id is primary, every stream told when primacy moves), Writes that fail
// chosen updates with per-update p4.v1.Error details, a Read that streams what was written,
// Set/GetForwardingPipelineConfig, Capabilities. Listens on 127.0.0.1 port 0.
import * as grpc from "@grpc/grpc-js";
import { p4 } from "../../src/generated/proto.js";
import { encodeWriteFailure } from "../../src/p4runtime/status.js";
import { tableEntryKey } from "../../src/p4runtime/entity-key.js";

type Stream = grpc.ServerDuplexStream<p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse>;

const m = <Req, Res>(
  path: string,
  reqStream: boolean,
  resStream: boolean,
  req: { decode(b: Uint8Array): Req },
  res: { encode(x: Res): { finish(): Uint8Array } },
): grpc.MethodDefinition<Req, Res> => ({
  path: "/p4.v1.P4Runtime/" + path,
  requestStream: reqStream,
  responseStream: resStream,
  requestSerialize: () => Buffer.alloc(0),
  requestDeserialize: (b) => req.decode(b),
  responseSerialize: (x) => Buffer.from(res.encode(x).finish()),
  responseDeserialize: () => ({}) as Res,
});

const SERVICE = {
  Write: m("Write", false, false, p4.v1.WriteRequest, p4.v1.WriteResponse),
  Read: m("Read", false, true, p4.v1.ReadRequest, p4.v1.ReadResponse),
  SetForwardingPipelineConfig: m("SetForwardingPipelineConfig", false, false, p4.v1.SetForwardingPipelineConfigRequest, p4.v1.SetForwardingPipelineConfigResponse),
  GetForwardingPipelineConfig: m("GetForwardingPipelineConfig", false, false, p4.v1.GetForwardingPipelineConfigRequest, p4.v1.GetForwardingPipelineConfigResponse),
  StreamChannel: m("StreamChannel", true, true, p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse),
  Capabilities: m("Capabilities", false, false, p4.v1.CapabilitiesRequest, p4.v1.CapabilitiesResponse),
};

const u128 = (u: p4.v1.IUint128 | null | undefined): bigint => (BigInt(u?.high ?? 0n) << 64n) | BigInt(u?.low ?? 0n);

export class FakeP4Runtime {
  readonly server = new grpc.Server();
  port = 0;
  private streams = new Map<Stream, bigint>();
  readonly entries = new Map<string, p4.v1.ITableEntry>();
  config: p4.v1.IForwardingPipelineConfig | undefined;
  readonly packetsOut: p4.v1.PacketOut[] = [];
  writes = 0;
  /** When set, Write never answers (to test deadlines). */
  hangWrites = false;

  async start(): Promise<void> {
    this.server.addService(SERVICE, {
      StreamChannel: (s: Stream) => this.onStream(s),
      Write: (call: grpc.ServerUnaryCall<p4.v1.WriteRequest, p4.v1.WriteResponse>, cb: grpc.sendUnaryData<p4.v1.WriteResponse>) =>
        this.onWrite(call.request, cb),
      Read: (call: grpc.ServerWritableStream<p4.v1.ReadRequest, p4.v1.ReadResponse>) => {
        call.write(new p4.v1.ReadResponse({ entities: [...this.entries.values()].map((t) => ({ tableEntry: t })) }));
        call.end();
      },
      SetForwardingPipelineConfig: (
        call: grpc.ServerUnaryCall<p4.v1.SetForwardingPipelineConfigRequest, unknown>,
        cb: grpc.sendUnaryData<p4.v1.SetForwardingPipelineConfigResponse>,
      ) => {
        const deny = this.arbitrationCheck(call.request.electionId);
        if (deny) return cb(deny);
        this.config = call.request.config ?? undefined;
        cb(null, new p4.v1.SetForwardingPipelineConfigResponse());
      },
      GetForwardingPipelineConfig: (
        call: grpc.ServerUnaryCall<p4.v1.GetForwardingPipelineConfigRequest, unknown>,
        cb: grpc.sendUnaryData<p4.v1.GetForwardingPipelineConfigResponse>,
      ) => {
        if (!this.config) return cb({ code: grpc.status.FAILED_PRECONDITION, details: "No forwarding pipeline config set" });
        const c = this.config;
        const t = call.request.responseType;
        cb(
          null,
          new p4.v1.GetForwardingPipelineConfigResponse({
            config: {
              cookie: c.cookie ?? null,
              p4info: t === 0 || t === 2 ? (c.p4info ?? null) : null,
              p4DeviceConfig: t === 0 || t === 3 ? (c.p4DeviceConfig ?? null) : null,
            },
          }),
        );
      },
      Capabilities: (_c: unknown, cb: grpc.sendUnaryData<p4.v1.CapabilitiesResponse>) =>
        cb(null, new p4.v1.CapabilitiesResponse({ p4runtimeApiVersion: "1.3.0" })),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
    );
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  stop(): void {
    this.server.forceShutdown();
  }

  private primary(): bigint | undefined {
    let best: bigint | undefined;
    for (const id of this.streams.values()) if (best === undefined || id > best) best = id;
    return best;
  }

  private arbitrationCheck(e: p4.v1.IUint128 | null | undefined): Partial<grpc.StatusObject> | undefined {
    if (this.streams.size === 0) return e ? { code: grpc.status.PERMISSION_DENIED, details: "Not primary" } : undefined;
    if (u128(e) !== this.primary()) return { code: grpc.status.PERMISSION_DENIED, details: "Not primary" };
    return undefined;
  }

  private tell(s: Stream): void {
    const p = this.primary()!;
    const primary = this.streams.get(s) === p;
    s.write(
      new p4.v1.StreamMessageResponse({
        arbitration: {
          deviceId: 0n,
          electionId: { high: p >> 64n, low: p & ((1n << 64n) - 1n) },
          status: primary ? { code: 0, message: "Is primary" } : { code: 6, message: "Is backup" },
        },
      }),
    );
  }

  private onStream(s: Stream): void {
    s.on("data", (msg: p4.v1.StreamMessageRequest) => {
      if (msg.update === "arbitration") {
        const id = u128(msg.arbitration!.electionId);
        for (const [other, oid] of this.streams) {
          if (other !== s && oid === id) {
            s.destroy({ name: "dup", message: "Election id already exists", code: grpc.status.INVALID_ARGUMENT } as Error);
            return;
          }
        }
        const before = this.primary();
        this.streams.set(s, id);
        if (this.primary() !== before) for (const o of this.streams.keys()) this.tell(o);
        else this.tell(s);
      } else if (msg.update === "packet") {
        if (this.streams.get(s) === this.primary()) this.packetsOut.push(msg.packet as p4.v1.PacketOut);
      }
    });
    const gone = (): void => {
      if (!this.streams.has(s)) return;
      const before = this.primary();
      this.streams.delete(s);
      if (this.streams.size > 0 && this.primary() !== before) for (const o of this.streams.keys()) this.tell(o);
    };
    s.on("end", () => {
      gone();
      s.end();
    });
    s.on("error", gone);
    s.on("cancelled", gone);
  }

  /** Sends a PacketIn to the primary's stream. */
  packetIn(payload: Uint8Array): void {
    const p = this.primary();
    for (const [s, id] of this.streams) {
      if (id === p) s.write(new p4.v1.StreamMessageResponse({ packet: { payload, metadata: [{ metadataId: 1, value: Uint8Array.of(7) }] } }));
    }
  }

  /** Sends any StreamMessageResponse to the primary's stream (notifications, stream errors). */
  toPrimary(msg: p4.v1.IStreamMessageResponse): void {
    const p = this.primary();
    for (const [s, id] of this.streams) if (id === p) s.write(new p4.v1.StreamMessageResponse(msg));
  }

  private onWrite(req: p4.v1.WriteRequest, cb: grpc.sendUnaryData<p4.v1.WriteResponse>): void {
    this.writes++;
    if (this.hangWrites) return;
    const deny = this.arbitrationCheck(req.electionId);
    if (deny) return cb(deny);
    const results = req.updates.map((u) => {
      const t = u.entity?.tableEntry;
      if (!t) return { code: 12, message: "only table entries", space: "fake" };
      const key = tableEntryKey(t);
      if (u.type === p4.v1.Update.Type.INSERT) {
        if (this.entries.has(key)) return { code: 6, message: `Match entry exists, use MODIFY if you wish to change action`, space: "fake" };
        this.entries.set(key, t);
      } else if (u.type === p4.v1.Update.Type.DELETE) {
        if (!this.entries.delete(key)) return { code: 5, message: "no such entry", space: "fake" };
      }
      return { code: 0, message: "", space: "" };
    });
    if (results.every((r) => r.code === 0)) return cb(null, new p4.v1.WriteResponse());
    const md = new grpc.Metadata();
    md.set("grpc-status-details-bin", Buffer.from(encodeWriteFailure(results)));
    cb({ code: grpc.status.UNKNOWN, details: "", metadata: md });
  }
}

// Test harness for the sim conformance suite: a raw grpc-js P4Runtime client built from the
// generated codecs (promise calls that return status codes and per-update errors as values),
// a StreamChannel handle with awaitable messages, a dataplane handle, and the fixture program
// (test/fixtures/sim/simtest.p4, compiled by p4c: `npm run p4:build`).
import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { google, p4 } from "../../src/generated/proto.js";
import { parseTextFormat } from "../../src/p4runtime/text-format.js";
import { method } from "../../targets/sim/grpc-methods.js";

const FIXTURE = new URL("../fixtures/sim/", import.meta.url);

export const fixture = {
  p4info: parseTextFormat(readFileSync(new URL("simtest.p4info.txtpb", FIXTURE), "utf8"), "p4.config.v1.P4Info") as p4.config.v1.IP4Info,
  json: Uint8Array.from(readFileSync(new URL("simtest.json", FIXTURE))),
};
export const p4infoBytes = p4.config.v1.P4Info.encode(fixture.p4info).finish();

/** Ids of the fixture program (explicit @id in simtest.p4). */
export const ID = {
  t_l2: 0x02000001,
  t_lpm: 0x02000002,
  t_small: 0x02000003,
  t_range: 0x02000004,
  drop: 0x01000001,
  fwd: 0x01000002,
  to_cpu: 0x01000003,
  flood: 0x01000004,
  nop: 0x01000005,
  port_rx: 0x12000001,
  pkt_only: 0x12000002,
  t_l2_counter: 0x13000001,
} as const;

const CLIENT_SERVICE = {
  Write: method("/p4.v1.P4Runtime/Write", false, false, p4.v1.WriteRequest, p4.v1.WriteResponse),
  Read: method("/p4.v1.P4Runtime/Read", false, true, p4.v1.ReadRequest, p4.v1.ReadResponse),
  SetForwardingPipelineConfig: method(
    "/p4.v1.P4Runtime/SetForwardingPipelineConfig",
    false,
    false,
    p4.v1.SetForwardingPipelineConfigRequest,
    p4.v1.SetForwardingPipelineConfigResponse,
  ),
  GetForwardingPipelineConfig: method(
    "/p4.v1.P4Runtime/GetForwardingPipelineConfig",
    false,
    false,
    p4.v1.GetForwardingPipelineConfigRequest,
    p4.v1.GetForwardingPipelineConfigResponse,
  ),
  StreamChannel: method("/p4.v1.P4Runtime/StreamChannel", true, true, p4.v1.StreamMessageRequest, p4.v1.StreamMessageResponse),
  Capabilities: method("/p4.v1.P4Runtime/Capabilities", false, false, p4.v1.CapabilitiesRequest, p4.v1.CapabilitiesResponse),
};
const DATAPLANE = {
  PacketStream: method("/p4.bm.DataplaneInterface/PacketStream", true, true, p4.bm.PacketStreamRequest, p4.bm.PacketStreamResponse),
  SetPortOperStatus: method("/p4.bm.DataplaneInterface/SetPortOperStatus", false, false, p4.bm.SetPortOperStatusRequest, p4.bm.SetPortOperStatusResponse),
};

const P4RuntimeClient = grpc.makeGenericClientConstructor(CLIENT_SERVICE, "P4Runtime");
const DataplaneClient = grpc.makeGenericClientConstructor(DATAPLANE, "DataplaneInterface");

export interface WriteOutcome {
  readonly code: number;
  readonly details: string;
  /** Per-update canonical codes from grpc-status-details-bin (empty when the RPC is OK). */
  readonly codes: number[];
  readonly errors: p4.v1.Error[];
  readonly statusCode: number | undefined;
  readonly typeUrls: string[];
}

export interface WriteOptions {
  readonly electionId?: bigint;
  readonly deviceId?: bigint;
  readonly atomicity?: number;
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;

function call<Req, Res>(fn: Unary<Req, Res>, req: Req): Promise<{ err: grpc.ServiceError | null; res: Res | undefined }> {
  return new Promise((resolve) => fn(req, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => resolve({ err, res })));
}

export function uint128(v: bigint): { high: bigint; low: bigint } {
  return { high: v >> 64n, low: v & 0xffffffffffffffffn };
}

export class TestClient {
  private readonly client: grpc.Client & Record<string, unknown>;

  constructor(address: string) {
    this.client = new P4RuntimeClient(address, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
    }) as grpc.Client & Record<string, unknown>;
  }

  private unary<Req, Res>(name: string): Unary<Req, Res> {
    return (this.client[name] as Unary<Req, Res>).bind(this.client);
  }

  close(): void {
    this.client.close();
  }

  async capabilities(): Promise<string> {
    const { err, res } = await call(this.unary<p4.v1.ICapabilitiesRequest, p4.v1.CapabilitiesResponse>("Capabilities"), {});
    if (err) throw err;
    return res!.p4runtimeApiVersion;
  }

  async setConfig(opts: { action?: number; p4info?: p4.config.v1.IP4Info; json?: Uint8Array; cookie?: bigint; electionId?: bigint; deviceId?: bigint } = {}): Promise<number> {
    const req: p4.v1.ISetForwardingPipelineConfigRequest = {
      deviceId: opts.deviceId ?? 0n,
      action: opts.action ?? 3,
      config: {
        p4info: opts.p4info ?? fixture.p4info,
        p4DeviceConfig: opts.json ?? fixture.json,
        ...(opts.cookie !== undefined ? { cookie: { cookie: opts.cookie } } : {}),
      },
      ...(opts.electionId !== undefined ? { electionId: uint128(opts.electionId) } : {}),
    };
    const { err } = await call(this.unary<p4.v1.ISetForwardingPipelineConfigRequest, unknown>("SetForwardingPipelineConfig"), req);
    return err ? err.code : 0;
  }

  async getConfig(responseType = 0, deviceId = 0n): Promise<{ code: number; config?: p4.v1.GetForwardingPipelineConfigResponse }> {
    const { err, res } = await call(this.unary<p4.v1.IGetForwardingPipelineConfigRequest, p4.v1.GetForwardingPipelineConfigResponse>("GetForwardingPipelineConfig"), {
      deviceId,
      responseType,
    });
    return err ? { code: err.code } : { code: 0, config: res! };
  }

  async write(updates: p4.v1.IUpdate[], opts: WriteOptions = {}): Promise<WriteOutcome> {
    const req: p4.v1.IWriteRequest = {
      deviceId: opts.deviceId ?? 0n,
      updates,
      atomicity: opts.atomicity ?? 0,
      ...(opts.electionId !== undefined ? { electionId: uint128(opts.electionId) } : {}),
    };
    const { err } = await call(this.unary<p4.v1.IWriteRequest, unknown>("Write"), req);
    if (!err) return { code: 0, details: "", codes: [], errors: [], statusCode: undefined, typeUrls: [] };
    const bin = err.metadata?.get("grpc-status-details-bin")[0];
    if (!bin || typeof bin === "string") return { code: err.code, details: err.details, codes: [], errors: [], statusCode: undefined, typeUrls: [] };
    const st = google.rpc.Status.decode(bin);
    const errors = st.details.map((d) => p4.v1.Error.decode(d.value ?? new Uint8Array()));
    return { code: err.code, details: err.details, codes: errors.map((e) => e.canonicalCode), errors, statusCode: st.code, typeUrls: st.details.map((d) => d.typeUrl ?? "") };
  }

  read(entities: p4.v1.IEntity[], deviceId = 0n): Promise<{ code: number; entities: p4.v1.Entity[]; responses: number }> {
    return new Promise((resolve) => {
      const fn = this.client["Read"] as (req: p4.v1.IReadRequest, opts: grpc.CallOptions) => grpc.ClientReadableStream<p4.v1.ReadResponse>;
      const stream = fn.call(this.client, { deviceId, entities }, { deadline: Date.now() + 10_000 });
      const got: p4.v1.Entity[] = [];
      let responses = 0;
      stream.on("data", (r: p4.v1.ReadResponse) => {
        responses++;
        got.push(...r.entities);
      });
      stream.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, entities: got, responses }));
      stream.on("end", () => resolve({ code: 0, entities: got, responses }));
    });
  }

  stream(): StreamHandle {
    const fn = this.client["StreamChannel"] as () => grpc.ClientDuplexStream<p4.v1.IStreamMessageRequest, p4.v1.StreamMessageResponse>;
    return new StreamHandle(fn.call(this.client));
  }
}

/** A StreamChannel whose messages and end are awaited, never slept for. */
export class StreamHandle {
  private readonly queue: p4.v1.StreamMessageResponse[] = [];
  private waiters: ((m: p4.v1.StreamMessageResponse | undefined) => void)[] = [];
  readonly ended: Promise<number>;
  private done = false;

  constructor(private readonly call: grpc.ClientDuplexStream<p4.v1.IStreamMessageRequest, p4.v1.StreamMessageResponse>) {
    call.on("data", (m: p4.v1.StreamMessageResponse) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.ended = new Promise((resolve) => {
      const finish = (code: number): void => {
        this.done = true;
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve(code);
      };
      call.on("error", (e: grpc.ServiceError) => finish(e.code));
      call.on("end", () => finish(0));
    });
  }

  arbitrate(electionId: bigint | undefined, deviceId = 0n, role?: string): void {
    this.call.write({
      arbitration: { deviceId, ...(electionId !== undefined ? { electionId: uint128(electionId) } : {}), ...(role !== undefined ? { role: { name: role } } : {}) },
    });
  }

  packetOut(payload: Uint8Array, metadata: p4.v1.IPacketMetadata[]): void {
    this.call.write({ packet: { payload, metadata } });
  }

  /** The next message; undefined if the stream ended first. */
  next(): Promise<p4.v1.StreamMessageResponse | undefined> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.done) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next message of a kind (skipping others), e.g. "packet", "arbitration". */
  async nextOf(kind: string): Promise<p4.v1.StreamMessageResponse | undefined> {
    for (;;) {
      const m = await this.next();
      if (!m || m.update === kind) return m;
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }
}

/** bmv2's dataplane service, from the client side. */
export class DataplaneHandle {
  private readonly client: grpc.Client & Record<string, unknown>;
  private readonly stream: grpc.ClientDuplexStream<p4.bm.IPacketStreamRequest, p4.bm.PacketStreamResponse>;
  private readonly queue: p4.bm.PacketStreamResponse[] = [];
  private waiters: ((m: p4.bm.PacketStreamResponse) => void)[] = [];

  constructor(address: string) {
    this.client = new DataplaneClient(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
    const fn = this.client["PacketStream"] as () => grpc.ClientDuplexStream<p4.bm.IPacketStreamRequest, p4.bm.PacketStreamResponse>;
    this.stream = fn.call(this.client);
    this.stream.on("data", (m: p4.bm.PacketStreamResponse) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.stream.on("error", () => undefined);
  }

  inject(port: number, packet: Uint8Array): void {
    this.stream.write({ deviceId: 0n, port, packet });
  }

  next(): Promise<p4.bm.PacketStreamResponse> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * The frames emitted from now on: waits until `expected` have come, then until none has come
   * for `quietMs` (nothing signals "no more copies"), never longer than `maxMs` in all.
   */
  async collect(expected: number, quietMs: number, maxMs = 3000): Promise<p4.bm.PacketStreamResponse[]> {
    const got: p4.bm.PacketStreamResponse[] = [];
    const start = Date.now();
    for (;;) {
      got.push(...this.queue.splice(0));
      const wait = got.length >= expected ? quietMs : maxMs - (Date.now() - start);
      if (wait <= 0) return got;
      const m = await this.nextWithin(wait);
      if (!m) return got;
      got.push(m);
    }
  }

  private nextWithin(ms: number): Promise<p4.bm.PacketStreamResponse | undefined> {
    return new Promise((resolve) => {
      const waiter = (m: p4.bm.PacketStreamResponse): void => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  async setPort(port: number, up: boolean): Promise<void> {
    const fn = (this.client["SetPortOperStatus"] as Unary<p4.bm.ISetPortOperStatusRequest, unknown>).bind(this.client);
    const { err } = await call(fn, { deviceId: 0n, port, operStatus: up ? 2 : 1 });
    if (err) throw err;
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }
}

// ---- entity builders -------------------------------------------------------------------------

export const b = (...bytes: number[]): Uint8Array => Buffer.from(bytes);
export const mac = (s: string): Uint8Array => Buffer.from(s.replace(/:/g, ""), "hex");

export function update(type: number, entity: p4.v1.IEntity): p4.v1.IUpdate {
  return { type, entity };
}
export const INSERT = 1;
export const MODIFY = 2;
export const DELETE = 3;

/** A t_l2 entry: in_port exact, eth_dst ternary (omitted when mask is undefined). */
export function l2Entry(inPort: number, dst: string | undefined, priority: number, action: p4.v1.IAction | undefined, extra: Partial<p4.v1.ITableEntry> = {}): p4.v1.IEntity {
  const match: p4.v1.IFieldMatch[] = [{ fieldId: 1, exact: { value: b(inPort >> 8, inPort & 0xff) } }];
  if (dst) match.push({ fieldId: 2, ternary: { value: mac(dst), mask: mac("ff:ff:ff:ff:ff:ff") } });
  return { tableEntry: { tableId: ID.t_l2, match, priority, ...(action ? { action: { action } } : {}), ...extra } };
}

export function fwd(port: number): p4.v1.IAction {
  return { actionId: ID.fwd, params: [{ paramId: 1, value: b(port >> 8, port & 0xff) }] };
}

export function flood(group: number): p4.v1.IAction {
  return { actionId: ID.flood, params: [{ paramId: 1, value: b(group >> 8, group & 0xff) }] };
}

export function toCpu(reason: number): p4.v1.IAction {
  return { actionId: ID.to_cpu, params: [{ paramId: 1, value: b(reason) }] };
}

export function group(id: number, replicas: p4.v1.IReplica[]): p4.v1.IEntity {
  return { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: id, replicas } } };
}

/** An Ethernet frame (optionally IPv4) of at least 60 bytes. */
export function frame(dst: string, src: string, opts: { ipv4Dst?: string; proto?: number } = {}): Uint8Array {
  const out = new Uint8Array(opts.ipv4Dst ? 60 : 60);
  out.set(mac(dst), 0);
  out.set(mac(src), 6);
  if (opts.ipv4Dst) {
    out.set([0x08, 0x00], 12);
    out[14] = 0x45;
    out[14 + 9] = opts.proto ?? 17;
    out.set(opts.ipv4Dst.split(".").map(Number), 14 + 16);
  } else out.set([0x88, 0xb5], 12);
  return out;
}

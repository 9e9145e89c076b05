// Test harness for the ofproto core: a small OfConnView that records what the core sends,
// and a connection manager that feeds requests in order per connection exactly as
// endpoint.ts promises (a postponed request blocks only its connection until wake()).
// Requests carry synthetic bytes (an OpenFlow header and a counting pattern) so tests can
// check that an error quotes the request's first 64 bytes.

import type {
  AsyncConfig,
  BufferedPacket,
  ConnManagerPort,
  ControllerRole,
  OfConnView,
  OfVersion,
  PacketInEvent,
  Request,
} from "../../src/connmgr/endpoint.js";
import { applyOnly, NO_INSTRUCTIONS, OFPG, OFPP, type Action } from "../../src/openflow/actions.js";
import { fail, ok, type Result } from "../../src/openflow/result.js";
import { ofError, type OfError } from "../../src/openflow/errors.js";
import { normalizeMatch, OxmField, type Match } from "../../src/openflow/match.js";
import { OFP_NO_BUFFER, type FlowMod, type FlowModCommand, type OfMessage } from "../../src/openflow/messages.js";
import type { FlowStats } from "../../src/openflow/multipart-types.js";
import { Ofproto, type OfprotoOptions } from "../../src/ofproto/ofproto.js";
import { ScriptedProvider, type ScriptedProviderOptions } from "./scripted-provider.js";

export interface Sent {
  readonly msg: OfMessage;
  readonly xid: number;
}

export interface SentError {
  readonly error: OfError;
  readonly request: Request;
}

let nextConnId = 1;

export class TestConn implements OfConnView {
  readonly id = nextConnId++;
  readonly name: string;
  role: ControllerRole = "equal";
  asyncConfig: AsyncConfig = { packetIn: [3, 0], portStatus: [7, 7], flowRemoved: [15, 0] };
  flowFormat: "openflow10" | "nxm" = "openflow10";
  flowModTableId = false;
  missSendLen = 128;
  congested = false;
  readonly sent: Sent[] = [];
  readonly errors: SentError[] = [];
  readonly buffers = new Map<number, BufferedPacket>();
  /** Requests waiting (head first), as connmgr keeps them. */
  readonly queue: Request[] = [];

  constructor(readonly version: OfVersion) {
    this.name = `test:${this.id}`;
  }

  send(msg: OfMessage, xid: number): boolean {
    this.sent.push({ msg, xid });
    return true;
  }

  sendError(error: OfError, request: Request): void {
    this.errors.push({ error, request });
  }

  takeBuffer(bufferId: number): Result<BufferedPacket> {
    const b = this.buffers.get(bufferId);
    if (b === undefined) return fail(ofError("BAD_REQUEST_BUFFER_UNKNOWN", `buffer ${bufferId}`));
    this.buffers.delete(bufferId);
    return ok(b);
  }

  /** Messages of one type sent to this connection. */
  sentOf<T extends OfMessage["type"]>(type: T): (Sent & { msg: Extract<OfMessage, { type: T }> })[] {
    return this.sent.filter((s): s is Sent & { msg: Extract<OfMessage, { type: T }> } => s.msg.type === type);
  }
}

/** Synthetic request bytes: header (version, type 0, length, xid) then bytes 8, 9, 10, ... */
export function rawRequest(version: OfVersion, xid: number, length = 96): Uint8Array {
  const raw = new Uint8Array(length);
  const dv = new DataView(raw.buffer);
  raw[0] = version;
  dv.setUint16(2, length);
  dv.setUint32(4, xid);
  for (let i = 8; i < length; i++) raw[i] = i & 0xff;
  return raw;
}

export class TestConnManager implements ConnManagerPort {
  readonly conns: TestConn[] = [];
  readonly packetIns: PacketInEvent[] = [];
  readonly asyncSent: { msg: OfMessage; reason: number; kind: "flowRemoved" | "portStatus" }[] = [];
  wakes = 0;
  /** Every request the core answered "done", in the order it did. */
  readonly handled: Request[] = [];
  #xid = 100;

  constructor(readonly sw: Ofproto) {
    sw.attach(this);
  }

  connect(version: OfVersion = 0x04): TestConn {
    const conn = new TestConn(version);
    this.conns.push(conn);
    this.sw.connected(conn);
    return conn;
  }

  disconnect(conn: TestConn): void {
    this.conns.splice(this.conns.indexOf(conn), 1);
    this.sw.disconnected(conn);
  }

  /** Queues a request on a connection and processes that connection's queue; returns its xid. */
  submit(conn: TestConn, msg: OfMessage, xid: number = this.#xid++): number {
    conn.queue.push({ msg, xid, raw: rawRequest(conn.version, xid) });
    this.pump(conn);
    return xid;
  }

  pump(conn: TestConn): void {
    while (conn.queue.length > 0) {
      if (this.sw.handle(conn, conn.queue[0]!) === "postponed") return;
      this.handled.push(conn.queue.shift()!);
    }
  }

  wake(): void {
    this.wakes++;
    for (const c of [...this.conns]) this.pump(c);
  }

  connections(): Iterable<OfConnView> {
    return this.conns;
  }

  sendPacketIn(event: PacketInEvent): void {
    this.packetIns.push(event);
  }

  sendAsync(msg: OfMessage, reason: number, kind: "flowRemoved" | "portStatus"): void {
    this.asyncSent.push({ msg, reason, kind });
  }
}

/** Lets the core's deferred wake run (it is queued as a microtask before this one). */
export function settle(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}

export interface Rig {
  readonly sw: Ofproto;
  readonly provider: ScriptedProvider;
  readonly cm: TestConnManager;
  clock: { now: number };
}

/** A switch on a scripted provider, with a settable clock and no expiry timer. */
export async function makeSwitch(
  options: OfprotoOptions = {},
  providerOptions: ScriptedProviderOptions = {},
): Promise<Rig> {
  const clock = { now: 1_000_000 };
  const provider = new ScriptedProvider(providerOptions);
  const sw = await Ofproto.create(provider, { expiryIntervalMs: 0, now: () => clock.now, ...options });
  const cm = new TestConnManager(sw);
  return { sw, provider, cm, clock };
}

/** ip,nw_dst=10.0.0.<n>/32 */
export function ipDst(n: number): Match {
  return normalizeMatch([
    { field: OxmField.ETH_TYPE, value: 0x0800n, mask: 0xffffn },
    { field: OxmField.IPV4_DST, value: 0x0a000000n + BigInt(n), mask: 0xffffffffn },
  ]);
}

/** ip (every IPv4 packet) */
export const IP: Match = normalizeMatch([{ field: OxmField.ETH_TYPE, value: 0x0800n, mask: 0xffffn }]);

export function output(port: number): Action {
  return { type: "output", port, maxLen: 0 };
}

/** A flow_mod with sensible defaults. */
export function flowMod(command: FlowModCommand, fields: Partial<Omit<FlowMod, "type" | "command">> = {}): FlowMod {
  return {
    type: "flow_mod",
    command,
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0x8000,
    bufferId: OFP_NO_BUFFER,
    outPort: OFPP.ANY,
    outGroup: OFPG.ANY,
    flags: 0,
    match: [],
    instructions: NO_INSTRUCTIONS,
    ...fields,
  };
}

export function actions(...ports: number[]): FlowMod["instructions"] {
  return applyOnly(ports.map(output));
}

/** Asks for every flow (table 0xff) and returns the flows of the reply, or "postponed". */
export function dumpFlows(cm: TestConnManager, conn: TestConn): FlowStats[] | "postponed" {
  const before = conn.sent.length;
  const xid = cm.submit(conn, {
    type: "multipart_request",
    body: { type: "flow", flags: 0, tableId: 0xff, outPort: OFPP.ANY, outGroup: OFPG.ANY, cookie: 0n, cookieMask: 0n, match: [], nxm: false },
  });
  const reply = conn.sent.slice(before).find((s) => s.xid === xid);
  if (reply === undefined) return "postponed";
  if (reply.msg.type !== "multipart_reply" || reply.msg.body.type !== "flow") throw new Error("not a flow stats reply");
  return [...reply.msg.body.flows];
}

/** The (priority, output ports) of dumped flows, sorted, for compact assertions. */
export function summary(flows: readonly FlowStats[]): string[] {
  return flows
    .map((f) => `${f.priority}:${f.instructions.applyActions.map((a) => (a.type === "output" ? a.port : a.type)).join(",")}`)
    .sort();
}

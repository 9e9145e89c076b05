// Test rig for the offload provider: the sim (targets/sim, in process, real gRPC on 127.0.0.1
// port 0, with the ofp4.p4 pipeline model), an OffloadProvider against it, the real Ofproto
// core, and the core tests' connection manager (test/ofproto/harness.ts) that records what the
// core sends. Waiting is on events (barrier replies, packet-ins, emitted frames), never sleeps.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PacketInEvent } from "../../src/connmgr/endpoint.js";
import { loadMapping } from "../../src/offload/mapping.js";
import { OffloadProvider, type OffloadOptions } from "../../src/offload/provider.js";
import { Ofproto, type OfprotoOptions } from "../../src/ofproto/ofproto.js";
import { loadP4InfoFile, P4RuntimeClient, type p4 } from "../../src/p4runtime/index.js";
import { DataplanePorts } from "../../targets/bmv2/dataplane-ports.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";
import { TestConnManager, type TestConn } from "../ofproto/harness.js";

export const P4INFO = "p4/ofp4.p4info.txtpb";
export const DEVICE_CONFIG = "p4/ofp4.json";
export const MAPPING = "p4/ofp4.mapping.json";

/** A connection manager that lets tests await packet-ins. */
export class WaitingConnManager extends TestConnManager {
  #waiters: (() => void)[] = [];
  override sendPacketIn(event: PacketInEvent): void {
    super.sendPacketIn(event);
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
  async packetIn(count = 1): Promise<PacketInEvent[]> {
    while (this.packetIns.length < count) await new Promise<void>((r) => this.#waiters.push(r));
    return this.packetIns.slice(0, count);
  }
}

export interface OffloadRig {
  readonly sim: Sim;
  readonly provider: OffloadProvider;
  readonly sw: Ofproto;
  readonly cm: WaitingConnManager;
  readonly clock: { now: number };
  /** A second client on the same target for checking what it holds (no arbitration). */
  readonly reader: P4RuntimeClient;
  close(): Promise<void>;
}

/** Provider options for a rig; the pipeline files may be named instead of given loaded (as the daemon loads them). */
export interface RigProviderOptions extends Partial<OffloadOptions> {
  readonly p4infoPath?: string;
  readonly deviceConfigPath?: string;
  readonly mappingPath?: string;
}

export function providerOptions(sim: Sim, extra: RigProviderOptions = {}): OffloadOptions {
  const { p4infoPath = P4INFO, deviceConfigPath = DEVICE_CONFIG, mappingPath = MAPPING, ...rest } = extra;
  const p4info = loadP4InfoFile(p4infoPath);
  return {
    p4runtimeAddress: sim.p4runtimeAddress,
    deviceId: 0n,
    electionId: 10n,
    p4info,
    mapping: loadMapping(mappingPath, p4info),
    deviceConfig: readFileSync(deviceConfigPath),
    ports: [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}`, targetPort: n })),
    counterPollIntervalMs: 0,
    targetName: "sim",
    targetWaitMs: 5000,
    ...(sim.dataplaneAddress !== undefined ? { portControl: new DataplanePorts(sim.dataplaneAddress, 0n) } : {}),
    ...rest,
  };
}

export async function startOffloadRig(options: { sim?: Sim; provider?: RigProviderOptions; core?: Partial<OfprotoOptions> } = {}): Promise<OffloadRig> {
  const sim = options.sim ?? (await startSim({ ports: 8, pipeline: ofp4Pipeline, log: () => undefined }));
  const provider = new OffloadProvider(providerOptions(sim, options.provider));
  const clock = { now: 1_000_000 };
  const sw = await Ofproto.create(provider, { expiryIntervalMs: 0, now: () => clock.now, ...options.core });
  const cm = new WaitingConnManager(sw);
  const reader = new P4RuntimeClient({ address: sim.p4runtimeAddress, deviceId: 0n });
  return {
    sim,
    provider,
    sw,
    cm,
    clock,
    reader,
    close: async () => {
      reader.close();
      await sw.close();
      if (!options.sim) await sim.stop();
    },
  };
}

let barrierXid = 0x7f000000;

/** Sends a barrier and resolves when its reply arrives (every earlier flow_mod is in the target). */
export function barrier(rig: OffloadRig, conn: TestConn): Promise<void> {
  const xid = barrierXid++;
  return new Promise((resolve) => {
    const send = conn.send.bind(conn);
    conn.send = (msg, x) => {
      const queued = send(msg, x);
      if (msg.type === "barrier_reply" && x === xid) {
        conn.send = send;
        resolve();
      }
      return queued;
    };
    rig.cm.submit(conn, { type: "barrier_request" }, xid);
  });
}

/** Every non-default table entry the target holds, read over P4Runtime. */
export async function readEntries(rig: OffloadRig): Promise<p4.v1.ITableEntry[]> {
  const tables = rig.provider.mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } }));
  const entities = await rig.reader.readAll(tables);
  return entities.map((e) => e.tableEntry!).filter((te) => te && !te.isDefaultAction);
}

export async function readGroups(rig: OffloadRig): Promise<p4.v1.IMulticastGroupEntry[]> {
  const entities = await rig.reader.readAll([{ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 0 } } }]);
  return entities.map((e) => e.packetReplicationEngineEntry!.multicastGroupEntry!);
}

/** A copy of the program's P4Info with P4 table `table` shrunk to `size` entries (path to it). */
export function shrunkP4Info(table: string, size: number): string {
  const text = readFileSync(P4INFO, "utf8");
  const at = text.indexOf(`name: "${table}"`);
  if (at < 0) throw new Error(`no table ${table}`);
  const sizeAt = text.indexOf("size:", at);
  const end = text.indexOf("\n", sizeAt);
  const dir = mkdtempSync(join(tmpdir(), "ofp4-offload-"));
  const path = join(dir, "small.p4info.txtpb");
  writeFileSync(path, text.slice(0, sizeAt) + `size: ${size}` + text.slice(end));
  return path;
}

/** An Ethernet + IPv4 + UDP frame. */
export function udpFrame(opts: { dst?: number; src?: number; ipDst?: number; ipSrc?: number; sport?: number; dport?: number; len?: number } = {}): Uint8Array {
  const payload = opts.len ?? 18;
  const f = new Uint8Array(14 + 20 + 8 + payload);
  const dv = new DataView(f.buffer);
  dv.setUint16(0, 0x0200);
  dv.setUint32(2, opts.dst ?? 2);
  dv.setUint16(6, 0x0200);
  dv.setUint32(8, opts.src ?? 1);
  dv.setUint16(12, 0x0800);
  f[14] = 0x45;
  dv.setUint16(16, 20 + 8 + payload);
  f[22] = 64;
  f[23] = 17;
  dv.setUint32(26, opts.ipSrc ?? 0x0a000001);
  dv.setUint32(30, opts.ipDst ?? 0x0a000002);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += dv.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  dv.setUint16(24, ~sum & 0xffff);
  dv.setUint16(34, opts.sport ?? 1000);
  dv.setUint16(36, opts.dport ?? 2000);
  dv.setUint16(38, 8 + payload);
  return f;
}

/** Resolves with the next frame the sim emits on `port`. */
export function nextEmit(sim: Sim, port: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const off = sim.onEmit((p, frame) => {
      if (p !== port) return;
      off();
      resolve(frame);
    });
  });
}

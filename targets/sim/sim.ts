// The sim: a P4Runtime software switch that behaves like bmv2's simple_switch_grpc, started
// and stopped in process. startSim() opens the P4Runtime gRPC listener, bmv2's dataplane
// service and optionally the admin interface (each may be given port 0), runs frames through
// the pipeline model, turns CPU-port frames into PacketIn and sweeps idle timers each second.
// No top-level side effects: importable from a worker thread, a child process or a test.
import * as grpc from "@grpc/grpc-js";
import type { AddressInfo } from "node:net";
import { AdminServer } from "./admin.js";
import { DataplaneService, DATAPLANE_SERVICE } from "./dataplane-server.js";
import { Device } from "./device.js";
import { CPU_PORT, type Pipeline } from "./forwarding.js";
import { Knobs } from "./knobs.js";
import { P4RuntimeService, P4RUNTIME_SERVICE } from "./p4runtime-server.js";
import { packetIn, packetOutFrame } from "./packet-io.js";

export interface SimOptions {
  /** P4Runtime listen address; default "127.0.0.1:0". */
  readonly p4runtimeAddress?: string;
  /** bmv2 dataplane service address; default "127.0.0.1:0"; null: none. */
  readonly dataplaneAddress?: string | null;
  /** JSON-over-HTTP admin address (host:port); default none. */
  readonly adminAddress?: string | null;
  /** Default 0. */
  readonly deviceId?: bigint;
  /** Default 255 (ofp4.p4's CPU port); null: no packet I/O, like bmv2 without --cpu-port. */
  readonly cpuPort?: number | null;
  /** Number of front-panel ports (1..N), reported by the admin interface. Default 8. */
  readonly ports?: number;
  /** The packet pipeline model; without one every frame is dropped. */
  readonly pipeline?: Pipeline;
  /** One line per event worth a log (listeners). */
  readonly log?: (line: string) => void;
}

export interface Sim {
  readonly p4runtimeAddress: string;
  readonly dataplaneAddress: string | undefined;
  readonly adminAddress: string | undefined;
  readonly device: Device;
  readonly knobs: Knobs;
  readonly ports: number;
  /** Injects a frame on a port (as the dataplane service does). */
  inject(port: number, frame: Uint8Array): void;
  /** Listens to frames emitted on front-panel ports; returns the unsubscribe function. */
  onEmit(listener: (port: number, frame: Uint8Array) => void): () => void;
  /** Records a port's operational status; as on bmv2, frames still flow through a port that is down. */
  setPortUp(port: number, up: boolean): void;
  /** Ports whose operational status is down. */
  portsDown(): number[];
  /** Ends every StreamChannel with UNAVAILABLE (the "drop the stream" knob). */
  dropStreams(): void;
  /** Loses all state — pipeline, entries, groups, counters — and drops the streams. */
  restart(): void;
  /** Resolves once every Write received so far has been answered. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const IDLE_SWEEP_MS = 1000;

function bind(server: grpc.Server, address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err);
      else resolve(address.replace(/:\d+$/, `:${port}`));
    });
  });
}

export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const log = options.log ?? (() => undefined);
  const cpuPort = options.cpuPort === undefined ? CPU_PORT : options.cpuPort;
  const device = new Device(options.deviceId ?? 0n);
  const knobs = new Knobs();
  const down = new Set<number>();
  const listeners = new Set<(port: number, frame: Uint8Array) => void>();

  const emit = (port: number, frame: Uint8Array): void => {
    dataplane?.emitted(port, frame);
    for (const l of listeners) l(port, frame);
  };

  const run = (inPort: number, frame: Uint8Array): void => {
    if (!options.pipeline || !device.config) return;
    for (const out of options.pipeline(device, inPort, frame)) {
      if (cpuPort !== null && out.port === cpuPort) {
        const msg = packetIn(device.config.schema.packetIn, out.frame);
        if (msg) p4rt.toPrimary({ packet: msg });
      } else emit(out.port, out.frame);
    }
  };

  const inject = (port: number, frame: Uint8Array): void => run(port, frame);

  const p4rt = new P4RuntimeService({
    device,
    knobs,
    packetOut: (packet) => {
      if (cpuPort === null || !device.config) return;
      const frame = packetOutFrame(device.config.schema.packetOut, packet);
      if (frame.ok) run(cpuPort, frame.value);
    },
  });

  const server = new grpc.Server({ "grpc.max_receive_message_length": 256 * 1024 * 1024 });
  server.addService(P4RUNTIME_SERVICE, p4rt.implementation());
  const p4runtimeAddress = await bind(server, options.p4runtimeAddress ?? "127.0.0.1:0");
  log(`sim: P4Runtime listening on ${p4runtimeAddress} (device ${device.deviceId})`);

  // Recorded only: bmv2 1.15.5 keeps receiving and emitting on a port whose operational status
  // is DOWN (test/conformance), and so does the sim.
  const setPortUp = (port: number, up: boolean): void => {
    if (up) down.delete(port);
    else down.add(port);
  };

  let dataplane: DataplaneService | undefined;
  let dpServer: grpc.Server | undefined;
  let dataplaneAddress: string | undefined;
  if (options.dataplaneAddress !== null) {
    dataplane = new DataplaneService({ deviceId: device.deviceId, inject, setPortUp });
    dpServer = new grpc.Server();
    dpServer.addService(DATAPLANE_SERVICE, dataplane.implementation());
    dataplaneAddress = await bind(dpServer, options.dataplaneAddress ?? "127.0.0.1:0");
    log(`sim: dataplane listening on ${dataplaneAddress}`);
  }

  const sweep = setInterval(() => {
    const entries = device.sweepIdle();
    if (entries.length === 0) return;
    p4rt.toPrimary({ idleTimeoutNotification: { tableEntry: entries, timestamp: process.hrtime.bigint() } });
  }, IDLE_SWEEP_MS);
  sweep.unref();

  const sim: Sim = {
    p4runtimeAddress,
    dataplaneAddress,
    adminAddress: undefined,
    device,
    knobs,
    ports: options.ports ?? 8,
    inject,
    onEmit: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setPortUp,
    portsDown: () => [...down].sort((a, b) => a - b),
    dropStreams: () => p4rt.dropStreams(),
    restart: () => {
      p4rt.dropStreams();
      device.reset();
      down.clear();
    },
    settled: () => p4rt.idle(),
    stop: async () => {
      clearInterval(sweep);
      p4rt.dropStreams();
      dataplane?.close();
      await admin?.close();
      await Promise.all([server, dpServer].map((s) => s && new Promise<void>((r) => s.tryShutdown(() => r()))));
    },
  };

  let admin: AdminServer | undefined;
  if (options.adminAddress) {
    admin = new AdminServer(sim);
    const addr: AddressInfo = await admin.listen(options.adminAddress);
    const adminAddress = `${addr.address}:${addr.port}`;
    log(`sim: admin listening on http://${adminAddress}`);
    return { ...sim, adminAddress };
  }
  return sim;
}

// ofp4 assembled in this process (for tests that need the sim object itself): the sim (ofp4.p4
// model, real gRPC on 127.0.0.1 port 0), the offload provider, the ofproto core and the
// connection manager on 127.0.0.1 port 0, as the daemon assembles them. The end-to-end and differential tests use the real process (ofp4.ts) instead.

import { ConnManager } from "../../src/connmgr/conn-manager.js";
import type { ConnManagerOptions } from "../../src/connmgr/conn-manager.js";
import { readFileSync } from "node:fs";
import { loadMapping } from "../../src/offload/mapping.js";
import { OffloadProvider } from "../../src/offload/provider.js";
import { loadP4InfoFile } from "../../src/p4runtime/index.js";
import { DataplanePorts } from "../../targets/bmv2/dataplane-ports.js";
import { Ofproto } from "../../src/ofproto/ofproto.js";
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim, type Sim } from "../../targets/sim/sim.js";

export interface Ofp4InProcess {
  /** "tcp:127.0.0.1:PORT", the address ovs-ofctl connects to. */
  readonly target: string;
  readonly port: number;
  readonly sim: Sim;
  readonly provider: OffloadProvider;
  readonly core: Ofproto;
  readonly manager: ConnManager;
  /** Connects out to a listening controller (ovs-testcontroller, os-ken). */
  connect(target: string): void;
  stop(): Promise<void>;
}

export interface Ofp4InProcessOptions {
  ports?: number;
  /** Rule expiry interval in ms (default 200, so timeouts show up quickly). */
  expiryIntervalMs?: number;
  counterPollIntervalMs?: number;
  connmgr?: ConnManagerOptions;
}

export async function startOfp4InProcess(options: Ofp4InProcessOptions = {}): Promise<Ofp4InProcess> {
  const nports = options.ports ?? 4;
  const sim = await startSim({ ports: Math.max(8, nports), pipeline: ofp4Pipeline, log: () => undefined });
  let core: Ofproto | undefined;
  let manager: ConnManager | undefined;
  try {
    const p4info = loadP4InfoFile("p4/ofp4.p4info.txtpb");
    const provider = new OffloadProvider({
      p4runtimeAddress: sim.p4runtimeAddress,
      deviceId: 0n,
      electionId: 10n,
      p4info,
      mapping: loadMapping("p4/ofp4.mapping.json", p4info),
      deviceConfig: readFileSync("p4/ofp4.json"),
      ports: Array.from({ length: nports }, (_, i) => ({ number: i + 1, name: `p${i + 1}`, targetPort: i + 1 })),
      counterPollIntervalMs: options.counterPollIntervalMs ?? 1000,
      targetName: "sim",
      targetWaitMs: 5000,
      ...(sim.dataplaneAddress !== undefined ? { portControl: new DataplanePorts(sim.dataplaneAddress, 0n) } : {}),
    });
    core = await Ofproto.create(provider, { expiryIntervalMs: options.expiryIntervalMs ?? 200 });
    const sw = core;
    manager = new ConnManager(sw, { probeIntervalMs: 0, ...options.connmgr });
    const mgr = manager;
    sw.attach(mgr);
    const listener = await mgr.listen({ port: 0, host: "127.0.0.1" });
    const port = listener.port;
    return {
      target: `tcp:127.0.0.1:${port}`,
      port,
      sim,
      provider,
      core: sw,
      manager: mgr,
      connect: (target: string) => {
        const m = /^tcp:([\d.]+):(\d+)$/.exec(target);
        if (!m) throw new Error(`bad target ${target}`);
        mgr.connect({ host: m[1]!, port: Number(m[2]) });
      },
      stop: async () => {
        await mgr.close();
        await sw.close();
        await sim.stop();
      },
    };
  } catch (err) {
    await manager?.close();
    await core?.close();
    await sim.stop();
    throw err;
  }
}

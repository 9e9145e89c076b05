// The daemon: every switch of one configuration in one process, the admin socket, the metrics
// endpoint and the shutdown sequence. start() brings everything up in order and, if anything
// fails, stops what it had started and rejects with one line. stop() stops accepting (listeners
// and the admin socket first), lets pending Writes finish or fail within the provider's bound,
// closes the P4Runtime streams, then stops the embedded sims. Never exits the process itself.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminServer } from "./admin.js";
import type { SwitchEntry } from "./commands.js";
import type { DaemonConfig, SwitchConfig } from "./config.js";
import { DataplaneTap } from "../../targets/bmv2/dataplane-tap.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { pipelineFiles } from "./pipeline.js";
import { startSwitch, type RunningSwitch } from "./switch.js";

/** Where the admin socket is when the config does not say. */
export function defaultAdminSocket(): string {
  return process.env.OFP4_ADMIN_SOCKET ?? join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), "ofp4.ctl");
}

/** How long stop() lets pending Writes finish before closing the streams anyway. */
const DRAIN_MS = 5000;

export class Daemon {
  readonly switches = new Map<string, SwitchEntry>();
  admin: AdminServer | undefined;
  metrics: Metrics | undefined;
  metricsAddress: string | undefined;
  #stopping: Promise<void> | undefined;

  private constructor(
    readonly config: DaemonConfig,
    readonly log: Logger,
  ) {}

  static async start(config: DaemonConfig, log: Logger): Promise<Daemon> {
    const d = new Daemon(config, log);
    try {
      await d.#start();
    } catch (e) {
      await d.stop();
      throw e;
    }
    return d;
  }

  async #start(): Promise<void> {
    const log = this.log;
    // prom-client is loaded only when metrics are asked for.
    if (this.config.metrics !== undefined) {
      const { Metrics } = await import("./metrics.js");
      this.metrics = new Metrics(() => [...this.switches.values()].map((e) => e.running));
    }
    // Every switch's pipeline files are checked before any switch starts: a missing or bad file
    // stops start-up with nothing started.
    const files = this.config.switches.map((sc) => pipelineFiles(sc));
    for (const [i, sc] of this.config.switches.entries()) {
      const running = await startSwitch(sc, this.#switchLog(sc), files[i]);
      const tap = running.dataplaneAddress !== undefined ? new DataplaneTap(running.dataplaneAddress, sc.deviceId) : undefined;
      this.switches.set(sc.name, { running, tap });
    }
    const path = this.config.adminSocket ?? defaultAdminSocket();
    this.admin = await AdminServer.open(path, this.switches);
    log.info({ path }, `admin socket listening on ${path}`);
    if (this.metrics && this.config.metrics !== undefined) {
      this.metricsAddress = await this.metrics.listen(this.config.metrics);
      log.info(`metrics listening on http://${this.metricsAddress}/metrics`);
    }
    log.info({ switches: [...this.switches.keys()] }, "ofp4 is running");
  }

  /** The switch's logger: the daemon's, bound to the switch's name. */
  #switchLog(sc: SwitchConfig): Logger {
    return this.log.child({ switch: sc.name });
  }

  /** Stops everything; safe to call twice (the second call waits for the first). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    await this.admin?.close();
    const entries = [...this.switches.values()];
    // Stop accepting first: no new controller, no new request (connections close unanswered:
    // nothing false is said to a controller).
    await Promise.all(entries.map((e) => e.running.mgr.close()));
    // Let pending Writes finish (bounded), then close the P4Runtime streams and the sims.
    await Promise.all(entries.map((e) => drain(e.running)));
    for (const e of entries) {
      e.tap?.close();
      await e.running.close();
    }
    await this.metrics?.close();
    this.switches.clear();
  }
}

/** Waits until the switch has no pending op group, at most DRAIN_MS. */
function drain(r: RunningSwitch): Promise<void> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const check = (): void => {
      if (r.sw.pendingGroupCount === 0 || Date.now() - t0 > DRAIN_MS) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}

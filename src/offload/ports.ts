// The ports of the switch on the target (provider.ts §4.3, §6): their descriptions, port_mod
// config written as the ports' port-config entries (port-config.ts) and acknowledged before the
// port desc changes — one port's writes one after another, so they settle in order — the
// config read back at construct (an ofp4 restart) and written back by reconciliation, port
// stats from the counter poll, and a port taken down or up through the target's dataplane
// service (a second channel the daemon gives; P4Runtime has no port control). A bit the
// program cannot enforce is refused with BAD_CONFIG before anything is written.

import { ofError, type OfError } from "../openflow/errors.js";
import { OFPP } from "../openflow/actions.js";
import { OFPPF, OFPPR, OFPPS, type PortDesc } from "../openflow/messages.js";
import { portStatsOf, type PortStats } from "../openflow/multipart-types.js";
import { liveState, type PortModPending, type PortModRequest, type ProviderCore } from "../ofproto/provider.js";
import { Code, UpdateType, codeName, updateKindName, type p4, type UpdateStatus } from "../p4runtime/index.js";
import type { ErrorOrigin } from "./error-log.js";
import type { PortCounters } from "./counters.js";
import type { OffloadMapping } from "./mapping.js";
import { portModError } from "./p4-errors.js";
import { portConfigFromEntries, portConfigHeld, portConfigReads, portConfigUpdates, refusePortConfig } from "./port-config.js";
import type { TargetSession } from "./target-session.js";

/** Port up/down on the target (bmv2's dataplane service, served by the sim and simple_switch_grpc). */
export interface PortControl {
  setOperStatus(port: number, up: boolean): Promise<void>;
  close(): void;
}

export interface PortSpec {
  readonly number: number;
  readonly name: string;
  readonly targetPort: number;
}

const RECONCILIATION: ErrorOrigin = { request: "reconciliation" };

function portDesc(number: number, name: string): PortDesc {
  return {
    portNo: number,
    hwAddr: Uint8Array.of(0x02, 0x0f, 0x94, 0, (number >> 8) & 0xff, number & 0xff),
    name,
    config: 0,
    state: OFPPS.LIVE,
    curr: OFPPF["10GB_FD"] | OFPPF.COPPER,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 10_000_000,
    maxSpeed: 10_000_000,
  };
}

export class Ports {
  /** Data port numbers, ascending. */
  readonly numbers: readonly number[];
  readonly #set: ReadonlySet<number>;
  readonly #descs = new Map<number, PortDesc>();
  /** Per data port: the config bits acknowledged (the port-config entries hold the enforced ones). */
  readonly #config = new Map<number, number>();
  /** Data ports whose port-config entries are on the target. */
  readonly #onTarget = new Set<number>();
  /** Per data port: its last port_mod write, so the next one starts after it settled. */
  readonly #chain = new Map<number, Promise<OfError | undefined>>();
  #core: ProviderCore | undefined;

  constructor(
    private readonly mapping: OffloadMapping,
    private readonly session: TargetSession,
    ports: readonly PortSpec[],
    private readonly control: PortControl | undefined,
  ) {
    this.numbers = ports.map((p) => p.number).sort((a, b) => a - b);
    this.#set = new Set(this.numbers);
    for (const p of ports) this.#descs.set(p.number, portDesc(p.number, p.name));
  }

  attach(core: ProviderCore): void {
    this.#core = core;
  }

  isPort(n: number): boolean {
    return this.#set.has(n);
  }

  descs(): PortDesc[] {
    return [...this.#descs.values()];
  }

  close(): void {
    this.control?.close();
  }

  /** provider.ts §4.3: port counters from the last poll. */
  stats(portNo: number, counters: ReadonlyMap<number, PortCounters>): readonly PortStats[] {
    return this.numbers.filter((p) => portNo === OFPP.ANY || p === portNo).map((p) => portStatsOf(p, counters.get(p)));
  }

  /**
   * provider.ts §6.1: a config the program cannot express is refused with BAD_CONFIG naming the
   * bit; a change of enforced bits is written as the port's port-config entries and settles when
   * the target answered; anything else (NO_STP, advertise) is stored at once.
   */
  portMod(request: PortModRequest): OfError | undefined | PortModPending {
    const port = request.portNo;
    if (!this.#set.has(port)) return ofError("PORT_MOD_FAILED_BAD_PORT", `port ${port} is not a data port`);
    const refused = refusePortConfig(this.mapping, port, request.config, request.mask);
    if (refused) return refused;
    const enforced = this.mapping.portConfig?.enforced ?? 0;
    const previous = this.#chain.get(port);
    if ((request.mask & enforced) === 0 && previous === undefined) {
      this.#store(port, request.config, request.mask);
      return undefined;
    }
    const done = (previous ?? Promise.resolve(undefined)).then(() => this.#write(request));
    this.#chain.set(port, done);
    void done.then(() => {
      if (this.#chain.get(port) === done) this.#chain.delete(port);
    });
    return done;
  }

  /** Writes one port_mod's config as the port's port-config entries; the OfError when the target refused. */
  async #write(request: PortModRequest): Promise<OfError | undefined> {
    const port = request.portNo;
    const enforced = this.mapping.portConfig?.enforced ?? 0;
    const old = this.#config.get(port) ?? 0;
    const next = (old & ~request.mask) | (request.config & request.mask);
    if ((next & enforced) !== (old & enforced) || !this.#onTarget.has(port)) {
      const type = this.#onTarget.has(port) ? 2 : 1;
      const origin: ErrorOrigin = { request: "port_mod" };
      const write = (u: p4.v1.IUpdate): Promise<UpdateStatus> => this.#submit(u, origin, true);
      const results = await Promise.all(portConfigUpdates(this.mapping, port, next, type).map((u) => upsert(u, write)));
      const bad = results.find((r) => r.code !== 0);
      if (bad) {
        // A table may hold the new config and another not: reconciliation writes the acknowledged one back.
        this.session.reconcileAgainIfRunning();
        this.session.scheduleReconcile();
        return portModError(port, bad);
      }
      this.#onTarget.add(port);
    }
    this.#store(port, request.config, request.mask);
    return undefined;
  }

  /** One update through the batcher (held while the target is away when `wait`). */
  #submit(u: p4.v1.IUpdate, origin: ErrorOrigin, wait: boolean): Promise<UpdateStatus> {
    const session = this.session;
    const kind = updateKindName(u.type);
    return new Promise((resolve) => {
      const go = (): void =>
        session.batcher.submit(u, (s) => {
          session.logUpdate(s, kind, "table_entry", origin);
          resolve(s);
        });
      if (!wait || session.ready) go();
      else session.defer({ since: 0, resume: go, abandon: (why) => resolve({ code: Code.UNAVAILABLE, message: why, space: "", targetCode: 0, outcomeUnknown: false }) });
    });
  }

  /** The acknowledged config of a port (and its desc, for later port status messages). */
  #store(port: number, config: number, mask: number): void {
    const next = ((this.#config.get(port) ?? 0) & ~mask) | (config & mask);
    this.#config.set(port, next);
    const desc = this.#descs.get(port);
    if (desc) this.#descs.set(port, { ...desc, config: next, state: liveState(next, desc.state) });
  }

  /** Reconciliation: every port-config entry ofp4 wrote is on the target as acknowledged. */
  async reconcile(): Promise<void> {
    if (!this.mapping.portConfig || this.#onTarget.size === 0) return;
    const session = this.session;
    const entities = await session.rpc("Read", RECONCILIATION, () => session.client.readAll(portConfigReads(this.mapping)));
    const write = (u: p4.v1.IUpdate): Promise<UpdateStatus> => this.#submit(u, RECONCILIATION, false);
    const writes: Promise<UpdateStatus>[] = [];
    for (const port of this.#onTarget) {
      if (this.#chain.has(port)) continue; // a port_mod in flight writes the whole config; a failure reconciles again
      const config = this.#config.get(port) ?? 0;
      if (portConfigHeld(this.mapping, entities, port, config)) continue;
      for (const u of portConfigUpdates(this.mapping, port, config, 1)) writes.push(upsert(u, write));
    }
    const bad = (await Promise.all(writes)).find((r) => r.code !== 0);
    if (bad) throw new Error(`port config not written back: ${codeName(bad.code)} ${bad.message}`);
  }

  /** ofp4 restart: the port-config entries on the target are the ports' config. */
  async recover(): Promise<void> {
    if (!this.mapping.portConfig) return;
    const session = this.session;
    const entities = await session.rpc("Read", { request: "recovery" }, () => session.client.readAll(portConfigReads(this.mapping)));
    for (const [port, config] of portConfigFromEntries(this.mapping, entities)) {
      if (!this.#set.has(port)) continue;
      this.#onTarget.add(port);
      this.#store(port, config, this.mapping.portConfig.enforced);
    }
  }

  /**
   * Takes a data port down or up (ofp4ctl): tells the target's dataplane service when there is
   * one, then the core (PORT_STATUS MODIFY with OFPPS_LINK_DOWN or LIVE). Rejects when the port
   * is unknown or the target refuses.
   */
  async setUp(portNo: number, up: boolean): Promise<void> {
    const desc = this.#descs.get(portNo);
    if (!desc) throw new Error(`port ${portNo} is not a data port of this switch`);
    await this.control?.setOperStatus(portNo, up);
    const next: PortDesc = { ...desc, state: liveState(desc.config, up ? OFPPS.LIVE : OFPPS.LINK_DOWN) };
    this.#descs.set(portNo, next);
    this.#core?.portStatus(OFPPR.MODIFY, next);
  }
}

/** An INSERT that finds the entry there becomes a MODIFY, a MODIFY that finds none an INSERT (once). */
async function upsert(u: p4.v1.IUpdate, write: (u: p4.v1.IUpdate) => Promise<UpdateStatus>): Promise<UpdateStatus> {
  const s = await write(u);
  if ((u.type === UpdateType.INSERT && s.code === Code.ALREADY_EXISTS) || (u.type === UpdateType.MODIFY && s.code === Code.NOT_FOUND)) {
    return write({ ...u, type: u.type === UpdateType.INSERT ? UpdateType.MODIFY : UpdateType.INSERT });
  }
  return s;
}

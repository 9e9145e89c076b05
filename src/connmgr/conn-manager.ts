// ConnManager: the listeners, the active controller connections and every OfConn, joined to
// the ofproto core through OfprotoEndpoint one way and ConnManagerPort the other. It fans
// async messages (packet_in, flow_removed, port_status) out to the connections that want
// them and retries postponed requests on wake(). It never interprets a request.

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { OfMessage } from "../openflow/messages.js";
import { ControllerConnector, type ConnectSettings } from "./controller-connector.js";
import type { ConnManagerPort, OfConnView, OfprotoEndpoint, PacketInEvent } from "./endpoint.js";
import { Listener, type ListenSettings } from "./listener.js";
import type { Logger } from "./logger.js";
import { OfConn, type OfConnOptions, type OfConnStats } from "./ofconn.js";

export type ConnManagerOptions = OfConnOptions;

/** What the connections of one manager sent and dropped, the closed ones included. */
export interface ConnTotals {
  readonly connections: number;
  readonly packetInsSent: number;
  readonly packetInsRateLimited: number;
  readonly packetInsQueueDropped: number;
  readonly asyncDropped: number;
  readonly repliesDropped: number;
}

const TOTAL_KEYS = ["packetInsSent", "packetInsRateLimited", "packetInsQueueDropped", "asyncDropped", "repliesDropped"] as const;

export interface ConnManagerEvents {
  /** A connection finished HELLO. */
  ready: [conn: OfConn];
  /** A connection closed. */
  closed: [conn: OfConn, reason: string];
}

export class ConnManager extends EventEmitter<ConnManagerEvents> implements ConnManagerPort {
  private readonly conns = new Set<OfConn>();
  private readonly listenerSet = new Set<Listener>();
  private readonly connectors = new Set<ControllerConnector>();
  private readonly logger: Logger | undefined;
  /** Counters of the connections that have closed. */
  private readonly closedTotals = { connections: 0, packetInsSent: 0, packetInsRateLimited: 0, packetInsQueueDropped: 0, asyncDropped: 0, repliesDropped: 0 };

  constructor(
    private readonly endpoint: OfprotoEndpoint,
    private readonly options: ConnManagerOptions = {},
  ) {
    super();
    this.logger = options.logger;
  }

  /** Listens for controllers (TCP, or TLS when `settings.tls` is given). */
  async listen(settings: ListenSettings): Promise<Listener> {
    const listener = await Listener.open(settings, (socket, name) => this.adopt(socket, name), this.logger);
    this.listenerSet.add(listener);
    return listener;
  }

  /** Connects out to a listening controller and keeps reconnecting until stopped. */
  connect(settings: ConnectSettings): ControllerConnector {
    const connector = new ControllerConnector(
      settings,
      (socket, name, helloDone) => this.adopt(socket, name, helloDone),
      this.logger,
    );
    this.connectors.add(connector);
    return connector;
  }

  /** Every OfConn, including those still in HELLO. */
  all(): readonly OfConn[] {
    return [...this.conns];
  }

  /** Names of the listeners ("ptcp:6653:127.0.0.1") and active targets ("tcp:10.0.0.1:6653") with their state. */
  targets(): { readonly listeners: string[]; readonly controllers: { name: string; state: string; attempts: number; lastError?: string }[] } {
    return {
      listeners: [...this.listenerSet].map((l) => l.name),
      controllers: [...this.connectors].map((c) => ({
        name: c.name,
        state: c.state,
        attempts: c.attempts,
        ...(c.lastError !== undefined ? { lastError: c.lastError } : {}),
      })),
    };
  }

  stats(): OfConnStats[] {
    return [...this.conns].map((c) => c.stats());
  }

  /** Packet-ins sent and dropped, and messages dropped, over every connection this manager has had. */
  totals(): ConnTotals {
    const t = { ...this.closedTotals };
    for (const c of this.conns) {
      const s = c.stats();
      t.connections++;
      for (const k of TOTAL_KEYS) t[k] += s[k];
    }
    return t;
  }

  /** Closes listeners, connectors and connections. */
  async close(): Promise<void> {
    for (const connector of this.connectors) connector.stop();
    this.connectors.clear();
    for (const conn of [...this.conns]) conn.close("connection manager closed");
    await Promise.all([...this.listenerSet].map((l) => l.close()));
    this.listenerSet.clear();
  }

  // ---- ConnManagerPort --------------------------------------------------------------------

  wake(): void {
    for (const conn of [...this.conns]) conn.wake();
  }

  *connections(): Iterable<OfConnView> {
    for (const conn of this.conns) if (conn.state === "ready" || conn.state === "blocked") yield conn;
  }

  sendPacketIn(event: PacketInEvent): void {
    for (const conn of [...this.conns]) conn.sendPacketIn(event);
  }

  sendAsync(msg: OfMessage, reason: number, kind: "flowRemoved" | "portStatus"): void {
    for (const conn of [...this.conns]) conn.sendAsync(msg, reason, kind);
  }

  // ---- connections ------------------------------------------------------------------------

  private adopt(socket: Duplex, name: string, helloDone?: () => void): void {
    const conn = new OfConn(socket, name, this.endpoint, this.options, {
      onReady: (c) => {
        helloDone?.();
        this.emit("ready", c);
      },
      onClose: (c, reason) => {
        if (this.conns.delete(c)) {
          const s = c.stats();
          this.closedTotals.connections++;
          for (const k of TOTAL_KEYS) this.closedTotals[k] += s[k];
        }
        this.emit("closed", c, reason);
      },
    });
    if (conn.state !== "closed") this.conns.add(conn);
  }
}

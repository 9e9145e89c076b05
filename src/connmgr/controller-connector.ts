// An active connection to a controller that listens (ovs-testcontroller, a passive Ryu):
// connect, hand the socket to the connection manager, and when it closes or the connect
// fails, try again after a capped exponential backoff that starts over once a connection
// completes HELLO. States: connecting -> connected -> backoff -> connecting ..., stopped.
// It never speaks OpenFlow itself.

import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import { Backoff, type BackoffOptions } from "../util/backoff.js";
import { clientTlsOptions, type TlsSettings } from "./listener.js";
import type { Logger } from "./logger.js";

export interface ConnectSettings {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsSettings;
  readonly backoff?: BackoffOptions;
}

export type ConnectorState = "connecting" | "connected" | "backoff" | "stopped";

/** Hands a connected socket to its owner; the owner calls `helloDone` when HELLO completes. */
export type ConnectedFn = (socket: Duplex, name: string, helloDone: () => void) => void;

export interface ConnectorEvents {
  /** A connection attempt starts (the count so far). */
  attempt: [attempts: number];
  /** An attempt failed or a connection closed; the next attempt is in `delayMs`. */
  retry: [delayMs: number, error: string | undefined];
}

export class ControllerConnector extends EventEmitter<ConnectorEvents> {
  private stateValue: ConnectorState = "connecting";
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private socket: net.Socket | undefined;
  /** Connection attempts made so far. */
  attempts = 0;
  /** The last reason a connection failed or closed. */
  lastError: string | undefined;

  constructor(
    readonly settings: ConnectSettings,
    private readonly connected: ConnectedFn,
    private readonly logger?: Logger,
  ) {
    super();
    this.backoff = new Backoff(settings.backoff);
    // First attempt on the next turn, so the owner can subscribe to events first.
    setImmediate(() => this.attempt());
  }

  /** "tcp:HOST:PORT" or "ssl:HOST:PORT", as Open vSwitch names active targets. */
  get name(): string {
    return `${this.settings.tls !== undefined ? "ssl" : "tcp"}:${this.settings.host}:${this.settings.port}`;
  }

  get state(): ConnectorState {
    return this.stateValue;
  }

  /** Stops reconnecting and closes the current connection. */
  stop(): void {
    this.stateValue = "stopped";
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
  }

  private attempt(): void {
    if (this.stateValue === "stopped") return;
    this.stateValue = "connecting";
    this.attempts++;
    this.emit("attempt", this.attempts);
    const { host, port } = this.settings;
    const secure = this.settings.tls !== undefined;
    const socket = secure
      ? tls.connect({ host, port, ...clientTlsOptions(this.settings.tls!) })
      : net.connect({ host, port });
    this.socket = socket;
    let closed = false;
    socket.once(secure ? "secureConnect" : "connect", () => {
      if (this.stateValue === "stopped") return;
      this.stateValue = "connected";
      socket.setNoDelay(true);
      this.connected(socket, this.name, () => this.backoff.reset());
    });
    socket.on("error", (err: Error) => {
      this.lastError = err.message;
    });
    socket.once("close", () => {
      if (closed) return;
      closed = true;
      this.socket = undefined;
      this.retry();
    });
  }

  private retry(): void {
    if (this.stateValue === "stopped") return;
    this.stateValue = "backoff";
    const delay = this.backoff.next();
    this.logger?.info({ controller: this.name, delayMs: delay, error: this.lastError }, "controller connection lost; retrying");
    this.emit("retry", delay, this.lastError);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt();
    }, delay);
  }
}

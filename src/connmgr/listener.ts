// A passive listener for controllers: TCP (host:port, port 0 allowed) or TLS (cert and key;
// with a CA, every peer must present a certificate that CA signed). It reports the bound
// address and hands each accepted socket to its owner; it never speaks OpenFlow itself.

import net from "node:net";
import tls from "node:tls";
import type { Duplex } from "node:stream";
import type { Logger } from "./logger.js";

export interface TlsSettings {
  /** PEM CA certificate(s). Given: peers must present a certificate it signed. */
  readonly ca?: string | Buffer;
  /** PEM certificate of ofp4. */
  readonly cert: string | Buffer;
  /** PEM private key of ofp4. */
  readonly key: string | Buffer;
}

export interface ListenSettings {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls?: TlsSettings;
}

/** Called with each accepted connection and its printable name, e.g. "tcp:127.0.0.1:40312". */
export type AcceptFn = (socket: Duplex, name: string) => void;

export class Listener {
  private constructor(
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
    readonly secure: boolean,
  ) {}

  /** "ptcp:PORT:HOST" or "pssl:PORT:HOST", as Open vSwitch names passive targets. */
  get name(): string {
    return `${this.secure ? "pssl" : "ptcp"}:${this.port}:${this.host}`;
  }

  static open(settings: ListenSettings, accept: AcceptFn, logger?: Logger): Promise<Listener> {
    const host = settings.host ?? "127.0.0.1";
    const secure = settings.tls !== undefined;
    const server = secure ? tls.createServer(serverTlsOptions(settings.tls)) : net.createServer();
    const scheme = secure ? "ssl" : "tcp";
    server.on(secure ? "secureConnection" : "connection", (socket: net.Socket) => {
      socket.setNoDelay(true);
      accept(socket, `${scheme}:${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`);
    });
    server.on("tlsClientError", (err: Error, socket: tls.TLSSocket) => {
      logger?.warn({ peer: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`, error: err.message }, "TLS handshake failed");
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port: settings.port }, () => {
        server.off("error", reject);
        server.on("error", (err: Error) => logger?.warn({ error: err.message }, "listener error"));
        const address = server.address() as net.AddressInfo;
        const listener = new Listener(server, host, address.port, secure);
        logger?.info({ listen: listener.name }, "listening for controllers");
        resolve(listener);
      });
    });
  }

  /** Stops accepting; connections already accepted are not touched. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function serverTlsOptions(settings: TlsSettings): tls.TlsOptions {
  const verify = settings.ca !== undefined;
  return {
    cert: settings.cert,
    key: settings.key,
    ...(verify ? { ca: settings.ca } : {}),
    requestCert: verify,
    rejectUnauthorized: verify,
  };
}

export function clientTlsOptions(settings: TlsSettings): tls.ConnectionOptions {
  const verify = settings.ca !== undefined;
  return {
    cert: settings.cert,
    key: settings.key,
    ...(verify ? { ca: settings.ca } : {}),
    rejectUnauthorized: verify,
    // Controllers are named by address, not by host name: the CA signature is the check
    // (as with Open vSwitch's ssl: targets), not the certificate's subject.
    checkServerIdentity: () => undefined,
  };
}

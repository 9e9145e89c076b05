// The sim's admin interface: small JSON over HTTP on loopback, for the standalone process
// (tests and people drive the knobs with it; frames go through the bmv2 dataplane service).
//   GET  /state                         -> { p4runtime, dataplane, deviceId, ports, entries, pipeline }
//   POST /knobs {ackLatencyMs?, refuseWrites?, failNext?: {count, code, message?}}
//   POST /drop-streams · POST /restart · POST /port {port, up}
//   POST /inject {port, frame: hex}
// Never exposes anything beyond the sim it serves.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Sim } from "./sim.js";

type Json = Record<string, unknown>;

function readBody(req: IncomingMessage): Promise<Json> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const v: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
        resolve(typeof v === "object" && v !== null ? (v as Json) : {});
      } catch {
        resolve({});
      }
    });
  });
}

export class AdminServer {
  private server: Server | undefined;

  constructor(private readonly sim: Sim) {}

  listen(address: string): Promise<AddressInfo> {
    const m = /^(.*):(\d+)$/.exec(address);
    const host = m ? m[1]!.replace(/^\[|\]$/g, "") : "127.0.0.1";
    const port = m ? Number(m[2]) : 0;
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve(this.server!.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (code: number, body: Json): void => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const { sim } = this;
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/state") {
      return send(200, {
        p4runtime: sim.p4runtimeAddress,
        dataplane: sim.dataplaneAddress ?? null,
        deviceId: String(sim.device.deviceId),
        ports: sim.ports,
        entries: sim.device.entryCount,
        pipeline: sim.device.config !== undefined,
      });
    }
    if (req.method !== "POST") return send(405, { error: "use GET /state or POST" });
    const body = await readBody(req);
    switch (path) {
      case "/knobs": {
        if (typeof body.ackLatencyMs === "number") sim.knobs.ackLatencyMs = body.ackLatencyMs;
        if (typeof body.refuseWrites === "boolean") sim.knobs.refuseWrites = body.refuseWrites;
        const f = body.failNext as { count?: unknown; code?: unknown; message?: unknown } | undefined;
        if (f && typeof f.count === "number" && typeof f.code === "number") {
          sim.knobs.failNextUpdates(f.count, f.code, typeof f.message === "string" ? f.message : undefined);
        }
        return send(200, { ackLatencyMs: sim.knobs.ackLatencyMs, refuseWrites: sim.knobs.refuseWrites });
      }
      case "/drop-streams":
        sim.dropStreams();
        return send(200, {});
      case "/restart":
        sim.restart();
        return send(200, {});
      case "/port":
        if (typeof body.port !== "number" || typeof body.up !== "boolean") return send(400, { error: "need {port: number, up: boolean}" });
        sim.setPortUp(body.port, body.up);
        return send(200, {});
      case "/inject":
        if (typeof body.port !== "number" || typeof body.frame !== "string" || !/^([0-9a-fA-F]{2})*$/.test(body.frame)) {
          return send(400, { error: "need {port: number, frame: hex}" });
        }
        sim.inject(body.port, Uint8Array.from(Buffer.from(body.frame, "hex")));
        return send(200, {});
      default:
        return send(404, { error: `no ${path}` });
    }
  }
}

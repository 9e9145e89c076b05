// The admin socket: a Unix socket where ofp4ctl sends one JSON line {command, args} and reads
// one JSON line back ({ok, text, data} or {ok: false, error}). Removes a stale socket file
// left by a dead ofp4, refuses one a live ofp4 is serving, and removes its own on close.
// Never runs anything but the commands of commands.ts.

import { existsSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { runCommand, type CommandResult, type SwitchEntry } from "./commands.js";

export interface AdminRequest {
  readonly command: string;
  readonly args: readonly string[];
}

function alive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

const replacer = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v);

export class AdminServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  static async open(path: string, switches: ReadonlyMap<string, SwitchEntry>): Promise<AdminServer> {
    if (existsSync(path)) {
      if (await alive(path)) throw new Error(`admin socket ${path} is in use by another ofp4`);
      unlinkSync(path);
    }
    const server = createServer((socket) => {
      let buf = "";
      socket.setEncoding("utf8");
      socket.on("error", () => undefined);
      socket.on("data", (chunk: string) => {
        buf += chunk;
        const nl = buf.indexOf("\n");
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = "";
        void answer(line, switches).then((res) => socket.end(JSON.stringify(res, replacer) + "\n"));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => reject(new Error(`cannot open the admin socket ${path}: ${e.code ?? e.message}`)));
      server.listen(path, () => resolve());
    });
    return new AdminServer(server, path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    });
  }
}

async function answer(line: string, switches: ReadonlyMap<string, SwitchEntry>): Promise<CommandResult> {
  let req: AdminRequest;
  try {
    const v = JSON.parse(line) as Partial<AdminRequest>;
    if (typeof v.command !== "string" || !Array.isArray(v.args)) throw new Error("bad request");
    req = { command: v.command, args: v.args.map(String) };
  } catch {
    return { ok: false, error: "the request is not {command, args} JSON" };
  }
  try {
    return await runCommand(switches, req.command, req.args);
  } catch (e) {
    return { ok: false, error: `${req.command} failed: ${(e as Error).message.split("\n")[0]}` };
  }
}

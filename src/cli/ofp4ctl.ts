// `ofp4ctl`: talks to a running ofp4 over its admin socket, in the style of ovs-appctl:
// `ofp4ctl [-t SOCKET] [--json] COMMAND [ARGS]`. Prints the daemon's plain text (or its JSON
// with --json); exits 0 on success, 1 when the daemon answers with an error (printed on stderr,
// naming what was wrong), 2 on bad usage or an unreachable socket. Never changes the daemon
// beyond the command it sends.

import { createConnection } from "node:net";
import { pathToFileURL } from "node:url";
import { COMMANDS } from "../daemon/commands.js";
import { defaultAdminSocket } from "../daemon/daemon.js";

export const CTL_USAGE = `usage: ofp4ctl [-t|--target SOCKET] [--json] COMMAND [ARGS...]
commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c}`)
  .join("\n")}
The socket defaults to $OFP4_ADMIN_SOCKET or ${defaultAdminSocket()}.`;

export interface CtlReply {
  readonly ok: boolean;
  readonly text?: string;
  readonly data?: unknown;
  readonly error?: string;
}

/** Sends one command and resolves with the daemon's reply. */
export function request(socket: string, command: string, args: readonly string[], timeoutMs = 60_000): Promise<CtlReply> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socket);
    let buf = "";
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer from ${socket} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.setEncoding("utf8");
    s.once("connect", () => s.write(JSON.stringify({ command, args }) + "\n"));
    s.on("data", (c: string) => (buf += c));
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach ofp4 at ${socket}: ${e.code === "ENOENT" || e.code === "ECONNREFUSED" ? "no ofp4 is running there" : e.message}`));
    });
    s.once("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(buf) as CtlReply);
      } catch {
        reject(new Error(`ofp4 at ${socket} sent a reply that is not JSON`));
      }
    });
  });
}

function die(code: number, message: string): never {
  process.stderr.write(`ofp4ctl: ${message}\n`);
  process.exit(code);
}

export async function main(argv: readonly string[]): Promise<void> {
  let socket = defaultAdminSocket();
  let json = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-t" || a === "--target") {
      const v = argv[++i];
      if (v === undefined) die(2, `${a} needs a socket path`);
      socket = v;
    } else if (a.startsWith("--target=")) socket = a.slice(9);
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(CTL_USAGE + "\n");
      return;
    } else rest.push(a);
  }
  const [command, ...args] = rest;
  if (command === undefined) die(2, `a command is needed\n${CTL_USAGE}`);
  if (command !== "list" && !(command in COMMANDS)) die(2, `unknown command '${command}'\n${CTL_USAGE}`);
  let reply: CtlReply;
  try {
    reply = await request(socket, command, args);
  } catch (e) {
    die(2, (e as Error).message);
  }
  if (!reply.ok) die(1, reply.error ?? "failed");
  const out = json ? JSON.stringify(reply.data, null, 2) : (reply.text ?? "");
  process.stdout.write(out === "" ? "" : out + "\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => die(2, (e as Error).message?.split("\n")[0] ?? String(e)));
}

// ofp4's JSON log lines: every line of a run (start-up at debug level with the embedded sim's
// own lines, OpenFlow traffic and refused requests, ofp4ctl commands, a controller leaving,
// SIGTERM; and a failed start) is one JSON object with no key twice, and each OpenFlow error
// sent (by the core or by connmgr itself) is logged once with the switch and the connection. pino writes its own `pid`
// on every line, so a field of ours named `pid` (the embedded sim's is `simPid`) would repeat it.

import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { ctl, ensureBuilt, ofctl, runOfp4, startDaemon, tempDir, type Proc } from "../cli/process.js";

const started: Proc[] = [];
const servers: Server[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Keys that appear twice in one object of a JSON text (JSON.parse would keep the last silently). */
function duplicateKeys(text: string): string[] {
  const dups: string[] = [];
  const stack: (Set<string> | null)[] = []; // an object's keys so far, or null for an array
  let wantKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (wantKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack.at(-1)!;
        if (keys.has(key)) dups.push(key);
        keys.add(key);
        wantKey = false;
      }
      i = j;
    } else if (c === "{") {
      stack.push(new Set());
      wantKey = true;
    } else if (c === "[") stack.push(null);
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") wantKey = stack.at(-1) !== null && stack.at(-1) !== undefined;
  }
  return dups;
}

/** Sends one OpenFlow 1.3 message of an unknown type (99, xid 7) and waits for the ERROR. */
function unknownMessage(address: string): Promise<void> {
  const i = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) }, () => {
      s.write(Uint8Array.of(0x04, 0, 0, 8, 0, 0, 0, 1, 0x04, 99, 0, 8, 0, 0, 0, 7));
    });
    let buf = Buffer.alloc(0);
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        if (buf[1] === 1) {
          s.destroy();
          resolve();
          return;
        }
        buf = buf.subarray(buf.readUInt16BE(2));
      }
    });
    s.once("error", reject);
  });
}

function checkLines(stdout: string): number {
  const lines = stdout.split("\n").filter((l) => l !== "");
  for (const line of lines) {
    expect(() => JSON.parse(line), line).not.toThrow();
    expect(duplicateKeys(line), line).toEqual([]);
  }
  return lines.length;
}

describe("the duplicate-key check", () => {
  test("finds a repeated key at any depth and nothing in clean lines", () => {
    expect(duplicateKeys('{"level":30,"pid":1,"pid":2,"msg":"x"}')).toEqual(["pid"]);
    expect(duplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":1},{"d":2}],"e":"{\\"f\\":1,\\"f\\":1}"}')).toEqual(["b"]);
    expect(duplicateKeys('{"a":[1,"x",{"k":1}],"k":2,"s":"a,\\"k\\""}')).toEqual([]);
  });
});

describe("ofp4's log", () => {
  test("no line of a whole run has a key twice", async () => {
    const d = await startDaemon(["--log-level", "debug"]);
    started.push(d.proc);
    const of = `tcp:${d.openflow}`;
    expect((await ofctl("-O", "OpenFlow13", "add-flow", of, "priority=5,in_port=1,actions=output:2")).code).toBe(0);
    expect((await ofctl("-O", "OpenFlow13", "add-flow", of, "table=200,actions=drop")).code).not.toBe(0); // refused: an error logged
    await unknownMessage(d.openflow); // refused by connmgr itself: BAD_REQUEST_BAD_TYPE
    for (const cmd of [["show", "br0"], ["stats", "br0"], ["dump-entries", "br0"], ["show", "nope"]]) await ctl(d.socket, ...cmd);
    expect(await d.proc.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    // Each OpenFlow error sent is logged once, with the switch and the connection.
    for (const name of ["FLOW_MOD_FAILED_BAD_TABLE_ID", "BAD_REQUEST_BAD_TYPE"]) {
      const logged = d.proc.records.filter((r) => r.msg.includes(name));
      expect(logged, name).toHaveLength(1);
      expect(logged[0]).toMatchObject({ switch: "br0", msg: expect.stringMatching(new RegExp(`^tcp:127\\.0\\.0\\.1:\\d+: ${name} \\(`)) });
    }
    expect(d.proc.records.find((r) => r.msg.includes("BAD_REQUEST_BAD_TYPE"))).toMatchObject({ ofError: "BAD_REQUEST_BAD_TYPE", requestType: 99, xid: 7 });
    // The embedded sim's line carries its pid as simPid beside pino's own pid.
    const simLine = d.proc.stdout.split("\n").find((l) => l.includes('"simPid"'))!;
    expect(simLine).toMatch(/"pid":\d+,.*"simPid":\d+/);
    expect(checkLines(d.proc.stdout)).toBeGreaterThan(10);
  });

  test("nor does a failed start's", async () => {
    const s = createServer();
    servers.push(s);
    const port = await new Promise<number>((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port)));
    const p = runOfp4(["start", "--log-format", "json", "--log-level", "debug", "--admin-socket", join(tempDir(), "ctl"), "--listen", `127.0.0.1:${port}`, "--p4runtime", "127.0.0.1:0"]);
    started.push(p);
    expect((await p.exited).code).toBe(1);
    expect(checkLines(p.stdout)).toBeGreaterThan(2);
  });
});

// Debian's real ovs-ofctl as the controller: `show` over OpenFlow 1.0 and 1.3 against
// connmgr with a scripted core that answers features, port-desc and get-config.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import type { HandleResult, OfConnView, Request } from "../../src/connmgr/endpoint.js";
import type { PortDesc } from "../../src/openflow/messages.js";
import { ScriptedEndpoint } from "./helpers.js";

const run = promisify(execFile);

const port = (n: number): PortDesc => ({
  portNo: n,
  hwAddr: Uint8Array.of(2, 0, 0, 0, n >> 8, n & 0xff),
  name: `p${n}`,
  config: 0,
  state: 0,
  curr: 0,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 0,
  maxSpeed: 0,
});
let ports: PortDesc[] = [port(1), port(2)];

class ShowEndpoint extends ScriptedEndpoint {
  readonly seen: string[] = [];

  override handle(conn: OfConnView, request: Request): HandleResult {
    const msg = request.msg;
    this.seen.push(msg.type === "multipart_request" ? `multipart_request:${msg.body.type}` : msg.type);
    if (msg.type === "features_request") {
      conn.send(
        { type: "features_reply", datapathId: 0x42n, nBuffers: 256, nTables: 4, auxiliaryId: 0, capabilities: 0, actions: 0, ports: conn.version === 0x01 ? ports : [] },
        request.xid,
      );
      return "done";
    }
    if (msg.type === "multipart_request" && msg.body.type === "port_desc") {
      conn.send({ type: "multipart_reply", body: { type: "port_desc", ports } }, request.xid);
      return "done";
    }
    if (msg.type === "get_config_request") {
      conn.send({ type: "get_config_reply", flags: 0, missSendLen: conn.missSendLen }, request.xid);
      return "done";
    }
    return super.handle(conn, request);
  }
}

let manager: ConnManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

describe("ovs-ofctl show", () => {
  for (const [flag, version] of [["OpenFlow10", 0x01], ["OpenFlow13", 0x04]] as const) {
    it(`works over ${flag}`, async () => {
      const endpoint = new ShowEndpoint();
      manager = new ConnManager(endpoint);
      const listener = await manager.listen({ port: 0 });
      const { stdout } = await run("ovs-ofctl", ["-O", flag, "--no-names", "show", `tcp:127.0.0.1:${listener.port}`], { timeout: 15_000 });
      expect(stdout).toContain("dpid:0000000000000042");
      expect(stdout).toContain("n_tables:4, n_buffers:256");
      expect(stdout).toMatch(/ 1\(p1\): addr:02:00:00:00:00:01/);
      expect(stdout).toMatch(/ 2\(p2\): addr:02:00:00:00:00:02/);
      expect(stdout).toContain("miss_send_len=128");
      expect(stdout).toContain(version === 0x01 ? "(xid=" : "(OF1.3)");
      const expected = ["features_request", ...(version === 0x04 ? ["multipart_request:port_desc"] : []), "get_config_request"];
      expect(endpoint.seen).toEqual(expected);
    });
  }

  // 3,000 ports of 64 bytes cannot fit one 64 KiB message: the reply goes as several parts.
  it("reassembles a port-desc reply that connmgr sends as several messages (OpenFlow 1.3)", async () => {
    ports = Array.from({ length: 3000 }, (_, i) => port(i + 1));
    try {
      const endpoint = new ShowEndpoint();
      manager = new ConnManager(endpoint);
      const listener = await manager.listen({ port: 0 });
      const { stdout } = await run("ovs-ofctl", ["-O", "OpenFlow13", "--no-names", "show", `tcp:127.0.0.1:${listener.port}`], {
        timeout: 15_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const listed = stdout.split("\n").filter((l) => /^ \d+\(p\d+\): addr:/.test(l));
      expect(listed.length).toBe(3000);
      expect(stdout).toContain(" 3000(p3000): addr:02:00:00:00:0b:b8");
    } finally {
      ports = [port(1), port(2)];
    }
  });

  it("no common version: ovs-ofctl -O OpenFlow13 against an OpenFlow 1.0-only switch fails", async () => {
    const endpoint = new ShowEndpoint();
    manager = new ConnManager(endpoint, { versions: [0x01] });
    const listener = await manager.listen({ port: 0 });
    const failure = await run("ovs-ofctl", ["-O", "OpenFlow13", "--no-names", "show", `tcp:127.0.0.1:${listener.port}`], { timeout: 15_000 }).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr ?? "").toMatch(/version|Protocol error/i);
    expect(endpoint.seen).toEqual([]);
  });
});

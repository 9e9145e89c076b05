// Debian's ovs-testcontroller (a passive learning-switch controller) as the peer: ofp4
// connects out to it, it asks for features, and a packet_in with a buffer id comes back as
// a packet_out or flow_mod naming that buffer, which the connection gives up exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import type { HandleResult, OfConnView, Request } from "../../src/connmgr/endpoint.js";
import { OFP_NO_BUFFER } from "../../src/openflow/messages.js";
import { OxmField } from "../../src/openflow/match.js";
import type { PortDesc } from "../../src/openflow/messages.js";
import { ScriptedEndpoint } from "./helpers.js";

const ports: PortDesc[] = [1, 2].map((n) => ({
  portNo: n,
  hwAddr: Uint8Array.of(2, 0, 0, 0, 0, n),
  name: `p${n}`,
  config: 0,
  state: 0,
  curr: 0,
  advertised: 0,
  supported: 0,
  peer: 0,
  currSpeed: 0,
  maxSpeed: 0,
}));

/** Answers features and port-desc; waits for what the controller does with a buffered packet. */
class LearningPeerEndpoint extends ScriptedEndpoint {
  readonly seen: string[] = [];
  private bufferUse: ((id: number) => void) | undefined;
  readonly bufferUsed = new Promise<number>((resolve) => (this.bufferUse = resolve));
  private featuresAsk: (() => void) | undefined;
  readonly featuresAsked = new Promise<void>((resolve) => (this.featuresAsk = resolve));

  override handle(conn: OfConnView, request: Request): HandleResult {
    const msg = request.msg;
    this.seen.push(msg.type);
    if (msg.type === "features_request") {
      this.featuresAsk?.();
      conn.send(
        { type: "features_reply", datapathId: 0x77n, nBuffers: 256, nTables: 4, auxiliaryId: 0, capabilities: 0, actions: 0xfff, ports: conn.version === 0x01 ? ports : [] },
        request.xid,
      );
      return "done";
    }
    if (msg.type === "multipart_request" && msg.body.type === "port_desc") {
      conn.send({ type: "multipart_reply", body: { type: "port_desc", ports } }, request.xid);
      return "done";
    }
    if ((msg.type === "packet_out" || msg.type === "flow_mod") && msg.bufferId !== OFP_NO_BUFFER) {
      this.bufferUse?.(msg.bufferId);
    }
    return super.handle(conn, request);
  }
}

let manager: ConnManager | undefined;
let controller: ChildProcess | undefined;
let rundir: string | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
  if (controller?.pid !== undefined && controller.exitCode === null) {
    const exited = once(controller, "exit");
    process.kill(controller.pid, "SIGTERM");
    await exited;
  }
  controller = undefined;
  if (rundir !== undefined) rmSync(rundir, { recursive: true, force: true });
  rundir = undefined;
});

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("ovs-testcontroller", () => {
  for (const [protocol, version] of [["OpenFlow10", 0x01], ["OpenFlow13", 0x04]] as const) {
    it(`ofp4 connects out to it over ${protocol}; it uses a buffered packet_in`, async () => {
      const port = await freePort();
      // Its control socket goes to OVS_RUNDIR: a directory of the test's own.
      rundir = mkdtempSync(join(tmpdir(), "ofp4-testcontroller-"));
      controller = spawn("ovs-testcontroller", ["-O", protocol, "--no-chdir", `ptcp:${port}:127.0.0.1`], {
        stdio: "ignore",
        env: { ...process.env, OVS_RUNDIR: rundir, OVS_LOGDIR: rundir },
      });
      const endpoint = new LearningPeerEndpoint();
      manager = new ConnManager(endpoint);
      const ready = endpoint.nextConnected();
      // The controller may not listen yet: the connector retries with backoff.
      manager.connect({ host: "127.0.0.1", port, backoff: { initialMs: 20, maxMs: 200 } });
      const conn = await ready;
      expect(conn.version).toBe(version);
      await endpoint.featuresAsked;

      // A broadcast ARP-sized frame from p1: a learning switch floods it.
      const frame = new Uint8Array(60);
      frame.fill(0xff, 0, 6);
      frame.set([0, 0, 0, 0, 0, 1], 6);
      frame.set([0x08, 0x06], 12);
      manager.sendPacketIn({
        reason: 0,
        tableId: 0,
        cookie: 0n,
        match: [{ field: OxmField.IN_PORT, value: 1n, mask: 0xffffffffn }],
        inPort: 1,
        data: frame,
        maxLen: "miss_send_len",
      });
      const bufferId = await endpoint.bufferUsed;
      const taken = conn.takeBuffer(bufferId);
      expect(taken).toMatchObject({ ok: true, value: { inPort: 1 } });
      expect(taken.ok && Buffer.from(taken.value.data).equals(Buffer.from(frame))).toBe(true);
      expect(conn.takeBuffer(bufferId)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_EMPTY" } });
      // Its learning switch set miss_send_len and installed a table-miss rule to the controller.
      expect(endpoint.seen).toEqual(expect.arrayContaining(["features_request", "set_config", "packet_out"]));
    });
  }
});

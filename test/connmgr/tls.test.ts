// TLS listener with a CA generated in the test (openssl CLI): a controller with a certificate
// the CA signed completes HELLO; one without a certificate, or with a self-signed one, never
// reaches OpenFlow.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { once } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { featuresRequest, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let dir: string;
const pem = (name: string) => readFileSync(join(dir, name));

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function issue(name: string, signer: "ca" | "self"): void {
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`);
  if (signer === "ca") {
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", `${name}.crt`);
  } else {
    openssl("x509", "-req", "-in", `${name}.csr`, "-signkey", `${name}.key`, "-days", "1", "-out", `${name}.crt`);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ofp4-tls-"));
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=ofp4 test CA");
  issue("switch", "ca");
  issue("controller", "ca");
  issue("stranger", "self");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let manager: ConnManager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

describe("TLS", () => {
  it("verifies the controller against the CA and speaks OpenFlow over TLS", async () => {
    const endpoint = new ScriptedEndpoint();
    manager = new ConnManager(endpoint);
    const listener = await manager.listen({ port: 0, tls: { ca: pem("ca.crt"), cert: pem("switch.crt"), key: pem("switch.key") } });
    expect(listener.name).toBe(`pssl:${listener.port}:127.0.0.1`);

    const c = await RawClient.connect(listener.port, {
      ca: pem("ca.crt"),
      cert: pem("controller.crt"),
      key: pem("controller.key"),
      checkServerIdentity: () => undefined,
    });
    const ready = endpoint.nextConnected();
    await c.hello(0x04);
    const conn = await ready;
    expect(conn.name).toMatch(/^ssl:127\.0\.0\.1:\d+$/);
    c.send(featuresRequest(0x04, 3));
    expect((await c.next(OFPT.FEATURES_REPLY)).xid).toBe(3);
    c.close();

    for (const client of [{}, { cert: pem("stranger.crt"), key: pem("stranger.key") }]) {
      const s = tls.connect({ host: "127.0.0.1", port: listener.port, ca: pem("ca.crt"), checkServerIdentity: () => undefined, ...client });
      s.on("error", () => {});
      s.on("data", () => {});
      s.write(Buffer.from([4, 0, 0, 8, 0, 0, 0, 1]));
      // events.once would reject on the handshake error; wait for the close itself.
      await new Promise((resolve) => s.on("close", resolve));
    }
    expect(endpoint.connectedIds).toEqual([conn.id]);
  });

  it("connects out to a TLS controller, verifying it against the CA, and presents its own certificate", async () => {
    const controllerServer = tls.createServer({
      ca: pem("ca.crt"),
      cert: pem("controller.crt"),
      key: pem("controller.key"),
      requestCert: true,
      rejectUnauthorized: true,
    });
    controllerServer.listen(0, "127.0.0.1");
    await once(controllerServer, "listening");
    const port = (controllerServer.address() as { port: number }).port;
    const accepted = once(controllerServer, "secureConnection");
    try {
      const endpoint = new ScriptedEndpoint();
      manager = new ConnManager(endpoint);
      const connector = manager.connect({
        host: "127.0.0.1",
        port,
        tls: { ca: pem("ca.crt"), cert: pem("switch.crt"), key: pem("switch.key") },
        backoff: { initialMs: 20, maxMs: 100 },
      });
      expect(connector.name).toBe(`ssl:127.0.0.1:${port}`);
      const [socket] = (await accepted) as [tls.TLSSocket];
      expect(socket.getPeerCertificate().subject.CN).toBe("switch");
      const c = RawClient.wrap(socket);
      const ready = endpoint.nextConnected();
      await c.hello(0x04);
      expect((await ready).version).toBe(0x04);
      c.send(featuresRequest(0x04, 8));
      expect((await c.next(OFPT.FEATURES_REPLY)).xid).toBe(8);
      c.close();
    } finally {
      await manager?.close();
      manager = undefined;
      await new Promise<void>((r) => controllerServer.close(() => r()));
    }
  });
});

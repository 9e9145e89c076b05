// The http2 Write transport over TLS, against a grpc-js P4Runtime server with TLS credentials
// (the sim listens without TLS): mutual TLS with the client's TlsOptions, and each way the
// handshake can fail, refused with a message that says why. The certificates are tls/make.sh's.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { P4RuntimeClient, type TlsOptions } from "../../src/p4runtime/client.js";
import { Code } from "../../src/p4runtime/status.js";
import { FakeP4Runtime } from "./fake-p4runtime.js";
import { entryUpdate } from "./write-fixtures.js";

const file = (n: string): Buffer => readFileSync(new URL(`tls/${n}`, import.meta.url));
const ca = file("ca.crt");

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function tlsTarget(requireClientCert: boolean): Promise<FakeP4Runtime> {
  const t = new FakeP4Runtime();
  const creds = grpc.ServerCredentials.createSsl(requireClientCert ? ca : null, [{ private_key: file("server.key"), cert_chain: file("server.crt") }], requireClientCert);
  const bind = t.server.bindAsync.bind(t.server);
  t.server.bindAsync = (addr: string, _c: grpc.ServerCredentials, cb: (e: Error | null, port: number) => void) => bind(addr, creds, cb);
  await t.start();
  cleanups.push(() => t.stop());
  return t;
}

function client(t: FakeP4Runtime, tls: TlsOptions): P4RuntimeClient {
  const c = new P4RuntimeClient({ address: t.address, electionId: 1n, reconnect: false, tls });
  cleanups.push(() => c.close());
  return c;
}

describe("Writes over TLS (http2 transport)", () => {
  it("writes with mutual TLS: per-update results as over TCP", async () => {
    const t = await tlsTarget(true);
    const c = client(t, { ca, cert: file("client.crt"), key: file("client.key"), serverName: "p4rt.test" });
    expect(c.writeTransport).toBe("http2");
    expect((await c.connect()).isPrimary).toBe(true);
    expect((await c.write([entryUpdate("INSERT", 1)])).map((r) => r.code)).toEqual([0]);
    const r = await c.write([entryUpdate("INSERT", 2), entryUpdate("INSERT", 1)]);
    expect(r.map((x) => x.code)).toEqual([0, Code.ALREADY_EXISTS]);
    expect(r[1]!.message).toMatch(/Match entry exists/);
    expect(t.writes).toBe(2);
  });

  it("checks the server's certificate against the address' IP when no name is given", async () => {
    const t = await tlsTarget(false);
    const c = client(t, { ca });
    await c.connect();
    expect((await c.write([entryUpdate("INSERT", 1)])).map((r) => r.code)).toEqual([0]);
  });

  it("refuses a server whose certificate the given CA did not sign: UNAVAILABLE, unsent, saying why", async () => {
    const t = await tlsTarget(false);
    const c = client(t, { ca: file("server.crt"), serverName: "p4rt.test" });
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r).toEqual([expect.objectContaining({ code: Code.UNAVAILABLE, outcomeUnknown: false })]);
    expect(r[0]!.message).toMatch(new RegExp(`^P4Runtime target ${t.address.replace(/\./g, "\\.")} is unreachable \\(Write: TLS handshake failed: .*certificate`));
    expect(t.writes).toBe(0);
  });

  it("refuses a certificate for another name", async () => {
    const t = await tlsTarget(false);
    const c = client(t, { ca, serverName: "elsewhere.test" });
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r[0]).toMatchObject({ code: Code.UNAVAILABLE, outcomeUnknown: false });
    expect(r[0]!.message).toMatch(/TLS handshake failed: .*elsewhere\.test/);
  });

  it("fails clearly without a client certificate when the server requires one", async () => {
    const t = await tlsTarget(true);
    const c = client(t, { ca, serverName: "p4rt.test" });
    const r = await c.write([entryUpdate("INSERT", 1)]);
    expect(r[0]!.code).toBe(Code.UNAVAILABLE);
    expect(r[0]!.message).toMatch(/unreachable \(Write: .*certificate/i);
    expect(t.writes).toBe(0);
  });
});

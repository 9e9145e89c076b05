import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { P4RuntimeClient } from "../../src/p4runtime/client.js";
import { FakeP4Runtime } from "./fake-p4runtime.js";

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

describe("P4Runtime client over TLS", () => {
  it("connects with the CA and a client certificate (mutual TLS)", async () => {
    const t = await tlsTarget(true);
    const c = new P4RuntimeClient({
      address: t.address,
      electionId: 1n,
      reconnect: false,
      tls: { ca, cert: file("client.crt"), key: file("client.key"), serverName: "p4rt.test" },
    });
    cleanups.push(() => c.close());
    expect((await c.connect()).isPrimary).toBe(true);
    expect(await c.capabilities()).toBe("1.3.0");
  });

  it("fails clearly without a client certificate when the server requires one", async () => {
    const t = await tlsTarget(true);
    const c = new P4RuntimeClient({ address: t.address, electionId: 1n, reconnect: false, tls: { ca, serverName: "p4rt.test" } });
    cleanups.push(() => c.close());
    await expect(c.connect()).rejects.toThrow(new RegExp(`P4Runtime target ${t.address.replace(/\./g, "\\.")} is unreachable`));
  });

  it("refuses a server whose certificate the given CA did not sign", async () => {
    const t = await tlsTarget(false);
    const c = new P4RuntimeClient({ address: t.address, electionId: 1n, reconnect: false, tls: { ca: file("server.crt"), serverName: "p4rt.test" } });
    cleanups.push(() => c.close());
    await expect(c.connect()).rejects.toThrow(/UNAVAILABLE/);
  });
});

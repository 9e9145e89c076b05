// The client's Write path against real bmv2 (simple_switch_grpc with p4/ofp4.p4): the http2
// transport and the grpc-js fallback give the same statuses for the same Writes (all OK,
// per-update errors in order, 400 failures in one trailer, not primary, no pipeline); and Writes
// over TLS (mutual) into a simple_switch_grpc started with --grpc-server-ssl, a wrong CA and a
// missing client certificate refused with a message that says so.
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts test/p4runtime/write.bmv2.ts
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { P4RuntimeClient, type ClientOptions } from "../../src/p4runtime/client.js";
import { Code, type UpdateStatus } from "../../src/p4runtime/status.js";
import { Bmv2Process, freePort } from "../setup/bmv2-process.js";
import { SIMPLE_SWITCH_GRPC } from "../setup/p4-tools.js";
import { badTableInsert, deviceConfig, entryUpdate, framed, info } from "./write-fixtures.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function client(address: string, electionId: bigint | undefined, o: Partial<ClientOptions> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address, deviceId: 0, electionId, reconnect: false, writeTimeoutMs: 20_000, ...o });
  cleanups.push(() => c.close());
  return c;
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const table1 = (): number => info.table("ofp_table_1").id;

describe("Writes into bmv2, http2 transport and grpc-js fallback", () => {
  let bmv2: Bmv2Process;
  beforeAll(async () => {
    bmv2 = await Bmv2Process.start({ deviceId: 0, cpuPort: 255 });
  }, 60_000);
  afterAll(async () => {
    await bmv2?.stop();
  });

  it("refuses Writes before any pipeline (FAILED_PRECONDITION) and from a non-primary (PERMISSION_DENIED), on both transports", async () => {
    const primary = client(bmv2.p4runtimeAddress, 10n);
    expect((await primary.connect()).isPrimary).toBe(true);
    const backup = client(bmv2.p4runtimeAddress, 5n);
    expect((await backup.connect()).isPrimary).toBe(false);
    const seen: UpdateStatus[][] = [];
    for (const transport of ["http2", "grpc-js"] as const) {
      const c = client(bmv2.p4runtimeAddress, 10n, { writeTransport: transport });
      expect(c.writeTransport).toBe(transport);
      const r = await c.write([entryUpdate("INSERT", 1), entryUpdate("INSERT", 2)]);
      expect(r.map((x) => [x.code, x.outcomeUnknown])).toEqual(Array(2).fill([Code.FAILED_PRECONDITION, false]));
      const denied = await client(bmv2.p4runtimeAddress, 5n, { writeTransport: transport }).write([entryUpdate("INSERT", 1)]);
      expect(denied[0]).toMatchObject({ code: Code.PERMISSION_DENIED, outcomeUnknown: false });
      expect(denied[0]!.message).toMatch(/Not primary/);
      seen.push(r, denied);
    }
    // the same statuses, messages included, from either transport
    expect(seen.slice(2)).toEqual(seen.slice(0, 2));
    await primary.setPipeline({ p4info: info, deviceConfig });
    for (const transport of ["http2", "grpc-js"] as const) {
      const stranger = client(bmv2.p4runtimeAddress, 3n, { writeTransport: transport });
      expect((await stranger.write([entryUpdate("INSERT", 1)]))[0]!.code).toBe(Code.PERMISSION_DENIED);
    }
  });

  it("gives the same per-update statuses on both transports: all OK, a mixed batch in order, 400 failures", async () => {
    const primary = client(bmv2.p4runtimeAddress, 10n);
    await primary.connect();
    await primary.setPipeline({ p4info: info, deviceConfig });
    const results: Record<string, UpdateStatus[][]> = {};
    for (const [k, transport] of (["http2", "grpc-js"] as const).entries()) {
      const c = client(bmv2.p4runtimeAddress, 10n, { writeTransport: transport });
      const base = 10_000 * (k + 1);
      const out: UpdateStatus[][] = [];
      // all OK, framed
      out.push(await new Promise<UpdateStatus[]>((resolve) => c.writeFramed(framed(range(base, 400).map((i) => entryUpdate("INSERT", i))), 400, (r) => resolve([...r]))));
      // mixed
      out.push(
        await c.write([
          entryUpdate("INSERT", base + 1000),
          entryUpdate("INSERT", base), // exists
          badTableInsert(base + 1001),
          entryUpdate("DELETE", base + 1002), // missing
          entryUpdate("MODIFY", base),
          entryUpdate("INSERT", base + 1000), // written two updates ago
        ]),
      );
      // 400 failures: some 47 KB of p4.v1.Error in grpc-status-details-bin
      out.push(await c.write(range(base, 400).map((i) => entryUpdate("INSERT", i))));
      results[transport] = out;
    }
    const [ok, mixed, failures] = results["http2"]!;
    expect(ok!.every((r) => r.code === 0)).toBe(true);
    expect(mixed!.map((r) => r.code)).toEqual([0, Code.ALREADY_EXISTS, Code.INVALID_ARGUMENT, Code.NOT_FOUND, 0, Code.ALREADY_EXISTS]);
    expect(mixed![1]).toMatchObject({ space: "ALL-sswitch-p4org", outcomeUnknown: false });
    expect(mixed![1]!.message).toMatch(/Match entry exists/);
    expect(failures!.length).toBe(400);
    expect(failures!.every((r) => r.code === Code.ALREADY_EXISTS && r.space === "ALL-sswitch-p4org")).toBe(true);
    expect(results["grpc-js"]).toEqual(results["http2"]);
    expect((await primary.readAll([{ tableEntry: { tableId: table1() } }])).length).toBe(802);
  });
});

/** simple_switch_grpc with TLS (the test certificates of tls/make.sh), stopped by its PID. */
async function startTlsBmv2(clientAuth: boolean): Promise<string> {
  const dir = (n: string): string => fileURLToPath(new URL(`tls/${n}`, import.meta.url));
  const address = `127.0.0.1:${await freePort()}`;
  const args = ["--no-p4", "--device-id", "0", "--", "--grpc-server-addr", address, "--cpu-port", "255"];
  args.push("--grpc-server-ssl", "--grpc-server-cacert", dir("ca.crt"), "--grpc-server-cert", dir("server.crt"), "--grpc-server-key", dir("server.key"));
  if (clientAuth) args.push("--grpc-server-with-client-auth");
  const child: ChildProcess = spawn(SIMPLE_SWITCH_GRPC, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, "exit");
    child.kill("SIGTERM");
    await gone;
  });
  // Listening once a TCP connection is accepted.
  const [host, port] = address.split(":");
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`simple_switch_grpc exited (${child.exitCode}): ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(Number(port), host);
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (up) return address;
    if (Date.now() > deadline) throw new Error(`simple_switch_grpc with TLS did not listen on ${address}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Writes into bmv2 over TLS (--grpc-server-ssl)", () => {
  const file = (n: string): Buffer => readFileSync(new URL(`tls/${n}`, import.meta.url));

  it("writes with mutual TLS; refuses a wrong CA and a missing client certificate, saying why", async () => {
    const address = await startTlsBmv2(true);
    const tls = { ca: file("ca.crt"), cert: file("client.crt"), key: file("client.key"), serverName: "p4rt.test" };
    const c = client(address, 1n, { tls });
    expect(c.writeTransport).toBe("http2");
    expect((await c.connect()).isPrimary).toBe(true);
    await c.setPipeline({ p4info: info, deviceConfig });
    expect((await c.write([entryUpdate("INSERT", 1)])).map((r) => r.code)).toEqual([0]);
    const r = await c.write([entryUpdate("INSERT", 2), entryUpdate("INSERT", 1)]);
    expect(r.map((x) => x.code)).toEqual([0, Code.ALREADY_EXISTS]);
    expect(r[1]!.message).toMatch(/Match entry exists/);

    const wrongCa = await client(address, 1n, { tls: { ...tls, ca: file("server.crt") } }).write([entryUpdate("INSERT", 3)]);
    expect(wrongCa[0]).toMatchObject({ code: Code.UNAVAILABLE, outcomeUnknown: false });
    expect(wrongCa[0]!.message).toMatch(/unreachable \(Write: TLS handshake failed: .*certificate/);

    const noCert = await client(address, 1n, { tls: { ca: tls.ca, serverName: "p4rt.test" } }).write([entryUpdate("INSERT", 3)]);
    expect(noCert[0]!.code).toBe(Code.UNAVAILABLE);
    expect(noCert[0]!.message).toMatch(/client certificate/);
    expect((await c.readAll([{ tableEntry: { tableId: table1() } }])).length).toBe(2);
  });
});

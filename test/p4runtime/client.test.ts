import { once } from "node:events";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { P4RuntimeClient, fromUint128, toUint128 } from "../../src/p4runtime/client.js";
import { Code } from "../../src/p4runtime/status.js";
import { FakeP4Runtime } from "./fake-p4runtime.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function target(): Promise<FakeP4Runtime> {
  const t = new FakeP4Runtime();
  await t.start();
  cleanups.push(() => t.stop());
  return t;
}

function client(address: string, electionId?: bigint, extra: Partial<ConstructorParameters<typeof P4RuntimeClient>[0]> = {}): P4RuntimeClient {
  const c = new P4RuntimeClient({ address, deviceId: 0, electionId, backoff: { initialMs: 10, maxMs: 50 }, ...extra });
  cleanups.push(() => c.close());
  return c;
}

const insert = (i: number): p4.v1.IUpdate => ({
  type: p4.v1.Update.Type.INSERT,
  entity: { tableEntry: { tableId: 5, match: [{ fieldId: 1, exact: { value: Uint8Array.of(i >> 8, i & 0xff) } }], action: { action: { actionId: 9 } } } },
});

describe("election ids", () => {
  it("splits and joins 128-bit ids", () => {
    const id = (0x0123456789abcdefn << 64n) | 0xfedcba9876543210n;
    expect(toUint128(id)).toEqual({ high: 0x0123456789abcdefn, low: 0xfedcba9876543210n });
    expect(fromUint128(toUint128(id))).toBe(id);
    expect(() => toUint128(1n << 128n)).toThrow(/128-bit/);
  });
});

describe("P4Runtime client over gRPC", () => {
  it("arbitrates: the higher id is primary, the lower is denied writes and takes over when the primary leaves", async () => {
    const t = await target();
    const hi = client(t.address, 10n);
    const lo = client(t.address, 5n);
    expect((await hi.connect()).isPrimary).toBe(true);
    expect(hi.isPrimary).toBe(true);
    const a = await lo.connect();
    expect(a).toMatchObject({ isPrimary: false, primaryElectionId: 10n, code: Code.ALREADY_EXISTS });
    expect(lo.state).toBe("backup");

    const denied = await lo.write([insert(1)]);
    expect(denied).toEqual([expect.objectContaining({ code: Code.PERMISSION_DENIED, outcomeUnknown: false })]);
    expect(denied[0]!.message).toMatch(/Not primary/);

    const promoted = once(lo, "primary");
    hi.close();
    await promoted;
    expect(lo.isPrimary).toBe(true);
    expect(lo.primaryElectionId).toBe(5n);
    expect(await lo.write([insert(1)])).toEqual([expect.objectContaining({ code: 0 })]);
  });

  it("loses primacy to a higher id and says so", async () => {
    const t = await target();
    const a = client(t.address, 3n);
    await a.connect();
    const lost = once(a, "primaryLost");
    const b = client(t.address, 4n);
    await b.connect();
    await lost;
    expect(a.state).toBe("backup");
    // raising our id takes primacy back
    const regained = once(a, "primary");
    a.setElectionId(9n);
    await regained;
    expect(a.isPrimary).toBe(true);
  });

  it("maps each update of a failed Write to its own status", async () => {
    const t = await target();
    const c = client(t.address, 1n);
    await c.connect();
    expect((await c.write([insert(1), insert(2)])).map((r) => r.code)).toEqual([0, 0]);
    const r = await c.write([insert(3), insert(1), insert(4), insert(2)]);
    expect(r.map((x) => x.code)).toEqual([0, Code.ALREADY_EXISTS, 0, Code.ALREADY_EXISTS]);
    expect(r[1]!.message).toMatch(/Match entry exists/);
    expect(r[1]!.space).toBe("fake");
    const entities = await c.readAll([{ tableEntry: { tableId: 0 } }]);
    expect(entities.length).toBe(4);
    expect(entities.every((e) => e.tableEntry?.tableId === 5)).toBe(true);
  });

  it("sends writes through a batcher", async () => {
    const t = await target();
    const c = client(t.address, 1n);
    await c.connect();
    const b = c.batcher({ maxUpdates: 100 });
    const all = await Promise.all(Array.from({ length: 250 }, (_, i) => b.submitAsync(insert(i % 240))));
    expect(all.filter((r) => r.code === Code.ALREADY_EXISTS).length).toBe(10);
    expect(b.stats.batchesSent).toBeGreaterThanOrEqual(3);
    expect(t.entries.size).toBe(240);
  });

  it("gives every update of a Write past its deadline DEADLINE_EXCEEDED with an unknown outcome", async () => {
    const t = await target();
    t.hangWrites = true;
    const c = client(t.address, 1n, { writeTimeoutMs: 200 });
    await c.connect();
    const r = await c.write([insert(1), insert(2)]);
    expect(r.map((x) => [x.code, x.outcomeUnknown])).toEqual([
      [Code.DEADLINE_EXCEEDED, true],
      [Code.DEADLINE_EXCEEDED, true],
    ]);
  });

  it("sets and gets the pipeline with every response type, and reads capabilities", async () => {
    const t = await target();
    const c = client(t.address, 1n);
    await c.connect();
    await expect(c.getPipeline()).rejects.toThrow(/FAILED_PRECONDITION/);
    await c.setPipeline({
      action: "VERIFY_AND_COMMIT",
      p4info: { pkgInfo: { arch: "v1model" } },
      deviceConfig: Uint8Array.of(1, 2, 3),
      cookie: 0xffffffffffffffffn,
    });
    const all = await c.getPipeline("ALL");
    expect(all.cookie?.cookie).toBe(0xffffffffffffffffn);
    expect(all.p4info?.pkgInfo?.arch).toBe("v1model");
    expect(Buffer.from(all.p4DeviceConfig)).toEqual(Buffer.from([1, 2, 3]));
    const cookieOnly = await c.getPipeline("COOKIE_ONLY");
    expect(cookieOnly.p4info).toBeNull();
    expect(cookieOnly.p4DeviceConfig.length).toBe(0);
    expect((await c.getPipeline("DEVICE_CONFIG_AND_COOKIE")).p4DeviceConfig.length).toBe(3);
    expect(await c.capabilities()).toBe("1.3.0");
  });

  it("carries PacketOut and PacketIn on the stream", async () => {
    const t = await target();
    const c = client(t.address, 1n);
    await c.connect();
    const got = once(c, "packetIn");
    t.packetIn(Uint8Array.of(1, 2, 3));
    const [pin] = (await got) as [p4.v1.PacketIn];
    expect(Buffer.from(pin.payload)).toEqual(Buffer.from([1, 2, 3]));
    expect(pin.metadata[0]!.metadataId).toBe(1);
    expect(c.packetOut(Uint8Array.of(9), [{ metadataId: 1, value: Uint8Array.of(2) }])).toBe(true);
    // the packet reaches the target before the next unary call is answered on the same channel
    await c.capabilities();
    for (let i = 0; i < 50 && t.packetsOut.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(t.packetsOut.length).toBe(1);
  });

  it("emits idle-timeout notifications and stream errors", async () => {
    const t = await target();
    const c = client(t.address, 1n);
    await c.connect();
    const idle = once(c, "idleTimeout");
    t.toPrimary({ idleTimeoutNotification: { tableEntry: [{ tableId: 5, priority: 3 }], timestamp: 123n } });
    const [n] = (await idle) as [p4.v1.IdleTimeoutNotification];
    expect(n.tableEntry[0]!.tableId).toBe(5);
    expect(n.timestamp).toBe(123n);
    const se = once(c, "streamError");
    t.toPrimary({ error: { canonicalCode: 3, message: "bad packet", packetOut: { packetOut: { payload: Uint8Array.of(1) } } } });
    const [e] = (await se) as [p4.v1.StreamError];
    expect([e.canonicalCode, e.message, e.details]).toEqual([3, "bad packet", "packetOut"]);
  });

  it("reconnects and re-arbitrates after the target restarts", async () => {
    const t = await target();
    const c = client(t.address, 7n);
    await c.connect();
    const port = t.port;
    const down = once(c, "disconnected");
    t.stop();
    await down;
    expect(c.isPrimary).toBe(false);
    // while the target is away, attempts fail and are reported with the next delay
    const [err, delay] = (await once(c, "reconnectFailed")) as [Error, number];
    expect(err.message).toMatch(/unreachable/);
    expect(delay).toBeGreaterThan(0);
    const back = new FakeP4Runtime();
    cleanups.push(() => back.stop());
    await startOnPort(back, port);
    await once(c, "reconnected");
    expect(c.isPrimary).toBe(true);
  });
});

async function startOnPort(f: FakeP4Runtime, port: number): Promise<void> {
  const bind = f.server.bindAsync.bind(f.server);
  f.server.bindAsync = (_addr: string, creds: grpc.ServerCredentials, cb: (e: Error | null, port: number) => void) =>
    bind(`127.0.0.1:${port}`, creds, cb);
  await f.start();
}

describe("clear errors", () => {
  it("names the address of a refused connection", async () => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1");
    await once(srv, "listening");
    const port = (srv.address() as net.AddressInfo).port;
    srv.close();
    await once(srv, "close");
    const c = client(`127.0.0.1:${port}`, 1n, { reconnect: false });
    await expect(c.connect()).rejects.toThrow(new RegExp(`UNAVAILABLE: P4Runtime target 127\\.0\\.0\\.1:${port} is unreachable`));
    expect(c.state).toBe("disconnected");
  });

  it("says when the peer is not a P4Runtime server", async () => {
    const srv = new grpc.Server();
    const port = await new Promise<number>((res, rej) =>
      srv.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
    cleanups.push(() => srv.forceShutdown());
    const c = client(`127.0.0.1:${port}`, 1n, { reconnect: false });
    await expect(c.connect()).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port} is not a P4Runtime server`));
    await expect(c.capabilities()).rejects.toThrow(/is not a P4Runtime server/);
  });
});

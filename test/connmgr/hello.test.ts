// HELLO over real sockets: OpenFlow 1.0, 1.3, a version bitmap, and no common version.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import { errorOf, featuresRequest, helloBytes, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];

async function start(options: ConstructorParameters<typeof ConnManager>[1] = {}) {
  const endpoint = new ScriptedEndpoint();
  manager = new ConnManager(endpoint, options);
  const listener = await manager.listen({ port: 0 });
  const connect = async () => {
    const c = await RawClient.connect(listener.port);
    clients.push(c);
    return c;
  };
  return { endpoint, listener, connect };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

describe("HELLO", () => {
  it("offers 1.0 and 1.3 with a version bitmap and negotiates 1.0 with a plain 1.0 HELLO", async () => {
    const { endpoint, connect } = await start();
    const c = await connect();
    const ready = endpoint.nextConnected();
    const theirs = await c.hello(0x01);
    expect(theirs.version).toBe(0x04);
    // One VERSIONBITMAP element with bits 1 and 4.
    expect(theirs.bytes.readUInt16BE(8)).toBe(1);
    expect(theirs.bytes.readUInt32BE(12)).toBe((1 << 1) | (1 << 4));
    const conn = await ready;
    expect(conn.version).toBe(0x01);
    c.send(featuresRequest(0x01, 77));
    const reply = await c.next(OFPT.FEATURES_REPLY);
    expect(reply.version).toBe(0x01);
    expect(reply.xid).toBe(77);
    expect(reply.bytes.readBigUInt64BE(8)).toBe(0x42n);
  });

  it("negotiates 1.3 with a 1.3 HELLO without bitmap", async () => {
    const { endpoint, connect } = await start();
    const c = await connect();
    const ready = endpoint.nextConnected();
    await c.hello(0x04);
    expect((await ready).version).toBe(0x04);
    c.send(featuresRequest(0x04, 5));
    expect((await c.next(OFPT.FEATURES_REPLY)).version).toBe(0x04);
  });

  it("takes the highest common version from a newer peer's bitmap", async () => {
    const { endpoint, connect } = await start();
    const ready1 = endpoint.nextConnected();
    const a = await connect();
    await a.hello(0x06, [0x01, 0x05, 0x06]);
    expect((await ready1).version).toBe(0x01);
    const ready4 = endpoint.nextConnected();
    const b = await connect();
    await b.hello(0x06, [0x04, 0x06]);
    expect((await ready4).version).toBe(0x04);
  });

  it("answers HELLO_FAILED/INCOMPATIBLE and closes when no version is common", async () => {
    const { endpoint, connect } = await start({ versions: [0x01] });
    const c = await connect();
    c.send(helloBytes(0x04, [0x04]));
    const err = await c.next(OFPT.ERROR);
    expect(errorOf(err)).toMatchObject({ type: 0, code: 0 });
    // The data is an ASCII explanation (OpenFlow 1.3.5 §7.4.1).
    expect(errorOf(err).data.toString("ascii")).toBe("We support versions 0x01; you support 0x04.");
    await c.whenClosed();
    expect(endpoint.connectedIds).toEqual([]);
    expect(endpoint.disconnectedIds).toEqual([]);
  });

  it("an OpenFlow 1.0-only switch sends a plain 8-byte 1.0 HELLO", async () => {
    const { connect } = await start({ versions: [0x01] });
    const c = await connect();
    const theirs = await c.hello(0x01);
    expect(theirs.version).toBe(0x01);
    expect(theirs.bytes.length).toBe(8);
  });

  it("takes HELLO and a request in one segment, and a request written a byte at a time", async () => {
    const { endpoint, connect } = await start();
    const c = await connect();
    c.socket.setNoDelay(true);
    const ready = endpoint.nextConnected();
    c.send(Buffer.concat([helloBytes(0x04, [0x04]), featuresRequest(0x04, 21)]));
    await ready;
    expect((await c.next(OFPT.FEATURES_REPLY)).xid).toBe(21);
    const request = featuresRequest(0x04, 22);
    for (const byte of request) {
      await new Promise<void>((resolve) => c.socket.write(Uint8Array.of(byte), () => resolve()));
    }
    expect((await c.next(OFPT.FEATURES_REPLY, (f) => f.xid === 22)).xid).toBe(22);
  });

  it("a first message that is not HELLO ends the connection with HELLO_FAILED", async () => {
    const { endpoint, connect } = await start();
    const c = await connect();
    c.send(featuresRequest(0x04, 5));
    const err = await c.next(OFPT.ERROR);
    expect(errorOf(err)).toMatchObject({ type: 0, code: 0 });
    await c.whenClosed();
    expect(endpoint.connectedIds).toEqual([]);
  });
});

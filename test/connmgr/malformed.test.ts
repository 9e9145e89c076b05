// Malformed input: garbage framing closes only that connection; a message the codec refuses
// is answered with OFPT_ERROR quoting the request, and the connection stays open.
import { afterEach, describe, expect, it } from "vitest";
import { ConnManager } from "../../src/connmgr/conn-manager.js";
import type { Logger } from "../../src/connmgr/logger.js";
import { echoRequest, errorOf, header, OFPT, RawClient, ScriptedEndpoint } from "./helpers.js";

let manager: ConnManager | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await manager?.close();
  manager = undefined;
});

/** Every log line connmgr writes, level first. */
const lines: [string, object, string][] = [];
const record =
  (level: string) =>
  (f: object | string, m?: string): void =>
    void lines.push(typeof f === "string" ? [level, {}, f] : [level, f, m ?? ""]);
const logger: Logger = { info: record("info"), warn: record("warn"), debug: record("debug"), error: record("error") };

async function setup() {
  lines.length = 0;
  const endpoint = new ScriptedEndpoint();
  manager = new ConnManager(endpoint, { logger });
  const listener = await manager.listen({ port: 0 });
  const open = async (version: number) => {
    const c = await RawClient.connect(listener.port);
    clients.push(c);
    const ready = endpoint.nextConnected();
    await c.hello(version);
    return { client: c, view: await ready };
  };
  return { endpoint, manager, open };
}

describe("malformed input", () => {
  it("garbage framing closes only that connection", async () => {
    const { endpoint, manager, open } = await setup();
    const bad = await open(0x04);
    const good = await open(0x04);
    const closed = new Promise<string>((resolve) => manager.once("closed", (_c, reason) => resolve(reason)));
    bad.client.send(Buffer.from([0x04, 0x0a, 0x00, 0x04, 0, 0, 0, 1])); // length 4 < 8
    await bad.client.whenClosed();
    expect(await closed).toMatch(/framing/);
    expect(endpoint.disconnectedIds).toEqual([bad.view.id]);
    good.client.send(echoRequest(0x04, 9));
    expect((await good.client.next(OFPT.ECHO_REPLY)).xid).toBe(9);
    expect([...manager.connections()].map((c) => c.id)).toEqual([good.view.id]);
  });

  for (const version of [0x01, 0x04]) {
    it(`an unknown message type gets BAD_REQUEST/BAD_TYPE quoting the request (version ${version})`, async () => {
      const { endpoint, open } = await setup();
      const { client, view } = await open(version);
      const request = header(version, 99, 100, 0xabcdef);
      for (let i = 8; i < 100; i++) request[i] = i;
      client.send(request);
      const err = await client.next(OFPT.ERROR);
      expect(err.xid).toBe(0xabcdef);
      expect(err.version).toBe(version);
      const { type, code, data } = errorOf(err);
      expect([type, code]).toEqual([1, 1]);
      expect(data.length).toBeGreaterThanOrEqual(64);
      expect(Buffer.compare(data, request.subarray(0, data.length))).toBe(0);
      // Still open, and the core never saw it.
      client.send(echoRequest(version, 10));
      expect((await client.next(OFPT.ECHO_REPLY)).xid).toBe(10);
      expect(endpoint.attempts).toEqual([]);
      // Logged once, with the connection, the error and the request.
      const logged = lines.filter(([, f]) => "ofError" in f);
      expect(logged).toEqual([["info", { conn: view.name, ofError: "BAD_REQUEST_BAD_TYPE", requestType: 99, xid: 0xabcdef }, expect.stringMatching(/^\S+: BAD_REQUEST_BAD_TYPE \(/)]]);
      expect(logged[0]![2].startsWith(`${view.name}: `)).toBe(true);
    });
  }

  it("a message of another version after HELLO gets BAD_REQUEST/BAD_VERSION", async () => {
    const { endpoint, open } = await setup();
    const { client, view } = await open(0x04);
    const request = header(0x01, 18, 8, 33); // an OF1.0 barrier on a 1.3 connection
    client.send(request);
    const err = await client.next(OFPT.ERROR);
    expect(err.xid).toBe(33);
    expect(errorOf(err)).toMatchObject({ type: 1, code: 0 });
    expect(endpoint.attempts).toEqual([]);
    expect(lines.filter(([, f]) => "ofError" in f).map(([, f]) => f)).toEqual([{ conn: view.name, ofError: "BAD_REQUEST_BAD_VERSION", requestType: 18, xid: 33 }]);
  });
});

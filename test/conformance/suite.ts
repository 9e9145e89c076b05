// The P4Runtime conformance suite, one set of cases for every target (./target.ts): run on
// ofp4's sim by sim.test.ts (`npm test`) and on real simple_switch_grpc by bmv2.bmv2.ts
// (`npm run test:bmv2`). Each case asserts exact status codes — the whole RPC's and each
// update's — with the fixture program test/fixtures/sim/simtest.p4 (all match kinds, direct and
// indirect counters, idle timeout, a 4-entry table, packet I/O headers). The codes are bmv2's:
// a case where a target answers otherwise fails, unless DEPARTURES lists it with the reason.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import {
  b,
  DataplaneHandle,
  DELETE,
  fixture,
  flood,
  frame,
  fwd,
  group,
  ID,
  INSERT,
  l2Entry,
  mac,
  MODIFY,
  TestClient,
  toCpu,
  update,
  type StreamHandle,
} from "../sim/harness.js";
import { CPU_PORT as CPU, type ConformanceTarget } from "./target.js";

/**
 * Cases where a target knowingly answers otherwise than bmv2, with the reason; such a case is
 * expected to FAIL on the targets listed (so it is noticed when the departure goes away).
 */
export const DEPARTURES: Readonly<Record<string, { readonly targets: readonly string[]; readonly reason: string }>> = {};

interface Ctx {
  target: ConformanceTarget;
  /** The last case left the target in a state only a restart clears (bmv2's failed pipeline updates). */
  dirty: boolean;
  client: TestClient;
  streams: StreamHandle[];
  dp: DataplaneHandle | undefined;
}

/** Registers the suite for one target; `start` brings it up empty, the suite stops it. */
export function conformanceSuite(name: string, start: () => Promise<ConformanceTarget>): void {
  const ctx = {} as Ctx;

  /** A case, expected to fail where DEPARTURES says this target departs from bmv2. */
  const test = (title: string, fn: () => Promise<void>): void => {
    const departs = DEPARTURES[title]?.targets.includes(name) ?? false;
    (departs ? it.fails : it)(title, fn);
  };

  const stream = (): StreamHandle => {
    const s = ctx.client.stream();
    ctx.streams.push(s);
    return s;
  };

  /** Half-closes every stream this case opened and waits until the target has ended it. */
  const closeStreams = async (): Promise<void> => {
    const open = ctx.streams.splice(0);
    for (const s of open) s.close();
    await Promise.all(
      open.map((s) => Promise.race([s.ended, new Promise<void>((r) => setTimeout(r, 3000).unref())]).then(() => s.cancel())),
    );
  };

  const closeDataplane = (): void => {
    ctx.dp?.close();
    ctx.dp = undefined;
  };

  /** The target empty again (no pipeline), with a new client channel. */
  const restart = async (): Promise<void> => {
    await closeStreams();
    closeDataplane();
    ctx.client.close();
    await ctx.target.restart();
    ctx.dirty = false;
    ctx.client = new TestClient(ctx.target.p4runtimeAddress);
    await untilServing();
  };

  /** A new process may accept TCP a moment before it answers RPCs. */
  const untilServing = async (): Promise<void> => {
    for (let i = 0; ; i++) {
      try {
        await ctx.client.capabilities();
        return;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  /** The fixture program freshly committed: no entries, no groups, no streams. */
  const fresh = async (): Promise<void> => {
    if (ctx.dirty) await restart();
    await closeStreams();
    closeDataplane();
    let code = await ctx.client.setConfig();
    if (code !== 0) {
      // A failed case may have left the target refusing pipelines: start from a clean one.
      await restart();
      code = await ctx.client.setConfig();
    }
    expect(code, ctx.target.logTail()).toBe(0);
  };

  const write = (updates: p4.v1.IUpdate[], electionId?: bigint) => ctx.client.write(updates, electionId === undefined ? {} : { electionId });

  /** One update's per-update code (0 when the RPC succeeded). */
  const one = async (u: p4.v1.IUpdate, electionId?: bigint): Promise<number> => {
    const r = await write([u], electionId);
    if (r.code === 0) return 0;
    expect(r.code).toBe(2);
    expect(r.codes).toHaveLength(1);
    return r.codes[0]!;
  };

  /** The whole RPC's code and the per-update codes (all 0 when the RPC succeeded). */
  const batch = async (updates: p4.v1.IUpdate[], electionId?: bigint): Promise<{ code: number; codes: number[] }> => {
    const r = await write(updates, electionId);
    return { code: r.code, codes: r.code === 0 ? updates.map(() => 0) : r.codes };
  };

  const arb = (m: p4.v1.StreamMessageResponse | undefined): { code: number; message: string; election: bigint } => {
    expect(m?.update).toBe("arbitration");
    const a = m!.arbitration!;
    return { code: a.status?.code ?? 0, message: a.status?.message ?? "", election: ((a.electionId?.high ?? 0n) << 64n) | (a.electionId?.low ?? 0n) };
  };

  const primary = async (id: bigint): Promise<StreamHandle> => {
    const s = stream();
    s.arbitrate(id);
    expect(arb(await s.next())).toEqual({ code: 0, message: "Is primary", election: id });
    return s;
  };

  const backup = async (id: bigint, primaryId: bigint): Promise<StreamHandle> => {
    const s = stream();
    s.arbitrate(id);
    expect(arb(await s.next())).toEqual({ code: 6, message: "Is backup", election: primaryId });
    return s;
  };

  const dataplane = (): DataplaneHandle => {
    ctx.dp ??= new DataplaneHandle(ctx.target.dataplaneAddress);
    return ctx.dp;
  };

  /** Injects a frame and returns (port, frame hex) of every copy emitted, sorted by port. */
  const send = async (port: number, f: Uint8Array, expected: number): Promise<{ port: number; hex: string }[]> => {
    const dp = dataplane();
    dp.inject(port, f);
    const got = await dp.collect(expected, ctx.target.quietMs);
    return got.map((m) => ({ port: m.port, hex: Buffer.from(m.packet).toString("hex") })).sort((x, y) => x.port - y.port);
  };

  const entry = (tableId: number, match: p4.v1.IFieldMatch[], action: p4.v1.IAction | undefined, extra: Partial<p4.v1.ITableEntry> = {}): p4.v1.IEntity => ({
    tableEntry: { tableId, match, ...(action ? { action: { action } } : {}), ...extra },
  });
  const nop: p4.v1.IAction = { actionId: ID.nop };
  const drop: p4.v1.IAction = { actionId: ID.drop };
  const lpm = (v: number[], len: number): p4.v1.IFieldMatch[] => [{ fieldId: 1, lpm: { value: Uint8Array.from(v), prefixLen: len } }];
  const small = (m: string): p4.v1.IFieldMatch[] => [{ fieldId: 1, exact: { value: mac(m) } }];
  const hex = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? new Uint8Array()).toString("hex");

  describe(`P4Runtime conformance: ${name}`, () => {
    beforeAll(async () => {
      ctx.target = await start();
      ctx.streams = [];
      ctx.dp = undefined;
      ctx.dirty = false;
      ctx.client = new TestClient(ctx.target.p4runtimeAddress);
      await untilServing();
    });
    afterAll(async () => {
      await closeStreams();
      closeDataplane();
      ctx.client?.close();
      await ctx.target?.stop();
    });
    afterEach(async () => {
      await closeStreams();
      closeDataplane();
    });

    describe("before any pipeline", () => {
      beforeEach(restart);

      test("Capabilities answers 1.3.0", async () => {
        expect(await ctx.client.capabilities()).toBe("1.3.0");
      });
      test("Get before any Set: FAILED_PRECONDITION", async () => {
        expect((await ctx.client.getConfig()).code).toBe(9);
      });
      test("Write before any pipeline: FAILED_PRECONDITION", async () => {
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(9);
      });
      test("Write before any pipeline from the primary: FAILED_PRECONDITION", async () => {
        await primary(1n);
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], 1n)).code).toBe(9);
      });
      test("Read before any pipeline: FAILED_PRECONDITION", async () => {
        expect((await ctx.client.read([{ tableEntry: {} }])).code).toBe(9);
      });
      test("VERIFY: OK; Get then answers OK with an empty config (bmv2 keeps the verified P4Info aside)", async () => {
        ctx.dirty = true; // bmv2 crashes on the next Read or Write
        expect(await ctx.client.setConfig({ action: 1, cookie: 3n })).toBe(0);
        const got = await ctx.client.getConfig(0);
        expect({ code: got.code, bytes: p4.v1.ForwardingPipelineConfig.encode(got.config?.config ?? {}).finish().length }).toEqual({ code: 0, bytes: 0 });
      });
      test("VERIFY_AND_SAVE then COMMIT installs the saved config", async () => {
        expect(await ctx.client.setConfig({ action: 2, cookie: 5n })).toBe(0);
        expect(await ctx.client.setConfig({ action: 4 })).toBe(0);
        const got = await ctx.client.getConfig(1);
        expect(got.code).toBe(0);
        expect(got.config!.config!.cookie!.cookie).toBe(5n);
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
      });
      test("VERIFY_AND_SAVE alone: the new config is visible at once; entries written before COMMIT survive it", async () => {
        expect(await ctx.client.setConfig({ action: 2, cookie: 5n })).toBe(0);
        const got = await ctx.client.getConfig(0);
        const read = await ctx.client.read([{ tableEntry: {} }]);
        const w = await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))]);
        expect({ get: got.code, tables: got.config?.config?.p4info?.tables?.length, device: got.config?.config?.p4DeviceConfig?.length, cookie: got.config?.config?.cookie?.cookie, read: read.code, write: w.code }).toEqual({
          get: 0,
          tables: 4,
          device: fixture.json.length,
          cookie: 5n,
          read: 0,
          write: 0,
        });
        expect(await ctx.client.setConfig({ action: 4 })).toBe(0);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
        expect(await ctx.client.setConfig({ action: 4 })).toBe(2);
      });
      test("COMMIT with nothing saved: UNKNOWN", async () => {
        expect(await ctx.client.setConfig({ action: 4 })).toBe(2);
      });
      test("a device config that is not bmv2 JSON: UNKNOWN; Get then answers OK with an empty config", async () => {
        ctx.dirty = true; // bmv2 crashes on the next Read or Write
        expect(await ctx.client.setConfig({ json: Uint8Array.from(Buffer.from("not json")), cookie: 6n })).toBe(2);
        const got = await ctx.client.getConfig(0);
        expect({ code: got.code, bytes: p4.v1.ForwardingPipelineConfig.encode(got.config?.config ?? {}).finish().length }).toEqual({ code: 0, bytes: 0 });
      });
    });

    describe("pipeline config", () => {
      beforeEach(fresh);

      test("UNSPECIFIED action: INVALID_ARGUMENT", async () => {
        expect(await ctx.client.setConfig({ action: 0 })).toBe(3);
      });
      test("an action value past RECONCILE_AND_COMMIT: OK, and nothing changes", async () => {
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
        expect(await ctx.client.setConfig({ action: 9, cookie: 9n })).toBe(0);
        expect((await ctx.client.getConfig(1)).config?.config?.cookie ?? null).toBeNull();
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
      });
      test("VERIFY on a running pipeline: OK, and nothing changes", async () => {
        expect(await ctx.client.setConfig({ cookie: 7n })).toBe(0);
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
        expect(await ctx.client.setConfig({ action: 1, cookie: 3n })).toBe(0);
        expect((await ctx.client.getConfig(1)).config?.config?.cookie?.cookie).toBe(7n);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
      });
      test("a device config that is not bmv2 JSON on a running pipeline: UNKNOWN; Get still answers the old config", async () => {
        ctx.dirty = true; // bmv2 then answers every Read and Write with UNKNOWN
        expect(await ctx.client.setConfig({ cookie: 7n })).toBe(0);
        expect(await ctx.client.setConfig({ json: Uint8Array.from(Buffer.from("not json")), cookie: 8n })).toBe(2);
        expect((await ctx.client.getConfig(1)).config?.config?.cookie?.cookie).toBe(7n);
      });
      test("a P4Info that repeats an action: VERIFY and VERIFY_AND_COMMIT accept it", async () => {
        const twice = { ...fixture.p4info, actions: [...(fixture.p4info.actions ?? []), fixture.p4info.actions![0]!] };
        expect(await ctx.client.setConfig({ action: 1, p4info: twice })).toBe(0);
        expect(await ctx.client.setConfig({ action: 3, p4info: twice })).toBe(0);
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
      });
      test("a device_id other than the switch's: UNKNOWN", async () => {
        expect(await ctx.client.setConfig({ deviceId: 3n })).toBe(2);
      });
      test("Get ALL returns the P4Info, the device config and the cookie as set", async () => {
        expect(await ctx.client.setConfig({ cookie: 0xfeedface12345678n })).toBe(0);
        const got = await ctx.client.getConfig(0);
        expect(got.code).toBe(0);
        const c = got.config!.config!;
        expect(Buffer.from(p4.config.v1.P4Info.encode(c.p4info!).finish()).equals(Buffer.from(p4.config.v1.P4Info.encode(fixture.p4info).finish()))).toBe(true);
        expect(Buffer.from(c.p4DeviceConfig!).equals(Buffer.from(fixture.json))).toBe(true);
        expect(c.cookie!.cookie).toBe(0xfeedface12345678n);
      });
      test("Get COOKIE_ONLY returns only the cookie", async () => {
        expect(await ctx.client.setConfig({ cookie: 7n })).toBe(0);
        const c = (await ctx.client.getConfig(1)).config!.config!;
        expect({ p4info: !!c.p4info, device: c.p4DeviceConfig?.length ?? 0, cookie: c.cookie?.cookie }).toEqual({ p4info: false, device: 0, cookie: 7n });
      });
      test("Get P4INFO_AND_COOKIE returns the P4Info and the cookie", async () => {
        expect(await ctx.client.setConfig({ cookie: 8n })).toBe(0);
        const c = (await ctx.client.getConfig(2)).config!.config!;
        expect({ tables: c.p4info?.tables?.length, device: c.p4DeviceConfig?.length ?? 0, cookie: c.cookie?.cookie }).toEqual({ tables: 4, device: 0, cookie: 8n });
      });
      test("Get DEVICE_CONFIG_AND_COOKIE returns the device config and the cookie", async () => {
        expect(await ctx.client.setConfig({ cookie: 9n })).toBe(0);
        const c = (await ctx.client.getConfig(3)).config!.config!;
        expect({ p4info: !!c.p4info, device: c.p4DeviceConfig?.length ?? 0, cookie: c.cookie?.cookie }).toEqual({ p4info: false, device: fixture.json.length, cookie: 9n });
      });
      test("Get with an unknown response_type", async () => {
        const got = await ctx.client.getConfig(7);
        expect({ code: got.code, bytes: got.config ? p4.v1.ForwardingPipelineConfig.encode(got.config.config ?? {}).finish().length : -1 }).toEqual({ code: 3, bytes: -1 });
      });
      test("Get without a cookie set carries no cookie", async () => {
        const c = (await ctx.client.getConfig(0)).config!.config!;
        expect(c.cookie ?? null).toBeNull();
      });
      test("VERIFY_AND_COMMIT clears the forwarding state (entries, groups, counters)", async () => {
        expect(
          (await batch([
            update(INSERT, l2Entry(1, undefined, 1, fwd(2))),
            update(INSERT, group(3, [{ egressPort: 1 }])),
            update(MODIFY, { counterEntry: { counterId: ID.port_rx, index: { index: 2n }, data: { packetCount: 5n, byteCount: 50n } } }),
          ])).code,
        ).toBe(0);
        expect(await ctx.client.setConfig()).toBe(0);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
        expect((await ctx.client.read([group(0, [])])).entities).toHaveLength(0);
        const cell = await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 2n } } }]);
        expect(cell.entities[0]!.counterEntry!.data!.packetCount ?? 0n).toBe(0n);
      });
      test("RECONCILE_AND_COMMIT of a program with indirect counters: UNKNOWN (bmv2 cannot re-INSERT counter cells); entries and the new cookie kept, groups lost; later pipeline changes UNKNOWN", async () => {
        ctx.dirty = true; // only a restart makes bmv2 accept a pipeline again
        expect((await batch([update(INSERT, l2Entry(1, undefined, 1, fwd(2))), update(INSERT, group(3, [{ egressPort: 1 }]))])).code).toBe(0);
        expect(await ctx.client.setConfig({ action: 5, cookie: 9n })).toBe(2);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
        expect((await ctx.client.read([group(0, [])])).entities).toHaveLength(0);
        expect((await ctx.client.getConfig(1)).config!.config!.cookie!.cookie).toBe(9n);
        expect((await write([update(INSERT, l2Entry(2, undefined, 1, fwd(2)))])).code).toBe(0);
        expect(await ctx.client.setConfig({ cookie: 10n })).toBe(2);
        expect(await ctx.client.setConfig({ action: 2, cookie: 11n })).toBe(2);
        expect(await ctx.client.setConfig({ action: 5, cookie: 12n })).toBe(2);
        expect((await ctx.client.getConfig(1)).config!.config!.cookie!.cookie).toBe(9n);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(2);
      });
      test("VERIFY_AND_SAVE on a running pipeline: new config at once, entries and groups gone; what is written before COMMIT stays", async () => {
        expect(await ctx.client.setConfig({ cookie: 1n })).toBe(0);
        expect((await batch([update(INSERT, l2Entry(1, undefined, 1, fwd(2))), update(INSERT, group(3, [{ egressPort: 1 }]))])).code).toBe(0);
        expect(await ctx.client.setConfig({ action: 2, cookie: 4n })).toBe(0);
        const entries = (await ctx.client.read([{ tableEntry: {} }])).entities.length;
        const groups = (await ctx.client.read([group(0, [])])).entities.length;
        const cookie = (await ctx.client.getConfig(1)).config?.config?.cookie?.cookie;
        expect({ entries, groups, cookie }).toEqual({ entries: 0, groups: 0, cookie: 4n });
        expect((await write([update(INSERT, l2Entry(2, undefined, 1, fwd(2)))])).code).toBe(0);
        expect(await ctx.client.setConfig({ action: 4 })).toBe(0);
        const after = await ctx.client.read([{ tableEntry: {} }]);
        expect(after.entities.map((e) => hex(e.tableEntry!.match![0]!.exact!.value))).toEqual(["02"]);
      });
    });

    describe("arbitration", () => {
      beforeEach(fresh);
      const e = l2Entry(1, undefined, 1, fwd(2));

      test("a lone stream becomes primary: OK 'Is primary' with its election id", async () => {
        await primary(10n);
      });
      test("a lower id is backup: ALREADY_EXISTS 'Is backup' with the primary's id, told only to it", async () => {
        const p = await primary(10n);
        await backup(5n, 10n);
        p.arbitrate(11n);
        expect(arb(await p.next())).toEqual({ code: 0, message: "Is primary", election: 11n });
      });
      test("a higher id takes over and every stream is told", async () => {
        const a = await primary(10n);
        await primary(20n);
        expect(arb(await a.next())).toEqual({ code: 6, message: "Is backup", election: 20n });
      });
      test("a backup's Write: PERMISSION_DENIED; the primary's: OK", async () => {
        await primary(10n);
        await backup(5n, 10n);
        expect((await write([update(INSERT, e)], 5n)).code).toBe(7);
        expect((await write([update(INSERT, e)], 10n)).code).toBe(0);
      });
      test("a backup's SetForwardingPipelineConfig: PERMISSION_DENIED; the primary's: OK", async () => {
        await primary(10n);
        await backup(5n, 10n);
        expect(await ctx.client.setConfig({ electionId: 5n })).toBe(7);
        expect(await ctx.client.setConfig({ electionId: 10n })).toBe(0);
      });
      test("a Write without election id while a stream is primary: PERMISSION_DENIED", async () => {
        await primary(10n);
        expect((await write([update(INSERT, e)])).code).toBe(7);
      });
      test("a Write with an election id and no stream: PERMISSION_DENIED", async () => {
        expect((await write([update(INSERT, e)], 1n)).code).toBe(7);
      });
      test("a Write with neither stream nor election id: OK", async () => {
        expect((await write([update(INSERT, e)])).code).toBe(0);
      });
      test("an unset election id counts as 0 and can be primary", async () => {
        const s = stream();
        s.arbitrate(undefined);
        expect(arb(await s.next())).toEqual({ code: 0, message: "Is primary", election: 0n });
        expect((await write([update(INSERT, e)], 0n)).code).toBe(0);
      });
      test("a second stream with the primary's election id is ended with INVALID_ARGUMENT", async () => {
        await primary(10n);
        const s = stream();
        s.arbitrate(10n);
        expect(await s.ended).toBe(3);
      });
      test("the same id sent again gets no reply", async () => {
        const p = await primary(10n);
        p.arbitrate(10n);
        p.arbitrate(12n);
        expect(arb(await p.next()).election).toBe(12n);
        expect(p.pending).toBe(0);
      });
      test("a device_id change on a stream ends it with FAILED_PRECONDITION", async () => {
        const p = await primary(10n);
        p.arbitrate(10n, 1n);
        expect(await p.ended).toBe(9);
      });
      test("failover: when the primary's stream closes the highest backup is primary at once and all are told", async () => {
        const p = await primary(30n);
        const low = await backup(10n, 30n);
        const mid = await backup(20n, 30n);
        p.close();
        expect(await p.ended).toBe(0);
        expect(arb(await mid.nextOf("arbitration"))).toEqual({ code: 0, message: "Is primary", election: 20n });
        expect(arb(await low.nextOf("arbitration"))).toEqual({ code: 6, message: "Is backup", election: 20n });
        expect((await write([update(INSERT, e)], 30n)).code).toBe(7);
        expect((await write([update(INSERT, e)], 20n)).code).toBe(0);
      });
      test("entries persist after every stream closes; then writes need no election id", async () => {
        const p = await primary(10n);
        expect((await write([update(INSERT, e)], 10n)).code).toBe(0);
        p.close();
        expect(await p.ended).toBe(0);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(1);
        expect((await write([update(DELETE, e)])).code).toBe(0);
      });
      test("arbitration for a device the switch does not have", async () => {
        const s = stream();
        s.arbitrate(50n, 7n);
        const first = await Promise.race([s.next().then((m) => (m ? { arbitration: arb(m).code } : { ended: "no message" })), s.ended.then((code) => ({ ended: code }))]);
        expect(first).toEqual({ arbitration: 0 });
        // Arbitration is per device: device 0 still has no primary.
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))])).code).toBe(0);
        expect((await ctx.client.write([update(INSERT, l2Entry(2, undefined, 1, fwd(2)))], { deviceId: 7n, electionId: 50n })).code).toBe(9);
      });
      test("Write, Read and Get for a device_id the switch does not have", async () => {
        const w = await ctx.client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], { deviceId: 7n });
        const r = await ctx.client.read([{ tableEntry: {} }], 7n);
        const g = await ctx.client.getConfig(0, 7n);
        expect({ write: w.code, read: r.code, get: g.code }).toEqual({ write: 9, read: 9, get: 9 });
      });
      test("a primary that lowers its id below a backup's loses primacy and both are told", async () => {
        const a = await primary(20n);
        const c = await backup(10n, 20n);
        a.arbitrate(5n);
        expect(arb(await a.nextOf("arbitration"))).toEqual({ code: 6, message: "Is backup", election: 10n });
        expect(arb(await c.nextOf("arbitration"))).toEqual({ code: 0, message: "Is primary", election: 10n });
      });
      test("a Write with an election id higher than the primary's: PERMISSION_DENIED", async () => {
        await primary(10n);
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], 11n)).code).toBe(7);
      });
      test("election ids use all 128 bits", async () => {
        const high = (1n << 64n) + 1n;
        await primary(high);
        await backup(0xffffffffffffffffn, high);
        expect((await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], high)).code).toBe(0);
      });
      test("a stream naming a role arbitrates with the others (roles are ignored)", async () => {
        await primary(10n);
        const s2 = stream();
        s2.arbitrate(5n, 0n, "other");
        const first = await Promise.race([s2.next().then((m) => (m ? arb(m) : "ended")), s2.ended.then((code) => `ended ${code}`)]);
        expect(first).toEqual({ code: 6, message: "Is backup", election: 10n });
      });
      test("a 17th stream on one device is ended with RESOURCE_EXHAUSTED", async () => {
        for (let i = 1; i <= 16; i++) {
          const s = stream();
          s.arbitrate(BigInt(i));
          await s.nextOf("arbitration");
        }
        const extra = stream();
        extra.arbitrate(100n);
        expect(await extra.ended).toBe(8);
      });
    });

    describe("write validation", () => {
      beforeEach(fresh);

      test("unknown table id: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(0x02000099, [], nop)))).toBe(3);
      });
      test("unknown action id: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: 0x01000099 })))).toBe(3);
      });
      test("unknown match field id: INVALID_ARGUMENT", async () => {
        const x = l2Entry(1, undefined, 1, fwd(2));
        x.tableEntry!.match!.push({ fieldId: 7, exact: { value: b(1) } });
        expect(await one(update(INSERT, x))).toBe(3);
      });
      test("unknown action param id: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd, params: [{ paramId: 1, value: b(1) }, { paramId: 2, value: b(1) }] })))).toBe(3);
      });
      test("missing action param: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd })))).toBe(3);
      });
      test("action param wider than declared: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd, params: [{ paramId: 1, value: b(2, 0) }] })))).toBe(3);
      });
      test("exact value wider than its field: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(2, 0) } }], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("ternary value wider than its field: INVALID_ARGUMENT", async () => {
        const m = [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(1, 0, 0, 0, 0, 0, 0), mask: b(1, 0, 0, 0, 0, 0, 0) } }];
        expect(await one(update(INSERT, entry(ID.t_l2, m, fwd(2), { priority: 1 })))).toBe(3);
      });
      test("UNSPECIFIED update type: INVALID_ARGUMENT", async () => {
        expect(await one(update(0, l2Entry(1, undefined, 1, fwd(2))))).toBe(3);
      });
      test("missing exact field: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("wrong match kind: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, ternary: { value: b(1), mask: b(1) } }], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("left-padded (non-canonical) values: accepted, read back canonical", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(0, 0, 0, 5) } }], { actionId: ID.fwd, params: [{ paramId: 1, value: b(0, 0, 2) }] }, { priority: 1 })))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
        expect(hex(r.entities[0]!.tableEntry!.match![0]!.exact!.value)).toBe("05");
        expect(hex(r.entities[0]!.tableEntry!.action!.action!.params![0]!.value)).toBe("02");
      });
      test("an empty value is 0", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: new Uint8Array() } }], fwd(2), { priority: 1 })))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
        expect(hex(r.entities[0]!.tableEntry!.match![0]!.exact!.value)).toBe("00");
      });
      test("priority 0 on a ternary table: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, "00:00:00:00:00:01", 0, fwd(2))))).toBe(3);
      });
      test("priority > 0 on an exact-only table: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_small, small("00:00:00:00:00:01"), nop, { priority: 5 })))).toBe(3);
      });
      test("priority > 0 on an LPM table: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1), { priority: 5 })))).toBe(3);
      });
      test("ternary mask 0: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(0), mask: b(0) } }], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("ternary value outside its mask: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(3), mask: b(1) } }], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("ternary mask wider than its field: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [{ fieldId: 1, exact: { value: b(1) } }, { fieldId: 2, ternary: { value: b(1), mask: b(1, 0, 0, 0, 0, 0, 1) } }], fwd(2), { priority: 1 })))).toBe(3);
      });
      test("LPM prefix 0: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 0), fwd(1))))).toBe(3);
      });
      test("LPM prefix longer than the field: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 33), fwd(1))))).toBe(3);
      });
      test("LPM bits set past the prefix: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 1], 8), fwd(1))))).toBe(3);
      });
      test("LPM valid prefix: OK", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1))))).toBe(0);
      });
      test("range low > high: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 1, range: { low: b(9), high: b(8) } }], nop, { priority: 1 })))).toBe(3);
      });
      test("full range: OK, the same as omitting the field (read back without it)", async () => {
        expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 1, range: { low: b(0), high: b(0xff, 0xff) } }], nop, { priority: 1 })))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_range } }]);
        expect(r.entities.map((e) => e.tableEntry!.match!.length)).toEqual([0]);
      });
      test("range and optional entries: OK, read back", async () => {
        const m = [{ fieldId: 1, range: { low: b(8), high: b(9) } }, { fieldId: 2, optional: { value: b(17) } }];
        expect(await one(update(INSERT, entry(ID.t_range, m, nop, { priority: 1 })))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_range } }]);
        expect(r.entities[0]!.tableEntry!.match!.map((f) => f.fieldMatchType)).toEqual(["range", "optional"]);
      });
      test("time_since_last_hit in a write: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { timeSinceLastHit: { elapsedNs: 1n } })))).toBe(3);
      });
      test("INSERT without an action: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, undefined)))).toBe(3);
      });
      test("MODIFY without an action: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
        expect(await one(update(MODIFY, l2Entry(1, undefined, 1, undefined)))).toBe(3);
      });
      test("an action that is not the table's: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.nop })))).toBe(3);
      });
      test("@defaultonly action in an entry: PERMISSION_DENIED", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.drop })))).toBe(7);
      });
      test("@tableonly action as the default: PERMISSION_DENIED", async () => {
        expect(await one(update(MODIFY, entry(ID.t_lpm, [], nop, { isDefaultAction: true })))).toBe(7);
      });
      test("changing a const default action: PERMISSION_DENIED", async () => {
        expect(await one(update(MODIFY, entry(ID.t_small, [], drop, { isDefaultAction: true })))).toBe(7);
      });
      test("counter_data on a table without a direct counter: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1), { counterData: {} })))).toBe(3);
      });
      test("meter_config on a table without a direct meter: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { meterConfig: { cir: 1n } })))).toBe(3);
      });
      test("idle_timeout_ns on a table without NOTIFY_CONTROL: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1), { idleTimeoutNs: 1_000_000n })))).toBe(3);
      });
      test("negative idle_timeout_ns: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: -1n })))).toBe(3);
      });
      test("duplicate INSERT: ALREADY_EXISTS, checked after validation", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(3))))).toBe(6);
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd })))).toBe(3);
      });
      test("same match, other priority: a different entry", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
        expect(await one(update(INSERT, l2Entry(1, undefined, 2, fwd(2))))).toBe(0);
      });
      test("MODIFY of a missing entry: NOT_FOUND", async () => {
        expect(await one(update(MODIFY, l2Entry(1, undefined, 1, fwd(2))))).toBe(5);
      });
      test("DELETE of a missing entry: NOT_FOUND", async () => {
        expect(await one(update(DELETE, l2Entry(1, undefined, 1, undefined)))).toBe(5);
      });
      test("DELETE reads only the key (a bad action is ignored)", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
        expect(await one(update(DELETE, l2Entry(1, undefined, 1, { actionId: 0x01000099 })))).toBe(0);
      });
      test("MODIFY replaces action and metadata, keeps counters unless counter_data is set", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { metadata: b(1, 2, 3), counterData: { packetCount: 4n, byteCount: 400n } })))).toBe(0);
        expect(await one(update(MODIFY, l2Entry(1, undefined, 1, toCpu(3))))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, counterData: {} } }]);
        const te = r.entities[0]!.tableEntry!;
        expect({ action: te.action!.action!.actionId, metadata: hex(te.metadata), packets: te.counterData!.packetCount }).toEqual({ action: ID.to_cpu, metadata: "", packets: 4n });
      });
      test("MODIFY with counter_data sets the direct counter; DELETE and INSERT again starts it at 0", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { counterData: { packetCount: 4n, byteCount: 400n } })))).toBe(0);
        expect(await one(update(MODIFY, l2Entry(1, undefined, 1, fwd(3), { counterData: { packetCount: 7n, byteCount: 70n } })))).toBe(0);
        const read = async (): Promise<unknown> => {
          const d = (await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, counterData: {} } }])).entities[0]!.tableEntry!.counterData!;
          return [d.packetCount ?? 0n, d.byteCount ?? 0n];
        };
        expect(await read()).toEqual([7n, 70n]);
        expect(await one(update(DELETE, l2Entry(1, undefined, 1, undefined)))).toBe(0);
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2))))).toBe(0);
        expect(await read()).toEqual([0n, 0n]);
      });
      test("INSERT of the default entry: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_l2, [], fwd(1), { isDefaultAction: true })))).toBe(3);
      });
      test("DELETE of the default entry: INVALID_ARGUMENT", async () => {
        expect(await one(update(DELETE, entry(ID.t_l2, [], undefined, { isDefaultAction: true })))).toBe(3);
      });
      test("default entry with a match: INVALID_ARGUMENT", async () => {
        expect(await one(update(MODIFY, { tableEntry: { ...l2Entry(1, undefined, 0, fwd(1)).tableEntry, isDefaultAction: true } }))).toBe(3);
      });
      test("default entry MODIFY with an action sets it, without one resets it", async () => {
        expect(await one(update(MODIFY, entry(ID.t_l2, [], fwd(7), { isDefaultAction: true })))).toBe(0);
        let r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
        expect(r.entities[0]!.tableEntry!.action!.action!.actionId).toBe(ID.fwd);
        expect(await one(update(MODIFY, entry(ID.t_l2, [], undefined, { isDefaultAction: true })))).toBe(0);
        r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
        expect(r.entities[0]!.tableEntry!.action!.action!.actionId).toBe(ID.to_cpu);
        expect(r.entities[0]!.tableEntry!.isDefaultAction).toBe(true);
      });
      test("default entry metadata is kept with the action and read back; MODIFY without metadata clears it", async () => {
        const meta = Uint8Array.from([0x6f, 0x66, 0x70, 0x34, 0, 1]);
        const readDefault = async (): Promise<p4.v1.ITableEntry> =>
          (await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }])).entities[0]!.tableEntry!;
        expect(await one(update(MODIFY, entry(ID.t_l2, [], fwd(7), { isDefaultAction: true, metadata: meta })))).toBe(0);
        expect(Buffer.from((await readDefault()).metadata ?? []).toString("hex")).toBe(Buffer.from(meta).toString("hex"));
        expect(await one(update(MODIFY, entry(ID.t_l2, [], fwd(8), { isDefaultAction: true })))).toBe(0);
        const after = await readDefault();
        expect(Buffer.from(after.metadata ?? []).toString("hex")).toBe("");
        expect(await one(update(MODIFY, entry(ID.t_l2, [], fwd(7), { isDefaultAction: true, metadata: meta })))).toBe(0);
        expect(await one(update(MODIFY, entry(ID.t_l2, [], undefined, { isDefaultAction: true })))).toBe(0);
        expect(Buffer.from((await readDefault()).metadata ?? []).toString("hex")).toBe("");
      });
      test("is_const in a written entry", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { isConst: true })))).toBe(0);
      });
      test("a negative priority: UNKNOWN (the target refuses it), nothing inserted", async () => {
        expect(await one(update(INSERT, l2Entry(1, "00:00:00:00:00:01", -1, fwd(2))))).toBe(2);
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities).toHaveLength(0);
      });
      test("an action profile member id on a table without action profile: INVALID_ARGUMENT", async () => {
        const te = l2Entry(1, undefined, 1, undefined).tableEntry!;
        expect(await one(update(INSERT, { tableEntry: { ...te, action: { actionProfileMemberId: 1 } } }))).toBe(3);
      });
      test("resetting a const default action (MODIFY without action): PERMISSION_DENIED", async () => {
        expect(await one(update(MODIFY, entry(ID.t_small, [], undefined, { isDefaultAction: true })))).toBe(7);
      });
      test("direct counter write for a table without direct counter: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(1))))).toBe(0);
        expect(await one(update(MODIFY, { directCounterEntry: { tableEntry: entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), undefined).tableEntry, data: { packetCount: 1n } } }))).toBe(3);
      });
      test("default entry MODIFY with a missing param: INVALID_ARGUMENT", async () => {
        expect(await one(update(MODIFY, entry(ID.t_l2, [], { actionId: ID.fwd }, { isDefaultAction: true })))).toBe(3);
      });
      test("default entry MODIFY with a @defaultonly action: OK", async () => {
        expect(await one(update(MODIFY, entry(ID.t_l2, [], drop, { isDefaultAction: true })))).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
        expect(r.entities.map((e) => e.tableEntry!.action!.action!.actionId)).toEqual([ID.drop]);
      });
      test("direct counter MODIFY of a missing entry: INVALID_ARGUMENT", async () => {
        const key = l2Entry(9, undefined, 1, undefined).tableEntry!;
        expect(await one(update(MODIFY, { directCounterEntry: { tableEntry: key, data: { packetCount: 1n } } }))).toBe(3);
      });
      test("counter cell past the counter's size: UNKNOWN on write (the target refuses it), and on read", async () => {
        const w = await one(update(MODIFY, { counterEntry: { counterId: ID.port_rx, index: { index: 8n }, data: { packetCount: 1n } } }));
        const r = (await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 8n } } }])).code;
        expect({ write: w, read: r }).toEqual({ write: 2, read: 2 });
      });
      test("unknown counter id: INVALID_ARGUMENT on write and read", async () => {
        expect(await one(update(MODIFY, { counterEntry: { counterId: 0x12000077, index: { index: 1n }, data: { packetCount: 1n } } }))).toBe(3);
        expect((await ctx.client.read([{ counterEntry: { counterId: 0x12000077 } }])).code).toBe(3);
      });
      test("counter_data on INSERT sets the entry's direct counter", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { counterData: { packetCount: 6n, byteCount: 60n } })))).toBe(0);
        const d = (await ctx.client.read([{ directCounterEntry: { tableEntry: l2Entry(1, undefined, 1, undefined).tableEntry } }])).entities[0]!.directCounterEntry!.data!;
        expect([d.packetCount, d.byteCount]).toEqual([6n, 60n]);
      });
      test("MODIFY of an entry's idle timeout", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: 60_000_000_000n })))).toBe(0);
        expect(await one(update(MODIFY, l2Entry(1, undefined, 1, fwd(3), { idleTimeoutNs: 30_000_000_000n })))).toBe(0);
        const te = (await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities[0]!.tableEntry!;
        expect(te.idleTimeoutNs).toBe(30_000_000_000n);
      });
      test("LPM prefix as wide as the field: OK", async () => {
        expect(await one(update(INSERT, entry(ID.t_lpm, lpm([10, 1, 2, 3], 32), fwd(1))))).toBe(0);
      });
      test("optional value wider than its field, range bound wider than its field: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 2, optional: { value: b(1, 0) } }], nop, { priority: 1 })))).toBe(3);
        expect(await one(update(INSERT, entry(ID.t_range, [{ fieldId: 1, range: { low: b(1), high: b(1, 0, 0) } }], nop, { priority: 1 })))).toBe(3);
      });
      test("the same field twice in a match: INVALID_ARGUMENT", async () => {
        const x = l2Entry(1, undefined, 1, fwd(2));
        x.tableEntry!.match!.push({ fieldId: 1, exact: { value: b(2) } });
        expect(await one(update(INSERT, x))).toBe(3);
      });
      test("the same action param twice: INVALID_ARGUMENT", async () => {
        expect(await one(update(INSERT, l2Entry(1, undefined, 1, { actionId: ID.fwd, params: [{ paramId: 1, value: b(1) }, { paramId: 1, value: b(2) }] })))).toBe(3);
      });
      test("a Write without updates: OK", async () => {
        expect((await write([])).code).toBe(0);
      });
      test("a multicast group write with an UNSPECIFIED type: INVALID_ARGUMENT", async () => {
        expect(await one(update(0, group(4, [{ egressPort: 1 }])))).toBe(3);
      });
      test("action profile member and digest entries for a program without them", async () => {
        const member = await one({ type: INSERT, entity: { actionProfileMember: { actionProfileId: 0x11000001, memberId: 1, action: fwd(1) } } });
        const digest = await one({ type: INSERT, entity: { digestEntry: { digestId: 0x17000001 } } });
        expect({ member, digest }).toEqual({ member: 3, digest: 5 });
      });
      test("extern entries: UNIMPLEMENTED", async () => {
        expect(await one({ type: INSERT, entity: { externEntry: { externTypeId: 0x81, externId: 1 } } })).toBe(12);
      });
      test("empty entity: UNKNOWN", async () => {
        expect(await one({ type: INSERT, entity: {} })).toBe(2);
      });
      test("register and value-set entries: UNIMPLEMENTED", async () => {
        expect(await one({ type: INSERT, entity: { registerEntry: { registerId: 1 } } })).toBe(12);
        expect(await one({ type: INSERT, entity: { valueSetEntry: { valueSetId: 1 } } })).toBe(12);
      });
      test("meter entry for a program without meters: INVALID_ARGUMENT", async () => {
        expect(await one({ type: MODIFY, entity: { meterEntry: { meterId: 0x14000001 } } })).toBe(3);
      });
      test("a failed Write is UNKNOWN with one p4.v1.Error per update: empty for OK ones", async () => {
        const r = await write([update(INSERT, l2Entry(1, undefined, 1, fwd(2))), update(MODIFY, l2Entry(9, undefined, 1, fwd(2)))]);
        expect({ code: r.code, details: r.details, status: r.statusCode, types: r.typeUrls }).toEqual({
          code: 2,
          details: "",
          status: 2,
          types: ["type.googleapis.com/p4.v1.Error", "type.googleapis.com/p4.v1.Error"],
        });
        expect({ code: r.errors[0]!.canonicalCode, space: r.errors[0]!.space, message: r.errors[0]!.message }).toEqual({ code: 0, space: "", message: "" });
        expect({ code: r.errors[1]!.canonicalCode, space: r.errors[1]!.space, hasMessage: r.errors[1]!.message.length > 0 }).toEqual({ code: 5, space: "ALL-sswitch-p4org", hasMessage: true });
      });
      test("atomicity other than CONTINUE_ON_ERROR: UNIMPLEMENTED for the whole RPC, nothing applied", async () => {
        const r = await ctx.client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], { atomicity: 1 });
        expect(r.code).toBe(12);
        expect((await ctx.client.write([update(INSERT, l2Entry(1, undefined, 1, fwd(2)))], { atomicity: 2 })).code).toBe(12);
        expect((await ctx.client.read([{ tableEntry: {} }])).entities).toHaveLength(0);
      });
    });

    describe("batches", () => {
      beforeEach(fresh);

      test("updates run in order, each seeing the earlier ones, all attempted", async () => {
        const a = l2Entry(1, undefined, 1, fwd(2));
        const c = l2Entry(2, undefined, 1, fwd(3));
        const r = await batch([update(INSERT, a), update(INSERT, a), update(INSERT, c), update(DELETE, a), update(INSERT, a), update(DELETE, c)]);
        expect(r).toEqual({ code: 2, codes: [0, 6, 0, 0, 0, 0] });
        const read = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
        expect(read.entities.map((x) => hex(x.tableEntry!.match![0]!.exact!.value))).toEqual(["01"]);
      });
      test("mixed good and bad updates: each bad one has its own code, good ones applied", async () => {
        const r = await batch([
          update(INSERT, l2Entry(1, undefined, 1, fwd(2))),
          update(INSERT, entry(0x02000099, [], nop)),
          update(INSERT, l2Entry(2, "00:00:00:00:00:01", 0, fwd(2))),
          update(INSERT, l2Entry(3, undefined, 1, fwd(2))),
          update(MODIFY, l2Entry(4, undefined, 1, fwd(2))),
          update(INSERT, l2Entry(1, undefined, 1, fwd(5))),
          update(INSERT, group(2, [{ egressPort: 1 }])),
          update(INSERT, group(2, [{ egressPort: 1 }])),
          update(DELETE, l2Entry(3, undefined, 1, undefined)),
        ]);
        expect(r).toEqual({ code: 2, codes: [0, 3, 3, 0, 5, 6, 0, 6, 0] });
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities).toHaveLength(1);
      });
      test("duplicate INSERTs in one batch: [6,0,6,0,0]", async () => {
        expect(await one(update(INSERT, l2Entry(3, undefined, 1, fwd(1))))).toBe(0);
        const r = await batch([
          update(INSERT, l2Entry(3, undefined, 1, fwd(1))),
          update(INSERT, l2Entry(4, undefined, 1, fwd(1))),
          update(INSERT, l2Entry(4, undefined, 1, fwd(1))),
          update(INSERT, l2Entry(5, undefined, 1, fwd(1))),
          update(INSERT, l2Entry(6, undefined, 1, fwd(1))),
        ]);
        expect(r).toEqual({ code: 2, codes: [6, 0, 6, 0, 0] });
      });
      test("400 failing updates in one Write: every per-update code arrives (the trailer stays under grpc-js's 64 KB)", async () => {
        const ups = Array.from({ length: 400 }, (_, i) => update(INSERT, l2Entry(i + 1, undefined, 1, fwd(2))));
        expect((await batch(ups)).code).toBe(0);
        const r = await write(ups);
        expect({ code: r.code, n: r.codes.length, all6: r.codes.every((c) => c === 6) }).toEqual({ code: 2, n: 400, all6: true });
        const bytes = r.errors.reduce((n, e) => n + p4.v1.Error.encode(e).finish().length, 0);
        expect(bytes < 60_000, `${bytes} bytes of errors`).toBe(true);
      });
      test("an all-good batch: OK, every update applied", async () => {
        const ups = [1, 2, 3, 4, 5, 6, 7, 8].map((p) => update(INSERT, l2Entry(p, undefined, 1, fwd(2))));
        expect(await batch(ups)).toEqual({ code: 0, codes: ups.map(() => 0) });
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities).toHaveLength(8);
      });
    });

    describe("reads", () => {
      beforeEach(async () => {
        await fresh();
        const r = await batch([
          update(INSERT, l2Entry(1, undefined, 1, fwd(2), { controllerMetadata: 77n, metadata: b(0xaa) })),
          update(INSERT, l2Entry(2, "00:00:00:00:00:09", 5, fwd(3), { counterData: { packetCount: 3n, byteCount: 300n } })),
          update(INSERT, entry(ID.t_lpm, lpm([10, 0, 0, 0], 8), fwd(4))),
        ]);
        expect(r.code).toBe(0);
      });

      test("table_id 0 reads every table's entries, in one ReadResponse", async () => {
        const r = await ctx.client.read([{ tableEntry: {} }]);
        expect({ code: r.code, responses: r.responses }).toEqual({ code: 0, responses: 1 });
        expect(r.entities.map((e) => e.tableEntry!.tableId).sort()).toEqual([ID.t_l2, ID.t_l2, ID.t_lpm]);
      });
      test("a table id reads only that table", async () => {
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_lpm } }]);
        expect(r.entities.map((e) => e.tableEntry!.match![0]!.lpm!.prefixLen)).toEqual([8]);
      });
      test("a match reads that one entry", async () => {
        const r = await ctx.client.read([l2Entry(2, "00:00:00:00:00:09", 5, undefined)]);
        expect(r.entities.map((e) => e.tableEntry!.priority)).toEqual([5]);
      });
      test("a match that is not there reads nothing, OK", async () => {
        const r = await ctx.client.read([l2Entry(2, "00:00:00:00:00:09", 6, undefined)]);
        expect({ code: r.code, n: r.entities.length }).toEqual({ code: 0, n: 0 });
      });
      test("entries carry canonical match, priority, action, controller_metadata and metadata; don't-care omitted", async () => {
        const te = (await ctx.client.read([l2Entry(1, undefined, 1, undefined)])).entities[0]!.tableEntry!;
        expect({
          match: te.match!.map((m) => hex(m.exact?.value)),
          priority: te.priority,
          param: hex(te.action!.action!.params![0]!.value),
          cm: te.controllerMetadata,
          md: hex(te.metadata),
          isConst: te.isConst,
          counterData: te.counterData ?? null,
        }).toEqual({ match: ["01"], priority: 1, param: "02", cm: 77n, md: "aa", isConst: false, counterData: null });
      });
      test("a ternary match reads back its value and mask canonical", async () => {
        const t = (await ctx.client.read([l2Entry(2, "00:00:00:00:00:09", 5, undefined)])).entities[0]!.tableEntry!.match![1]!.ternary!;
        expect([hex(t.value), hex(t.mask)]).toEqual(["09", "ffffffffffff"]);
      });
      test("counter_data only when the request sets it", async () => {
        const without = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
        expect(without.entities.every((e) => !e.tableEntry!.counterData)).toBe(true);
        const withData = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, counterData: {} } }]);
        const counted = withData.entities.find((e) => e.tableEntry!.priority === 5)!.tableEntry!.counterData!;
        expect([counted.packetCount, counted.byteCount]).toEqual([3n, 300n]);
      });
      test("is_default_action reads the default entry only", async () => {
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, isDefaultAction: true } }]);
        expect(r.entities.map((e) => [e.tableEntry!.isDefaultAction, e.tableEntry!.action!.action!.actionId])).toEqual([[true, ID.to_cpu]]);
      });
      test("the default entry is not in wildcard reads", async () => {
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_small } }])).entities).toHaveLength(0);
      });
      test("time_since_last_hit on a table without idle timeout: INVALID_ARGUMENT, wildcard too", async () => {
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_lpm, timeSinceLastHit: {} } }])).code).toBe(3);
        expect((await ctx.client.read([{ tableEntry: { timeSinceLastHit: {} } }])).code).toBe(3);
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_l2, timeSinceLastHit: {} } }])).code).toBe(0);
      });
      test("unknown table id: INVALID_ARGUMENT", async () => {
        expect((await ctx.client.read([{ tableEntry: { tableId: 0x02000077 } }])).code).toBe(3);
      });
      test("the first failing entity stops the read; entities before it are still sent", async () => {
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_lpm } }, { tableEntry: { tableId: 0x02000077 } }, { tableEntry: { tableId: ID.t_l2 } }]);
        expect({ code: r.code, n: r.entities.length }).toEqual({ code: 3, n: 1 });
      });
      test("a read with a ternary match but priority 0: INVALID_ARGUMENT", async () => {
        expect((await ctx.client.read([l2Entry(2, "00:00:00:00:00:09", 0, undefined)])).code).toBe(3);
      });
      test("counter_data in a read of a table without direct counter: OK, entries without counter data", async () => {
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_lpm, counterData: {} } }]);
        expect({ code: r.code, n: r.entities.length, data: r.entities.map((e) => e.tableEntry!.counterData ?? null) }).toEqual({ code: 0, n: 1, data: [null] });
      });
      test("several entities of different kinds in one Read: one ReadResponse, in request order", async () => {
        expect((await write([update(INSERT, group(6, [{ egressPort: 1 }]))])).code).toBe(0);
        const r = await ctx.client.read([group(0, []), { tableEntry: { tableId: ID.t_lpm } }, { counterEntry: { counterId: ID.pkt_only, index: { index: 0n } } }]);
        expect({ code: r.code, responses: r.responses, kinds: r.entities.map((e) => e.entity) }).toEqual({
          code: 0,
          responses: 1,
          kinds: ["packetReplicationEngineEntry", "tableEntry", "counterEntry"],
        });
      });
      test("a read of a multicast group id at or past 32768, and of a missing clone session", async () => {
        const g = (await ctx.client.read([group(40000, [])])).code;
        const c = (await ctx.client.read([{ packetReplicationEngineEntry: { cloneSessionEntry: { sessionId: 9 } } }])).code;
        expect({ group: g, clone: c }).toEqual({ group: 11, clone: 5 });
      });
      test("is_default_action with table_id 0 reads every table's default entry", async () => {
        const r = await ctx.client.read([{ tableEntry: { isDefaultAction: true } }]);
        const got = r.entities.map((e) => [e.tableEntry!.tableId, e.tableEntry!.isDefaultAction, e.tableEntry!.action?.action?.actionId]).sort((x, y) => Number(x[0]) - Number(y[0]));
        expect({ code: r.code, got }).toEqual({
          code: 0,
          got: [
            [ID.t_l2, true, ID.to_cpu],
            [ID.t_lpm, true, ID.drop],
            [ID.t_small, true, ID.nop],
            [ID.t_range, true, ID.nop],
          ],
        });
      });
      test("an index with counter_id 0", async () => {
        const r = await ctx.client.read([{ counterEntry: { index: { index: 1n } } }]);
        expect({ code: r.code, n: r.entities.length }).toEqual({ code: 0, n: 2 });
      });
      test("deleted entries are gone from reads", async () => {
        expect((await write([update(DELETE, l2Entry(1, undefined, 1, undefined))])).code).toBe(0);
        expect((await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }])).entities).toHaveLength(1);
      });
      test("counter_id 0 without index reads every cell of every counter", async () => {
        const r = await ctx.client.read([{ counterEntry: {} }]);
        const portRx = r.entities.filter((e) => e.counterEntry!.counterId === ID.port_rx).map((e) => Number(e.counterEntry!.index!.index));
        const pktOnly = r.entities.filter((e) => e.counterEntry!.counterId === ID.pkt_only);
        expect({ n: r.entities.length, portRx, pktOnly: pktOnly.length }).toEqual({ n: 12, portRx: [0, 1, 2, 3, 4, 5, 6, 7], pktOnly: 4 });
      });
      test("a PACKETS counter reads back only its packet count", async () => {
        expect((await write([update(MODIFY, { counterEntry: { counterId: ID.pkt_only, index: { index: 1n }, data: { packetCount: 3n, byteCount: 30n } } })])).code).toBe(0);
        const d = (await ctx.client.read([{ counterEntry: { counterId: ID.pkt_only, index: { index: 1n } } }])).entities[0]!.counterEntry!.data!;
        expect({ packets: d.packetCount, bytes: d.byteCount ?? 0n }).toEqual({ packets: 3n, bytes: 0n });
      });
      test("one counter without index reads all its cells; with an index, that cell", async () => {
        expect((await ctx.client.read([{ counterEntry: { counterId: ID.pkt_only } }])).entities).toHaveLength(4);
        const r = await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 5n } } }]);
        expect(r.entities.map((e) => Number(e.counterEntry!.index!.index))).toEqual([5]);
      });
      test("counter MODIFY sets a cell; DELETE zeroes it; INSERT: INVALID_ARGUMENT", async () => {
        const cell = { counterId: ID.port_rx, index: { index: 3n }, data: { packetCount: 5n, byteCount: 50n } };
        expect((await write([update(MODIFY, { counterEntry: cell })])).code).toBe(0);
        let r = await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 3n } } }]);
        expect(r.entities[0]!.counterEntry!.data!.byteCount).toBe(50n);
        expect((await write([update(DELETE, { counterEntry: cell })])).code).toBe(0);
        r = await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: 3n } } }]);
        expect(r.entities[0]!.counterEntry!.data!.packetCount ?? 0n).toBe(0n);
        expect((await batch([update(INSERT, { counterEntry: cell })])).codes).toEqual([3]);
      });
      test("a counter write without index: UNIMPLEMENTED", async () => {
        expect((await batch([update(MODIFY, { counterEntry: { counterId: ID.port_rx } })])).codes).toEqual([12]);
      });
      test("negative counter index or a direct counter's id: INVALID_ARGUMENT", async () => {
        expect((await ctx.client.read([{ counterEntry: { counterId: ID.port_rx, index: { index: -1n } } }])).code).toBe(3);
        expect((await ctx.client.read([{ counterEntry: { counterId: ID.t_l2_counter } }])).code).toBe(3);
      });
      test("direct counters: empty match reads every entry of the table", async () => {
        const r = await ctx.client.read([{ directCounterEntry: { tableEntry: { tableId: ID.t_l2 } } }]);
        expect(r.entities).toHaveLength(2);
        const counted = r.entities.find((e) => e.directCounterEntry!.tableEntry!.priority === 5)!;
        expect(counted.directCounterEntry!.data!.packetCount).toBe(3n);
        expect(counted.directCounterEntry!.tableEntry!.action ?? null).toBeNull();
      });
      test("direct counters: one entry by key; MODIFY writes it", async () => {
        const key = l2Entry(2, "00:00:00:00:00:09", 5, undefined).tableEntry!;
        expect((await write([update(MODIFY, { directCounterEntry: { tableEntry: key, data: { packetCount: 9n, byteCount: 90n } } })])).code).toBe(0);
        const r = await ctx.client.read([{ directCounterEntry: { tableEntry: key } }]);
        expect(r.entities[0]!.directCounterEntry!.data!.packetCount).toBe(9n);
      });
      test("direct counters: no table_entry, or a table without one: INVALID_ARGUMENT; table 0: UNIMPLEMENTED", async () => {
        expect((await ctx.client.read([{ directCounterEntry: {} }])).code).toBe(3);
        expect((await ctx.client.read([{ directCounterEntry: { tableEntry: { tableId: ID.t_lpm } } }])).code).toBe(3);
        expect((await ctx.client.read([{ directCounterEntry: { tableEntry: {} } }])).code).toBe(12);
      });
      test("direct counters: an unknown entry: INVALID_ARGUMENT", async () => {
        expect((await ctx.client.read([{ directCounterEntry: { tableEntry: l2Entry(9, undefined, 1, undefined).tableEntry } }])).code).toBe(3);
      });
    });

    describe("multicast groups and clone sessions", () => {
      beforeEach(fresh);

      test("INSERT, read back in port order, each replica in the form it was written; MODIFY; DELETE", async () => {
        const replicas = [{ egressPort: 5, instance: 1 }, { egressPort: 2 }, { egressPort: 7, instance: 1 }, { egressPort: 3 }, { egressPort: 1, instance: 2 }];
        expect(await batch([update(INSERT, group(1, replicas)), update(INSERT, group(2, [{ port: b(0, 9) }]))])).toEqual({ code: 0, codes: [0, 0] });
        const show = (e: p4.v1.Entity): unknown[] =>
          e.packetReplicationEngineEntry!.multicastGroupEntry!.replicas!.map((x) => [x.portKind, x.portKind === "port" ? hex(x.port) : x.egressPort, x.instance]);
        let r = await ctx.client.read([group(1, [])]);
        expect(r.entities.map(show)).toEqual([
          [
            ["egressPort", 1, 2],
            ["egressPort", 2, 0],
            ["egressPort", 3, 0],
            ["egressPort", 5, 1],
            ["egressPort", 7, 1],
          ],
        ]);
        expect((await ctx.client.read([group(2, [])])).entities.map(show)).toEqual([[["port", "0009", 0]]]);
        expect((await batch([update(MODIFY, group(1, [{ egressPort: 8 }, { egressPort: 4 }]))])).code).toBe(0);
        // A wildcard read's order of groups is bmv2's hash order: compared sorted.
        r = await ctx.client.read([group(0, [])]);
        const byId = r.entities.sort((x, y) => x.packetReplicationEngineEntry!.multicastGroupEntry!.multicastGroupId! - y.packetReplicationEngineEntry!.multicastGroupEntry!.multicastGroupId!);
        expect(byId.map((e) => [e.packetReplicationEngineEntry!.multicastGroupEntry!.multicastGroupId, show(e).length])).toEqual([
          [1, 2],
          [2, 1],
        ]);
        expect(show(byId[0]!)).toEqual([
          ["egressPort", 4, 0],
          ["egressPort", 8, 0],
        ]);
        expect((await batch([update(DELETE, group(1, [])), update(DELETE, group(2, []))])).code).toBe(0);
        expect((await ctx.client.read([group(0, [])])).entities).toHaveLength(0);
      });
      test("group id 0: INVALID_ARGUMENT; 32768 and above: OUT_OF_RANGE", async () => {
        expect(await batch([update(INSERT, group(0, [{ egressPort: 1 }])), update(INSERT, group(32768, [{ egressPort: 1 }]))])).toEqual({ code: 2, codes: [3, 11] });
      });
      test("duplicate group INSERT: ALREADY_EXISTS", async () => {
        expect(await batch([update(INSERT, group(2, [{ egressPort: 1 }])), update(INSERT, group(2, [{ egressPort: 2 }]))])).toEqual({ code: 2, codes: [0, 6] });
      });
      test("MODIFY, DELETE and read of a missing group: NOT_FOUND", async () => {
        expect(await batch([update(MODIFY, group(5, [{ egressPort: 1 }])), update(DELETE, group(5, []))])).toEqual({ code: 2, codes: [5, 5] });
        expect((await ctx.client.read([group(5, [])])).code).toBe(5);
      });
      test("a replica without a port, or a duplicate (port, instance): INVALID_ARGUMENT", async () => {
        expect(await batch([update(INSERT, group(3, [{ instance: 1 }])), update(INSERT, group(4, [{ egressPort: 1 }, { egressPort: 1 }]))])).toEqual({ code: 2, codes: [3, 3] });
      });
      test("a replica port wider than v1model's 9 bits", async () => {
        expect(await batch([update(INSERT, group(3, [{ egressPort: 600 }])), update(INSERT, group(4, [{ port: b(2, 0x58) }]))])).toEqual({ code: 0, codes: [0, 0] });
      });
      test("a group without replicas: OK, read back empty", async () => {
        expect((await batch([update(INSERT, group(3, []))])).code).toBe(0);
        const r = await ctx.client.read([group(3, [])]);
        expect(r.entities.map((e) => e.packetReplicationEngineEntry!.multicastGroupEntry!.replicas?.length ?? 0)).toEqual([0]);
      });
      test("clone session MODIFY and DELETE of a missing session: NOT_FOUND; duplicate INSERT: ALREADY_EXISTS", async () => {
        const session = (id: number): p4.v1.IEntity => ({ packetReplicationEngineEntry: { cloneSessionEntry: { sessionId: id, replicas: [{ egressPort: 1 }] } } });
        expect(await batch([update(MODIFY, session(5)), update(DELETE, session(5)), update(INSERT, session(5)), update(INSERT, session(5))])).toEqual({ code: 2, codes: [5, 5, 0, 6] });
      });
      test("the same port with another instance: OK", async () => {
        expect((await batch([update(INSERT, group(3, [{ egressPort: 1, instance: 0 }, { egressPort: 1, instance: 1 }]))])).code).toBe(0);
      });
      test("an empty `port`: INVALID_ARGUMENT; wider than 4 bytes: UNIMPLEMENTED", async () => {
        expect(await batch([update(INSERT, group(3, [{ port: new Uint8Array() }])), update(INSERT, group(4, [{ port: b(0, 0, 0, 0, 1) }]))])).toEqual({ code: 2, codes: [3, 12] });
      });
      test("clone sessions: INSERT and read back in port order; session 0: INVALID_ARGUMENT; class of service: UNIMPLEMENTED; truncation: UNKNOWN", async () => {
        const session = (id: number, extra: Partial<p4.v1.ICloneSessionEntry> = {}): p4.v1.IEntity => ({
          packetReplicationEngineEntry: { cloneSessionEntry: { sessionId: id, replicas: [{ port: b(0, 9) }, { egressPort: 3, instance: 2 }], ...extra } },
        });
        expect(await batch([update(INSERT, session(5)), update(INSERT, session(0)), update(INSERT, session(6, { classOfService: 2 })), update(INSERT, session(7, { packetLengthBytes: 100 }))])).toEqual({
          code: 2,
          codes: [0, 3, 12, 2],
        });
        const r = await ctx.client.read([{ packetReplicationEngineEntry: { cloneSessionEntry: {} } }]);
        expect(
          r.entities.map((e) => {
            const c = e.packetReplicationEngineEntry!.cloneSessionEntry!;
            return { id: c.sessionId, cos: c.classOfService, len: c.packetLengthBytes, replicas: c.replicas!.map((x) => [x.portKind, x.portKind === "port" ? hex(x.port) : x.egressPort, x.instance]) };
          }),
        ).toEqual([{ id: 5, cos: 0, len: 0, replicas: [["egressPort", 3, 2], ["port", "0009", 0]] }]);
      });
    });

    describe("table capacity", () => {
      beforeEach(fresh);

      test("a full table: one past its size is UNKNOWN per update; a DELETE makes room", async () => {
        const macs = ["00:00:00:00:00:01", "00:00:00:00:00:02", "00:00:00:00:00:03", "00:00:00:00:00:04", "00:00:00:00:00:05"];
        const r = await write(macs.map((m) => update(INSERT, entry(ID.t_small, small(m), nop))));
        expect({ code: r.code, codes: r.codes }).toEqual({ code: 2, codes: [0, 0, 0, 0, 2] });
        expect(await one(update(DELETE, entry(ID.t_small, small(macs[0]!), undefined)))).toBe(0);
        expect(await one(update(INSERT, entry(ID.t_small, small(macs[4]!), nop)))).toBe(0);
        expect(await one(update(INSERT, entry(ID.t_small, small(macs[0]!), nop)))).toBe(2);
      });
    });

    describe("a full ternary table", () => {
      beforeEach(fresh);

      test("1024 entries fit t_l2 (size 1024), read back in one ReadResponse; the 1025th is UNKNOWN", async () => {
        const all = Array.from({ length: 1024 }, (_, i) => update(INSERT, l2Entry(i >> 2, `00:00:00:00:00:0${i & 3}`, 1 + (i & 3), fwd(2))));
        for (let i = 0; i < all.length; i += 400) expect((await batch(all.slice(i, i + 400))).code).toBe(0);
        const r = await ctx.client.read([{ tableEntry: { tableId: ID.t_l2 } }]);
        expect({ code: r.code, responses: r.responses, n: r.entities.length }).toEqual({ code: 0, responses: 1, n: 1024 });
        expect(await batch([update(INSERT, l2Entry(300, undefined, 1, fwd(2)))])).toEqual({ code: 2, codes: [2] });
      });
    });

    describe("dataplane", () => {
      let controller: StreamHandle;
      /** Frames on port 7 go to port 6: a first one through proves the dataplane stream is open. */
      const marker = frame("00:00:00:00:00:ee", "00:00:00:00:00:07");
      beforeEach(async () => {
        await fresh();
        controller = await primary(1n);
        expect((await write([update(INSERT, l2Entry(7, undefined, 1, fwd(6)))], 1n)).code).toBe(0);
        const dp = dataplane();
        for (let i = 0; ; i++) {
          dp.inject(7, marker);
          const got = await dp.collect(1, 0, 500);
          if (got.some((m) => m.port === 6)) break;
          if (i > 20) throw new Error("the dataplane service emits nothing");
        }
      });
      const w = async (...u: p4.v1.IUpdate[]): Promise<void> => {
        expect((await write(u, 1n)).code).toBe(0);
      };
      const f = frame("00:00:00:00:00:02", "00:00:00:00:00:01");

      test("a matched frame leaves the entry's port unchanged; direct and indirect counters move", async () => {
        await w(update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, fwd(2))));
        expect(await send(1, f, 1)).toEqual([{ port: 2, hex: hex(f) }]);
        expect(await send(1, f, 1)).toEqual([{ port: 2, hex: hex(f) }]);
        const direct = await ctx.client.read([{ directCounterEntry: { tableEntry: l2Entry(1, "00:00:00:00:00:02", 10, undefined).tableEntry } }]);
        expect(direct.entities[0]!.directCounterEntry!.data).toMatchObject({ packetCount: 2n, byteCount: BigInt(2 * f.length) });
        const withData = await ctx.client.read([l2Entry(1, "00:00:00:00:00:02", 10, undefined, { counterData: {} })]);
        expect(withData.entities[0]!.tableEntry!.counterData).toMatchObject({ packetCount: 2n, byteCount: BigInt(2 * f.length) });
        const rx = await ctx.client.read([{ counterEntry: { counterId: ID.port_rx } }]);
        const cells = rx.entities.map((e) => [Number(e.counterEntry!.index!.index), e.counterEntry!.data!.packetCount ?? 0n, e.counterEntry!.data!.byteCount ?? 0n]);
        const markers = cells[7]![1] as bigint;
        expect(markers >= 1n).toBe(true);
        expect(cells).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i === 1 ? [1, 2n, BigInt(2 * f.length)] : i === 7 ? [7, markers, markers * BigInt(marker.length)] : [i, 0n, 0n])));
      });
      test("the higher-priority ternary entry wins", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(3))), update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, fwd(2))));
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([2]);
        expect((await send(1, frame("00:00:00:00:00:05", "00:00:00:00:00:01"), 1)).map((o) => o.port)).toEqual([3]);
      });
      test("the longest prefix wins in the LPM table", async () => {
        const route = (v: number[], len: number, port: number): p4.v1.IUpdate => update(INSERT, entry(ID.t_lpm, lpm(v, len), fwd(port)));
        await w(route([10, 0, 0, 0], 8, 4), route([10, 1, 0, 0], 16, 5), update(INSERT, l2Entry(1, "00:00:00:00:00:02", 10, flood(0))));
        expect((await send(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.1.2.3" }), 1)).map((o) => o.port)).toEqual([5]);
        expect((await send(1, frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.2.2.3" }), 1)).map((o) => o.port)).toEqual([4]);
      });
      test("multicast replicates to exactly the group's ports, as modified", async () => {
        await w(update(INSERT, group(7, [{ egressPort: 2 }, { egressPort: 4 }, { egressPort: 5 }])), update(INSERT, l2Entry(1, undefined, 1, flood(7))));
        const bc = frame("ff:ff:ff:ff:ff:ff", "00:00:00:00:00:01");
        expect(await send(1, bc, 3)).toEqual([2, 4, 5].map((port) => ({ port, hex: hex(bc) })));
        await w(update(MODIFY, group(7, [{ egressPort: 3 }, { egressPort: 6 }])));
        expect((await send(1, bc, 2)).map((o) => o.port)).toEqual([3, 6]);
        await w(update(DELETE, group(7, [])));
        expect(await send(1, bc, 0)).toEqual([]);
      });
      test("multicast copies include the ingress port (v1model does not prune)", async () => {
        await w(update(INSERT, group(8, [{ egressPort: 1 }, { egressPort: 2 }])), update(INSERT, l2Entry(1, undefined, 1, flood(8))));
        expect((await send(1, f, 2)).map((o) => o.port)).toEqual([1, 2]);
      });
      test("an earlier table's drop is overridden by a later table's fwd", async () => {
        await w(update(INSERT, entry(ID.t_small, small("00:00:00:00:00:01"), drop)), update(INSERT, l2Entry(1, undefined, 1, fwd(2))));
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([2]);
        const ip = frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.9.9.9" });
        expect((await send(1, ip, 1)).map((o) => o.port)).toEqual([2]);
      });
      test("an earlier table's drop, then a later table's multicast group", async () => {
        await w(update(INSERT, group(9, [{ egressPort: 3 }, { egressPort: 4 }])), update(INSERT, l2Entry(1, undefined, 1, flood(9))));
        const ip = frame("00:00:00:00:00:02", "00:00:00:00:00:01", { ipv4Dst: "10.9.9.9" });
        expect((await send(1, ip, 2)).map((o) => o.port)).toEqual([3, 4]);
      });
      test("an action that sets neither port nor group: egress_spec stays 0, the frame leaves port 0", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, flood(0))));
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([0]);
      });
      test("fwd to the CPU port without the packet_in header: a PacketIn whose metadata is the frame's first bytes", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(CPU))));
        dataplane().inject(1, f);
        const m = await controller.nextOf("packet");
        expect({ payload: hex(m!.packet!.payload), metadata: m!.packet!.metadata!.map((x) => [x.metadataId, hex(x.value)]) }).toEqual({
          payload: hex(f.subarray(2)),
          metadata: [
            [1, "00"],
            [2, "00"],
          ],
        });
      });
      test("a multicast copy to the CPU port is a PacketIn of the frame as is (no packet_in header)", async () => {
        await w(update(INSERT, group(8, [{ egressPort: 2 }, { egressPort: CPU }])), update(INSERT, l2Entry(1, undefined, 1, flood(8))));
        dataplane().inject(1, f);
        const m = await controller.nextOf("packet");
        expect({ payload: hex(m!.packet!.payload), metadata: m!.packet!.metadata!.map((x) => hex(x.value)) }).toEqual({ payload: hex(f.subarray(2)), metadata: ["00", "00"] });
      });
      test("a frame shorter than an Ethernet header still runs the tables (fields of the missing header read 0)", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(2))));
        const short = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(await send(1, short, 1)).toEqual([{ port: 2, hex: hex(short) }]);
      });
      test("the default action changed to fwd sends misses there", async () => {
        await w(update(MODIFY, entry(ID.t_l2, [], fwd(5), { isDefaultAction: true })));
        expect((await send(3, f, 1)).map((o) => o.port)).toEqual([5]);
        expect(controller.pending).toBe(0);
      });
      test("a hit resets time_since_last_hit", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: 3_000_000_000n })));
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([2]);
        const r = await ctx.client.read([{ tableEntry: { ...l2Entry(1, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
        const elapsed = r.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs ?? 0n;
        expect(elapsed >= 0n && elapsed < 1_000_000_000n, String(elapsed)).toBe(true);
      });
      test("time_since_last_hit of a TTL above 2^32 ns wraps (bmv2 passes the remaining TTL through 32 bits)", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(2), { idleTimeoutNs: 60_000_000_000n })));
        const r = await ctx.client.read([{ tableEntry: { ...l2Entry(1, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
        // 60 s - ((60 s - elapsed) mod 2^32 ns) = 55,834,574,848 ns + elapsed.
        const past = (r.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs ?? 0n) - 55_834_574_848n;
        expect(past >= 0n && past < 1_000_000_000n, String(past)).toBe(true);
      });
      test("a table miss is a PacketIn to the primary with ingress_port and reason, header stripped; the backup gets none", async () => {
        const b2 = await backup(0n, 1n);
        dataplane().inject(3, f);
        const m = await controller.nextOf("packet");
        expect(hex(m!.packet!.payload)).toBe(hex(f));
        expect(m!.packet!.metadata!.map((x) => [x.metadataId, hex(x.value)])).toEqual([
          [1, "03"],
          [2, "01"],
        ]);
        expect(await send(1, f, 0)).toEqual([]);
        expect(b2.pending).toBe(0);
      });
      test("after failover PacketIns go to the new primary", async () => {
        const next = await backup(0n, 1n);
        controller.close();
        expect(await controller.ended).toBe(0);
        expect(arb(await next.nextOf("arbitration"))).toEqual({ code: 0, message: "Is primary", election: 0n });
        dataplane().inject(3, f);
        const m = await next.nextOf("packet");
        expect(m!.packet!.metadata!.map((x) => hex(x.value))).toEqual(["03", "01"]);
      });
      test("a still-idle entry is notified again about 2 s later, to the primary only", async () => {
        const b2 = await backup(0n, 1n);
        await w(update(INSERT, l2Entry(4, undefined, 1, fwd(2), { idleTimeoutNs: 100_000_000n })));
        await controller.nextOf("idleTimeoutNotification");
        const first = Date.now();
        await controller.nextOf("idleTimeoutNotification");
        const gap = Date.now() - first;
        expect(gap >= 1500 && gap <= 3500, `${gap} ms`).toBe(true);
        expect(b2.pending).toBe(0);
      });
      test("an entry's to_cpu action: PacketIn with its reason", async () => {
        await w(update(INSERT, l2Entry(4, undefined, 1, toCpu(0x55))));
        dataplane().inject(4, f);
        const m = await controller.nextOf("packet");
        expect(m!.packet!.metadata!.map((x) => [x.metadataId, hex(x.value)])).toEqual([
          [1, "04"],
          [2, "55"],
        ]);
      });
      test("a PacketOut leaves the port named in its packet_out header", async () => {
        const dp = dataplane();
        controller.packetOut(f, [{ metadataId: 1, value: b(6) }]);
        const got = await dp.collect(1, ctx.target.quietMs);
        expect(got.map((m) => [m.port, hex(m.packet)])).toEqual([[6, hex(f)]]);
      });
      test("a PacketOut with an unknown metadata id or a too-wide value is dropped; the stream stays; a left-padded value is accepted", async () => {
        const dp = dataplane();
        controller.packetOut(f, [{ metadataId: 9, value: b(6) }]);
        controller.packetOut(f, [{ metadataId: 1, value: b(2, 0) }]);
        controller.packetOut(f, [{ metadataId: 1, value: b(0, 0, 5) }]);
        const got = await dp.collect(1, ctx.target.quietMs);
        expect(got.map((m) => m.port)).toEqual([5]);
        expect(controller.pending).toBe(0);
        expect((await write([update(INSERT, l2Entry(3, undefined, 1, fwd(4)))], 1n)).code).toBe(0);
      });
      test("a PacketOut on a stream that has not arbitrated is dropped", async () => {
        const dp = dataplane();
        const s2 = stream();
        s2.packetOut(f, [{ metadataId: 1, value: b(6) }]);
        controller.packetOut(f, [{ metadataId: 1, value: b(5) }]);
        expect((await dp.collect(1, ctx.target.quietMs)).map((m) => m.port)).toEqual([5]);
      });
      test("a PacketOut from a backup is dropped", async () => {
        const dp = dataplane();
        const b2 = await backup(0n, 1n);
        b2.packetOut(f, [{ metadataId: 1, value: b(6) }]);
        controller.packetOut(f, [{ metadataId: 1, value: b(5) }]);
        const got = await dp.collect(1, ctx.target.quietMs);
        expect(got.map((m) => m.port)).toEqual([5]);
      });
      test("a port set down (SetPortOperStatus) still receives and emits frames", async () => {
        await w(update(INSERT, l2Entry(1, undefined, 1, fwd(2))), update(INSERT, l2Entry(2, undefined, 1, fwd(3))));
        const dp = dataplane();
        await dp.setPort(2, false);
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([2]);
        expect((await send(2, f, 1)).map((o) => o.port)).toEqual([3]);
        await dp.setPort(2, true);
        expect((await send(1, f, 1)).map((o) => o.port)).toEqual([2]);
      });
      test("an idle entry is notified after its timeout, without metadata; time_since_last_hit", async () => {
        await w(
          update(INSERT, l2Entry(4, undefined, 1, fwd(2), { idleTimeoutNs: 100_000_000n, metadata: b(1, 2), controllerMetadata: 5n })),
        );
        const m = await controller.nextOf("idleTimeoutNotification");
        const n = m!.idleTimeoutNotification!;
        expect(n.tableEntry!.map((t) => ({ table: t.tableId, match: t.match!.map((x) => hex(x.exact?.value)), ttl: t.idleTimeoutNs, cm: t.controllerMetadata, md: hex(t.metadata) }))).toEqual([
          { table: ID.t_l2, match: ["04"], ttl: 100_000_000n, cm: 5n, md: "" },
        ]);
        expect(n.timestamp! > 0n).toBe(true);
        const r = await ctx.client.read([{ tableEntry: { ...l2Entry(4, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
        expect(r.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs).toBe(100_000_000n);
        const other = await ctx.client.read([{ tableEntry: { ...l2Entry(7, undefined, 1, undefined).tableEntry, timeSinceLastHit: {} } }]);
        expect(other.entities[0]!.tableEntry!.timeSinceLastHit!.elapsedNs ?? 0n).toBe(0n);
      });
    });
  });
}

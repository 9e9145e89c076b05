// provider.ts §4.5 on the real core with the scripted provider: a port_mod whose provider
// answer is a promise is in flight — the port desc and PORT_STATUS wait for it, a barrier on
// the same connection is answered only after it, other connections are not held; an error
// (or a rejected promise) goes to the controller quoting the request and changes nothing.

import { describe, expect, it } from "vitest";
import { ofError, type OfError } from "../../src/openflow/errors.js";
import { OFPPC, OFPPR, OFPPS } from "../../src/openflow/messages.js";
import type { PortModRequest, Provider } from "../../src/ofproto/provider.js";
import { makeSwitch, type Rig } from "../ofproto/harness.js";

/** Makes the provider's portMod answer with promises the test settles. */
function deferPortMods(rig: Rig): { req: PortModRequest; settle: (e?: OfError) => void; reject: (e: Error) => void }[] {
  const pending: { req: PortModRequest; settle: (e?: OfError) => void; reject: (e: Error) => void }[] = [];
  const provider: Provider = rig.provider;
  provider.portMod = (req) =>
    new Promise<OfError | undefined>((resolve, reject) => pending.push({ req, settle: resolve, reject }));
  return pending;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("a port_mod in flight (provider.ts §4.5)", () => {
  it("changes the port desc and sends PORT_STATUS only when settled; the barrier waits, other connections do not", async () => {
    const rig = await makeSwitch();
    const pending = deferPortMods(rig);
    const c = rig.cm.connect(0x04);
    const other = rig.cm.connect(0x04);
    const hwAddr = rig.sw.ports.get(2)!.hwAddr;
    rig.cm.submit(c, { type: "port_mod", portNo: 2, hwAddr, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN, advertise: 0 });
    const bx = rig.cm.submit(c, { type: "barrier_request" });
    const ox = rig.cm.submit(other, { type: "barrier_request" });
    expect(pending.map((p) => p.req)).toEqual([{ portNo: 2, config: OFPPC.PORT_DOWN, mask: OFPPC.PORT_DOWN, advertise: 0 }]);
    expect(other.sent.map((s) => [s.msg.type, s.xid])).toEqual([["barrier_reply", ox]]);
    expect(c.sent).toEqual([]);
    expect(rig.sw.ports.get(2)!.config).toBe(0);
    expect(rig.cm.asyncSent).toEqual([]);

    pending[0]!.settle();
    await tick();
    expect(rig.sw.ports.get(2)!.config).toBe(OFPPC.PORT_DOWN);
    expect(rig.sw.ports.get(2)!.state & OFPPS.LIVE).toBe(0);
    expect(rig.cm.asyncSent.map((a) => [a.kind, a.reason])).toEqual([["portStatus", OFPPR.MODIFY]]);
    expect(c.sent.map((s) => [s.msg.type, s.xid])).toEqual([["barrier_reply", bx]]);
    expect(c.errors).toEqual([]);
  });

  it("an error or a rejection reaches the controller quoting the request; nothing changes", async () => {
    const rig = await makeSwitch();
    const pending = deferPortMods(rig);
    const c = rig.cm.connect(0x04);
    const hwAddr = rig.sw.ports.get(3)!.hwAddr;
    const x1 = rig.cm.submit(c, { type: "port_mod", portNo: 3, hwAddr, config: OFPPC.NO_FWD, mask: OFPPC.NO_FWD, advertise: 0 });
    const x2 = rig.cm.submit(c, { type: "port_mod", portNo: 3, hwAddr, config: OFPPC.NO_RECV, mask: OFPPC.NO_RECV, advertise: 0 });
    const bx = rig.cm.submit(c, { type: "barrier_request" });
    pending[0]!.settle(ofError("PORT_MOD_FAILED_EPERM", "refused by the target"));
    pending[1]!.reject(new Error("lost"));
    await tick();
    expect(c.errors.map((e) => [e.error.name, e.request.xid])).toEqual([
      ["PORT_MOD_FAILED_EPERM", x1],
      ["PORT_MOD_FAILED_EPERM", x2],
    ]);
    expect(c.errors[1]!.error.message).toBe("port 3: Error: lost");
    expect(rig.sw.ports.get(3)!.config).toBe(0);
    expect(rig.cm.asyncSent).toEqual([]);
    expect(c.sent.map((s) => [s.msg.type, s.xid])).toEqual([["barrier_reply", bx]]);
  });
});

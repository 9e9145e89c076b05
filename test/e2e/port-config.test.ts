// End to end with Debian's ovs-ofctl against the real ofp4 process on its embedded sim:
// `mod-port no-forward` stops the copies to that port (enforced by the P4 pipeline) and shows
// in the port desc; `forward` restores them; `down` drops what the port receives; `no-flood`
// (a bit the program cannot express) is refused with an error, not accepted silently.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOfp4, type Ofp4Process } from "../harness/ofp4.js";
import { captured, ofctl, udpFrameHex } from "./util.js";

let sw: Ofp4Process;
let T: string;

beforeAll(async () => {
  sw = await startOfp4({ ports: 4 });
  T = sw.target;
}, 60_000);

afterAll(async () => {
  const exit = await sw?.stop();
  expect(exit).toEqual({ code: 0, signal: null });
}, 30_000);

/** Frames captured on `port` right now (one read, no waiting). */
async function capturedNow(port: number): Promise<string[]> {
  const r = await sw.ctl("--json", "capture", "br0", String(port));
  return (JSON.parse(r.stdout) as { frames: { frame: string }[] }).frames.map((f) => f.frame);
}

/** The port desc line of `port` and the lines after it, as `ovs-ofctl show` prints them. */
async function portDesc(port: number): Promise<string> {
  const r = await ofctl("show", T);
  expect(r.code).toBe(0);
  const at = r.stdout.indexOf(` ${port}(p${port}): addr:`);
  const next = r.stdout.indexOf("(p", at + 10);
  return r.stdout.slice(at, next < 0 ? undefined : next);
}

describe("ovs-ofctl mod-port against the ofp4 process", () => {
  it("no-forward / forward / down / no-flood", async () => {
    expect((await ofctl("add-flow", T, "in_port=1,actions=output:2,output:3")).code).toBe(0);
    expect((await ofctl("add-flow", T, "in_port=4,actions=output:2")).code).toBe(0);

    const m = await ofctl("mod-port", T, "2", "no-forward");
    expect(m.code, m.stderr).toBe(0);
    expect(await portDesc(2)).toMatch(/config:\s+NO_FWD/);
    const a = udpFrameHex(1, 0x21);
    await sw.inject(1, a);
    expect(await captured(sw, 3)).toContain(a);
    expect(await capturedNow(2)).not.toContain(a); // both copies leave together: port 2's was dropped

    expect((await ofctl("mod-port", T, "2", "forward")).code).toBe(0);
    expect(await portDesc(2)).not.toMatch(/NO_FWD/);
    const b = udpFrameHex(1, 0x22);
    await sw.inject(1, b);
    expect(await captured(sw, 2)).toContain(b);

    expect((await ofctl("mod-port", T, "1", "down")).code).toBe(0);
    expect(await portDesc(1)).toMatch(/config:\s+PORT_DOWN/);
    const c = udpFrameHex(1, 0x23);
    const d = udpFrameHex(4, 0x24);
    await sw.inject(1, c);
    await sw.inject(4, d);
    const on2 = await captured(sw, 2, 2);
    expect(on2).toContain(d);
    expect(on2).not.toContain(c);
    expect(await capturedNow(3)).not.toContain(c);
    expect((await ofctl("mod-port", T, "1", "up")).code).toBe(0);

    const f = await ofctl("mod-port", T, "3", "no-flood");
    // OpenFlow 1.0 has no OFPPMFC_BAD_CONFIG: the error is Nicira's "unencodable", quoting the port_mod.
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/OFPT_ERROR \(xid=0x\w+\): NXBRC_UNENCODABLE_ERROR\nOFPT_PORT_MOD/);
    expect(f.stderr).toMatch(/config: NO_FLOOD/);
    expect(await portDesc(3)).not.toMatch(/NO_FLOOD/);
  }, 60_000);
});

// Per-connection packet buffers: a bounded ring, each buffer id taken once, stale ids refused.
import { describe, expect, it } from "vitest";
import { PacketBuffers } from "../../src/connmgr/packet-buffers.js";
import { OFP_NO_BUFFER } from "../../src/openflow/messages.js";
import { ok } from "../../src/openflow/result.js";

const pkt = (n: number) => ({ inPort: n, data: Uint8Array.of(n, n, n) });

describe("PacketBuffers", () => {
  it("gives a packet back once, then BUFFER_EMPTY", () => {
    const buffers = new PacketBuffers({ slots: 4 });
    const id = buffers.store(pkt(7));
    expect(id).not.toBe(OFP_NO_BUFFER);
    expect(buffers.take(id)).toEqual(ok(pkt(7)));
    expect(buffers.take(id)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_EMPTY" } });
  });

  it("refuses an id it never gave out with BUFFER_UNKNOWN", () => {
    const buffers = new PacketBuffers({ slots: 4 });
    expect(buffers.take(0x1234)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
    expect(buffers.take(OFP_NO_BUFFER)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
    expect(buffers.take(3)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
  });

  it("is bounded: when every slot holds a young packet, the next is not buffered", () => {
    let t = 0;
    const buffers = new PacketBuffers({ slots: 3, overwriteMs: 1000, now: () => t });
    const ids = [1, 2, 3].map((n) => buffers.store(pkt(n)));
    expect(new Set(ids).size).toBe(3);
    expect(buffers.store(pkt(4))).toBe(OFP_NO_BUFFER);
    expect(buffers.held).toBe(3);
    // Old packets are overwritten; the overwritten id becomes unknown.
    t = 1000;
    const fresh = buffers.store(pkt(5));
    expect(fresh).not.toBe(OFP_NO_BUFFER);
    expect(ids).not.toContain(fresh);
    expect(buffers.take(ids[0]!)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
    expect(buffers.take(fresh)).toEqual(ok(pkt(5)));
    expect(buffers.held).toBe(2);
  });

  it("with buffering off, every packet is OFP_NO_BUFFER", () => {
    const buffers = new PacketBuffers({ slots: 0 });
    expect(buffers.enabled).toBe(false);
    expect(buffers.store(pkt(1))).toBe(OFP_NO_BUFFER);
  });

  it("a freed slot is reused with a new id", () => {
    const buffers = new PacketBuffers({ slots: 1 });
    const a = buffers.store(pkt(1));
    expect(buffers.take(a)).toEqual(ok(pkt(1)));
    const b = buffers.store(pkt(2));
    expect(b).not.toBe(a);
    expect(buffers.take(a)).toMatchObject({ ok: false, error: { name: "BAD_REQUEST_BUFFER_UNKNOWN" } });
    expect(buffers.take(b)).toEqual(ok(pkt(2)));
  });
});

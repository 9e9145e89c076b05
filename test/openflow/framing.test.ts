// The stream splitter: partial reads, coalesced messages, and the framing errors a connection
// must close on (a length below 8 or above the limit).

import { describe, expect, it } from "vitest";
import { FrameSplitter } from "../../src/openflow/framing.js";
import { encodeMessage } from "../../src/openflow/codec.js";

const echo = (n: number): Uint8Array => encodeMessage(4, n, { type: "echo_request", data: new Uint8Array(n).fill(n) });

describe("FrameSplitter", () => {
  it("returns whole messages from coalesced chunks", () => {
    const a = echo(3);
    const b = echo(20);
    const s = new FrameSplitter();
    const joined = new Uint8Array([...a, ...b]);
    const r = s.push(joined);
    expect(r.ok && r.value.map((m) => [...m])).toEqual([[...a], [...b]]);
    expect(s.buffered).toBe(0);
  });

  it("waits for the rest of a message split at every byte", () => {
    const msgs = [echo(0), echo(7), echo(100)];
    const stream = new Uint8Array(msgs.flatMap((m) => [...m]));
    const s = new FrameSplitter();
    const got: number[][] = [];
    for (const byte of stream) {
      const r = s.push(new Uint8Array([byte]));
      if (!r.ok) throw new Error(r.error.message);
      got.push(...r.value.map((m) => [...m]));
    }
    expect(got).toEqual(msgs.map((m) => [...m]));
  });

  it("keeps a partial header across pushes", () => {
    const m = echo(5);
    const s = new FrameSplitter();
    const first = s.push(m.subarray(0, 3));
    expect(first.ok && first.value.length).toBe(0);
    expect(s.buffered).toBe(3);
    const second = s.push(m.subarray(3));
    expect(second.ok && second.value.length).toBe(1);
  });

  it("fails on a length below 8, and stays failed", () => {
    const s = new FrameSplitter();
    const r = s.push(new Uint8Array([4, 0, 0, 7, 0, 0, 0, 1]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.name).toBe("BAD_REQUEST_BAD_LEN");
    expect(s.push(echo(1)).ok).toBe(false);
  });

  it("fails on a length above the limit", () => {
    const s = new FrameSplitter(1000);
    const r = s.push(echo(1000).subarray(0, 8));
    expect(r.ok).toBe(false);
    const fine = new FrameSplitter(1000).push(echo(992));
    expect(fine.ok && fine.value.length).toBe(1);
  });
});

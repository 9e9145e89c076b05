// Multipart requests in several parts (REQ_MORE): the core joins them per connection and
// answers once, after the last part; a type that may not be split is refused precisely.
import { describe, expect, it } from "vitest";
import { TestConn, makeSwitch } from "./harness.js";

const REQ_MORE = 1;

describe("multipart requests in parts", () => {
  it("a table-features request in two parts gets one reply, after the second part", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect() as TestConn;
    cm.submit(c, { type: "multipart_request", body: { type: "table_features", flags: REQ_MORE, tables: [] } }, 40);
    expect(c.sent).toHaveLength(0);
    expect(c.errors).toHaveLength(0);
    cm.submit(c, { type: "multipart_request", body: { type: "table_features", flags: 0, tables: [] } }, 40);
    expect(c.errors).toHaveLength(0);
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]!.xid).toBe(40);
    const msg = c.sent[0]!.msg;
    expect(msg.type === "multipart_reply" && msg.body.type).toBe("table_features");
  });

  it("a joined request that meets congestion is answered whole when the connection drains", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect() as TestConn;
    cm.submit(c, { type: "multipart_request", body: { type: "table_features", flags: REQ_MORE, tables: [] } }, 41);
    c.congested = true;
    cm.submit(c, { type: "multipart_request", body: { type: "table_features", flags: 0, tables: [] } }, 41);
    expect(c.queue).toHaveLength(1);
    expect(c.sent).toHaveLength(0);
    c.congested = false;
    cm.pump(c);
    expect(c.queue).toHaveLength(0);
    expect(c.sent.map((s) => s.xid)).toEqual([41]);
    expect(c.errors).toHaveLength(0);
  });

  it("a flow-stats request with REQ_MORE is BAD_MULTIPART", async () => {
    const { cm } = await makeSwitch();
    const c = cm.connect() as TestConn;
    cm.submit(c, {
      type: "multipart_request",
      body: { type: "flow", nxm: false, flags: REQ_MORE, tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: [] },
    });
    expect(c.sent).toHaveLength(0);
    expect(c.errors.map((e) => e.error.name)).toEqual(["BAD_REQUEST_BAD_MULTIPART"]);
  });
});

// ofp4ctl dump-entries and reconcile on entries that are not a rule's: another P4Runtime
// client (a higher election id, for a moment the primary) writes beside ofp4's entry a copy
// without ofp4's tag (foreign) and a copy with it at another priority (orphan: ofp4's, no
// rule). dump-entries marks each (ofp4 reads while a backup); once ofp4 is primary again the
// orphan is gone (its reconciliation) and `reconcile` reports the foreign entry, left alone.
// An INSERT of ofp4's that meets a foreign entry is a P4Runtime error: logged once, counted by code.

import { afterEach, beforeAll, expect, test } from "vitest";
import { p4 } from "../../src/generated/proto.js";
import { P4RuntimeClient } from "../../src/p4runtime/index.js";
import { ctl, ensureBuilt, ofctl, startDaemon, type Proc } from "../cli/process.js";

const started: Proc[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

interface Entry {
  table: string;
  entry: string;
  status: string;
  rule: string | null;
}

test("dump-entries marks orphan and foreign entries; primary again, ofp4 removes the orphan and leaves the foreign one", async () => {
  const d = await startDaemon();
  started.push(d.proc);
  expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "priority=100,in_port=1,actions=output:2")).code).toBe(0);

  const other = new P4RuntimeClient({ address: d.p4runtime, deviceId: 1n, electionId: 10n });
  try {
    expect((await other.connect()).isPrimary).toBe(true);
    const [own] = (await other.readAll([{ tableEntry: {} }])).map((e) => e.tableEntry!).filter((e) => !e.isDefaultAction);
    expect(own!.metadata?.length ?? 0).toBeGreaterThan(0);
    const foreign = { ...own!, priority: (own!.priority ?? 0) + 5, metadata: undefined };
    const orphan = { ...own!, priority: (own!.priority ?? 0) + 7 };
    const statuses = await other.write([
      { type: p4.v1.Update.Type.INSERT, entity: { tableEntry: foreign } },
      { type: p4.v1.Update.Type.INSERT, entity: { tableEntry: orphan } },
    ]);
    expect(statuses.map((s) => s.code)).toEqual([0, 0]);

    // Read needs no primaryship: ofp4 reads the target while the other client still holds it.
    const json = JSON.parse((await ctl(d.socket, "--json", "dump-entries", "br0")).stdout) as Entry[];
    expect(json.map((e) => e.status).sort()).toEqual(["foreign", "orphan", "rule"]);
    expect(json.find((e) => e.status === "rule")!.rule).toBe("table=0, cookie=0x0, priority=100,in_port=1");
    expect(json.filter((e) => e.status !== "rule").map((e) => e.rule)).toEqual([null, null]);
    const text = (await ctl(d.socket, "dump-entries", "br0")).stdout;
    expect(text).toMatch(/^ingress\.ofp_table_0: .*\n {4}ORPHAN \(ofp4's, no rule\)$/m);
    expect(text).toMatch(/^ingress\.ofp_table_0: .*\n {4}FOREIGN \(not ofp4's\)$/m);
    expect(JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout)).toMatchObject({ role: "backup" });
  } finally {
    other.close();
  }

  // ofp4 is the primary again once the other client has gone (and reconciles on regaining it);
  // reconcile leaves the foreign entry and no orphan.
  for (let i = 0; i < 100; i++) {
    const role = (JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { role: string }).role;
    if (role === "primary") break;
  }
  const rec = await ctl(d.socket, "reconcile", "br0");
  expect(rec.stdout).toMatch(/^br0: reconciled: inserted=0 modified=0 deleted=[01] groups_written=0 groups_deleted=0 foreign=1 failures=0\n$/);
  const after = JSON.parse((await ctl(d.socket, "--json", "dump-entries", "br0")).stdout) as Entry[];
  expect(after.map((e) => e.status).sort()).toEqual(["foreign", "rule"]);
});

test("a P4Runtime error from the target is logged once with the switch, connection and request, and counted by code", async () => {
  const d = await startDaemon(["--metrics", "127.0.0.1:0"]);
  started.push(d.proc);
  const url = /(http:\S+)/.exec(await d.proc.line(/^metrics listening on/))![1]!;
  expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "priority=100,in_port=1,actions=output:2")).code).toBe(0);
  // Another client puts a foreign entry where ofp4's next flow (priority 105, same match) goes.
  const other = new P4RuntimeClient({ address: d.p4runtime, deviceId: 1n, electionId: 10n });
  try {
    expect((await other.connect()).isPrimary).toBe(true);
    const [own] = (await other.readAll([{ tableEntry: {} }])).map((e) => e.tableEntry!).filter((e) => !e.isDefaultAction);
    const statuses = await other.write([{ type: p4.v1.Update.Type.INSERT, entity: { tableEntry: { ...own!, priority: (own!.priority ?? 0) + 5, metadata: undefined } } }]);
    expect(statuses.map((s) => s.code)).toEqual([0]);
  } finally {
    other.close();
  }
  for (let i = 0; i < 100; i++) {
    if ((JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { role: string }).role === "primary") break;
  }
  await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "priority=105,in_port=1,actions=output:3");
  const scrape = await (await fetch(url)).text();
  expect(scrape).toMatch(/^ofp4_p4runtime_errors_total\{switch="br0",code="ALREADY_EXISTS"\} 1$/m);
  const logged = d.proc.records.filter((r) => r.code === "ALREADY_EXISTS");
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ switch: "br0", request: "flow_mod", conn: expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/), xid: expect.any(Number) });
});

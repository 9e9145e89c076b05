// The mapping file (`--mapping FILE`, `mapping:` in the config): another file is served
// (fewer tables here, seen in ofp4ctl show and ovs-ofctl), and a missing, unparsable or
// unfitting file stops start-up with one line naming it and exit 1, before any sim starts.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, expect, test } from "vitest";
import { ctl, ensureBuilt, ofctl, ROOT, runOfp4, startDaemon, tempDir, type Proc } from "../cli/process.js";

const started: Proc[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

/** ofp4's mapping with `change` applied, written to a temp file. */
function mappingFile(change: (m: { tables: { ofTable: number; p4Table: string; tableMiss: Record<string, string> }[] }) => void): string {
  const m = JSON.parse(readFileSync(join(ROOT, "p4", "ofp4.mapping.json"), "utf8")) as Parameters<typeof change>[0];
  change(m);
  const f = join(tempDir(), "other.mapping.json");
  writeFileSync(f, JSON.stringify(m));
  return f;
}

async function failing(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = runOfp4(["start", "--log-format", "json", "--admin-socket", join(tempDir(), "ctl"), "--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", ...args]);
  started.push(p);
  const exit = await p.exited;
  return { code: exit.code, stderr: p.stderr };
}

test("a mapping file from the config is the one served: two OpenFlow tables instead of four", async () => {
  const mapping = mappingFile((m) => {
    m.tables = m.tables.slice(0, 2);
    delete m.tables[1]!.tableMiss.continue;
  });
  const yaml = join(tempDir(), "ofp4.yaml");
  writeFileSync(yaml, `switches:\n  - name: br0\n    mapping: ${mapping}\n    p4runtime: 127.0.0.1:0\n    controllers: [{ listen: "127.0.0.1:0" }]\n`);
  const d = await startDaemon(["--config", yaml]);
  started.push(d.proc);
  const show = JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { tables: { table: number; p4Table: string }[] };
  expect(show.tables.map((t) => [t.table, t.p4Table])).toEqual([
    [0, "ingress.ofp_table_0"],
    [1, "ingress.ofp_table_1"],
  ]);
  const features = await ofctl("-O", "OpenFlow13", "show", `tcp:${d.openflow}`);
  expect(features.stdout).toContain("n_tables:2");
});

test("--mapping overrides the default; the same file as ofp4's own serves four tables", async () => {
  const d = await startDaemon(["--mapping", mappingFile(() => undefined)]);
  started.push(d.proc);
  const show = JSON.parse((await ctl(d.socket, "--json", "show", "br0")).stdout) as { tables: unknown[] };
  expect(show.tables).toHaveLength(4);
});

test("a missing mapping file is one line naming it, exit 1", async () => {
  const r = await failing(["--mapping", "/nonexistent/other.mapping.json"]);
  expect(r).toEqual({ code: 1, stderr: "ofp4: mapping file /nonexistent/other.mapping.json does not exist\n" });
});

test("a mapping file that is not JSON is one line naming it, exit 1", async () => {
  const f = join(tempDir(), "broken.mapping.json");
  writeFileSync(f, "{ not json");
  const r = await failing(["--mapping", f]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^ofp4: mapping file ${f}: .*JSON.*\\n$`));
});

test("a mapping file naming a table the P4Info lacks is one line naming file and table, exit 1", async () => {
  const f = mappingFile((m) => {
    m.tables[0]!.p4Table = "ingress.no_such_table";
  });
  const r = await failing(["--mapping", f]);
  expect(r).toEqual({ code: 1, stderr: `ofp4: mapping file ${f}: tables[0]: the P4Info has no table "ingress.no_such_table"\n` });
});

test("a bad mapping file of the second switch stops start-up before the first switch's sim starts", async () => {
  const yaml = join(tempDir(), "ofp4.yaml");
  writeFileSync(
    yaml,
    `switches:
  - { name: a, p4runtime: "127.0.0.1:0", controllers: [{ listen: "127.0.0.1:0" }] }
  - { name: b, p4runtime: "127.0.0.1:0", device_id: 2, mapping: /nonexistent/b.mapping.json, controllers: [{ listen: "127.0.0.1:0" }] }
`,
  );
  const p = runOfp4(["start", "--log-format", "json", "--admin-socket", join(tempDir(), "ctl"), "--config", yaml]);
  started.push(p);
  expect((await p.exited).code).toBe(1);
  expect(p.stderr).toBe("ofp4: mapping file /nonexistent/b.mapping.json does not exist\n");
  expect(p.records.some((r) => "simPid" in r)).toBe(false);
});

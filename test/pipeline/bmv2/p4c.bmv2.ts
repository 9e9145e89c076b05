// The committed compiler outputs are p4c's: p4/ofp4.p4 and the sim fixture
// test/fixtures/sim/simtest.p4 are compiled again by the real p4c-bm2-ss (P4REF_RUN) into a
// temporary directory, and the committed bmv2 JSON and P4Info must be byte-identical to what it
// writes; p4c may print only the warnings listed below (with why each is fine). `npm run p4:build`
// regenerates the committed files the same way (p4c run in the program's own directory).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { P4C_BM2_SS } from "../../setup/p4-tools.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = mkdtempSync(join(tmpdir(), "ofp4-p4c-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Warnings p4c may print, per program, each with the reason it does not matter. */
const ACCEPTED_WARNINGS: Record<string, { pattern: RegExp; reason: string }[]> = {
  "p4/ofp4.p4": [],
  "test/fixtures/sim/simtest.p4": [
    {
      pattern: /warning: 'pkt_only' is unused/,
      reason: "pkt_only is an indirect PACKETS-only counter that exists only so reads of a counter with that unit can be tested; no action counts into it",
    },
  ],
};

function compile(program: string): { stderr: string; json: Buffer; p4info: Buffer } {
  const stem = basename(program, ".p4");
  const dest = join(out, stem);
  const r = spawnSync(P4C_BM2_SS, ["--p4runtime-files", `${dest}.p4info.txtpb`, "-o", `${dest}.json`, basename(program)], {
    cwd: join(ROOT, dirname(program)),
    encoding: "utf8",
  });
  expect(r.error).toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  return { stderr: `${r.stdout}${r.stderr}`, json: readFileSync(`${dest}.json`), p4info: readFileSync(`${dest}.p4info.txtpb`) };
}

/** p4c's diagnostics, one per "file(line): [--Wwarn=...] warning: ..." line. */
function diagnostics(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /\b(warning|error)\b/.test(l));
}

describe("npm run p4:build", () => {
  it("without p4c: exit 1 and one line naming the missing tool and P4REF_RUN", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/p4-build.mjs")], { env: { ...process.env, P4REF_RUN: join(out, "no-tools") }, encoding: "utf8" });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(join(out, "no-tools", "p4c-bm2-ss"));
    expect(lines[0]).toContain("P4REF_RUN");
  });
});

describe.each(Object.keys(ACCEPTED_WARNINGS))("%s compiled by p4c-bm2-ss", (program) => {
  const stem = basename(program, ".p4");
  const dir = join(ROOT, dirname(program));
  let compiled: ReturnType<typeof compile>;

  it("compiles, printing only the accepted warnings (each accepted one is still printed)", () => {
    compiled = compile(program);
    const accepted = ACCEPTED_WARNINGS[program]!;
    const lines = diagnostics(compiled.stderr);
    const unexpected = lines.filter((l) => !accepted.some((a) => a.pattern.test(l)));
    expect(unexpected).toEqual([]);
    for (const a of accepted) expect(lines.some((l) => a.pattern.test(l)), `${a.pattern} (${a.reason}) is no longer printed: drop it from the list`).toBe(true);
  });

  it("the committed bmv2 JSON is byte-identical to p4c's", () => {
    expect(compiled).toBeDefined();
    const committed = readFileSync(join(dir, `${stem}.json`));
    expect(committed.equals(compiled.json), `${dirname(program)}/${stem}.json differs from p4c's output: run \`npm run p4:build\``).toBe(true);
  });

  it("the committed P4Info is byte-identical to p4c's", () => {
    expect(compiled).toBeDefined();
    const committed = readFileSync(join(dir, `${stem}.p4info.txtpb`));
    expect(committed.equals(compiled.p4info), `${dirname(program)}/${stem}.p4info.txtpb differs from p4c's output: run \`npm run p4:build\``).toBe(true);
  });
});

// `npm run p4:build`: compiles p4/ofp4.p4 and the sim's test fixture
// (test/fixtures/sim/simtest.p4) with the real p4c-bm2-ss and writes their bmv2 JSON and
// P4Info (text format) beside them, exactly as p4c writes them (p4c runs in the program's own
// directory so the JSON's source locations stay relative). Never edits what p4c produced.
// Finds p4c in P4REF_RUN (default /opt/p4ref/p4-reference/run); a missing p4c is one line.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runDir = process.env.P4REF_RUN ?? "/opt/p4ref/p4-reference/run";
const p4c = join(runDir, "p4c-bm2-ss");

/** The programs this repository commits compiled: source → outputs beside it. */
const PROGRAMS = ["p4/ofp4.p4", "test/fixtures/sim/simtest.p4"];

try {
  accessSync(p4c, constants.X_OK);
} catch {
  console.error(
    `p4:build needs ${p4c} (missing or not executable): run \`export P4REF_RUN=$(../shared/p4-reference/install.sh /opt/p4ref)\`, ` +
      "or set P4REF_RUN to a directory holding your own p4c-bm2-ss (p4c 1.2.5.16 made the committed files)",
  );
  process.exit(1);
}

for (const program of PROGRAMS) {
  const dir = join(root, dirname(program));
  const file = basename(program);
  const stem = file.replace(/\.p4$/, "");
  const r = spawnSync(p4c, ["--p4runtime-files", `${stem}.p4info.txtpb`, "-o", `${stem}.json`, file], { cwd: dir, encoding: "utf8" });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.error || r.status !== 0) {
    console.error(`p4:build: p4c-bm2-ss failed on ${program} (${r.error?.message ?? `exit ${r.status}`})`);
    process.exit(1);
  }
  console.log(`p4:build: ${program} -> ${dirname(program)}/${stem}.json, ${stem}.p4info.txtpb`);
}

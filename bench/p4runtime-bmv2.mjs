// Checks the P4Runtime client against real bmv2 (simple_switch_grpc from ../shared/p4-reference):
// arbitration between two clients, pushing p4/ofp4.p4 (P4Info + bmv2 JSON), a 1,000-update batch
// with 3 duplicate INSERTs (exactly those 3 ALREADY_EXISTS), a read back, GetForwardingPipelineConfig,
// Capabilities. Prints one line per check and exits non-zero on a failure. Run on built JS:
//   run=$(../shared/p4-reference/install.sh /opt/p4ref)
//   npx tsc -p tsconfig.build.json --outDir .tmp/build
//   node bench/p4runtime-bmv2.mjs .tmp/build "$run"
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const build = path.resolve(process.argv[2] ?? "dist");
const run = process.argv[3] ?? "/opt/p4ref/p4-reference/run";
mkdirSync(path.join(build, "src/generated"), { recursive: true });
for (const f of ["proto.js", "descriptor.js"]) {
  const to = path.join(build, "src/generated", f);
  if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
}
const { P4RuntimeClient, loadP4InfoFile, tableUpdate, Code, codeName } = await import(
  pathToFileURL(path.join(build, "src/p4runtime/index.js")).href
);

const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
const deviceConfig = readFileSync(path.join(root, "p4/ofp4.json"));

async function freePort() {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = s.address().port;
  s.close();
  await once(s, "close");
  return port;
}

const port = await freePort();
const address = `127.0.0.1:${port}`;
const ssg = spawn(path.join(run, "simple_switch_grpc"), ["--no-p4", "--device-id", "0", "--", "--grpc-server-addr", address, "--cpu-port", "255"], {
  stdio: ["ignore", "ignore", "inherit"],
});
let failures = 0;
const check = (name, ok, detail = "") => {
  console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures++;
};
const entry = (i) =>
  tableUpdate(info, "INSERT", {
    table: "ingress.ofp_table_0",
    match: { eth_dst: { ternary: [i + 1, "ff:ff:ff:ff:ff:ff"] } },
    action: "ingress.drop",
    priority: 1 + (i % 7),
  });

try {
  // wait for the server: Capabilities until it answers
  const probe = new P4RuntimeClient({ address, reconnect: false, rpcTimeoutMs: 1000 });
  let version;
  for (let i = 0; i < 50 && version === undefined; i++) {
    version = await probe.capabilities().catch(() => new Promise((r) => setTimeout(() => r(undefined), 100)));
  }
  probe.close();
  check("Capabilities", typeof version === "string", String(version));

  const hi = new P4RuntimeClient({ address, electionId: 10n, reconnect: false });
  const lo = new P4RuntimeClient({ address, electionId: 5n, reconnect: false });
  check("higher election id is primary", (await hi.connect()).isPrimary);
  await hi.setPipeline({ p4info: info, deviceConfig, cookie: 7n });
  check("SetForwardingPipelineConfig VERIFY_AND_COMMIT", true);
  const cfg = await hi.getPipeline("ALL");
  check("GetForwardingPipelineConfig returns P4Info and cookie", cfg.cookie?.cookie === 7n && (cfg.p4info?.tables?.length ?? 0) === info.tables.size);
  const la = await lo.connect();
  check("lower election id is backup", !la.isPrimary && la.primaryElectionId === 10n, `code ${codeName(la.code)}`);
  const denied = await lo.write([entry(0)]);
  check("backup's Write is PERMISSION_DENIED", denied[0].code === Code.PERMISSION_DENIED, `${codeName(denied[0].code)} ${denied[0].message}`);
  const promoted = once(lo, "primary");
  hi.close();
  await promoted;
  check("backup becomes primary when the primary leaves", lo.isPrimary);

  const updates = [];
  for (let i = 0; i < 997; i++) updates.push(entry(i));
  for (const d of [100, 500, 900]) updates.splice(d + 1, 0, entry(d));
  const b = lo.batcher();
  const results = await Promise.all(updates.map((u) => b.submitAsync(u)));
  const failed = results.flatMap((r, i) => (r.code === 0 ? [] : [`${i}:${codeName(r.code)}`]));
  check("1,000 updates with 3 duplicates: exactly those 3 ALREADY_EXISTS", failed.join(",") === "101:ALREADY_EXISTS,502:ALREADY_EXISTS,903:ALREADY_EXISTS", failed.join(","));
  const read = await lo.readAll([{ tableEntry: { tableId: info.table("ofp_table_0").id } }]);
  check("Read returns the 997 entries", read.length === 997, `${read.length}`);
  lo.close();
} catch (e) {
  check("no exception", false, String(e?.stack ?? e));
} finally {
  ssg.kill("SIGTERM");
}
console.log(`${failures === 0 ? "all checks passed" : `${failures} checks failed`}`);
process.exitCode = failures === 0 ? 0 : 1;

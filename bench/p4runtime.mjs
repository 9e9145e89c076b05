// Benchmark of the P4Runtime write path: installs N ternary entries in ofp4.p4's table 0 through
// the write batcher into the sim (a separate process, over gRPC on 127.0.0.1) and prints the
// acknowledged updates/s and mean batch size; beside it, the encode-only ceiling (the same
// updates encoded into WriteRequests with protobufjs, no network; then with the client's own
// table-entry encoder, src/p4runtime/update-encode.ts) and the client-side ceiling
// (the same Writes acknowledged at once by bench/p4runtime-null-target.mjs). Run it on built JS:
//   npx tsc -p tsconfig.build.json --outDir .tmp/build   (inside the repo, so node_modules resolve)
//   node bench/p4runtime.mjs .tmp/build [updates=100000] [maxUpdates=400] [maxInFlight=4]
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const build = path.resolve(process.argv[2] ?? "dist");
const N = Number(process.argv[3] ?? 100_000);
const MAX_UPDATES = Number(process.argv[4] ?? 400);
const MAX_IN_FLIGHT = Number(process.argv[5] ?? 4);

// tsc does not copy the generated JS module; bring it along.
mkdirSync(path.join(build, "src/generated"), { recursive: true });
for (const f of ["proto.js", "descriptor.js"]) {
  const to = path.join(build, "src/generated", f);
  if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
}
const load = (p) => import(pathToFileURL(path.join(build, p)).href);
const { P4RuntimeClient, loadP4InfoFile, tableUpdate, p4 } = await load("src/p4runtime/index.js");

const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
const deviceConfig = readFileSync(path.join(root, "p4/ofp4.json"));

function updates() {
  const out = new Array(N);
  for (let i = 0; i < N; i++) {
    out[i] = tableUpdate(info, "INSERT", {
      table: "ingress.ofp_table_0",
      match: { eth_dst: { ternary: [BigInt(i + 1), 0xffffffffffffn] }, eth_type: { ternary: [0x0800, 0xffff] } },
      action: "ingress.drop",
      priority: 100,
    });
  }
  return out;
}

// --- encode-only ceiling -------------------------------------------------------------------------
{
  const us = updates();
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i += MAX_UPDATES) {
    const req = p4.v1.WriteRequest.encode({
      deviceId: 0n,
      electionId: { high: 0n, low: 1n },
      updates: us.slice(i, i + MAX_UPDATES),
    }).finish();
    bytes += req.length;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`encode-only: ${N} updates in ${s.toFixed(3)} s = ${Math.round(N / s)} updates/s (${(bytes / N).toFixed(1)} B/update)`);
  globalThis.encodeRate = N / s;
}
// The same with the client's own table-entry encoder (what the batcher uses), framed the same way.
{
  const { encodeTableUpdate } = await load("src/p4runtime/update-encode.js");
  const us = updates();
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i += MAX_UPDATES) {
    const parts = us.slice(i, i + MAX_UPDATES).map((u) => encodeTableUpdate(u) ?? p4.v1.Update.encode(u).finish());
    for (const part of parts) bytes += 1 + (part.length < 0x80 ? 1 : 2) + part.length; // field tag + length + update
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`encode-only, client encoder: ${N} updates in ${s.toFixed(3)} s = ${Math.round(N / s)} updates/s (${(bytes / N).toFixed(1)} B/update)`);
}

// --- acknowledged by a target in another process ------------------------------------------------
async function acknowledged(label, script, args) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const address = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /P4Runtime listening on (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code}`)));
  });
  const childCpu = () => {
    const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 10 ms
  };
  try {
    const c = new P4RuntimeClient({ address, deviceId: 0, electionId: 1n, reconnect: false, writeTimeoutMs: 60_000 });
    await c.connect();
    await c.setPipeline({ p4info: info, deviceConfig });
    const us = updates();
    const b = c.batcher({ maxUpdates: MAX_UPDATES, maxInFlight: MAX_IN_FLIGHT });
    const child0 = childCpu();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let ok = 0;
    let failed = 0;
    await new Promise((resolve) => {
      let left = N;
      const done = (r) => {
        if (r.code === 0) ok++;
        else failed++;
        if (--left === 0) resolve();
      };
      for (const u of us) b.submit(u, done);
    });
    const s = (performance.now() - t0) / 1000;
    const st = b.stats;
    const rate = N / s;
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `acknowledged by ${label}: ${ok} ok, ${failed} failed in ${s.toFixed(3)} s = ${Math.round(rate)} updates/s; ` +
        `mean batch ${st.meanUpdatesPerBatch.toFixed(1)} (max ${st.maxUpdatesPerBatch}), ${st.batchesSent} Writes, ` +
        `in flight high-water ${st.inFlightHighWater}, write latency mean ${st.meanWriteLatencyMs.toFixed(1)} ms max ${st.maxWriteLatencyMs.toFixed(1)} ms`,
    );
    console.log(
      `  CPU: client ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, ${label} ${(childCpu() - child0).toFixed(2)} s (wall ${s.toFixed(2)} s); ` +
        `/ encode-only = ${(rate / globalThis.encodeRate).toFixed(2)}`,
    );
    c.close();
  } finally {
    child.kill("SIGTERM");
  }
}

await acknowledged("the sim", path.join(build, "targets/sim/main.js"), ["--p4runtime", "127.0.0.1:0", "--dp-grpc-server-addr", "127.0.0.1:0"]);
await acknowledged("a null target (client-side ceiling)", path.join(root, "bench/p4runtime-null-target.mjs"), []);

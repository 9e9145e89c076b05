// One counter poll of N entries, alone: starts the sim (its own process, as ofp4's embedded sim;
// CPU-profiled into DIR with --prof DIR), inserts N entries of issue 10's kind through the
// client's batcher, then times R wildcard direct-counter reads (--entity table: table_entry
// reads with counter_data): wall, ofp4-side scan CPU (this process) and the sim's CPU. Stops
// the sim it started, by PID.
//   node bench/profiles/sim-read.mjs [--build .tmp/cp] [--n 100000] [--reads 3] [--prof DIR] [--entity direct|table]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const build = path.resolve(root, opt("--build", ".tmp/cp"));
const N = Number(opt("--n", "100000"));
const READS = Number(opt("--reads", "3"));
const prof = opt("--prof", undefined);
const entity = opt("--entity", "direct");
const load = (p) => import(pathToFileURL(path.join(build, "dist", p)).href);
const { P4RuntimeClient, loadP4InfoFile, tableUpdate, scanCounterResponse } = await load("src/p4runtime/index.js");

/** Top-level fields 1 (entities) of a ReadResponse. */
const countEntities = (buf) => {
  let n = 0;
  let pos = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = buf[pos++];
      v += (b & 0x7f) * shift;
      if (b < 128) return v;
    }
  };
  while (pos < buf.length) {
    if (varint() !== 0x0a) throw new Error("not a ReadResponse");
    const len = varint();
    pos += len;
    n++;
  }
  return n;
};

const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8");
  const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(x[11]) + Number(x[12])) / 100;
};

const nodeArgs = prof ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(prof)}`] : [];
const child = spawn(process.execPath, [...nodeArgs, path.join(build, "dist/src/daemon/sim-child.js"), "--p4runtime", "127.0.0.1:0", "--dp-grpc-server-addr", "127.0.0.1:0", "--ports", "4"], { stdio: ["pipe", "pipe", "inherit"] });
const exited = new Promise((r) => child.once("exit", r));
try {
  const address = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /P4Runtime listening on (\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`sim exited with ${code}`)));
  });
  const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
  const c = new P4RuntimeClient({ address, deviceId: 0, electionId: 1n, reconnect: false, writeTimeoutMs: 60_000 });
  await c.connect();
  await c.setPipeline({ p4info: info, deviceConfig: readFileSync(path.join(root, "p4/ofp4.json")) });
  const b = c.batcher({ maxUpdates: 400, maxInFlight: 4 });
  const t0 = performance.now();
  const done = [];
  for (let i = 0; i < N; i++) {
    done.push(b.submitAsync(tableUpdate(info, "INSERT", { table: "ingress.ofp_table_0", match: { eth_dst: { ternary: [BigInt(i + 1), 0xffffffffffffn] }, eth_type: { ternary: [0x800n, 0xffffn] } }, action: "ingress.drop", priority: 100 })));
  }
  const st = await Promise.all(done);
  const bad = st.filter((s) => s.code !== 0).length;
  console.log(`inserted ${N} in ${((performance.now() - t0) / 1000).toFixed(2)} s (${bad} failed)`);
  const table = info.tables.find("ingress.ofp_table_0").id;
  for (let r = 0; r < READS; r++) {
    const s0 = cpuOf(child.pid);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    let n = 0;
    let bytes = 0;
    let responses = 0;
    const request = entity === "table" ? { tableEntry: { tableId: table, counterData: {} } } : { directCounterEntry: { tableEntry: { tableId: table } } };
    for await (const resp of c.readRaw([request])) {
      responses++;
      bytes += resp.length;
      n += entity === "table" ? countEntities(resp) : scanCounterResponse(resp, { direct: () => undefined, counter: () => undefined });
    }
    const wall = performance.now() - w0;
    const cu = process.cpuUsage(c0);
    console.log(`read ${n} counters in ${responses} responses (${(bytes / 1e6).toFixed(1)} MB): wall ${wall.toFixed(0)} ms, reader CPU ${((cu.user + cu.system) / 1000).toFixed(0)} ms, sim CPU ${((cpuOf(child.pid) - s0) * 1000).toFixed(0)} ms`);
  }
  c.close();
} finally {
  child.kill("SIGTERM");
  await exited;
}

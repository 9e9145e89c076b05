// CORE PERF's focused bench of the real ofp4 process on its embedded sim (the sim in its own
// process, as bench/run.mjs starts it): pipelined install of N OpenFlow 1.3 FLOW_MODs + barrier
// (bench/load-client.mjs), then dump-flows, dump-aggregate, RSS, the last counter poll, del-flows
// to barrier. Optionally CPU-profiles ofp4 (--cpu-prof into DIR) and writes a heap snapshot after
// the install (--heap DIR); samples allocations (--heap-prof DIR: bench/profiles/alloc.mjs reads it). Never touches other processes than the two it starts (ofp4 and, through
// it, the sim), which it stops by PID.
//   node bench/ofproto-process.mjs [--build DIR(.tmp/cp)] [--n 100000] [--prof DIR] [--heap DIR]
//        [--only a] [--runs 1] [--set max_pending_groups=2000,write_max_in_flight=4] [--ovs]
// --ovs: the same steps against Open vSwitch (compare-ovs.mjs) before each ofp4 run, for a
// side-by-side under the same machine load.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { procStat, startOvs } from "./compare-ovs.mjs";
import { pipelinedInstall } from "./load-client.mjs";

const run = promisify(execFile);
const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const build = path.resolve(root, opt("--build", ".tmp/cp"));
const N = Number(opt("--n", "100000"));
const RUNS = Number(opt("--runs", "1"));
const prof = opt("--prof", undefined);
const heap = opt("--heap", undefined);
const heapProf = opt("--heap-prof", undefined);
const only = opt("--only", "");
const OVS = args.includes("--ovs");
// --set key=value,key=value: switch settings of the config file (max_pending_groups=2000...)
// --node "FLAGS": extra flags for ofp4's node (V8 heap sizes, --trace-gc); its stdout goes to .tmp/ofp4.out
const nodeFlags = (opt("--node", "") || "").split(" ").filter(Boolean);
const sets = (opt("--set", "") || "").split(",").filter(Boolean).map((kv) => kv.split("="));

async function startOfp4() {
  const dir = mkdtempSync(path.join(tmpdir(), "ofp4-cp-"));
  const socket = path.join(dir, "ofp4.ctl");
  const cfg = path.join(dir, "ofp4.yaml");
  writeFileSync(cfg, `switches:\n  - name: br0\n${sets.map(([k, v]) => `    ${k}: ${v}\n`).join("")}`);
  const nodeArgs = [...nodeFlags];
  if (prof) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${path.resolve(prof)}`);
  if (heapProf) nodeArgs.push("--heap-prof", `--heap-prof-dir=${path.resolve(heapProf)}`, "--heap-prof-interval=65536");
  if (heap) nodeArgs.push(`--heapsnapshot-signal=SIGUSR2`, `--diagnostic-dir=${path.resolve(heap)}`);
  const entry = path.join(build, "dist/src/cli/ofp4.js");
  const code = `import(${JSON.stringify(entry)}).then(m => m.main(process.argv.slice(1))).catch(e => { console.error(e); process.exit(1); })`;
  const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", code, "start", "--config", cfg, "--log-format", "json", "--admin-socket", socket, "--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", "--ports", "4"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const exited = new Promise((r) => child.once("exit", r));
  const listener = await new Promise((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      const m = /OpenFlow listening on tcp:([\d.]+):(\d+)/.exec(out);
      if (m && /ofp4 is running/.test(out)) resolve({ host: m[1], port: Number(m[2]) });
    });
    child.once("exit", () => reject(new Error(`ofp4 exited: ${err}`)));
  });
  // The embedded sim is ofp4's one child process.
  const simPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]) || undefined;
  const ctl = async (...a) => (await run(process.execPath, [path.join(root, "bin/ofp4ctl.js"), "-t", socket, ...a], { maxBuffer: 1 << 30 })).stdout;
  return {
    ...listener,
    target: `tcp:${listener.host}:${listener.port}`,
    pid: child.pid,
    simPid,
    stats: async () => JSON.parse(await ctl("--json", "stats", "br0")),
    log: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      if (nodeFlags.length > 0) writeFileSync(".tmp/ofp4.out", out);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ofctl = (...a) => run("ovs-ofctl", a, { maxBuffer: 1 << 30 });
const failures = [];
/** Times fn; a failure is printed and recorded (NaN) instead of ending the run. */
const time = async (fn) => {
  const t0 = performance.now();
  try {
    const r = await fn();
    return { s: (performance.now() - t0) / 1000, r };
  } catch (e) {
    failures.push(String(e?.stderr || e?.message || e).split("\n").slice(0, 3).join(" | "));
    return { s: NaN, r: undefined };
  }
};
const cpu = (sw) => procStat(sw.pid).cpuS;

async function ovsRun() {
  const sw = await startOvs(4);
  const r = { kind: "ovs", load: loadavg()[0].toFixed(2) };
  try {
    const a = await pipelinedInstall(sw.host, sw.port, N);
    r.a = a.seconds;
    r.errors = a.errors;
    r.rssMb = procStat(sw.pid).rssKb / 1024;
    if (only !== "a") {
      r.dumpFlows = (await time(() => ofctl("-O", "OpenFlow13", "dump-flows", sw.target))).s;
      const agg = await time(() => ofctl("-O", "OpenFlow13", "dump-aggregate", sw.target));
      r.dumpAggregate = agg.s;
      r.count = Number(/flow_count=(\d+)/.exec(agg.r?.stdout ?? "")?.[1]);
      r.delFlows = (await time(() => ofctl("-O", "OpenFlow13", "del-flows", sw.target))).s;
    }
  } finally {
    await sw.stop();
  }
  console.log(JSON.stringify(r, (key, v) => (typeof v === "number" ? Number(v.toFixed(3)) : v)));
}

for (let k = 0; k < RUNS; k++) {
  if (OVS) await ovsRun();
  const sw = await startOfp4();
  const r = { kind: "ofp4", load: loadavg()[0].toFixed(2) };
  try {
    const c0 = cpu(sw);
    const s0 = sw.simPid ? procStat(sw.simPid).cpuS : 0;
    const a = await pipelinedInstall(sw.host, sw.port, N);
    r.a = a.seconds;
    r.aCpu = cpu(sw) - c0;
    r.simCpu = sw.simPid ? procStat(sw.simPid).cpuS - s0 : NaN;
    r.errors = a.errors;
    const st = await sw.stats();
    r.entries = st.entries;
    r.updatesPerWrite = st.updatesPerWrite;
    r.writes = st.writes;
    r.writeMs = st.writeLatencyMs;
    r.rssMb = procStat(sw.pid).rssKb / 1024;
    if (heap) {
      process.kill(sw.pid, "SIGUSR2");
      await new Promise((res) => setTimeout(res, 8000));
    }
    if (only !== "a") {
      r.dumpFlows = (await time(() => ofctl("-O", "OpenFlow13", "dump-flows", sw.target))).s;
      r.dumpAggregate = (await time(() => ofctl("-O", "OpenFlow13", "dump-aggregate", sw.target))).s;
      const st2 = await sw.stats();
      r.pollMs = st2.counterPollMs;
      r.polls = st2.counterPolls;
      r.delFlows = (await time(() => ofctl("-O", "OpenFlow13", "del-flows", sw.target))).s;
      r.afterDel = (await sw.stats()).entries;
    }
    if (failures.length > 0) r.failures = failures.splice(0);
  } catch (e) {
    r.failed = `${String(e?.message ?? e).split("\n")[0]}; ofp4 log: ${sw.log().split("\n").filter((l) => /error|warn|clos/i.test(l)).slice(-3).join(" | ")}`;
  } finally {
    await sw.stop();
  }
  console.log(JSON.stringify(r, (key, v) => (typeof v === "number" ? Number(v.toFixed(3)) : v)));
}

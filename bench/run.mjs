// `npm run bench`: ofp4 (the real process on its embedded sim, the sim in its own process) and
// Open vSwitch (userspace, dummy datapath) on the same work, interleaved OVS, ofp4, OVS, ofp4...
// (3 runs each, medians), issue 10's rows:
//   a. pipelined install: N OpenFlow 1.3 FLOW_MOD ADDs back to back + one BARRIER (load-client.mjs);
//      the count is checked afterwards (OVS: dump-aggregate; ofp4: entries in the sim)
//   b. ovs-ofctl add-flows of N flows (one FLOW_MOD + BARRIER round trip each), and the floor:
//      N sequential one-update Writes to a sim with the same P4Runtime client stack
//   c. dump-flows and dump-aggregate of N rules; del-flows of all N to barrier
//   d. RSS with N rules (and with 1,000,000 once each, unless --no-million)
//   e. one counter poll of N direct counters (ofp4: wall time and CPU of a poll; OVS: the
//      dump-aggregate that reads its N counters)
// Prints each row with both figures and the ratio (OVS / ofp4 for times: >= 1 means ofp4 is as fast),
// and writes bench/results/run-<time>.json. Builds dist/ first if it is missing or older than src/.
//   f. P4Runtime into real bmv2 beside the same into the sim (bench/p4runtime-targets.mjs): batched
//      updates/s for N entries and the one-update Write round trip, with the ratio sim/bmv2, so the
//      sim's speed never flatters ofp4 unseen (needs simple_switch_grpc: P4REF_RUN or /opt/p4ref)
//   g/h. ofp4 in front of a standalone sim and bmv2 beside the bare batched-Write rate, and the sim
//      SIGKILLed and restarted empty under N rules (bench/target-ofp4.mjs; skipped with --no-targets)
// Flags: --n N (default 100000), --runs R (default 3), --no-million, --skip-b, --no-targets.
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { clearInterval, setInterval } from "node:timers";
import { promisify } from "node:util";
import { procStat, startOvs } from "./compare-ovs.mjs";
import { flowText, pipelinedInstall } from "./load-client.mjs";

const run = promisify(execFile);
const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = flag("--n", 100_000);
const RUNS = flag("--runs", 3);
const MILLION = !args.includes("--no-million");
const SKIP_B = args.includes("--skip-b");
const TARGETS = !args.includes("--no-targets");
const MILLION_ONLY = args.includes("--million-only");

// ---- build -------------------------------------------------------------------------------------
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const built = path.join(root, "dist/src/cli/ofp4.js");
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(path.join(root, "src")), newest(path.join(root, "targets")))) {
  console.log("building (npm run build)...");
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
}

// ---- ofp4 process --------------------------------------------------------------------------------
async function startOfp4() {
  const dir = mkdtempSync(path.join(tmpdir(), "ofp4-bench-"));
  const socket = path.join(dir, "ofp4.ctl");
  const child = spawn(process.execPath, [path.join(root, "bin/ofp4.js"), "start", "--log-format", "json", "--admin-socket", socket, "--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", "--ports", "4"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
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
  const simPid = Number(/"simPid":(\d+)[^\n]*embedded sim P4Runtime listening/.exec(out)?.[1] ?? 0) || undefined;
  const ctl = async (...a) => (await run(process.execPath, [path.join(root, "bin/ofp4ctl.js"), "-t", socket, ...a], { maxBuffer: 1 << 30 })).stdout;
  return {
    name: "ofp4",
    ...listener,
    target: `tcp:${listener.host}:${listener.port}`,
    pid: child.pid,
    simPid,
    ctl,
    stats: async () => JSON.parse(await ctl("--json", "stats", "br0")),
    stderr: () => err + out.split("\n").filter((l) => /clos|drop|echo|timeout|error|warn/i.test(l)).slice(-5).join("\n"),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exitStatus: () => `${child.exitCode ?? child.signalCode}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      if (simPid) {
        for (let i = 0; i < 100; i++) {
          try {
            process.kill(simPid, 0);
          } catch {
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ofctl = (...a) => run("ovs-ofctl", a, { maxBuffer: 1 << 30 });
/** Times fn; a failure is recorded (NaN + the error's first line) instead of ending the run. */
const failures = [];
async function timed(fn, what = "") {
  const t0 = performance.now();
  try {
    const r = await fn();
    return { s: (performance.now() - t0) / 1000, r };
  } catch (e) {
    const msg = `${what}: ${String(e?.stderr || e?.message || e).split("\n")[0]}`;
    failures.push(msg);
    console.log(`  FAILED ${msg}`);
    return { s: NaN, r: undefined };
  }
}
async function flowCount(sw) {
  const { r } = await timed(() => ofctl("-O", "OpenFlow13", "dump-aggregate", sw.target), `${sw.name} dump-aggregate (count)`);
  return Number(/flow_count=(\d+)/.exec(r?.stdout ?? "")?.[1] ?? NaN);
}

const flowsFile = path.join(mkdtempSync(path.join(tmpdir(), "ofp4-bench-flows-")), "flows.txt");
writeFileSync(flowsFile, Array.from({ length: N }, (_, i) => flowText(i)).join("\n") + "\n");

// ---- one run of rows a, c, d, e, b on one switch --------------------------------------------------
const step = (kind, what) => process.env.OFP4_BENCH_DEBUG && console.error(`  [${kind}] ${what}`);
async function oneRun(kind) {
  const sw = kind === "ovs" ? await startOvs(4) : await startOfp4();
  const r = {};
  try {
    step(kind, "a");
    // CPU of the switch (and of ofp4's sim) over the install: per flow, the figure that must fit in 2 cores.
    const cpuOf = (pid) => (pid ? procStat(pid).cpuS : 0);
    const swCpu0 = cpuOf(sw.pid);
    const simCpu0 = cpuOf(sw.simPid);
    const a = await pipelinedInstall(sw.host, sw.port, N);
    r.a = a.seconds;
    r.aErrors = a.errors;
    r.aCpuUsPerFlow = ((cpuOf(sw.pid) - swCpu0) * 1e6) / N;
    if (sw.simPid) r.aSimCpuUsPerUpdate = ((cpuOf(sw.simPid) - simCpu0) * 1e6) / N;
    if (kind === "ofp4") {
      const st = await sw.stats();
      r.aCount = st.entries;
      r.updatesPerWrite = st.updatesPerWrite;
      r.writes = st.writes;
      r.writeLatencyMs = st.writeLatencyMs;
    } else r.aCount = await flowCount(sw);
    step(kind, "c dumps");
    const cpu0 = kind === "ofp4" ? procStat(sw.pid).cpuS + (sw.simPid ? procStat(sw.simPid).cpuS : 0) : procStat(sw.pid).cpuS;
    r.dumpFlows = (await timed(() => ofctl("-O", "OpenFlow13", "dump-flows", sw.target), `${kind} dump-flows`)).s;
    r.dumpAggregate = (await timed(() => ofctl("-O", "OpenFlow13", "dump-aggregate", sw.target), `${kind} dump-aggregate`)).s;
    step(kind, "e");
    if (kind === "ofp4") {
      // e: the stats give the last poll's wall time; CPU over a window of polls.
      const s0 = await sw.stats();
      const c0 = procStat(sw.pid).cpuS + (sw.simPid ? procStat(sw.simPid).cpuS : 0);
      const t0 = performance.now();
      let s1 = s0;
      while (s1.counterPolls < s0.counterPolls + 3 && performance.now() - t0 < 30_000) {
        await new Promise((res) => setTimeout(res, 200));
        s1 = await sw.stats();
      }
      const c1 = procStat(sw.pid).cpuS + (sw.simPid ? procStat(sw.simPid).cpuS : 0);
      const polls = s1.counterPolls - s0.counterPolls;
      r.pollMs = s1.counterPollMs;
      r.pollCpuMs = polls > 0 ? ((c1 - c0) * 1000) / polls : NaN;
    } else {
      r.pollMs = r.dumpAggregate * 1000;
      r.pollCpuMs = (procStat(sw.pid).cpuS - cpu0) * 1000;
    }
    // d
    r.rssMb = procStat(sw.pid).rssKb / 1024;
    step(kind, "c del");
    r.delFlows = (await timed(() => ofctl("-O", "OpenFlow13", "del-flows", sw.target), `${kind} del-flows`)).s;
    r.afterDel = await flowCount(sw);
    step(kind, "b");
    if (!SKIP_B) {
      r.addFlows = (await timed(() => ofctl("-O", "OpenFlow13", "add-flows", sw.target, flowsFile), `${kind} add-flows`)).s;
      r.bCount = await flowCount(sw);
    }
  } finally {
    await sw.stop();
  }
  return r;
}

// ---- floor of row b: N sequential one-update Writes to a sim ------------------------------------
async function floor() {
  const load = (p) => import(pathToFileURL(path.join(root, "dist", p)).href);
  const { P4RuntimeClient, loadP4InfoFile, tableUpdate } = await load("src/p4runtime/index.js");
  const child = spawn(process.execPath, [path.join(root, "bin/ofp4.js"), "sim", "--p4runtime", "127.0.0.1:0", "--dp-grpc-server-addr", "127.0.0.1:0"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
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
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const u = tableUpdate(info, "INSERT", { table: "ingress.ofp_table_0", match: { eth_dst: { ternary: [BigInt(i + 1), 0xffffffffffffn] } }, action: "ingress.drop", priority: 100 });
      const [st] = await c.write([u]);
      if (st.code !== 0) throw new Error(`floor write ${i}: ${JSON.stringify(st)}`);
    }
    const s = (performance.now() - t0) / 1000;
    c.close();
    return s;
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

// ---- the run ------------------------------------------------------------------------------------
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
};
const results = { n: N, runs: RUNS, started: new Date().toISOString(), ovs: [], ofp4: [], floor: [] };
const t0 = performance.now();
for (let k = 0; k < (MILLION_ONLY ? 0 : RUNS); k++) {
  for (const kind of ["ovs", "ofp4"]) {
    const r = await oneRun(kind);
    results[kind].push(r);
    console.log(`run ${k + 1} ${kind}: ${JSON.stringify(r, (key, v) => (typeof v === "number" ? Number(v.toFixed(4)) : v))}`);
  }
  if (!SKIP_B) {
    const f = await floor();
    results.floor.push(f);
    console.log(`run ${k + 1} floor: ${f.toFixed(3)} s for ${N} sequential one-update Writes`);
  }
}
if (MILLION) {
  for (const kind of ["ovs", "ofp4"]) {
    const sw = kind === "ovs" ? await startOvs(4) : await startOfp4();
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, procStat(sw.pid).rssKb / 1024);
      } catch {
        /* exited */
      }
    }, 500);
    try {
      const a = await pipelinedInstall(sw.host, sw.port, 1_000_000);
      const count = kind === "ofp4" ? (await sw.stats()).entries : await flowCount(sw);
      results[`${kind}Million`] = { seconds: a.seconds, errors: a.errors, count, rssMb: procStat(sw.pid).rssKb / 1024 };
      console.log(`1,000,000 rules ${kind}: ${JSON.stringify(results[`${kind}Million`])}`);
    } catch (e) {
      await new Promise((r) => setTimeout(r, 1000));
      const why = kind === "ofp4" ? `ofp4 ${sw.exited() ? `exited (${sw.exitStatus()})` : "still running"}; stderr: ${sw.stderr().slice(-600)}` : "";
      results[`${kind}Million`] = { seconds: NaN, count: NaN, rssMb: peak, error: `${e.message}; ${why}` };
      failures.push(`${kind} 1,000,000 rules: ${e.message}; peak RSS ${peak.toFixed(0)} MB; ${why}`);
      console.log(`1,000,000 rules ${kind}: FAILED ${e.message}; peak RSS ${peak.toFixed(0)} MB; ${why}`);
    } finally {
      clearInterval(sampler);
      await sw.stop();
    }
  }
}
results.wallSeconds = (performance.now() - t0) / 1000;
results.failures = failures;

const m = (kind, key) => median(results[kind].map((r) => r[key]));
const rows = [];
const row = (name, ovs, ofp4, unit, ratio = ovs / ofp4, note = "") => rows.push({ name, ovs, ofp4, unit, ratio, note });
row(`a. pipelined install ${N} (1.3 FLOW_MOD + 1 barrier)`, m("ovs", "a"), m("ofp4", "a"), "s", undefined,
  `ovs ${Math.round(N / m("ovs", "a"))} flows/s, ofp4 ${Math.round(N / m("ofp4", "a"))} flows/s; CPU per flow: ovs-vswitchd ${m("ovs", "aCpuUsPerFlow").toFixed(1)} us, ofp4 ${m("ofp4", "aCpuUsPerFlow").toFixed(1)} us + its sim ${m("ofp4", "aSimCpuUsPerUpdate").toFixed(1)} us per update; counts ovs ${m("ovs", "aCount")} ofp4 ${m("ofp4", "aCount")} (sim entries); ofp4 ${m("ofp4", "updatesPerWrite").toFixed(1)} updates/Write over ${m("ofp4", "writes")} Writes, errors ovs ${m("ovs", "aErrors")} ofp4 ${m("ofp4", "aErrors")}`);
if (!SKIP_B) {
  const fl = median(results.floor);
  row(`b. ovs-ofctl add-flows ${N}`, m("ovs", "addFlows"), m("ofp4", "addFlows"), "s", undefined, `floor ${fl.toFixed(2)} s; ofp4 - floor ${(m("ofp4", "addFlows") - fl).toFixed(2)} s (goal <= ovs ${m("ovs", "addFlows").toFixed(2)} s); counts ovs ${m("ovs", "bCount")} ofp4 ${m("ofp4", "bCount")}`);
}
row(`c. dump-flows of ${N}`, m("ovs", "dumpFlows"), m("ofp4", "dumpFlows"), "s");
row(`c. dump-aggregate of ${N}`, m("ovs", "dumpAggregate"), m("ofp4", "dumpAggregate"), "s");
row(`c. del-flows of ${N} to barrier`, m("ovs", "delFlows"), m("ofp4", "delFlows"), "s", undefined, `left after: ovs ${m("ovs", "afterDel")} ofp4 ${m("ofp4", "afterDel")}`);
row(`d. RSS with ${N} rules`, m("ovs", "rssMb"), m("ofp4", "rssMb"), "MB", undefined, "ofp4 process only (the sim is a separate process)");
if (MILLION) row("d. RSS with 1,000,000 rules", results.ovsMillion.rssMb, results.ofp4Million.rssMb, "MB", undefined, `install ovs ${results.ovsMillion.seconds.toFixed(2)} s ofp4 ${results.ofp4Million.seconds.toFixed(2)} s; counts ovs ${results.ovsMillion.count} ofp4 ${results.ofp4Million.count}`);
row(`e. one counter poll of ${N} (wall)`, m("ovs", "pollMs"), m("ofp4", "pollMs"), "ms", undefined, "ovs: its dump-aggregate (reads every counter); ofp4: the provider's last poll");
row(`e. one counter poll of ${N} (CPU)`, m("ovs", "pollCpuMs"), m("ofp4", "pollCpuMs"), "ms", undefined, "ofp4: ofp4 + sim process CPU per poll; ovs: ovs-vswitchd CPU over the dumps");
results.rows = rows;

console.log(`\nofp4 vs Open vSwitch, N=${N}, ${RUNS} interleaved runs each, medians (ratio = OVS / ofp4; >= 1: ofp4 as good)`);
for (const r of rows) {
  console.log(`${r.name.padEnd(52)} ovs ${r.ovs.toFixed(3).padStart(9)} ${r.unit.padEnd(2)}  ofp4 ${r.ofp4.toFixed(3).padStart(9)} ${r.unit.padEnd(2)}  ratio ${r.ratio.toFixed(2)}${r.note ? `  (${r.note})` : ""}`);
}
if (TARGETS) {
  const { runTargetsBench } = await import("./p4runtime-targets.mjs");
  try {
    const t = await runTargetsBench({ build: path.join(root, "dist"), entries: N, rtt: 2000 });
    results.targets = t;
    console.log(`\nf. P4Runtime targets, the same client and work (sim / bmv2; load ${t.load.toFixed(1)})`);
    const fmt = (v) => (v === undefined ? "-" : v >= 100 ? String(Math.round(v)) : v.toFixed(v >= 10 ? 1 : 3));
    for (const r of t.rows) console.log(`${r.row.padEnd(72)} sim ${fmt(r.sim).padStart(9)}  bmv2 ${fmt(r.bmv2).padStart(9)}  sim/bmv2 ${fmt(r.ratio)}`);
  } catch (e) {
    failures.push(`f. P4Runtime targets: ${e.message}`);
    console.log(`f. P4Runtime targets: FAILED ${e.message}`);
  }
}
if (TARGETS) {
  // g and h: ofp4 in front of a standalone sim and a real bmv2 (bench/target-ofp4.mjs).
  console.log("\ng/h. ofp4 in front of a standalone target (bench/target-ofp4.mjs)");
  try {
    const { stdout } = await run(process.execPath, [path.join(root, "bench/target-ofp4.mjs"), "--n", String(N)], { cwd: root, maxBuffer: 1 << 24 });
    results.targetOfp4 = stdout.trim().split("\n");
    console.log(stdout.trimEnd());
  } catch (e) {
    failures.push(`g/h. target-ofp4: ${String(e.stderr || e.message).split("\n")[0]}`);
    console.log(`g/h. FAILED ${String(e.stderr || e.message).split("\n")[0]}`);
  }
}
mkdirSync(path.join(root, "bench/results"), { recursive: true });
const file = path.join(root, "bench/results", `run-${results.started.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
rmSync(path.dirname(flowsFile), { recursive: true, force: true });
for (const f of failures) console.log(`failed: ${f}`);
console.log(`\nwrote ${path.relative(root, file)} (${results.wallSeconds.toFixed(0)} s)`);

// P4Runtime into real bmv2 beside the same into the sim (issue 11 item 5), so the sim's speed
// never flatters ofp4 unseen. Each target runs in its own process, loaded with p4/ofp4.p4 (P4Info +
// bmv2 JSON): simple_switch_grpc from P4REF_RUN or /opt/p4ref/p4-reference/run (as
// test/setup/p4-tools.ts finds it), and the sim as `ofp4 start` runs it (src/daemon/sim-child.js,
// its stdin a pipe from us). The same client (src/p4runtime/client.ts) and the same work on both:
//   throughput: N table-entry INSERTs into ingress.ofp_table_0 (2 ternary fields, the flow action
//     with its 17 params), B updates per Write, W Writes in flight; acknowledged updates/s, and the
//     target process's CPU per update (from /proc: meaningful on a shared machine);
//   round trip: R one-update Writes one after another (INSERTs into ingress.ofp_table_1), the
//     Write's median and p99 latency.
// Prints both figures and the ratio sim/bmv2 per row. Run on built JS:
//   node bench/p4runtime-targets.mjs [build=dist] [--entries N] [--batch B] [--in-flight W]
//        [--rtt R] [--targets sim,bmv2] [--json FILE] [--sim-prof DIR (a CPU profile of the sim)]
// or import { runTargetsBench } (same options as an object; resolves the rows, prints nothing).
// Starts and stops only its own target processes, by PID.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { clearTimeout, setTimeout } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Where the reference tools are, as test/setup/p4-tools.ts finds them. */
export const P4_TOOLS_DIR = process.env.P4REF_RUN ?? "/opt/p4ref/p4-reference/run";

async function freePort() {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = s.address().port;
  s.close();
  await once(s, "close");
  return port;
}

/** utime + stime of a process, in seconds (Linux clock ticks are 1/100 s). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** A started target: its P4Runtime address and PID, and how to stop it. */
async function startTarget(kind, build, simProf) {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child;
  if (kind === "bmv2") {
    const exe = path.join(P4_TOOLS_DIR, "simple_switch_grpc");
    if (!existsSync(exe)) throw new Error(`simple_switch_grpc not found at ${exe}: set P4REF_RUN to the directory printed by ../shared/p4-reference/install.sh`);
    // The wrapper execs the binary, so the PID is simple_switch_grpc's. Logging off, as in production.
    child = spawn(exe, ["--no-p4", "--device-id", "0", "--", "--grpc-server-addr", address, "--cpu-port", "255", "--dp-grpc-server-addr", `127.0.0.1:${await freePort()}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } else {
    const entry = path.join(build, "src/daemon/sim-child.js");
    if (!existsSync(entry)) throw new Error(`the sim is not built (${entry} is missing)`);
    // As EmbeddedSim starts it: its own process, stdin a pipe (it stops when the pipe closes).
    const prof = simProf ? ["--cpu-prof", `--cpu-prof-dir=${simProf}`] : [];
    child = spawn(process.execPath, [...prof, entry, "--p4runtime", address, "--device-id", "0", "--cpu-port", "255", "--dp-grpc-server-addr", "127.0.0.1:0", "--ports", "8"], {
      stdio: ["pipe", "ignore", "pipe"],
    });
  }
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((r) => child.once("exit", r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    }
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}) before listening: ${stderr.trim()}`);
    const ok = await new Promise((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => (sock.destroy(), resolve(true)));
      sock.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} did not listen on ${address} within 20 s`);
    }
    await sleep(50);
  }
  return { kind, address, pid: child.pid, stop };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs the throughput and round-trip rows on one target. */
async function measureTarget(kind, o, lib) {
  const { P4RuntimeClient, loadP4InfoFile, tableUpdate } = lib;
  const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
  const deviceConfig = readFileSync(path.join(root, "p4/ofp4.json"));
  const target = await startTarget(kind, o.build, o.simProf);
  const client = new P4RuntimeClient({ address: target.address, deviceId: 0n, electionId: 1n, reconnect: false, writeTimeoutMs: 600_000, connectTimeoutMs: 20_000 });
  try {
    await client.connect();
    await client.setPipeline({ p4info: info, deviceConfig });
    const flow = info.action("ingress.flow");
    const params = {};
    for (const p of flow.params) params[p.name] = p.name === "out_kind" ? 1n : p.name === "out_port" ? 2n : 0n;
    const insert = (table, i) =>
      tableUpdate(info, "INSERT", {
        table,
        match: { in_port: { ternary: [BigInt(1 + (i % 8)), 0xffffn] }, eth_dst: { ternary: [0x020000000000n + BigInt(i), 0xffffffffffffn] } },
        action: "ingress.flow",
        params,
        priority: 1 + (i % 1000),
      });

    // Throughput: N INSERTs, B per Write, W Writes in flight; every update acknowledged. The
    // update objects are built before the clock starts; the client encodes them as it sends.
    const all = [];
    for (let i = 0; i < o.entries; i++) all.push(insert("ingress.ofp_table_0", i));
    let next = 0;
    let failed = 0;
    let firstFailure;
    const cpu0 = cpuSeconds(target.pid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    const lane = async () => {
      while (next < o.entries) {
        const start = next;
        next = Math.min(o.entries, next + o.batch);
        const statuses = await client.write(all.slice(start, next));
        for (const s of statuses) {
          if (s.code !== 0) {
            failed++;
            firstFailure ??= `${s.code} ${s.message}`;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: o.inFlight }, lane));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(target.pid) - cpu0;
    const clientCpu = process.cpuUsage(client0);
    const rss = rssMiB(target.pid);

    // Round trip: R one-update Writes, one at a time.
    const rtts = [];
    for (let i = 0; i < o.rtt; i++) {
      const u = insert("ingress.ofp_table_1", i);
      const s0 = performance.now();
      const [st] = await client.write([u]);
      rtts.push(performance.now() - s0);
      if (st.code !== 0) {
        failed++;
        firstFailure ??= `${st.code} ${st.message}`;
      }
    }
    rtts.sort((x, y) => x - y);
    return {
      target: kind,
      updatesPerSecond: o.entries / seconds,
      seconds,
      cpuUsPerUpdate: (cpu / o.entries) * 1e6,
      clientCpuUsPerUpdate: (clientCpu.user + clientCpu.system) / o.entries,
      rssMiB: rss,
      rttMedianMs: percentile(rtts, 50),
      rttP99Ms: percentile(rtts, 99),
      failed,
      firstFailure,
    };
  } finally {
    client.close();
    await target.stop();
  }
}

/**
 * The bench as a function: options { build, entries, batch, inFlight, rtt, targets }; resolves
 * { options, load, results: [per target], rows: [{ row, sim, bmv2, ratio }] }.
 */
export async function runTargetsBench(options = {}) {
  const o = {
    build: path.resolve(options.build ?? path.join(root, "dist")),
    entries: options.entries ?? 100_000,
    batch: options.batch ?? 400,
    inFlight: options.inFlight ?? 8,
    rtt: options.rtt ?? 2000,
    targets: options.targets ?? ["sim", "bmv2"],
    /** A directory for a V8 CPU profile of the sim process (written when it stops). */
    simProf: options.simProf,
  };
  // Every tool first, so a missing one costs no half-run.
  if (o.targets.includes("bmv2") && !existsSync(path.join(P4_TOOLS_DIR, "simple_switch_grpc"))) {
    throw new Error(`simple_switch_grpc not found in ${P4_TOOLS_DIR}: set P4REF_RUN to the directory printed by ../shared/p4-reference/install.sh, or pass --targets sim`);
  }
  if (o.targets.includes("sim") && !existsSync(path.join(o.build, "src/daemon/sim-child.js"))) {
    throw new Error(`the sim is not built (${path.join(o.build, "src/daemon/sim-child.js")} is missing): run npm run build`);
  }
  // tsc does not copy the generated JS module; bring it along.
  mkdirSync(path.join(o.build, "src/generated"), { recursive: true });
  for (const f of ["proto.js", "descriptor.js"]) {
    const to = path.join(o.build, "src/generated", f);
    if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
  }
  const lib = await import(pathToFileURL(path.join(o.build, "src/p4runtime/index.js")).href);
  const load = os.loadavg()[0];
  const results = [];
  for (const kind of o.targets) results.push(await measureTarget(kind, o, lib));
  const by = Object.fromEntries(results.map((r) => [r.target, r]));
  const row = (name, key) => {
    const sim = by.sim?.[key];
    const bmv2 = by.bmv2?.[key];
    return { row: name, sim, bmv2, ratio: sim !== undefined && bmv2 !== undefined ? sim / bmv2 : undefined };
  };
  const rows = [
    row(`acknowledged updates/s (${o.entries} INSERTs, ${o.batch} per Write, ${o.inFlight} in flight)`, "updatesPerSecond"),
    row("target process CPU per update (us)", "cpuUsPerUpdate"),
    row("client process CPU per update (us; the same client on both)", "clientCpuUsPerUpdate"),
    row(`one-update Write round trip, median of ${o.rtt} (ms)`, "rttMedianMs"),
    row(`one-update Write round trip, p99 of ${o.rtt} (ms)`, "rttP99Ms"),
    row(`target RSS after ${o.entries} entries (MiB)`, "rssMiB"),
  ];
  return { options: { ...o, build: undefined }, load, loadAfter: os.loadavg()[0], results, rows };
}

function format(v) {
  if (v === undefined) return "-";
  return v >= 100 ? String(Math.round(v)) : v.toFixed(v >= 10 ? 1 : 3);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const take = (name) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    return args.splice(i, 2)[1];
  };
  const num = (name) => {
    const v = take(name);
    return v === undefined ? undefined : Number(v);
  };
  const targets = take("--targets")?.split(",");
  const json = take("--json");
  const simProf = take("--sim-prof");
  const options = { entries: num("--entries"), batch: num("--batch"), inFlight: num("--in-flight"), rtt: num("--rtt"), targets, simProf: simProf && path.resolve(simProf), build: args[0] };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  let r;
  try {
    r = await runTargetsBench(options);
  } catch (e) {
    console.error(`p4runtime-targets: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  console.log(`P4Runtime targets bench: sim (own process, as ofp4 start runs it) vs bmv2 simple_switch_grpc, both with p4/ofp4.p4`);
  console.log(`  load average ${r.load.toFixed(2)} before, ${r.loadAfter.toFixed(2)} after (${os.cpus().length} CPUs)`);
  console.log(`  ${"row".padEnd(72)} ${"sim".padStart(9)} ${"bmv2".padStart(9)} ${"sim/bmv2".padStart(9)}`);
  for (const x of r.rows) console.log(`  ${x.row.padEnd(72)} ${format(x.sim).padStart(9)} ${format(x.bmv2).padStart(9)} ${(x.ratio === undefined ? "-" : x.ratio.toFixed(2)).padStart(9)}`);
  for (const t of r.results) if (t.failed) console.log(`  ${t.target}: ${t.failed} updates failed, first: ${t.firstFailure}`);
  if (json) writeFileSync(json, JSON.stringify(r, null, 2));
  process.exitCode = r.results.some((t) => t.failed) ? 1 : 0;
}

// One-update P4Runtime Write round trip and the client's CPU per Write, for several client
// transports against the same target (bench/profiles/README.md, "The Write path").
// Each run starts a fresh target (the sim as `ofp4 sim` runs it, or bmv2 simple_switch_grpc from
// P4REF_RUN / /opt/p4ref), arbitrates as primary (election id 1), pushes p4/ofp4.p4 and warms the
// target up (T one-update Writes into ingress.ofp_table_2); then every mode runs in its own child
// process (fresh heap, its own CPU counters), one after the other, in an order rotated per run
// (as many runs as modes puts every mode once at every position). A child sends W warm-up Writes, then R measured ones, one at
// a time: each an INSERT into ingress.ofp_table_1 with a unique key (election id 1, device 0).
// Modes:
//   grpc-js       @grpc/grpc-js makeUnaryRequest of the pre-encoded WriteRequest, the client's
//                 channel options (what P4RuntimeClient.write cost before the raw transport)
//   grpc-js-opts  the same with options that might lower the per-call cost (OPTS below)
//   http2         a minimal node:http2 request carrying the same gRPC-framed bytes
//   transport     the client's node:http2 transport alone (Http2WriteTransport.send), same bytes
//   client        P4RuntimeClient.write([update]) as built (encode + transport + statuses)
//   client-grpc-js  P4RuntimeClient with writeTransport "grpc-js" (the fallback)
//   client-base   P4RuntimeClient.write from another build (--base DIR: e.g. the commit before)
// Prints per mode: median / p99 round trip (ms), client CPU per Write (us, from the child's own
// getrusage, the counter /proc/PID/stat shows) and the target's CPU per Write (us, from
// /proc/TARGET/stat around the child's run), each the median over runs; and the load average.
//   node bench/p4runtime-rtt.mjs [build=dist] [--targets sim,bmv2] [--runs 7] [--writes 2000]
//        [--warmup 200] [--target-warmup T=3000] [--modes grpc-js,grpc-js-opts,http2,client,...] [--base DIR] [--json FILE]
// Starts and stops only its own processes, by PID.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { clearTimeout, setTimeout } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const P4_TOOLS_DIR = process.env.P4REF_RUN ?? "/opt/p4ref/p4-reference/run";
const ALL_MODES = ["grpc-js", "grpc-js-opts", "http2", "transport", "client", "client-grpc-js", "client-base"];

/** The client's own channel options (src/p4runtime/client.ts). */
const BASE_OPTS = {
  "grpc.max_receive_message_length": 256 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  "grpc.max_metadata_size": 1024 * 1024,
};
/** Options that might make a grpc-js unary call cheaper. */
const OPTS = {
  ...BASE_OPTS,
  "grpc.enable_retries": 0,
  "grpc.enable_channelz": 0,
  "grpc.enable_http_proxy": 0,
  "grpc.use_local_subchannel_pool": 1,
  "grpc.service_config_disable_resolution": 1,
  "grpc.keepalive_time_ms": 600_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc-node.flow_control_window": 16 * 1024 * 1024,
  "grpc-node.max_session_memory": 64 * 1024 * 1024,
  "grpc.max_concurrent_streams": 1000,
};

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** utime + stime per thread of this process, in clock ticks. */
function threadTicks() {
  const m = new Map();
  for (const t of readdirSync(`/proc/${process.pid}/task`)) m.set(Number(t), cpuTicks(`${process.pid}/task/${t}`));
  return m;
}

async function freePort() {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = s.address().port;
  s.close();
  await once(s, "close");
  return port;
}

function loadLib(build) {
  mkdirSync(path.join(build, "src/generated"), { recursive: true });
  for (const f of ["proto.js", "descriptor.js"]) {
    const to = path.join(build, "src/generated", f);
    if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
  }
  return import(pathToFileURL(path.join(build, "src/p4runtime/index.js")).href);
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
};

// ---- child: one mode -------------------------------------------------------------------------------

async function child(mode, address, base, writes, warmup, build) {
  const lib = await loadLib(build);
  const { P4RuntimeClient, loadP4InfoFile, tableUpdate, p4, toUint128 } = lib;
  const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
  const flow = info.action("ingress.flow");
  const params = {};
  for (const p of flow.params) params[p.name] = p.name === "out_kind" ? 1n : p.name === "out_port" ? 2n : 0n;
  const update = (i) =>
    tableUpdate(info, "INSERT", {
      table: "ingress.ofp_table_1",
      match: { in_port: { ternary: [BigInt(1 + (i % 8)), 0xffffn] }, eth_dst: { ternary: [0x020000000000n + BigInt(i), 0xffffffffffffn] } },
      action: "ingress.flow",
      params,
      priority: 1 + (i % 1000),
    });
  const n = warmup + writes;
  const updates = [];
  for (let i = 0; i < n; i++) updates.push(update(base + i));
  // The same bytes every raw mode sends: a WriteRequest, gRPC-framed (5-byte prefix).
  const framed = updates.map((u) => {
    const msg = p4.v1.WriteRequest.encode({ deviceId: 0n, electionId: toUint128(1n), updates: [u] }).finish();
    const b = Buffer.allocUnsafe(5 + msg.length);
    b[0] = 0;
    b.writeUInt32BE(msg.length, 1);
    b.set(msg, 5);
    return b;
  });

  let send; // (i) => Promise<number /* grpc code */>
  let close;
  if (mode === "grpc-js" || mode === "grpc-js-opts") {
    const grpc = await import(pathToFileURL(path.join(root, "node_modules/@grpc/grpc-js/build/src/index.js")).href);
    const ch = new grpc.Client(address, grpc.credentials.createInsecure(), mode === "grpc-js" ? BASE_OPTS : OPTS);
    const id = (b) => b;
    send = (i) =>
      new Promise((resolve) =>
        ch.makeUnaryRequest("/p4.v1.P4Runtime/Write", id, id, framed[i].subarray(5), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err) =>
          resolve(err ? err.code : 0),
        ),
      );
    close = () => ch.close();
  } else if (mode === "http2") {
    const [host, port] = address.split(":");
    const session = http2.connect(`http://${address}`, {
      settings: { maxHeaderListSize: 16 << 20 },
      createConnection: () => net.connect({ host, port: Number(port), noDelay: true }),
    });
    session.on("error", () => {});
    const headers = {
      ":method": "POST",
      ":path": "/p4.v1.P4Runtime/Write",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": "10S",
    };
    send = (i) =>
      new Promise((resolve) => {
        let code = -1;
        const s = session.request(headers);
        s.on("response", (h) => {
          if (h["grpc-status"] !== undefined) code = Number(h["grpc-status"]);
        });
        s.on("trailers", (t) => {
          code = Number(t["grpc-status"]);
        });
        s.on("data", () => {});
        s.on("error", () => {});
        s.on("close", () => resolve(code));
        s.end(framed[i]);
      });
    close = () => session.close();
  } else if (mode === "transport") {
    const { Http2WriteTransport } = await import(pathToFileURL(path.join(build, "src/p4runtime/grpc-write.js")).href);
    const [host, port] = address.split(":");
    const w = new Http2WriteTransport({ host, port: Number(port), address, timeoutMs: 10_000, maxSendBytes: 64 << 20, maxMetadataBytes: 1 << 20, userAgent: "bench" });
    send = (i) => new Promise((resolve) => w.send(framed[i], 1, (r) => resolve(r[0].code)));
    close = () => w.close();
  } else if (mode === "client" || mode === "client-grpc-js" || mode === "client-base") {
    const c = new P4RuntimeClient({
      address,
      deviceId: 0n,
      electionId: 1n,
      reconnect: false,
      ...(mode === "client-grpc-js" ? { writeTransport: "grpc-js" } : {}),
    });
    send = (i) => c.write([updates[i]]).then((r) => r[0].code);
    close = () => c.close();
  } else throw new Error(`unknown mode ${mode}`);

  let failed = 0;
  let firstFailure;
  const one = async (i) => {
    const code = await send(i);
    if (code !== 0) {
      failed++;
      firstFailure ??= `write ${i}: code ${code}`;
    }
  };
  for (let i = 0; i < warmup; i++) await one(i);
  const rtts = new Array(writes);
  const threads0 = threadTicks();
  const ticks0 = cpuTicks(process.pid);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < writes; i++) {
    const t0 = performance.now();
    await one(warmup + i);
    rtts[i] = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  const ticks = cpuTicks(process.pid) - ticks0;
  const threads = threadTicks();
  const mainTicks = threads.get(process.pid) - threads0.get(process.pid);
  close();
  rtts.sort((a, b) => a - b);
  return {
    mode,
    rttMedianMs: percentile(rtts, 50),
    rttP99Ms: percentile(rtts, 99),
    clientCpuUsPerWrite: (cpu.user + cpu.system) / writes,
    clientProcStatUsPerWrite: (ticks * 10_000) / writes,
    clientMainThreadUsPerWrite: (mainTicks * 10_000) / writes,
    failed,
    firstFailure,
  };
}

// ---- parent: targets, runs ---------------------------------------------------------------------------

async function startTarget(kind) {
  let child;
  let address;
  if (kind === "bmv2") {
    const exe = path.join(P4_TOOLS_DIR, "simple_switch_grpc");
    if (!existsSync(exe)) throw new Error(`simple_switch_grpc not found at ${exe}: set P4REF_RUN`);
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    child = spawn(exe, ["--no-p4", "--device-id", "0", "--", "--grpc-server-addr", address, "--cpu-port", "255", "--dp-grpc-server-addr", `127.0.0.1:${await freePort()}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  } else {
    child = spawn(process.execPath, [path.join(root, "bin/ofp4.js"), "sim", "--p4runtime", "127.0.0.1:0", "--dp-grpc-server-addr", "127.0.0.1:0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
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
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}): ${err.trim()}`);
    if (!address) {
      const m = /P4Runtime listening on (\S+)/.exec(out);
      if (m) address = m[1];
    } else {
      const [host, port] = address.split(":");
      const ok = await new Promise((resolve) => {
        const sock = net.connect(Number(port), host);
        sock.once("connect", () => (sock.destroy(), resolve(true)));
        sock.once("error", () => resolve(false));
      });
      if (ok) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} did not listen within 20 s`);
    }
    await sleep(50);
  }
  return { kind, address, pid: child.pid, stop };
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.once("exit", (code) => {
      const line = out.trim().split("\n").pop();
      if (code !== 0 || !line) reject(new Error(`child ${args[0]} exited ${code}: ${out}`));
      else resolve(JSON.parse(line));
    });
  });
}

async function parent(o) {
  const lib = await loadLib(o.build);
  const { P4RuntimeClient, loadP4InfoFile } = lib;
  const info = loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
  const deviceConfig = readFileSync(path.join(root, "p4/ofp4.json"));
  const loadBefore = os.loadavg();
  const all = [];
  for (const kind of o.targets) {
    for (let run = 0; run < o.runs; run++) {
      const t = await startTarget(kind);
      const ctl = new P4RuntimeClient({ address: t.address, deviceId: 0n, electionId: 1n, reconnect: false, connectTimeoutMs: 20_000 });
      try {
        await ctl.connect();
        await ctl.setPipeline({ p4info: info, deviceConfig });
        // Warm the target up (a fresh sim's JIT), so the first mode of a run is not charged for it:
        // one-update Writes into another table.
        for (let i = 0; i < o.targetWarmup; i++) {
          const [st] = await ctl.write([lib.tableUpdate(info, "INSERT", { table: "ingress.ofp_table_2", match: { eth_dst: { ternary: [BigInt(i + 1), 0xffffffffffffn] } }, action: "ingress.drop", priority: 1 })]);
          if (st.code !== 0) throw new Error(`target warm-up Write ${i}: ${st.code} ${st.message}`);
        }
        const order = o.modes.map((_, i) => o.modes[(i + run) % o.modes.length]);
        for (const [k, mode] of order.entries()) {
          const base = 1 + k * (o.writes + o.warmup);
          const t0 = cpuTicks(t.pid);
          const build = mode === "client-base" ? o.base : o.build;
          const r = await runChild([mode, t.address, String(base), String(o.writes), String(o.warmup), build]);
          r.targetCpuUsPerWrite = ((cpuTicks(t.pid) - t0) * 10_000) / (o.writes + o.warmup);
          r.target = kind;
          r.run = run;
          r.load = os.loadavg()[0];
          all.push(r);
          console.error(`  ${kind} run ${run + 1} ${mode.padEnd(14)} median ${r.rttMedianMs.toFixed(3)} ms  p99 ${r.rttP99Ms.toFixed(3)} ms  client CPU ${r.clientCpuUsPerWrite.toFixed(0)} us/Write (main thread ${r.clientMainThreadUsPerWrite.toFixed(0)})  target CPU ${r.targetCpuUsPerWrite.toFixed(0)} us/Write  load ${r.load.toFixed(2)}${r.failed ? `  FAILED ${r.failed}: ${r.firstFailure}` : ""}`);
        }
      } finally {
        ctl.close();
        await t.stop();
      }
    }
  }
  const loadAfter = os.loadavg();
  const rows = [];
  for (const kind of o.targets) {
    for (const mode of o.modes) {
      const rs = all.filter((r) => r.target === kind && r.mode === mode);
      rows.push({
        target: kind,
        mode,
        rttMedianMs: median(rs.map((r) => r.rttMedianMs)),
        rttP99Ms: median(rs.map((r) => r.rttP99Ms)),
        clientCpuUsPerWrite: median(rs.map((r) => r.clientCpuUsPerWrite)),
        clientMainThreadUsPerWrite: median(rs.map((r) => r.clientMainThreadUsPerWrite)),
        targetCpuUsPerWrite: median(rs.map((r) => r.targetCpuUsPerWrite)),
        failed: rs.reduce((s, r) => s + r.failed, 0),
      });
    }
  }
  console.log(`one-update Write round trip, ${o.writes} Writes after ${o.warmup} warm-up, median of ${o.runs} runs; load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after (${os.cpus().length} CPUs)`);
  console.log(`| target | mode | median (ms) | p99 (ms) | client CPU / Write (us) | client main thread / Write (us) | target CPU / Write (us) |`);
  console.log(`|---|---|---:|---:|---:|---:|---:|`);
  for (const r of rows) {
    console.log(`| ${r.target} | ${r.mode} | ${r.rttMedianMs.toFixed(3)} | ${r.rttP99Ms.toFixed(3)} | ${r.clientCpuUsPerWrite.toFixed(0)} | ${r.clientMainThreadUsPerWrite.toFixed(0)} | ${r.targetCpuUsPerWrite.toFixed(0)} |${r.failed ? ` ${r.failed} FAILED` : ""}`);
  }
  if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, loadBefore, loadAfter, runs: all, rows }, null, 2));
  return rows.some((r) => r.failed) ? 1 : 0;
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const [, mode, address, base, writes, warmup, build] = args;
  const r = await child(mode, address, Number(base), Number(writes), Number(warmup), build);
  process.stdout.write(JSON.stringify(r) + "\n");
  process.exit(0);
} else {
  const take = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const o = {
    targets: (take("--targets") ?? "sim,bmv2").split(","),
    runs: Number(take("--runs") ?? 7),
    writes: Number(take("--writes") ?? 2000),
    warmup: Number(take("--warmup") ?? 200),
    targetWarmup: Number(take("--target-warmup") ?? 3000),
    modes: take("--modes")?.split(","),
    json: take("--json"),
    base: take("--base"),
  };
  o.build = path.resolve(args[0] ?? path.join(root, "dist"));
  if (o.base) o.base = path.resolve(o.base);
  o.modes ??= ALL_MODES.filter((m) => m !== "client-base" || o.base);
  for (const m of o.modes) if (!ALL_MODES.includes(m)) throw new Error(`unknown mode ${m} (modes: ${ALL_MODES.join(", ")})`);
  if (o.modes.includes("client-base") && !o.base) throw new Error("mode client-base needs --base DIR (a build of the code to compare with)");
  process.exitCode = await parent(o);
}

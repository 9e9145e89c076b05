// ofp4 in front of a standalone P4Runtime target (issue 15 rows g and h):
//   g. pipelined install of N flows (load-client.mjs: FLOW_MODs back to back + one BARRIER) through
//      `ofp4 start --target bmv2` into a sim or a real bmv2 started on its own, beside the bare
//      batched-Write rate into the same kind of target (the same client stack, 400 updates per
//      Write, 8 in flight: p4runtime-targets.mjs) — ofp4 is "never the bottleneck" when its rate is
//      within 10% of the bare one;
//   h. (sim) the target SIGKILLed under N rules and started again empty on the same address: the
//      time until every entry is back on it (read by a second client) and until a new
//      FLOW_MOD + BARRIER completes.
// Starts and stops only its own processes, by PID. Run on built JS (npm run build):
//   node bench/target-ofp4.mjs [--targets sim,bmv2] [--n N (sim, default 100000)] [--bmv2-n N (default 20000)] [--no-restart]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { flowMod, pipelinedInstall } from "./load-client.mjs";
import { P4_TOOLS_DIR, runTargetsBench } from "./p4runtime-targets.mjs";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const TARGETS = opt("--targets", "sim,bmv2").split(",");
const N_SIM = Number(opt("--n", "100000"));
const N_BMV2 = Number(opt("--bmv2-n", "20000"));
const RESTART = !args.includes("--no-restart");
const lib = await import(pathToFileURL(path.join(root, "dist/src/p4runtime/index.js")).href);

async function freePort() {
  const s = net.createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const port = s.address().port;
  s.close();
  await once(s, "close");
  return port;
}

async function listening(port, child, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await sleep(20);
  }
}

/** A standalone target on `port` (a fixed one, so that it can be started again there). */
async function startTarget(kind, port, dpPort) {
  const address = `127.0.0.1:${port}`;
  const child =
    kind === "bmv2"
      ? spawn(path.join(P4_TOOLS_DIR, "simple_switch_grpc"), ["--no-p4", "--device-id", "0", "--", "--grpc-server-addr", address, "--cpu-port", "255", "--dp-grpc-server-addr", `127.0.0.1:${dpPort}`], { stdio: ["ignore", "ignore", "ignore"] })
      : spawn(process.execPath, [path.join(root, "bin/ofp4.js"), "sim", "--p4runtime", address, "--device-id", "0", "--cpu-port", "255", "--dp-grpc-server-addr", `127.0.0.1:${dpPort}`, "--ports", "8"], { stdio: ["ignore", "ignore", "ignore"] });
  const exited = new Promise((r) => child.once("exit", r));
  await listening(port, child, kind);
  return { address, child, kill: async (signal = "SIGTERM") => (child.exitCode === null && child.signalCode === null ? (child.kill(signal), await exited) : undefined) };
}

async function startOfp4(kind, address, dataplane) {
  const dir = mkdtempSync(path.join(tmpdir(), "ofp4-tgt-"));
  // A standalone sim answers as bmv2 does: ofp4 attaches to either as to a bmv2.
  void kind;
  const target = ["--target", "bmv2", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json", "--device-id", "0"];
  const child = spawn(process.execPath, [path.join(root, "bin/ofp4.js"), "start", ...target, "--p4runtime", address, "--dataplane", dataplane, "--ports", "4", "--listen", "127.0.0.1:0", "--admin-socket", path.join(dir, "ofp4.ctl"), "--log-format", "json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  const exited = new Promise((r) => child.once("exit", r));
  const listener = await new Promise((resolve, reject) => {
    child.stdout.on("data", () => {
      const m = /OpenFlow listening on tcp:([\d.]+):(\d+)/.exec(out);
      if (m && /ofp4 is running/.test(out)) resolve({ host: m[1], port: Number(m[2]) });
    });
    child.once("exit", (c) => reject(new Error(`ofp4 exited (${c}): ${out.slice(-500)}`)));
  });
  return { ...listener, stop: async () => (child.kill("SIGTERM"), await exited, rmSync(dir, { recursive: true, force: true })) };
}

/** Entries in ofp4.p4's table 0, read by a second client (no arbitration). */
async function entriesOnTarget(address) {
  const info = lib.loadP4InfoFile(path.join(root, "p4/ofp4.p4info.txtpb"));
  const c = new lib.P4RuntimeClient({ address, deviceId: 0n, reconnect: false });
  try {
    let n = 0;
    for await (const raw of c.readRaw([{ directCounterEntry: { tableEntry: { tableId: info.table("ingress.ofp_table_0").id } } }])) {
      n += Number(lib.scanCounterResponse(raw, { direct: () => undefined, counter: () => undefined }));
    }
    return n;
  } catch {
    return -1;
  } finally {
    c.close();
  }
}

/** One FLOW_MOD + BARRIER on a fresh connection; resolves when the barrier reply arrives. */
function oneFlow(host, port, i) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.on("error", reject);
    sock.on("connect", () => sock.write(Buffer.from([4, 0, 0, 8, 0, 0, 0, 1])));
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const type = buf[1];
        const xid = buf.readUInt32BE(4);
        buf = buf.subarray(buf.readUInt16BE(2));
        if (type === 0) sock.write(Buffer.concat([flowMod(i, 5), Buffer.from([4, 20, 0, 8, 0, 0, 0, 6])]));
        else if (type === 21 && xid === 6) {
          sock.end();
          resolve();
        } else if (type === 1) {
          sock.end();
          reject(new Error("OFPT_ERROR"));
        }
      }
    });
  });
}

const rows = [];
for (const kind of TARGETS) {
  const n = kind === "bmv2" ? N_BMV2 : N_SIM;
  const bare = await runTargetsBench({ build: path.join(root, "dist"), entries: n, rtt: 0, targets: [kind] });
  const bareRate = bare.rows.find((r) => r.row.startsWith("acknowledged updates/s"))?.[kind];
  const port = await freePort();
  const dpPort = await freePort();
  let target = await startTarget(kind, port, dpPort);
  const ofp4 = await startOfp4(kind, target.address, `127.0.0.1:${dpPort}`);
  try {
    const load = loadavg()[0];
    const a = await pipelinedInstall(ofp4.host, ofp4.port, n);
    const rate = n / a.seconds;
    rows.push({ row: `g. ${kind}: pipelined install of ${n} through ofp4, flows/s`, value: Math.round(rate), note: `bare batched Writes ${Math.round(bareRate)} updates/s; ofp4/bare ${(rate / bareRate).toFixed(2)}; errors ${a.errors}; load ${load.toFixed(1)}` });
    if (RESTART && kind === "sim") {
      await target.kill("SIGKILL");
      const t0 = performance.now();
      target = await startTarget(kind, port, dpPort);
      let back = NaN;
      for (;;) {
        const have = await entriesOnTarget(target.address);
        if (have >= n) {
          back = (performance.now() - t0) / 1000;
          break;
        }
        if (performance.now() - t0 > 120_000) break;
        await sleep(25);
      }
      const t1 = performance.now();
      await oneFlow(ofp4.host, ofp4.port, n + 1);
      const flowDone = (performance.now() - t0) / 1000;
      rows.push({ row: `h. sim restarted empty under ${n} rules: every entry back, s`, value: Number(back.toFixed(2)), note: `a new FLOW_MOD+BARRIER done at ${flowDone.toFixed(2)} s (it took ${((performance.now() - t1) / 1000).toFixed(3)} s once the entries were back)` });
    }
  } finally {
    await ofp4.stop();
    await target.kill();
  }
}
for (const r of rows) console.log(`${r.row.padEnd(64)} ${String(r.value).padStart(9)}  (${r.note})`);


// Benchmark of the offload provider: N flows (default 100,000) from the core to barrier through
// the sim (its own worker thread, real gRPC on loopback): flows/s, P4Runtime updates per Write,
// write latency, memory of ofp4's side; then one counter poll of every entry: wall time and CPU
// (process CPU, sim thread included). Pipelined flow_mods with one barrier at the end, for
// several back-pressure bounds (maxPendingGroups). Run it on built JS:
//   npx tsc -p tsconfig.build.json --outDir /tmp/ofp4-build
//   node --expose-gc bench/offload.mjs /tmp/ofp4-build [flows=100000] [bounds=50,400]

import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const build = path.resolve(process.argv[2] ?? "dist");
const FLOWS = Number(process.argv[3] ?? 100_000);
const BOUNDS = (process.argv[4] ?? "50,400").split(",").map(Number);
const load = (p) => import(pathToFileURL(path.join(build, p)).href);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

// tsc does not copy the generated JS module; bring it along.
mkdirSync(path.join(build, "src/generated"), { recursive: true });
for (const f of readdirSync(path.join(root, "src/generated"))) {
  const to = path.join(build, "src/generated", f);
  if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
}

// ... and let it find the packages (protobufjs, grpc-js) from outside the repository.
if (!existsSync(path.join(build, "node_modules"))) symlinkSync(path.join(root, "node_modules"), path.join(build, "node_modules"), "dir");

const { Ofproto } = await load("src/ofproto/ofproto.js");
const { OffloadProvider } = await load("src/offload/provider.js");

/** Starts the sim in a worker thread; resolves with its address and a stop function. */
function startSimWorker() {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    (async () => {
      const { startSim } = await import(workerData.sim);
      const { ofp4Pipeline } = await import(workerData.pipeline);
      const sim = await startSim({ ports: 8, pipeline: ofp4Pipeline, dataplaneAddress: null });
      parentPort.postMessage(sim.p4runtimeAddress);
      parentPort.on("message", async () => { await sim.stop(); process.exit(0); });
    })();`;
  const w = new Worker(code, {
    eval: true,
    workerData: {
      sim: pathToFileURL(path.join(build, "targets/sim/sim.js")).href,
      pipeline: pathToFileURL(path.join(build, "targets/sim/pipeline/ofp4-pipeline.js")).href,
    },
  });
  return new Promise((resolve) => w.once("message", (address) => resolve({ address, stop: () => new Promise((r) => { w.once("exit", r); w.postMessage("stop"); }) })));
}

const INSTRUCTIONS = (port) => ({
  applyActions: [{ type: "output", port, maxLen: 0 }],
  clearActions: false,
  writeActions: undefined,
  writeMetadata: undefined,
  gotoTable: undefined,
  meterId: undefined,
});
const F = (field, value, mask) => ({ field, value, mask });
// OXM ids: ETH_TYPE 5, IP_PROTO 10, IPV4_SRC 11, IPV4_DST 12, TCP_DST 14, ETH_DST 3.
function mixMatch(i) {
  const n = BigInt(i);
  switch (i & 3) {
    case 0:
      return [F(5, 0x0800n, 0xffffn), F(12, 0x0a000000n + n, 0xffffffffn)];
    case 1:
      return [F(5, 0x0800n, 0xffffn), F(10, 6n, 0xffn), F(11, 0x0b000000n + n, 0xffffffffn), F(14, 80n, 0xffffn)].sort((a, b) => a.field - b.field);
    case 2:
      return [F(3, 0x020000000000n + n, 0xffffffffffffn)];
    default:
      return [F(5, 0x0800n, 0xffffn), F(12, 0x0c000000n + (n << 8n), 0xffffff00n)];
  }
}

const RAW = new Uint8Array(80);
function connRig(sw) {
  const conn = {
    id: 1, version: 4, name: "bench", role: "equal",
    asyncConfig: { packetIn: [3, 0], portStatus: [7, 7], flowRemoved: [15, 0] },
    flowFormat: "openflow10", flowModTableId: false, missSendLen: 128, congested: false,
    queue: [], head: 0, errors: 0, firstError: undefined, onBarrier: undefined,
    send(msg) { if (msg.type === "barrier_reply") this.onBarrier?.(); return true; },
    sendError(e) { this.errors++; this.firstError ??= e; },
    takeBuffer() { return { name: "BAD_REQUEST_BUFFER_UNKNOWN", message: "" }; },
  };
  const pump = () => {
    while (conn.head < conn.queue.length) {
      if (sw.handle(conn, conn.queue[conn.head]) === "postponed") return;
      conn.queue[conn.head++] = undefined;
    }
    conn.queue.length = 0;
    conn.head = 0;
  };
  sw.attach({ wake: pump, connections: () => [conn], sendPacketIn() {}, sendAsync() {} });
  sw.connected(conn);
  const submit = (msg, xid) => { conn.queue.push({ msg, xid, raw: RAW }); pump(); };
  const barrier = (xid) => new Promise((resolve) => { conn.onBarrier = resolve; submit({ type: "barrier_request" }, xid); });
  return { conn, submit, barrier };
}

const mb = (n) => (n / 1048576).toFixed(1);

async function run(bound) {
  const sim = await startSimWorker();
  const provider = new OffloadProvider({
    p4runtimeAddress: sim.address, deviceId: 0n, electionId: 1n,
    p4infoPath: path.join(root, "p4/ofp4.p4info.txtpb"),
    deviceConfigPath: path.join(root, "p4/ofp4.json"),
    mappingPath: path.join(root, "p4/ofp4.mapping.json"),
    ports: [1, 2, 3, 4].map((n) => ({ number: n, name: `p${n}`, targetPort: n })),
    counterPollIntervalMs: 0, targetName: "sim",
  });
  const sw = await Ofproto.create(provider, { maxPendingGroups: bound, expiryIntervalMs: 0 });
  const { conn, submit, barrier } = connRig(sw);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const flowCpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let i = 0; i < FLOWS; i++) {
    submit({
      type: "flow_mod", command: "add", cookie: BigInt(i), cookieMask: 0n, tableId: 0, idleTimeout: 0, hardTimeout: 0,
      priority: 100 + (i & 7), bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: 0,
      match: mixMatch(i), instructions: INSTRUCTIONS(1 + (i & 3)),
    }, i + 1);
  }
  await barrier(FLOWS + 1);
  const ms = performance.now() - t0;
  const flowCpu = process.cpuUsage(flowCpu0);
  const elu = performance.eventLoopUtilization(elu0);
  globalThis.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const s = provider.stats();
  console.log(
    `bound ${bound}: ${FLOWS} flows to barrier in ${(ms / 1000).toFixed(2)} s = ${Math.round(FLOWS / (ms / 1000))} flows/s; ` +
      `${s.writes} Writes, ${s.updatesPerWrite.toFixed(1)} updates/Write, write latency p50 ${s.writeLatencyMs.p50.toFixed(1)} ms p99 ${s.writeLatencyMs.p99.toFixed(1)} ms; ` +
      `errors ${conn.errors}${conn.firstError ? ` (${conn.firstError.name}: ${conn.firstError.message})` : ""}; ` +
      `ofp4 heap +${mb(heap1 - heap0)} MB (${((heap1 - heap0) / FLOWS).toFixed(0)} B/flow, core + provider), rss ${mb(process.memoryUsage().rss)} MB (sim thread included)`,
  );
  // Per flow: the main thread's event-loop busy time (core + provider + client, its GC included;
  // time the OS gave to other processes counts too) and the CPU of the whole process (sim thread
  // and GC helpers included), steadier than wall time on a shared machine.
  console.log(
    `  per flow: ofp4 main thread ${((elu.active * 1000) / FLOWS).toFixed(1)} us busy, ` +
      `process ${((flowCpu.user + flowCpu.system) / FLOWS).toFixed(1)} us CPU (sim thread and GC helpers included)`,
  );
  const cpu0 = process.cpuUsage();
  const p0 = performance.now();
  await provider.pollCounters();
  const pollMs = performance.now() - p0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `  one counter poll of ${provider.stats().entries} entries: ${pollMs.toFixed(0)} ms wall, ` +
      `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (ofp4 + sim threads), poll reported ${provider.stats().counterPollMs.toFixed(0)} ms`,
  );
  await sw.close();
  await sim.stop();
}

for (const bound of BOUNDS) await run(bound);

// Benchmark of the sim's P4Runtime write path: table-entry INSERTs per second through the
// project's P4Runtime client (src/p4runtime/client.ts, 400 updates per Write, several Writes in
// flight) into the sim running in a worker thread (its own event loop, as the daemon embeds it),
// with p4/ofp4.p4's P4Info; then the sim's heap per entry with all entries held, and a lookup
// rate on the full table. Run it on built JS:
//   npx tsc -p tsconfig.build.json --outDir .tmp/build   (inside the repo, so node_modules resolves)
//   node --expose-gc bench/sim-insert.mjs .tmp/build [entries=1000000] [objects|encoded]
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import v8 from "node:v8";
import { performance } from "node:perf_hooks";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

if (isMainThread) {
  const build = path.resolve(process.argv[2] ?? "dist");
  const ENTRIES = Number(process.argv[3] ?? 1_000_000);
  // "encoded": updates encoded before the clock starts and sent with writeEncoded (the
  // batcher's path, which encodes each update once at submit); "objects": client.write.
  const MODE = process.argv[4] ?? "objects";
  // tsc does not copy the generated JS module; put it where the built code imports it.
  const gen = path.join(build, "src/generated/proto.js");
  if (!existsSync(gen)) {
    mkdirSync(path.dirname(gen), { recursive: true });
    copyFileSync(path.join(root, "src/generated/proto.js"), gen);
    copyFileSync(path.join(root, "src/generated/descriptor.js"), path.join(build, "src/generated/descriptor.js"));
  }
  const load = (p) => import(pathToFileURL(path.join(build, p)).href);
  const { P4RuntimeClient } = await load("src/p4runtime/client.js");
  const { parseTextFormat } = await load("src/p4runtime/text-format.js");
  const { p4 } = await load("src/generated/proto.js");

  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { build }, resourceLimits: { maxYoungGenerationSizeMb: 128 } });
  const replies = [];
  const waiting = [];
  worker.on("message", (m) => (waiting.length ? waiting.shift()(m) : replies.push(m)));
  const ask = (m) => {
    worker.postMessage(m);
    return new Promise((r) => (replies.length ? r(replies.shift()) : waiting.push(r)));
  };
  const { address } = await ask({ op: "start" });
  const base = await ask({ op: "mem" });

  const p4info = parseTextFormat(readFileSync(path.join(root, "p4/ofp4.p4info.txtpb"), "utf8"), "p4.config.v1.P4Info");
  const json = readFileSync(path.join(root, "p4/ofp4.json"));
  const client = new P4RuntimeClient({ address, deviceId: 0n, electionId: 1n, reconnect: false, writeTimeoutMs: 60_000 });
  await client.connect();
  await client.setPipeline({ action: "VERIFY_AND_COMMIT", p4info, deviceConfig: json });

  const table = p4info.tables.find((t) => t.preamble.name === "ingress.ofp_table_0");
  const flow = p4info.actions.find((a) => a.preamble.name === "ingress.flow");
  const bytes = (v, n) => {
    const b = Buffer.alloc(n);
    let x = BigInt(v);
    for (let i = n - 1; i >= 0; i--, x >>= 8n) b[i] = Number(x & 0xffn);
    return b;
  };
  const field = (name) => table.matchFields.find((f) => f.name === name).id;
  const IN_PORT = field("in_port");
  const ETH_DST = field("eth_dst");
  const params = flow.params.map((p) => ({ paramId: p.id, value: p.name === "out_kind" ? bytes(1, 1) : p.name === "out_port" ? bytes(2, 2) : bytes(0, 1) }));
  const entry = (i) => ({
    type: 1,
    entity: {
      tableEntry: {
        tableId: table.preamble.id,
        match: [
          { fieldId: IN_PORT, ternary: { value: bytes(1 + (i % 8), 2), mask: bytes(0xffff, 2) } },
          { fieldId: ETH_DST, ternary: { value: bytes(0x020000000000 + i, 6), mask: bytes(0xffffffffffff, 6) } },
        ],
        priority: 1 + (i % 1000),
        action: { action: { actionId: flow.preamble.id, params } },
      },
    },
  });

  let encoded = [];
  if (MODE === "encoded") for (let i = 0; i < ENTRIES; i++) encoded.push(p4.v1.Update.encode(entry(i)).finish());
  const BATCH = 400;
  const IN_FLIGHT = 8;
  let next = 0;
  let failed = 0;
  const marks = [];
  let done = 0;
  let markAt = 100_000;
  const simElu0 = worker.performance.eventLoopUtilization();
  const t0 = performance.now();
  const lane = async () => {
    while (next < ENTRIES) {
      const start = next;
      next = Math.min(ENTRIES, next + BATCH);
      let statuses;
      if (MODE === "encoded") statuses = await client.writeEncoded(encoded.slice(start, next));
      else {
        const updates = [];
        for (let i = start; i < next; i++) updates.push(entry(i));
        statuses = await client.write(updates);
      }
      for (const s of statuses) if (s.code !== 0) failed++;
      done += statuses.length;
      while (done >= markAt) {
        marks.push([markAt, performance.now() - t0]);
        markAt += 100_000;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const simElu = worker.performance.eventLoopUtilization(simElu0);
  const first = marks.find(([n]) => n >= Math.min(100_000, ENTRIES));
  encoded = [];
  const held = await ask({ op: "mem" });
  const lookups = await ask({ op: "lookup", table: "ingress.ofp_table_0", count: 200_000, entries: ENTRIES });
  console.log(`sim insert bench: ${ENTRIES} entries into ingress.ofp_table_0 (23 ternary fields, flow action with 17 params)`);
  console.log(`  client: P4RuntimeClient.${MODE === "encoded" ? "writeEncoded (updates encoded beforehand)" : "write (encodes each update)"}, ${BATCH} updates per Write, ${IN_FLIGHT} Writes in flight; sim in a worker thread`);
  if (first) console.log(`  first ${first[0]} inserts: ${(first[1] / 1000).toFixed(2)} s = ${Math.round(first[0] / (first[1] / 1000))} inserts/s`);
  let prev = [0, 0];
  const steps = marks.map(([n, ms]) => {
    const rate = Math.round((n - prev[0]) / ((ms - prev[1]) / 1000));
    prev = [n, ms];
    return `${n / 1000}k:${rate}/s`;
  });
  console.log(`  rate per 100k: ${steps.join(" ")}`);
  console.log(`  all ${ENTRIES}: ${seconds.toFixed(2)} s = ${Math.round(ENTRIES / seconds)} inserts/s; failed updates: ${failed}`);
  // Which side limits the rate: the sim thread's event loop is busy this share of the wall time
  // (time the OS gave to other processes counts as busy, so this is not CPU time).
  console.log(`  sim thread busy: ${(simElu.utilization * 100).toFixed(0)}% of the wall time`);
  console.log(`  entries held: ${held.entries}; sim heap ${(base.heap / 2 ** 20).toFixed(1)} MiB -> ${(held.heap / 2 ** 20).toFixed(1)} MiB = ${Math.round((held.heap - base.heap) / held.entries)} bytes per entry`);
  console.log(`  packet lookups on the full table: ${Math.round(lookups.perSecond)} /s (${lookups.hits} hits of ${lookups.count})`);
  client.close();
  await ask({ op: "stop" });
  await worker.terminate();
} else {
  const { build } = workerData;
  const load = (p) => import(pathToFileURL(path.join(build, p)).href);
  const { startSim } = await load("targets/sim/sim.js");
  let sim;
  const heap = () => {
    globalThis.gc?.();
    globalThis.gc?.();
    return v8.getHeapStatistics().used_heap_size;
  };
  parentPort.on("message", async (m) => {
    if (m.op === "start") {
      sim = await startSim({ dataplaneAddress: null });
      parentPort.postMessage({ address: sim.p4runtimeAddress });
    } else if (m.op === "mem") {
      parentPort.postMessage({ heap: heap(), entries: sim.device.entryCount });
    } else if (m.op === "lookup") {
      const t0 = performance.now();
      let hits = 0;
      for (let i = 0; i < m.count; i++) {
        const j = (i * 7919) % m.entries;
        const key = new Map([["in_port", BigInt(1 + (j % 8))], ["eth_dst", 0x020000000000n + BigInt(j)]]);
        if (sim.device.applyTable(m.table, key, 64).hit) hits++;
      }
      parentPort.postMessage({ perSecond: m.count / ((performance.now() - t0) / 1000), hits, count: m.count });
    } else if (m.op === "stop") {
      await sim.stop();
      parentPort.postMessage({});
    }
  });
}

// Benchmark of the sim's per-update write path alone, in one thread with no gRPC: 200k table-entry
// INSERTs into ofp4.p4's ofp_table_0 (2 ternary fields, the flow action with its 17 params),
// pre-encoded, each decoded as the server does (hand-written decoder, protobufjs otherwise) and
// applied with Device.write; prints the process CPU per update (GC helpers included) for a few
// rounds on fresh devices. CPU time stays meaningful on a shared machine where wall time does not.
//   npx tsc -p tsconfig.build.json --outDir .tmp/build   (inside the repo, so node_modules resolve)
//   node --expose-gc bench/sim-write-cpu.mjs .tmp/build [updates=200000] [rounds=4] [--prof FILE]
// --prof FILE: a V8 CPU profile of the write loops alone (setup and encoding left out), written
// to FILE (.cpuprofile, opens in Chrome DevTools), and the top functions by self time printed.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);
const profAt = args.indexOf("--prof");
const PROF = profAt >= 0 ? path.resolve(args.splice(profAt, 2)[1]) : undefined;
const build = path.resolve(args[0] ?? "dist");
const N = Number(args[1] ?? 200_000);
const ROUNDS = Number(args[2] ?? 4);

// tsc does not copy the generated JS module; bring it along.
mkdirSync(path.join(build, "src/generated"), { recursive: true });
for (const f of ["proto.js", "descriptor.js"]) {
  const to = path.join(build, "src/generated", f);
  if (!existsSync(to)) copyFileSync(path.join(root, "src/generated", f), to);
}
const load = (p) => import(pathToFileURL(path.join(build, p)).href);
const { Device } = await load("targets/sim/device.js");
const { decodeTableUpdate } = await load("targets/sim/update-decode.js");
const { p4 } = await load("src/generated/proto.js");
const { parseTextFormat } = await load("src/p4runtime/text-format.js");

const p4info = parseTextFormat(readFileSync(path.join(root, "p4/ofp4.p4info.txtpb"), "utf8"), "p4.config.v1.P4Info");
const p4infoBytes = p4.config.v1.P4Info.encode(p4info).finish();
const deviceConfig = readFileSync(path.join(root, "p4/ofp4.json"));
const table = p4info.tables.find((t) => t.preamble.name === "ingress.ofp_table_0");
const flow = p4info.actions.find((a) => a.preamble.name === "ingress.flow");
const bytes = (v, n) => {
  const b = Buffer.alloc(n);
  let x = BigInt(v);
  for (let i = n - 1; i >= 0; i--, x >>= 8n) b[i] = Number(x & 0xffn);
  return b;
};
const field = (name) => table.matchFields.find((f) => f.name === name).id;
const params = flow.params.map((p) => ({ paramId: p.id, value: p.name === "out_kind" ? bytes(1, 1) : p.name === "out_port" ? bytes(2, 2) : bytes(0, 1) }));
const encoded = [];
for (let i = 0; i < N; i++) {
  encoded.push(
    p4.v1.Update.encode({
      type: 1,
      entity: {
        tableEntry: {
          tableId: table.preamble.id,
          match: [
            { fieldId: field("in_port"), ternary: { value: bytes(1 + (i % 8), 2), mask: bytes(0xffff, 2) } },
            { fieldId: field("eth_dst"), ternary: { value: bytes(0x020000000000 + i, 6), mask: bytes(0xffffffffffff, 6) } },
          ],
          priority: 1 + (i % 1000),
          action: { action: { actionId: flow.preamble.id, params } },
        },
      },
    }).finish(),
  );
}

let session;
const profiles = [];
if (PROF) {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
}
const perUpdate = [];
for (let r = 0; r < ROUNDS; r++) {
  const device = new Device(0n);
  const s = device.setPipeline(3, { p4info, p4DeviceConfig: deviceConfig }, p4infoBytes);
  if (s.code !== 0) throw new Error(`pipeline: ${s.message}`);
  globalThis.gc?.();
  if (session) await session.post("Profiler.start");
  const cpu0 = process.cpuUsage();
  let failed = 0;
  for (const b of encoded) if (device.write(decodeTableUpdate(b) ?? p4.v1.Update.decode(b)).code !== 0) failed++;
  const cpu = process.cpuUsage(cpu0);
  if (session) profiles.push((await session.post("Profiler.stop")).profile);
  perUpdate.push((cpu.user + cpu.system) / N);
  console.log(`round ${r + 1}: decode + Device.write ${((cpu.user + cpu.system) / N).toFixed(2)} us CPU per update (${N} INSERTs, ${failed} failed)`);
}
const sorted = [...perUpdate].sort((a, b) => a - b);
console.log(`median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} us CPU per update = ${Math.round(1e6 / sorted[Math.floor(sorted.length / 2)])} updates/s on one core`);
if (session) {
  // Every round's samples in one profile: the rounds' node trees are merged by call frame.
  const merged = mergeProfiles(profiles);
  writeFileSync(PROF, JSON.stringify(merged));
  const self = new Map();
  let total = 0;
  const byId = new Map(merged.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < merged.samples.length; i++) dt.set(merged.samples[i], (dt.get(merged.samples[i]) ?? 0) + merged.timeDeltas[i]);
  for (const [id, t] of dt) {
    const cf = byId.get(id).callFrame;
    const k = `${cf.functionName || "(anonymous)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + t);
    total += t;
  }
  console.log(`profile: ${PROF}; self time, top 20:`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
  session.disconnect();
}

/** One profile from several: nodes renumbered, samples and time deltas concatenated. */
function mergeProfiles(list) {
  const nodes = [];
  const samples = [];
  const timeDeltas = [];
  let base = 0;
  for (const p of list) {
    let max = 0;
    for (const n of p.nodes) {
      nodes.push({ ...n, id: n.id + base, children: (n.children ?? []).map((c) => c + base) });
      max = Math.max(max, n.id);
    }
    for (const s of p.samples) samples.push(s + base);
    timeDeltas.push(...p.timeDeltas);
    base += max;
  }
  return { nodes, startTime: list[0].startTime, endTime: list.at(-1).endTime, samples, timeDeltas };
}

// Benchmark of the sim's per-update write path alone, in one thread with no gRPC: 200k table-entry
// INSERTs into ofp4.p4's ofp_table_0 (2 ternary fields, the flow action with its 17 params),
// pre-encoded, each decoded as the server does (hand-written decoder, protobufjs otherwise) and
// applied with Device.write; prints the process CPU per update (GC helpers included) for a few
// rounds on fresh devices. CPU time stays meaningful on a shared machine where wall time does not.
//   npx tsc -p tsconfig.build.json --outDir .tmp/build   (inside the repo, so node_modules resolve)
//   node --expose-gc bench/sim-write-cpu.mjs .tmp/build [updates=200000] [rounds=4]
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const build = path.resolve(process.argv[2] ?? "dist");
const N = Number(process.argv[3] ?? 200_000);
const ROUNDS = Number(process.argv[4] ?? 4);

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

for (let r = 0; r < ROUNDS; r++) {
  const device = new Device(0n);
  const s = device.setPipeline(3, { p4info, p4DeviceConfig: deviceConfig }, p4infoBytes);
  if (s.code !== 0) throw new Error(`pipeline: ${s.message}`);
  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  let failed = 0;
  for (const b of encoded) if (device.write(decodeTableUpdate(b) ?? p4.v1.Update.decode(b)).code !== 0) failed++;
  const cpu = process.cpuUsage(cpu0);
  console.log(`round ${r + 1}: decode + Device.write ${((cpu.user + cpu.system) / N).toFixed(2)} us CPU per update (${N} INSERTs, ${failed} failed)`);
}

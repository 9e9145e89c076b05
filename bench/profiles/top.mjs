// Prints the top self-time functions of a .cpuprofile (V8 CPU profile JSON): self ms, %, name,
// file:line. Optional time window (seconds from the profile's start) to look at one phase only.
//   node bench/profiles/top.mjs FILE.cpuprofile [count=30] [fromS] [toS]
import { readFileSync } from "node:fs";

const [file, countArg, fromArg, toArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const count = Number(countArg ?? 30);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
let t = p.startTime;
const from = fromArg === undefined ? -Infinity : p.startTime + Number(fromArg) * 1e6;
const to = toArg === undefined ? Infinity : p.startTime + Number(toArg) * 1e6;
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  if (t < from || t > to) continue;
  const n = byId.get(p.samples[i]);
  const cf = n.callFrame;
  const key = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
}
const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((s, [, v]) => s + v, 0);
console.log(`total ${(total / 1000).toFixed(0)} ms sampled, idle ${(idle / 1000).toFixed(0)} ms, busy ${((total - idle) / 1000).toFixed(0)} ms`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, count)) {
  console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / (k.startsWith("(idle)") ? total : total - idle)).toFixed(1).padStart(5)}%  ${k}`);
}

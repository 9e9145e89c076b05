// Prints the top inclusive-time functions of a .cpuprofile (time with callees; a recursive
// function counted once per sample).   node bench/profiles/inclusive.mjs FILE.cpuprofile [count=40]
import { readFileSync } from "node:fs";

const [file, countArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${n.callFrame.lineNumber + 1}`;
const incl = new Map();
let busy = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  let id = p.samples[i];
  if (byId.get(id).callFrame.functionName === "(idle)") continue;
  busy += dt;
  const seen = new Set();
  while (id !== undefined) {
    const k = name(byId.get(id));
    if (!seen.has(k)) {
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
    id = parent.get(id);
  }
}
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 40))) {
  console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
}

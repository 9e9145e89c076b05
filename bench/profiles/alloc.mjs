// Sums a .heapprofile (node --heap-prof: sampled allocations, freed or not) by allocating
// function: the functions that make the garbage behind the GC time of a CPU profile.
//   node bench/profiles/alloc.mjs FILE.heapprofile [count=30]
import { readFileSync } from "node:fs";

const [file, countArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const bySelf = new Map();
let total = 0;
const walk = (n) => {
  const cf = n.callFrame;
  const key = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*\/(dist|node_modules)\//, "$1/")}:${cf.lineNumber + 1}`;
  const size = (n.selfSize ?? 0);
  total += size;
  bySelf.set(key, (bySelf.get(key) ?? 0) + size);
  for (const c of n.children ?? []) walk(c);
};
walk(p.head);
console.log(`sampled allocations ${(total / 1048576).toFixed(0)} MB`);
for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 30))) {
  console.log(`${(v / 1048576).toFixed(1).padStart(8)} MB ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

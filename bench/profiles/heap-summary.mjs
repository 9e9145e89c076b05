// Sums a V8 .heapsnapshot's self sizes by node type and constructor name (the "Summary" view of
// DevTools, without retained sizes): the biggest classes of objects and how many there are.
//   node --max-old-space-size=4096 bench/profiles/heap-summary.mjs FILE.heapsnapshot [count=40]
import { readFileSync } from "node:fs";

const [file, countArg] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(file, "utf8"));
const meta = snap.snapshot.meta;
const nf = meta.node_fields;
const width = nf.length;
const types = meta.node_types[0];
const iType = nf.indexOf("type");
const iName = nf.indexOf("name");
const iSize = nf.indexOf("self_size");
const nodes = snap.nodes;
const strings = snap.strings;
const sums = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + iType]];
  let name = type === "object" || type === "closure" || type === "native" ? strings[nodes[i + iName]] : `(${type})`;
  if (type === "string" || type === "concatenated string" || type === "sliced string") name = "(strings)";
  const size = nodes[i + iSize];
  total += size;
  const s = sums.get(name) ?? { size: 0, count: 0 };
  s.size += size;
  s.count++;
  sums.set(name, s);
}
console.log(`total self size ${(total / 1048576).toFixed(1)} MB in ${nodes.length / width} nodes`);
for (const [k, v] of [...sums].sort((a, b) => b[1].size - a[1].size).slice(0, Number(countArg ?? 40))) {
  console.log(`${(v.size / 1048576).toFixed(1).padStart(8)} MB ${String(v.count).padStart(9)}  ${k.slice(0, 80)}`);
}

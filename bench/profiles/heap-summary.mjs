// Sums a V8 .heapsnapshot's self sizes by node type and constructor name (the "Summary" view of
// DevTools, without retained sizes): the biggest classes of objects and how many there are;
// plain Objects and Arrays are told apart by their property names (the first few).
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
const ef = meta.edge_fields;
const ew = ef.length;
const edgeTypes = meta.edge_types[0];
const iEdgeCount = nf.indexOf("edge_count");
const edges = snap.edges;
const eType = ef.indexOf("type");
const eName = ef.indexOf("name_or_index");
const firstEdge = new Uint32Array(nodes.length / width + 1);
for (let i = 0, e = 0; i < nodes.length; i += width) {
  firstEdge[i / width] = e;
  e += nodes[i + iEdgeCount] * ew;
}
/** "Object{a,b,c}": the property names of a plain object (its shape, roughly). */
function shapeOf(i) {
  const names = [];
  const start = firstEdge[i / width];
  const n = nodes[i + iEdgeCount];
  for (let k = 0; k < n && names.length < 6; k++) {
    const e = start + k * ew;
    if (edgeTypes[edges[e + eType]] === "property") names.push(strings[edges[e + eName]]);
  }
  return names.join(",");
}
const sums = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + iType]];
  let name = type === "object" || type === "closure" || type === "native" ? strings[nodes[i + iName]] : `(${type})`;
  if (type === "string" || type === "concatenated string" || type === "sliced string") name = "(strings)";
  else if (type === "object" && name === "Object") name = `Object{${shapeOf(i)}}`;
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

// Benchmark of the classifier alone at 1,000,000 rules (the flow mix of the Open vSwitch
// figures: a quarter each of ip nw_dst /32; tcp nw_src + tp_dst=80; in_port + dl_dst; ip
// nw_dst /24): insert/s, findExact/s, loose deletes (rules visited), findOverlap/s,
// lookup/s, remove/s and heap bytes per rule (the classifier's own, measured after a full GC
// as heapUsed growth over rule objects that exist before it). Run it on built JS:
//   npx tsc -p tsconfig.build.json --outDir /tmp/ofp4-build
//   node --expose-gc bench/classifier.mjs /tmp/ofp4-build [rules=1000000]

import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const build = path.resolve(process.argv[2] ?? "dist");
const RULES = Number(process.argv[3] ?? 1_000_000);
const { Classifier } = await import(pathToFileURL(path.join(build, "src/ofproto/classifier.js")).href);

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const gc = () => {
  globalThis.gc();
  globalThis.gc();
};
const heap = () => process.memoryUsage().heapUsed;

// OXM field ids (src/openflow/match.ts): IN_PORT 0, ETH_DST 3, ETH_TYPE 5, IP_PROTO 10, IPV4_SRC 11, IPV4_DST 12, TCP_DST 14.
const F = (field, value, mask) => ({ field, value, mask });
const KINDS = ["ip nw_dst /32", "tcp nw_src,tp_dst=80", "in_port,dl_dst", "ip nw_dst /24"];
function mixMatch(i) {
  const n = BigInt(i >> 2);
  switch (i & 3) {
    case 0:
      return [F(5, 0x0800n, 0xffffn), F(12, 0x0a000000n + n, 0xffffffffn)];
    case 1:
      return [F(5, 0x0800n, 0xffffn), F(10, 6n, 0xffn), F(11, 0x0b000000n + n, 0xffffffffn), F(14, 80n, 0xffffn)];
    case 2:
      return [F(0, BigInt((i % 48) + 1), 0xffffffffn), F(3, 0x020000000000n + n, 0xffffffffffffn)];
    default:
      return [F(5, 0x0800n, 0xffffn), F(12, 0x0c000000n + (n << 8n), 0xffffff00n)];
  }
}
const PRIORITY = [32000, 33000, 31000, 24000];
function mixPacket(i) {
  const n = BigInt(i >> 2);
  switch (i & 3) {
    case 0:
      return new Map([[5, 0x0800n], [12, 0x0a000000n + n], [0, 1n]]);
    case 1:
      return new Map([[5, 0x0800n], [10, 6n], [11, 0x0b000000n + n], [12, 0x01020304n], [14, 80n]]);
    case 2:
      return new Map([[0, BigInt((i % 48) + 1)], [3, 0x020000000000n + n], [5, 0x86ddn]]);
    default:
      return new Map([[5, 0x0800n], [12, 0x0c000000n + (n << 8n) + 77n], [0, 3n]]);
  }
}

const rate = (count, ms) => `${Math.round((count / ms) * 1000).toLocaleString("en-US")}/s`;
const time = (f) => {
  const t = performance.now();
  const r = f();
  return [performance.now() - t, r];
};

console.log(`classifier bench: ${RULES.toLocaleString("en-US")} rules, node ${process.version}`);
gc();
const h0 = heap();
const rules = new Array(RULES);
for (let i = 0; i < RULES; i++) rules[i] = { match: mixMatch(i), priority: PRIORITY[i & 3], cookie: 0n };
gc();
const h1 = heap();

const cls = new Classifier();
const [tInsert] = time(() => {
  for (let i = 0; i < RULES; i++) cls.insert(rules[i]);
});
gc();
const h2 = heap();
console.log(`insert       ${rate(RULES, tInsert)}  (${tInsert.toFixed(0)} ms, ${cls.subtableCount} subtables)`);
console.log(
  `memory       ${((h2 - h1) / RULES).toFixed(1)} bytes/rule in the classifier; ` +
    `${((h2 - h0) / RULES).toFixed(1)} bytes/rule with the rule objects and their matches`,
);

// findExact with fresh match objects, as a flow_mod --strict brings them.
const Q = Math.min(RULES, 200_000);
const probes = [];
for (let i = 0; i < Q; i++) probes.push(mixMatch((i * 7919) % RULES));
const [tExact, hits] = time(() => {
  let h = 0;
  for (let i = 0; i < Q; i++) if (cls.findExact(probes[i], PRIORITY[((i * 7919) % RULES) & 3]) !== undefined) h++;
  return h;
});
console.log(`findExact    ${rate(Q, tExact)}  (${hits} hits of ${Q})`);

function looseDelete(label, request) {
  const before = cls.rulesVisited;
  const [t, n] = time(() => {
    let n = 0;
    for (const r of cls.loose(request)) {
      cls.remove(r);
      n++;
    }
    return n;
  });
  console.log(`loose delete ${label}: ${n} rules deleted, ${cls.rulesVisited - before} visited, ${t.toFixed(2)} ms`);
}
probes.length = 0;
gc();
const h3 = heap();
looseDelete("ip,nw_dst=10.0.0.5/32", [F(5, 0x0800n, 0xffffn), F(12, 0x0a000005n, 0xffffffffn)]);
looseDelete("ip,nw_dst=10.0.1.0/24 (1st: scan)", [F(5, 0x0800n, 0xffffn), F(12, 0x0a000100n, 0xffffff00n)]);
looseDelete("ip,nw_dst=10.0.2.0/24 (2nd: index built)", [F(5, 0x0800n, 0xffffn), F(12, 0x0a000200n, 0xffffff00n)]);
looseDelete("ip,nw_dst=10.0.3.0/24 (3rd: indexed)", [F(5, 0x0800n, 0xffffn), F(12, 0x0a000300n, 0xffffff00n)]);
looseDelete("in_port=3 (1st: scan)", [F(0, 3n, 0xffffffffn)]);
looseDelete("in_port=7 (2nd: index built)", [F(0, 7n, 0xffffffffn)]);
looseDelete("in_port=11 (3rd: indexed)", [F(0, 11n, 0xffffffffn)]);
looseDelete("tcp,nw_src=11.0.0.9,tp_dst=80", [F(5, 0x0800n, 0xffffn), F(10, 6n, 0xffn), F(11, 0x0b000009n, 0xffffffffn), F(14, 80n, 0xffffn)]);

gc();
const indexed = cls.size / 2; // the /32 subtable and the in_port,dl_dst one, about half the rules
console.log(
  `memory       ${((heap() - h3) / indexed).toFixed(1)} bytes per indexed rule for the two secondary indexes just built ` +
    `(nw_dst/24 on the /32 subtable, in_port on the in_port,dl_dst subtable)`,
);

// Overlap check of new rules (same priority as the /32s: visits the /32 subtable by probe).
const [tOverlap, overlaps] = time(() => {
  let o = 0;
  for (let i = 0; i < Q; i++) {
    const m = [F(5, 0x0800n, 0xffffn), F(12, 0x0d000000n + BigInt(i), 0xffffffffn)];
    if (cls.findOverlap(m, 32000) !== undefined) o++;
  }
  return o;
});
console.log(`findOverlap  ${rate(Q, tOverlap)}  (${overlaps} overlaps of ${Q})`);

const packets = [];
for (let i = 0; i < Q; i++) packets.push(mixPacket((i * 104729) % RULES));
const lv = cls.rulesVisited;
const [tLookup, found] = time(() => {
  let f = 0;
  for (let i = 0; i < Q; i++) if (cls.lookup(packets[i]) !== undefined) f++;
  return f;
});
console.log(`lookup       ${rate(Q, tLookup)}  (${found} hits of ${Q}, ${((cls.rulesVisited - lv) / Q).toFixed(2)} rules visited each)`);

const left = [...cls];
const [tRemove] = time(() => {
  for (const r of left) cls.remove(r);
});
console.log(`remove       ${rate(left.length, tRemove)}  (${cls.size} left)`);
console.log(`flow mix: ${KINDS.join("; ")}`);

// Many subtables: a longest-prefix-match table (ip nw_dst=X/len, priority len, len 8..32),
// 25 subtables; lookup visits them by decreasing priority and stops at the first hit.
{
  const lpm = new Classifier();
  const PER = 4000;
  let n = 0;
  for (let len = 8; len <= 32; len++) {
    const mask = (0xffffffffn << BigInt(32 - len)) & 0xffffffffn;
    for (let k = 0; k < PER; k++) {
      const addr = (BigInt(Math.imul(k + 1, 2654435761) >>> 0) & mask) | 0n;
      lpm.insert({ match: [F(5, 0x0800n, 0xffffn), F(12, addr, mask)], priority: len });
      n++;
    }
  }
  const pk = [];
  for (let i = 0; i < Q; i++) pk.push(new Map([[5, 0x0800n], [12, BigInt(Math.imul((i % PER) + 1, 2654435761) >>> 0) ^ BigInt(i & 0xff)]]));
  const v0 = lpm.rulesVisited;
  const [t, f] = time(() => {
    let f = 0;
    for (let i = 0; i < Q; i++) if (lpm.lookup(pk[i]) !== undefined) f++;
    return f;
  });
  console.log(
    `lookup (LPM, ${lpm.subtableCount} subtables, ${lpm.size} distinct rules of ${n} inserted) ${rate(Q, t)}  (${f} hits, ${((lpm.rulesVisited - v0) / Q).toFixed(2)} rules visited each)`,
  );
}

// The match of a table entry read back from its entity key (p4runtime/entity-key.ts): what a
// DELETE needs, without translating the rule's OpenFlow match again and without keeping the
// match per rule. Only the ternary keys ofp4 writes (canonical bytestrings) are read; any other
// key gives undefined, and the caller translates instead. Pure; never guesses.
import type { p4 } from "../p4runtime/index.js";

/** Shared bytestrings for masks and short values: a few recur across all entries (never written into). */
const SHARED = new Map<string, Uint8Array>();
const SHARED_MAX = 4096;

/** A hex digit's value, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** The canonical bytestring key[from, to) spells in hex, or undefined. */
function hexBytes(key: string, from: number, to: number): Uint8Array | undefined {
  const len = to - from;
  if (len === 0 || len % 2 !== 0) return undefined;
  const short = len <= 4;
  if (short) {
    const hit = SHARED.get(key.slice(from, to));
    if (hit !== undefined) return hit;
  }
  const out = new Uint8Array(len / 2);
  for (let i = 0, j = from; i < out.length; i++, j += 2) {
    const hi = nibble(key.charCodeAt(j));
    const lo = nibble(key.charCodeAt(j + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  // Canonical only: no leading zero byte unless the value is [0x00] itself.
  if (out.length > 1 && out[0] === 0) return undefined;
  if (short && SHARED.size < SHARED_MAX) SHARED.set(key.slice(from, to), out);
  return out;
}

/** The decimal number key[from, to) spells, or -1. */
function decimal(key: string, from: number, to: number): number {
  if (to <= from || to - from > 10) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * The ternary field matches `key` (a tableEntryKey) names, in field id order, or undefined
 * when the key holds anything else (exact, lpm, range, optional, a default entry).
 */
export function ternaryMatchOfKey(key: string): p4.v1.IFieldMatch[] | undefined {
  // "t<table>/<priority>" then "/<field>=<value>&<mask>,..." when the entry has a match.
  const a = key.indexOf("/");
  if (key.charCodeAt(0) !== 116 /* t */ || a < 0) return undefined;
  const b = key.indexOf("/", a + 1);
  if (b < 0) return decimal(key, a + 1, key.length) >= 0 ? [] : undefined;
  const out: p4.v1.IFieldMatch[] = [];
  let i = b + 1;
  while (i <= key.length) {
    const eq = key.indexOf("=", i);
    const amp = eq < 0 ? -1 : key.indexOf("&", eq + 1);
    if (amp < 0) return undefined;
    let end = key.indexOf(",", amp + 1);
    if (end < 0) end = key.length;
    const id = decimal(key, i, eq);
    const value = hexBytes(key, eq + 1, amp);
    const mask = hexBytes(key, amp + 1, end);
    if (id < 0 || !value || !mask) return undefined;
    out.push({ fieldId: id, ternary: { value, mask } });
    i = end + 1;
  }
  if (out.length > 1) out.sort((x, y) => (x.fieldId ?? 0) - (y.fieldId ?? 0));
  return out;
}

// The match of a table entry read back from its entity key (p4runtime/entity-key.ts): what a
// DELETE needs, without translating the rule's OpenFlow match again and without keeping the
// match per rule. Only the ternary keys ofp4 writes (canonical bytestrings) are read; any other
// key gives undefined, and the caller translates instead. Pure; never guesses.
import type { p4 } from "../p4runtime/index.js";

/** Shared masks: a few distinct ones recur across all entries (never written into). */
const MASKS = new Map<string, Uint8Array>();
const MASKS_MAX = 1024;

function hexBytes(hex: string): Uint8Array | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const b = parseInt(hex.substr(2 * i, 2), 16);
    if (Number.isNaN(b)) return undefined;
    out[i] = b;
  }
  // Canonical only: no leading zero byte unless the value is [0x00] itself.
  if (out.length > 1 && out[0] === 0) return undefined;
  return out;
}

function maskBytes(hex: string): Uint8Array | undefined {
  let b = MASKS.get(hex);
  if (b === undefined) {
    b = hexBytes(hex);
    if (b !== undefined && MASKS.size < MASKS_MAX) MASKS.set(hex, b);
  }
  return b;
}

const HEX = /^[0-9a-f]*$/;

/**
 * The ternary field matches `key` (a tableEntryKey) names, in field id order, or undefined
 * when the key holds anything else (exact, lpm, range, optional, a default entry).
 */
export function ternaryMatchOfKey(key: string): p4.v1.IFieldMatch[] | undefined {
  // "t<table>/<priority>" then "/<field>=<value>&<mask>,..." when the entry has a match.
  const a = key.indexOf("/");
  if (key[0] !== "t" || a < 0) return undefined;
  const b = key.indexOf("/", a + 1);
  if (b < 0) return /^\d+$/.test(key.slice(a + 1)) ? [] : undefined;
  const out: p4.v1.IFieldMatch[] = [];
  for (const part of key.slice(b + 1).split(",")) {
    const eq = part.indexOf("=");
    const amp = part.indexOf("&", eq + 1);
    if (eq <= 0 || amp < 0) return undefined;
    const id = part.slice(0, eq);
    const v = part.slice(eq + 1, amp);
    const m = part.slice(amp + 1);
    if (!/^\d+$/.test(id) || !HEX.test(v) || !HEX.test(m)) return undefined;
    const value = hexBytes(v);
    const mask = maskBytes(m);
    if (!value || !mask) return undefined;
    out.push({ fieldId: Number(id), ternary: { value, mask } });
  }
  if (out.length > 1) out.sort((x, y) => (x.fieldId ?? 0) - (y.fieldId ?? 0));
  return out;
}

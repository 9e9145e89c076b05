// Hashes for the classifier: field values, read as 32-bit words, mixed into a 30-bit
// non-negative integer that V8 keeps unboxed (a Smi) as a Map key, so an index entry costs
// no key object. Promises: equal (masked) values give equal hashes on every path (rule,
// request, packet). Never decides a match: every hit is verified with the match predicates.

const TWO32 = 4294967296;

/** Mixes one 32-bit word into a running hash (only its low 32 bits count). */
export function mixWord(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche; the result is in 0 .. 2^30-1. */
export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/** A mask as 32-bit words, least significant first. */
export function maskWords(mask: bigint, bits: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * 32 < bits; i++) out.push(Number(BigInt.asUintN(32, mask >> BigInt(i * 32))));
  return out;
}

/**
 * Mixes a field value `bits` wide, ANDed word by word with `mask` (maskWords of the same
 * width). Fields up to 53 bits never allocate; wider ones (METADATA, TUNNEL_ID, IPv6) do.
 */
export function mixValue(h: number, bits: number, v: bigint, mask: readonly number[]): number {
  if (bits <= 32) return mixWord(h, Number(v) & mask[0]!);
  if (bits <= 53) {
    const n = Number(v);
    const lo = n >>> 0;
    const hi = (n - lo) / TWO32;
    return mixWord(mixWord(h, lo & mask[0]!), hi & mask[1]!);
  }
  for (let i = 0; i < mask.length; i++) {
    h = mixWord(h, Number(BigInt.asUintN(32, v >> BigInt(i * 32))) & mask[i]!);
  }
  return h;
}

const ONES: readonly (readonly number[])[] = [[], [0xffffffff], [0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]];

/** Hash of a mask pattern (field ids and masks), without allocating for fields up to 53 bits. */
export function patternHash(fields: readonly { readonly field: number; readonly mask: bigint }[], bitsOf: (field: number) => number): number {
  let h = 0x5eed;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const bits = bitsOf(f.field);
    h = mixValue(mixWord(h, f.field), bits, f.mask, ONES[Math.ceil(bits / 32)]!);
  }
  return finishHash(h);
}

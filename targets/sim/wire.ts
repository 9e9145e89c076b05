// Small conversions between the generated protobuf values (64-bit integers are bigint, see
// scripts/gen-proto.mjs) and the sim's plain values. Pure; never throws.

/** Uint128 election id to bigint; an absent id is 0. */
export function electionId(id: { high?: bigint | null; low?: bigint | null } | null | undefined): bigint {
  if (!id) return 0n;
  return ((id.high ?? 0n) << 64n) | (id.low ?? 0n);
}

export function electionIdMessage(v: bigint): { high: bigint; low: bigint } {
  return { high: v >> 64n, low: v & 0xffffffffffffffffn };
}

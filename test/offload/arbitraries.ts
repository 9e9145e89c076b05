// fast-check generators shared by the offload property tests: random matches that ofp4.p4's
// tables can express (ternary fields with any value and mask, at most five, no field twice).
import fc from "fast-check";
import { OxmField } from "../../src/openflow/match.js";

const field = fc.constantFrom(
  [OxmField.ETH_DST, 48],
  [OxmField.ETH_SRC, 48],
  [OxmField.VLAN_VID, 13],
  [OxmField.IPV4_SRC, 32],
  [OxmField.IPV4_DST, 32],
  [OxmField.IPV6_DST, 128],
  [OxmField.METADATA, 64],
  [OxmField.ARP_OP, 16],
) as fc.Arbitrary<[OxmField, number]>;
const bits = (n: number): fc.Arbitrary<bigint> => fc.bigInt({ min: 0n, max: (1n << BigInt(n)) - 1n });

/** Up to five distinct expressible fields, each as [field, value, mask]. */
export const expressibleFields: fc.Arbitrary<[OxmField, bigint, bigint][]> = fc.uniqueArray(
  field.chain(([f, n]) => fc.tuple(fc.constant(f), bits(n), bits(n))),
  { selector: (x) => x[0], maxLength: 5 },
);

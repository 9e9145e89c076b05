// Updates for the Write-path tests against the sim and bmv2 (p4/ofp4.p4): INSERTs into
// ingress.ofp_table_1 with unique keys, updates that each target refuses in its own way, and the
// framing writeFramed takes (each update: 0x22, varint length, the p4.v1.Update bytes).
import { readFileSync } from "node:fs";
import { p4 } from "../../src/generated/proto.js";
import { tableUpdate } from "../../src/p4runtime/entities.js";
import { loadP4InfoFile } from "../../src/p4runtime/p4info.js";
import { encodeTableUpdate } from "../../src/p4runtime/update-encode.js";

export const info = loadP4InfoFile(new URL("../../p4/ofp4.p4info.txtpb", import.meta.url).pathname);
export const deviceConfig = readFileSync(new URL("../../p4/ofp4.json", import.meta.url));

/** An update of `type` on entry `i` of ingress.ofp_table_1 (the same `i`, the same key). */
export function entryUpdate(type: "INSERT" | "MODIFY" | "DELETE", i: number): p4.v1.IUpdate {
  return tableUpdate(info, type, {
    table: "ingress.ofp_table_1",
    match: { in_port: { ternary: [1 + (i % 8), 0xffff] }, eth_dst: { ternary: [0x020000000000n + BigInt(i), 0xffffffffffffn] } },
    action: "ingress.drop",
    priority: 1 + (i % 1000),
  });
}

/** An INSERT naming a table id no P4Info has: INVALID_ARGUMENT on PI and the sim. */
export function badTableInsert(i: number): p4.v1.IUpdate {
  const u = entryUpdate("INSERT", i);
  return { ...u, entity: { tableEntry: { ...u.entity!.tableEntry!, tableId: 0x02ffffff } } };
}

export function encode(u: p4.v1.IUpdate): Uint8Array {
  return encodeTableUpdate(u) ?? p4.v1.Update.encode(u).finish();
}

/** Updates framed as they sit inside a WriteRequest. */
export function framed(updates: readonly p4.v1.IUpdate[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const u of updates) {
    const b = encode(u);
    const len: number[] = [];
    let n = b.length;
    while (n >= 0x80) {
      len.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    len.push(n);
    parts.push(Buffer.from([0x22, ...len]), Buffer.from(b));
  }
  return Buffer.concat(parts);
}

// The OpenFlow port config (port_mod) as P4 table entries: which config bits the program
// enforces (the mapping's `portConfig`), the refusal of a bit it cannot (OFPPMFC_BAD_CONFIG
// naming the bit), the entries one port's config is written as (one per port-config table,
// exact on the port), and the config read back from entries (ofp4 restart, reconciliation).
// Pure: never talks to a target, never keeps state.

import { ofError, type OfError } from "../openflow/errors.js";
import { OFPPC } from "../openflow/messages.js";
import { UpdateType, bigintToBytes, bytesToBigint, type p4 } from "../p4runtime/index.js";
import { PORT_CONFIG_BITS, type OffloadMapping, type PortConfigTableMap } from "./mapping.js";

/**
 * Config bits accepted and stored without a table entry: OpenFlow 1.0 NO_STP ("disable 802.1D
 * spanning tree on the port") — ofp4 runs no spanning tree, so it holds by construction.
 */
export const STORED_ONLY_BITS = OFPPC.NO_STP_10;

const BIT_NAME = new Map(Object.entries(PORT_CONFIG_BITS).map(([name, bit]) => [bit, name]));

/** Why a bit cannot be enforced, for the error text. */
function why(bit: number, mapping: OffloadMapping): string {
  if (mapping.portConfig === undefined) return "this P4 program has no port-config tables (no portConfig in its mapping): it cannot express it";
  if (bit === OFPPC.NO_FLOOD_10) return "the P4 program cannot express it (a flood replica is not told apart from an explicit output)";
  if (bit === OFPPC.NO_RECV_STP_10) return "the P4 program cannot express it (it does not tell 802.1D frames apart)";
  return "the P4 program cannot express it";
}

/**
 * undefined when the program can hold the config a port_mod asks for; else BAD_CONFIG naming
 * the first bit it would set that no port-config table enforces. Clearing a bit is always fine.
 */
export function refusePortConfig(mapping: OffloadMapping, portNo: number, config: number, mask: number): OfError | undefined {
  const enforced = mapping.portConfig?.enforced ?? 0;
  const set = config & mask & ~STORED_ONLY_BITS;
  for (let bit = 1; bit <= OFPPC.NO_PACKET_IN; bit <<= 1) {
    if ((set & bit) === 0 || (enforced & bit) !== 0) continue;
    const name = BIT_NAME.get(bit) ?? `0x${bit.toString(16)}`;
    return ofError("PORT_MOD_FAILED_BAD_CONFIG", `port ${portNo}: OFPPC_${name} ${why(bit, mapping)}`);
  }
  const unknown = set & ~0x7f;
  if (unknown !== 0) return ofError("PORT_MOD_FAILED_BAD_CONFIG", `port ${portNo}: config bits 0x${unknown.toString(16)} are not OpenFlow port config bits`);
  return undefined;
}

/** The entry of one port-config table that holds `config` (enforced bits only) for `port`. */
export function portConfigEntry(t: PortConfigTableMap, port: number, config: number): p4.v1.ITableEntry {
  return {
    tableId: t.table.id,
    match: [{ fieldId: t.keyFieldId, exact: { value: bigintToBytes(BigInt(port)) } }],
    action: {
      action: {
        actionId: t.action.id,
        params: t.params.map((p) => ({ paramId: p.param.id, value: bigintToBytes((config & p.bit) !== 0 ? 1n : 0n) })),
      },
    },
  };
}

/** One update per port-config table, of `type` (1 INSERT, 2 MODIFY, 3 DELETE). */
export function portConfigUpdates(mapping: OffloadMapping, port: number, config: number, type: UpdateType): p4.v1.IUpdate[] {
  return (mapping.portConfig?.tables ?? []).map((t) => {
    const e = portConfigEntry(t, port, config);
    return { type, entity: { tableEntry: type === UpdateType.DELETE ? { tableId: e.tableId, match: e.match } : e } };
  });
}

/** The entities that read every port-config table. */
export function portConfigReads(mapping: OffloadMapping): p4.v1.IEntity[] {
  return (mapping.portConfig?.tables ?? []).map((t) => ({ tableEntry: { tableId: t.table.id } }));
}

/** The config bits each port's entries hold, from a read of the port-config tables (bits of every table OR-ed). */
export function portConfigFromEntries(mapping: OffloadMapping, entities: readonly p4.v1.IEntity[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of entities) {
    const te = e.tableEntry;
    if (!te || te.isDefaultAction) continue;
    const t = mapping.portConfig?.tables.find((x) => x.table.id === te.tableId);
    const key = te.match?.find((m) => m.fieldId === t?.keyFieldId)?.exact?.value;
    const a = te.action?.action;
    if (!t || !key || !a || a.actionId !== t.action.id) continue;
    const port = Number(bytesToBigint(key));
    let config = out.get(port) ?? 0;
    for (const p of t.params) {
      const v = a.params?.find((x) => x.paramId === p.param.id)?.value;
      if (v && bytesToBigint(v) !== 0n) config |= p.bit;
    }
    out.set(port, config);
  }
  return out;
}

/** True when the entries read for `port` hold exactly `config` in every table (and exist). */
export function portConfigHeld(mapping: OffloadMapping, entities: readonly p4.v1.IEntity[], port: number, config: number): boolean {
  const tables = mapping.portConfig?.tables ?? [];
  return tables.every((t) => {
    const mine = entities.filter((e) => e.tableEntry?.tableId === t.table.id && portOfEntry(t, e.tableEntry) === port);
    if (mine.length !== 1) return false;
    const got = portConfigFromEntries(mapping, mine).get(port) ?? 0;
    const bits = t.params.reduce((m, p) => m | p.bit, 0);
    return got === (config & bits);
  });
}

function portOfEntry(t: PortConfigTableMap, te: p4.v1.ITableEntry | null | undefined): number | undefined {
  const key = te?.match?.find((m) => m.fieldId === t.keyFieldId)?.exact?.value;
  return key ? Number(bytesToBigint(key)) : undefined;
}

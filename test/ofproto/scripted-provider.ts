// The scripted provider: a Provider with no target behind it, for tests, benchmarks and a
// daemon run without hardware. It keeps every operation it accepted until told to complete
// it (in any order, with any error), or completes them by itself at once or after a delay;
// it can refuse operations at construct time. It records packet-outs, port and group mods.
// It never completes an operation from inside the call that started it (provider.ts §3.2).

import { OFPP } from "../../src/openflow/actions.js";
import type { OfError } from "../../src/openflow/errors.js";
import { OFPPF, OFPPS, type PortDesc } from "../../src/openflow/messages.js";
import { OxmField } from "../../src/openflow/match.js";
import { portStatsOf, type GroupMod, type PortStats, type TableFeatures } from "../../src/openflow/multipart-types.js";
import { describeTable } from "../../src/openflow/table-features.js";
import type { Operation, OperationType } from "../../src/ofproto/operation.js";
import type {
  PacketOut,
  PortModRequest,
  Provider,
  ProviderCore,
  RuleStats,
  SwitchDescription,
  TableDescription,
} from "../../src/ofproto/provider.js";
import type { Rule } from "../../src/ofproto/rule.js";

/** How the scripted provider completes what it accepted. */
export type AutoComplete = "never" | "immediate" | { readonly delayMs: number };

export interface ScriptedProviderOptions {
  /** Number of tables (default 4) or their descriptions. */
  readonly tables?: number | readonly TableDescription[];
  /** Number of ports p1..pN (default 4) or their descriptions. */
  readonly ports?: number | readonly PortDesc[];
  readonly datapathId?: bigint;
  readonly autoComplete?: AutoComplete;
  /** Record every started operation in `started` (default true; benchmarks turn it off). */
  readonly record?: boolean;
}

export function makePort(portNo: number): PortDesc {
  return {
    portNo,
    hwAddr: Uint8Array.of(0x02, 0, 0, 0, (portNo >> 8) & 0xff, portNo & 0xff),
    name: `p${portNo}`,
    config: 0,
    state: OFPPS.LIVE,
    curr: OFPPF["10GB_FD"] | OFPPF.COPPER,
    advertised: 0,
    supported: 0,
    peer: 0,
    currSpeed: 10_000_000,
    maxSpeed: 10_000_000,
  };
}

/** Fields the scripted tables claim to match (every one maskable, every one optional). */
const SCRIPTED_FIELDS: readonly OxmField[] = [
  OxmField.IN_PORT,
  OxmField.METADATA,
  OxmField.ETH_DST,
  OxmField.ETH_SRC,
  OxmField.ETH_TYPE,
  OxmField.VLAN_VID,
  OxmField.VLAN_PCP,
  OxmField.IP_DSCP,
  OxmField.IP_PROTO,
  OxmField.IPV4_SRC,
  OxmField.IPV4_DST,
  OxmField.TCP_SRC,
  OxmField.TCP_DST,
  OxmField.UDP_SRC,
  OxmField.UDP_DST,
  OxmField.ARP_OP,
  OxmField.ARP_SPA,
  OxmField.ARP_TPA,
  OxmField.IPV6_SRC,
  OxmField.IPV6_DST,
];

function scriptedFeatures(tableId: number, nTables: number): TableFeatures {
  const last = tableId === nTables - 1;
  return describeTable({
    tableId,
    name: `table${tableId}`,
    maxEntries: 65536,
    metadataMatch: 0n,
    metadataWrite: 0n,
    instructions: last ? ["APPLY_ACTIONS", "CLEAR_ACTIONS"] : ["APPLY_ACTIONS", "CLEAR_ACTIONS", "GOTO_TABLE"],
    nextTables: Array.from({ length: nTables - tableId - 1 }, (_, i) => tableId + 1 + i),
    writeActions: [],
    applyActions: ["output", "group", "set_field", "push_vlan", "pop_vlan", "dec_nw_ttl"],
    match: SCRIPTED_FIELDS.map((field) => ({ field, maskable: true })),
    wildcards: SCRIPTED_FIELDS,
    writeSetfield: [],
    applySetfield: [OxmField.ETH_DST, OxmField.ETH_SRC, OxmField.VLAN_VID, OxmField.IPV4_SRC, OxmField.IPV4_DST],
  });
}

export class ScriptedProvider implements Provider {
  readonly name = "scripted";
  core: ProviderCore | undefined;
  autoComplete: AutoComplete;
  /** Accepted operations not yet completed, in the order they were started. */
  readonly pending: Operation[] = [];
  /** Every operation type started, in order (for tests that check what the core asked). */
  readonly started: { type: OperationType; rule: Rule }[] = [];
  readonly packetOuts: PacketOut[] = [];
  readonly portMods: PortModRequest[] = [];
  readonly groupMods: GroupMod[] = [];
  flushes = 0;
  destructed = false;
  /** Decides an immediate refusal per operation (undefined = accept). */
  refuse: ((op: Operation) => OfError | undefined) | undefined;
  /** What packet_out, port_mod and group_mod answer (undefined = success). */
  packetOutError: OfError | undefined;
  portModError: OfError | undefined;
  groupModError: OfError | undefined;
  readonly #stats = new Map<Rule, RuleStats>();
  readonly #tables: readonly TableDescription[];
  readonly #ports: readonly PortDesc[];
  readonly #datapathId: bigint;
  readonly #record: boolean;

  constructor(options: ScriptedProviderOptions = {}) {
    const tables = options.tables ?? 4;
    this.#tables =
      typeof tables === "number"
        ? Array.from({ length: tables }, (_, i) => ({
            name: `table${i}`,
            maxEntries: 65536,
            wildcards: 0x3fffff,
            features: scriptedFeatures(i, tables),
          }))
        : tables;
    const ports = options.ports ?? 4;
    this.#ports = typeof ports === "number" ? Array.from({ length: ports }, (_, i) => makePort(i + 1)) : ports;
    this.#datapathId = options.datapathId ?? 0x0000_0000_0000_00a1n;
    this.autoComplete = options.autoComplete ?? "never";
    this.#record = options.record ?? true;
  }

  construct(core: ProviderCore): Promise<SwitchDescription> {
    this.core = core;
    return Promise.resolve({
      datapathId: this.#datapathId,
      tables: this.#tables,
      ports: this.#ports,
      actions10: 0xfff,
      hwDesc: "scripted provider (no target)",
      serialNum: "0",
    });
  }

  destruct(): Promise<void> {
    this.destructed = true;
    return Promise.resolve();
  }

  ruleConstruct(op: Operation): OfError | undefined {
    return this.#accept(op);
  }

  ruleModifyActions(op: Operation): OfError | undefined {
    return this.#accept(op);
  }

  ruleDestruct(op: Operation): OfError | undefined {
    return this.#accept(op);
  }

  #accept(op: Operation): OfError | undefined {
    if (this.#record) this.started.push({ type: op.type, rule: op.rule });
    const refusal = this.refuse?.(op);
    if (refusal !== undefined) return refusal;
    if (op.type === "add" && op.victim !== undefined && !op.resetCounts) {
      const carried = this.#stats.get(op.victim);
      if (carried !== undefined) this.#stats.set(op.rule, carried);
    }
    this.pending.push(op);
    const auto = this.autoComplete;
    if (auto === "immediate") queueMicrotask(() => this.pending.includes(op) && this.complete(op));
    else if (auto !== "never") setTimeout(() => this.pending.includes(op) && this.complete(op), auto.delayMs);
    return undefined;
  }

  /** Completes one accepted operation (success, or the given error). */
  complete(op: Operation, error?: OfError): void {
    const i = this.pending.indexOf(op);
    if (i < 0) throw new Error("scripted provider: operation is not pending");
    this.pending.splice(i, 1);
    op.complete(error);
  }

  /** Completes every pending operation selected by `which` (default all), oldest first. */
  completeAll(error?: OfError, which: (op: Operation) => boolean = () => true): number {
    const chosen = this.pending.filter(which);
    for (const op of chosen) this.complete(op, error);
    return chosen.length;
  }

  /** Sets the counters the provider reports for a rule. */
  setStats(rule: Rule, stats: RuleStats): void {
    this.#stats.set(rule, stats);
  }

  ruleStats(rule: Rule): RuleStats {
    return this.#stats.get(rule) ?? { packetCount: 0n, byteCount: 0n, lastUsed: undefined };
  }

  packetOut(packet: PacketOut): OfError | undefined {
    if (this.packetOutError !== undefined) return this.packetOutError;
    this.packetOuts.push(packet);
    return undefined;
  }

  portMod(request: PortModRequest): OfError | undefined {
    if (this.portModError !== undefined) return this.portModError;
    this.portMods.push(request);
    return undefined;
  }

  groupMod(mod: GroupMod): OfError | undefined {
    if (this.groupModError !== undefined) return this.groupModError;
    this.groupMods.push(mod);
    return undefined;
  }

  portStats(portNo: number): readonly PortStats[] {
    return this.#ports
      .filter((p) => portNo === OFPP.ANY || p.portNo === portNo)
      .map((p) => portStatsOf(p.portNo));
  }

  flush(): void {
    this.flushes++;
  }
}

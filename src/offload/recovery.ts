// Recovery (provider.ts §1.4): at construct, the entries and multicast groups ofp4 finds on its
// target (it restarted; the target kept its state) become recovered rules — each entry's
// metadata says what rule it was (metadata.ts), its key gives the match back (translate.ts
// matchFromKey), its metadata's group records the OpenFlow groups it uses (group-record.ts), its
// mcast_grp the multicast group it sends to. They travel to the core in the switch description;
// an ADD of the same rule adopts its entry without a write. What the core does not take is
// forgotten at recoveryDone(): from then on those entries are ofp4's leftovers. Entries not
// tagged as ofp4's are left alone.

import type { Recovered } from "../ofproto/provider.js";
import type { RuleSpec } from "../ofproto/rule.js";
import type { GroupDesc } from "../openflow/multipart-types.js";
import { bytesToBigint, tableEntryKey, type p4 } from "../p4runtime/index.js";
import { decodeEntryMetadata } from "./group-record.js";
import type { OffloadMapping } from "./mapping.js";
import type { MulticastGroup, MulticastGroups } from "./multicast.js";
import type { TargetSession } from "./target-session.js";
import { matchFromKey } from "./translate.js";

/** One entry found on the target, not taken over by a rule yet. */
export interface RecoveredEntry {
  readonly rule: RuleSpec;
  readonly metadata: Uint8Array;
  readonly group: MulticastGroup | undefined;
}

export class Recovery {
  /** By entry key. */
  readonly #entries = new Map<string, RecoveredEntry>();
  /** The OpenFlow groups rebuilt from the entries' group records. */
  readonly #groups = new Map<number, GroupDesc>();
  /** Per OpenFlow table: recovered entries counted against its size. */
  readonly counts: number[];

  constructor(private readonly mapping: OffloadMapping) {
    this.counts = mapping.tables.map(() => 0);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Reads ofp4's entries and the multicast groups back from the target; `groups` adopts what they use. */
  async read(session: TargetSession, groups: MulticastGroups): Promise<void> {
    const origin = { request: "recovery" };
    const onTarget = new Map<number, p4.v1.IMulticastGroupEntry>();
    const groupEntities = await session.rpc("Read", origin, () => session.client.readAll([{ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 0 } } }]));
    for (const e of groupEntities) {
      const g = e.packetReplicationEngineEntry?.multicastGroupEntry;
      if (g) onTarget.set(g.multicastGroupId ?? 0, g);
    }
    const entities = await session.rpc("Read", origin, () => session.client.readAll(this.mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } }))));
    for (const e of entities) {
      const te = e.tableEntry;
      if (!te || te.isDefaultAction) continue;
      const record = decodeEntryMetadata(te.metadata, this.#groups);
      const table = this.mapping.tables.find((t) => t.p4.id === te.tableId);
      if (!record || !table) continue;
      const match = matchFromKey(this.mapping, table, te.match ?? []);
      if (!match) continue;
      let group: MulticastGroup | undefined;
      const mcast = this.#mcastParam(te);
      if (mcast !== 0) {
        const g = onTarget.get(mcast);
        if (g) {
          const replicas = (g.replicas ?? []).map((r) => ({ port: Number(r.egressPort ?? 0), instance: r.instance ?? 0 }));
          replicas.sort((a, b) => a.port - b.port || a.instance - b.instance);
          group = groups.adopt(mcast, replicas);
          group.users++;
        }
      }
      this.#entries.set(tableEntryKey(te), { rule: { ...record, match }, metadata: te.metadata ?? new Uint8Array(), group });
      this.counts[table.ofTable]!++;
    }
  }

  #mcastParam(te: p4.v1.ITableEntry): number {
    const flow = this.mapping.flow;
    const a = te.action?.action;
    if (!a || a.actionId !== flow.action.id) return 0;
    const kind = a.params?.find((p) => p.paramId === flow.params.outKind.id);
    if (!kind?.value || Number(bytesToBigint(kind.value)) !== flow.outKind.group) return 0;
    const g = a.params?.find((p) => p.paramId === flow.params.mcastGrp.id);
    return g?.value ? Number(bytesToBigint(g.value)) : 0;
  }

  /** What goes to the core in the switch description. */
  description(): Recovered {
    return {
      groups: [...this.#groups.values()].sort((a, b) => a.groupId - b.groupId),
      rules: [...this.#entries.values()].map((r) => r.rule),
    };
  }

  /** The OpenFlow groups rebuilt from the entries (for the provider's group table). */
  groups(): IterableIterator<GroupDesc> {
    return this.#groups.values();
  }

  get(key: string): RecoveredEntry | undefined {
    return this.#entries.get(key);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** A rule took the entry over (it now counts as the rule's). */
  take(key: string, table: number): void {
    if (this.#entries.delete(key)) this.counts[table]!--;
  }

  /** An adoption failed: the entry is recovered again. */
  restore(key: string, table: number, r: RecoveredEntry): void {
    this.#entries.set(key, r);
    this.counts[table]!++;
  }

  /** provider.ts §1.4: the entries no rule took over are leftovers; each returns its multicast group. */
  forget(release: (group: MulticastGroup) => void): void {
    for (const r of this.#entries.values()) if (r.group) release(r.group);
    this.#entries.clear();
    this.counts.fill(0);
  }

  /** Entries recovered and not taken over, with their keys (dump-entries). */
  entries(): IterableIterator<[string, RecoveredEntry]> {
    return this.#entries.entries();
  }
}

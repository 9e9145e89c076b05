// A small, real ForwardingState for the pipeline tests: ternary entries looked up by
// priority, per-entry and per-table default actions, direct and indirect counters, multicast
// groups. What the sim's device does, reduced to what a pipeline test needs to observe.
import type { ForwardingState, TableHit } from "../../targets/sim/forwarding.js";

export interface TestEntry {
  readonly priority: number;
  /** field -> [value, mask]; an absent field is a wildcard. */
  readonly match: Readonly<Record<string, readonly [bigint, bigint]>>;
  readonly action: string;
  readonly params?: Readonly<Record<string, bigint>>;
}

interface StoredEntry extends TestEntry {
  packets: number;
  bytes: number;
}

export class TableStore implements ForwardingState {
  private readonly tables = new Map<string, StoredEntry[]>();
  private readonly defaults = new Map<string, { action: string; params: Map<string, bigint> }>();
  private readonly groups = new Map<number, { port: number; instance: number }[]>();
  private readonly counters = new Map<string, { packets: number; bytes: number }>();
  /** Every applyTable call on an OpenFlow table, in order: which table saw which key. */
  readonly lookups: { table: string; key: Map<string, bigint> }[] = [];
  /** Every applyTable call on a port-config table, in order: "<table> <port>". */
  readonly portLookups: string[] = [];

  insert(table: string, entry: TestEntry): TestEntry {
    const list = this.tables.get(table) ?? [];
    list.push({ ...entry, packets: 0, bytes: 0 });
    list.sort((a, b) => b.priority - a.priority);
    this.tables.set(table, list);
    return entry;
  }

  setDefault(table: string, action: string, params: Record<string, bigint> = {}): void {
    this.defaults.set(table, { action, params: new Map(Object.entries(params)) });
  }

  setGroup(id: number, replicas: { port: number; instance: number }[]): void {
    this.groups.set(id, replicas);
  }

  entryCounter(table: string, entry: TestEntry): { packets: number; bytes: number } {
    const e = (this.tables.get(table) ?? []).find((x) => x.priority === entry.priority && x.match === entry.match);
    if (!e) throw new Error("no such entry");
    return { packets: e.packets, bytes: e.bytes };
  }

  counter(name: string, index: number): { packets: number; bytes: number } {
    return this.counters.get(`${name}[${index}]`) ?? { packets: 0, bytes: 0 };
  }

  applyTable(table: string, key: ReadonlyMap<string, bigint>, bytes: number): TableHit {
    if (table.endsWith(".port_config")) this.portLookups.push(`${table} ${key.get("port")}`);
    else this.lookups.push({ table, key: new Map(key) });
    for (const e of this.tables.get(table) ?? []) {
      const hit = Object.entries(e.match).every(([f, [v, m]]) => {
        const k = key.get(f);
        if (k === undefined) throw new Error(`key of ${table} lacks ${f}`);
        return (k & m) === v;
      });
      if (hit) {
        e.packets += 1;
        e.bytes += bytes;
        return { action: e.action, params: new Map(Object.entries(e.params ?? {})), hit: true };
      }
    }
    const d = this.defaults.get(table) ?? { action: "ingress.drop", params: new Map<string, bigint>() };
    return { action: d.action, params: d.params, hit: false };
  }

  multicastGroup(groupId: number): readonly { readonly port: number; readonly instance: number }[] | undefined {
    return this.groups.get(groupId);
  }

  countIndirect(counter: string, index: number, bytes: number): void {
    const c = this.counters.get(`${counter}[${index}]`) ?? { packets: 0, bytes: 0 };
    c.packets += 1;
    c.bytes += bytes;
    this.counters.set(`${counter}[${index}]`, c);
  }
}

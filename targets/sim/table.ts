// One P4 table of the sim's device: its entries keyed by (match, priority), its default
// action, and a tuple-space index (one hash map per distinct mask vector, visited by
// falling priority) for packet lookup. Entries arrive already validated; this module never
// checks P4Runtime rules, it only stores, finds, and keeps the index consistent.
import { MatchKind, type ActionCall, type TableInfo } from "./schema.js";

/** A stored entry. For RANGE fields `values` holds the low bound and `masks` the high bound. */
export interface TableEntryState {
  readonly key: string;
  readonly values: readonly bigint[];
  readonly masks: readonly bigint[];
  readonly priority: number;
  action: ActionCall;
  controllerMetadata: bigint;
  metadata: Uint8Array | undefined;
  idleTimeoutNs: bigint;
  packets: number;
  bytes: number;
  /** Monotonic ms of the last hit (or of insertion / TTL change). */
  lastHitMs: number;
  /** Monotonic ms of the last idle notification, 0 while the entry is not idle. */
  notifiedMs: number;
}

interface MaskGroup {
  readonly masks: readonly bigint[];
  /** Upper bound of the effective priorities held (never lowered on delete). */
  maxPriority: number;
  /** Masked values -> entries by falling effective priority. */
  readonly buckets: Map<string, TableEntryState[]>;
  size: number;
}

/** The identity of an entry: its match and its priority. */
export function entryKey(values: readonly bigint[], masks: readonly bigint[], priority: number): string {
  let s = String(priority);
  for (let i = 0; i < values.length; i++) s += "|" + values[i]!.toString(16) + "/" + masks[i]!.toString(16);
  return s;
}

function maskedKey(values: readonly bigint[], masks: readonly bigint[]): string {
  let s = "";
  for (let i = 0; i < values.length; i++) s += (values[i]! & masks[i]!).toString(16) + ",";
  return s;
}

function popcount(v: bigint): number {
  let n = 0;
  for (let x = v; x > 0n; x >>= 1n) n += Number(x & 1n);
  return n;
}

export class Table {
  readonly entries = new Map<string, TableEntryState>();
  /** The current default action; undefined = the P4 program's initial default. */
  defaultAction: ActionCall | undefined;
  private readonly groups = new Map<string, MaskGroup>();
  private ordered: MaskGroup[] = [];
  /** Entries with a RANGE field, by falling priority (scanned linearly). */
  private readonly ranged: TableEntryState[] = [];

  constructor(readonly info: TableInfo) {
    this.defaultAction = info.initialDefault;
  }

  get size(): number {
    return this.entries.size;
  }

  get full(): boolean {
    return this.entries.size >= this.info.size;
  }

  get(key: string): TableEntryState | undefined {
    return this.entries.get(key);
  }

  /** Priority used to order matches: P4Runtime priority, or the LPM prefix length. */
  private effectivePriority(e: TableEntryState): number {
    if (this.info.lpmIndex >= 0 && !this.info.needsPriority) return popcount(e.masks[this.info.lpmIndex]!);
    return e.priority;
  }

  insert(e: TableEntryState): void {
    this.entries.set(e.key, e);
    const prio = this.effectivePriority(e);
    if (this.info.hasRange) {
      let i = 0;
      while (i < this.ranged.length && this.ranged[i]!.priority >= e.priority) i++;
      this.ranged.splice(i, 0, e);
      return;
    }
    const gk = e.masks.map((m) => m.toString(16)).join(",");
    let g = this.groups.get(gk);
    if (!g) {
      g = { masks: e.masks, maxPriority: prio, buckets: new Map(), size: 0 };
      this.groups.set(gk, g);
      this.ordered.push(g);
      this.ordered.sort((a, b) => b.maxPriority - a.maxPriority);
    } else if (prio > g.maxPriority) {
      g.maxPriority = prio;
      this.ordered.sort((a, b) => b.maxPriority - a.maxPriority);
    }
    const mk = maskedKey(e.values, e.masks);
    const bucket = g.buckets.get(mk);
    if (!bucket) g.buckets.set(mk, [e]);
    else {
      let i = 0;
      while (i < bucket.length && this.effectivePriority(bucket[i]!) >= prio) i++;
      bucket.splice(i, 0, e);
    }
    g.size++;
  }

  delete(e: TableEntryState): void {
    if (!this.entries.delete(e.key)) return;
    if (this.info.hasRange) {
      const i = this.ranged.indexOf(e);
      if (i >= 0) this.ranged.splice(i, 1);
      return;
    }
    const gk = e.masks.map((m) => m.toString(16)).join(",");
    const g = this.groups.get(gk);
    if (!g) return;
    const mk = maskedKey(e.values, e.masks);
    const bucket = g.buckets.get(mk);
    if (bucket) {
      const i = bucket.indexOf(e);
      if (i >= 0) bucket.splice(i, 1);
      if (bucket.length === 0) g.buckets.delete(mk);
    }
    if (--g.size === 0) {
      this.groups.delete(gk);
      this.ordered = this.ordered.filter((x) => x !== g);
    }
  }

  clear(): void {
    this.entries.clear();
    this.groups.clear();
    this.ordered = [];
    this.ranged.length = 0;
    this.defaultAction = this.info.initialDefault;
  }

  /** The highest-priority entry matching the field values (P4Info field order), if any. */
  lookup(fields: readonly bigint[]): TableEntryState | undefined {
    if (this.info.hasRange) {
      for (const e of this.ranged) if (this.matchesRanged(e, fields)) return e;
      return undefined;
    }
    let best: TableEntryState | undefined;
    let bestPrio = -1;
    for (const g of this.ordered) {
      if (best && g.maxPriority <= bestPrio) break;
      const bucket = g.buckets.get(maskedKey(fields, g.masks));
      if (!bucket) continue;
      const e = bucket[0]!;
      const p = this.effectivePriority(e);
      if (!best || p > bestPrio) {
        best = e;
        bestPrio = p;
      }
    }
    return best;
  }

  private matchesRanged(e: TableEntryState, fields: readonly bigint[]): boolean {
    const infos = this.info.fields;
    for (let i = 0; i < infos.length; i++) {
      const v = fields[i]!;
      if (infos[i]!.kind === MatchKind.RANGE) {
        if (v < e.values[i]! || v > e.masks[i]!) return false;
      } else if ((v & e.masks[i]!) !== e.values[i]!) return false;
    }
    return true;
  }
}

// One P4 table of the sim's device: its entries keyed by (match, priority), its default
// action, and a tuple-space index for packet lookup: one group per distinct mask vector,
// each a hash map from packed masked values to entries, visited by falling priority. Within
// a group an entry's key holds only the fields the group matches on (RANGE fields and fields
// with a non-zero mask; the others are 0 in every entry), packed into a latin1 string (see
// packed.ts), so a million entries stay small; a bucket of one entry is the entry itself (no
// array). Entries arrive already validated; this module never checks P4Runtime rules.
import { MatchKind, type ActionCall, type TableInfo } from "./schema.js";
import { isZero, popcountBytes, putBig } from "./packed.js";
import type { CheckedMatch } from "./table-entry-check.js";

/** An entry's action, shared by every entry with the same action and params. */
export interface EntryAction extends ActionCall {
  readonly packed: string;
  refs: number;
}

export interface MaskGroup {
  /** The masks packed in the key layout (RANGE fields: the high bound), as latin1. */
  readonly key: string;
  readonly masks: Buffer;
  /**
   * The fields the entries' keys hold, P4Info order, three numbers each: byte offset, width,
   * and 1 for a RANGE field (else 0).
   */
  readonly active: readonly number[];
  /** Prefix length of the LPM field (LPM tables order matches by it). */
  readonly lpmLen: number;
  /** Upper bound of the effective priorities held (never lowered on delete). */
  maxPriority: number;
  /** Entry keys (the active fields' packed values) -> the entry, or entries by falling effective priority. */
  readonly buckets: Map<string, Bucket>;
  size: number;
}

export interface TableEntryState {
  readonly group: MaskGroup;
  /** The active fields' values (RANGE fields: the low bound) packed one after another, as latin1. */
  readonly key: string;
  /** Field values packed in the key layout (RANGE fields: the low bound), as latin1. */
  readonly values: string;
  readonly priority: number;
  action: EntryAction;
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

export type EntryInit = Omit<TableEntryState, "group" | "key" | "values" | "priority">;

class Entry implements TableEntryState {
  action: EntryAction;
  controllerMetadata: bigint;
  metadata: Uint8Array | undefined;
  idleTimeoutNs: bigint;
  packets: number;
  bytes: number;
  lastHitMs: number;
  notifiedMs: number;
  constructor(
    readonly group: MaskGroup,
    readonly key: string,
    readonly priority: number,
    init: EntryInit,
  ) {
    this.action = init.action;
    this.controllerMetadata = init.controllerMetadata;
    this.metadata = init.metadata;
    this.idleTimeoutNs = init.idleTimeoutNs;
    this.packets = init.packets;
    this.bytes = init.bytes;
    this.lastHitMs = init.lastHitMs;
    this.notifiedMs = init.notifiedMs;
  }

  get values(): string {
    const out = Buffer.alloc(this.group.masks.length);
    const a = this.group.active;
    let k = 0;
    for (let i = 0; i < a.length; i += 3) for (let j = 0; j < a[i + 1]!; j++) out[a[i]! + j] = this.key.charCodeAt(k++);
    return out.toString("latin1");
  }
}

/** The key of `values` (a full packed layout, latin1) in group `g`. */
function keyIn(g: MaskGroup, values: string): string {
  const a = g.active;
  let key = "";
  for (let i = 0; i < a.length; i += 3) key += values.slice(a[i]!, a[i]! + a[i + 1]!);
  return key;
}

/** The entries with one mask vector and one packed value: one entry, or several by falling effective priority. */
type Bucket = TableEntryState | TableEntryState[];

export class Table {
  /** The current default action; undefined = none (NoAction). */
  defaultAction: ActionCall | undefined;
  private readonly groups = new Map<string, MaskGroup>();
  private ordered: MaskGroup[] = [];
  /** Entries of a table with a RANGE field, by falling priority (scanned linearly). */
  private readonly ranged: TableEntryState[] = [];
  private count = 0;
  private readonly scratch: Buffer;
  private readonly lpmOnly: boolean;
  /**
   * What the last find() saw, for an insert() of the same match right after it (the device
   * checks for a duplicate, then inserts): valid while `changes` is unchanged.
   */
  private changes = 0;
  private probeMatch: CheckedMatch | undefined;
  private probeChanges = -1;
  private probeGroup: MaskGroup | undefined;
  private probeBucket: Bucket | undefined;

  constructor(readonly info: TableInfo) {
    this.defaultAction = info.initialDefault;
    this.scratch = Buffer.alloc(info.layout.size);
    this.lpmOnly = info.lpmIndex >= 0 && !info.needsPriority;
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.info.size;
  }

  find(match: CheckedMatch): TableEntryState | undefined {
    const g = this.groups.get(match.masks);
    const bucket = g ? g.buckets.get(match.key ?? keyIn(g, match.values)) : undefined;
    this.probeMatch = match;
    this.probeChanges = this.changes;
    this.probeGroup = g;
    this.probeBucket = bucket;
    if (!bucket) return undefined;
    if (!Array.isArray(bucket)) return bucket.priority === match.priority ? bucket : undefined;
    for (let i = 0; i < bucket.length; i++) if (bucket[i]!.priority === match.priority) return bucket[i];
    return undefined;
  }

  *entries(): IterableIterator<TableEntryState> {
    for (const g of this.groups.values()) {
      for (const bucket of g.buckets.values()) {
        if (Array.isArray(bucket)) yield* bucket;
        else yield bucket;
      }
    }
  }

  private effective(e: TableEntryState): number {
    return this.lpmOnly ? e.group.lpmLen : e.priority;
  }

  insert(match: CheckedMatch, init: EntryInit): TableEntryState {
    const probed = this.probeMatch === match && this.probeChanges === this.changes;
    const gk = match.masks;
    let g = probed ? this.probeGroup : this.groups.get(gk);
    const bucket = probed ? this.probeBucket : g ? g.buckets.get(match.key ?? keyIn(g, match.values)) : undefined;
    this.probeMatch = undefined;
    this.probeGroup = undefined;
    this.probeBucket = undefined;
    this.changes++;
    if (!g) {
      const masks = Buffer.from(gk, "latin1");
      const lpm = this.info.lpmIndex;
      const { offsets, widths } = this.info.layout;
      const lpmLen = lpm >= 0 ? popcountBytes(masks, offsets[lpm]!, widths[lpm]!) : 0;
      const active: number[] = [];
      for (const f of this.info.fields) {
        const off = offsets[f.index]!;
        const w = widths[f.index]!;
        if (f.kind === MatchKind.RANGE) active.push(off, w, 1);
        else if (!isZero(masks, off, w)) active.push(off, w, 0);
      }
      g = { key: gk, masks, active, lpmLen, maxPriority: -1, buckets: new Map(), size: 0 };
      this.groups.set(gk, g);
      this.ordered.push(g);
    }
    const e = new Entry(g, match.key ?? keyIn(g, match.values), match.priority, init);
    const prio = this.effective(e);
    if (prio > g.maxPriority) {
      g.maxPriority = prio;
      this.ordered.sort((a, b) => b.maxPriority - a.maxPriority);
    }
    if (!bucket) g.buckets.set(e.key, e);
    else if (!Array.isArray(bucket)) g.buckets.set(e.key, this.effective(bucket) >= prio ? [bucket, e] : [e, bucket]);
    else {
      let i = 0;
      while (i < bucket.length && this.effective(bucket[i]!) >= prio) i++;
      bucket.splice(i, 0, e);
    }
    g.size++;
    this.count++;
    if (this.info.hasRange) {
      let i = 0;
      while (i < this.ranged.length && this.ranged[i]!.priority >= e.priority) i++;
      this.ranged.splice(i, 0, e);
    }
    return e;
  }

  delete(e: TableEntryState): void {
    const g = e.group;
    const bucket = g.buckets.get(e.key);
    if (!bucket) return;
    if (!Array.isArray(bucket)) {
      if (bucket !== e) return;
      g.buckets.delete(e.key);
    } else {
      const i = bucket.indexOf(e);
      if (i < 0) return;
      bucket.splice(i, 1);
      if (bucket.length === 1) g.buckets.set(e.key, bucket[0]!);
    }
    this.changes++;
    this.count--;
    if (--g.size === 0) {
      this.groups.delete(g.key);
      this.ordered = this.ordered.filter((x) => x !== g);
    }
    if (this.info.hasRange) {
      const j = this.ranged.indexOf(e);
      if (j >= 0) this.ranged.splice(j, 1);
    }
  }

  clear(): void {
    this.changes++;
    this.groups.clear();
    this.ordered = [];
    this.ranged.length = 0;
    this.count = 0;
    this.defaultAction = this.info.initialDefault;
  }

  /** The highest-priority entry matching the field values (P4Info field order), if any. */
  lookup(fields: readonly bigint[]): TableEntryState | undefined {
    const layout = this.info.layout;
    const key = Buffer.alloc(layout.size);
    for (let i = 0; i < fields.length; i++) putBig(key, layout.offsets[i]!, layout.widths[i]!, fields[i]!);
    if (this.info.hasRange) {
      for (const e of this.ranged) if (this.matchesRanged(e, key)) return e;
      return undefined;
    }
    let best: TableEntryState | undefined;
    let bestPrio = -1;
    const masked = this.scratch;
    for (const g of this.ordered) {
      if (best && g.maxPriority <= bestPrio) break;
      const m = g.masks;
      const a = g.active;
      let n = 0;
      for (let i = 0; i < a.length; i += 3) {
        const end = a[i]! + a[i + 1]!;
        for (let j = a[i]!; j < end; j++) masked[n++] = key[j]! & m[j]!;
      }
      const bucket = g.buckets.get(masked.toString("latin1", 0, n));
      if (!bucket) continue;
      const e = Array.isArray(bucket) ? bucket[0]! : bucket;
      const p = this.effective(e);
      if (!best || p > bestPrio) {
        best = e;
        bestPrio = p;
      }
    }
    return best;
  }

  private matchesRanged(e: TableEntryState, key: Buffer): boolean {
    // Fields outside the key have mask 0: they match anything.
    const a = e.group.active;
    const high = e.group.masks;
    const k = e.key;
    let c = 0;
    for (let i = 0; i < a.length; i += 3) {
      const off = a[i]!;
      const w = a[i + 1]!;
      if (a[i + 2] === 1) {
        if (compareToKey(key, off, k, c, w) < 0) return false;
        if (key.compare(high, off, off + w, off, off + w) > 0) return false;
      } else {
        for (let j = 0; j < w; j++) if ((key[off + j]! & high[off + j]!) !== k.charCodeAt(c + j)) return false;
      }
      c += w;
    }
    return true;
  }
}

/** Sign of the big-endian comparison of buf[off, off+w) with the latin1 chars key[at, at+w). */
function compareToKey(buf: Uint8Array, off: number, key: string, at: number, w: number): number {
  for (let j = 0; j < w; j++) {
    const x = buf[off + j]!;
    const y = key.charCodeAt(at + j);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

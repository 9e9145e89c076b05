// Reconciliation: make the target's tables and multicast groups what ofp4 says they are, after
// the target restarted, the stream dropped or a Write's outcome was lost. Reads every entry of
// the mapped tables and every multicast group back, diffs against ofp4's acknowledged state,
// and writes the difference: groups first, then entries, then deletions of ofp4's leftovers
// (entries carrying ofp4's metadata tag that no rule explains; groups no rule uses). Entries
// without the tag belong to someone else: reported, never deleted.

import { Code, UpdateType, tableEntryKey, type p4, type UpdateStatus } from "../p4runtime/index.js";
import type { OffloadMapping } from "./mapping.js";
import { hasOfp4Tag, sameBytes } from "./metadata.js";
import { multicastEntity, type MulticastGroup } from "./multicast.js";
import { replicaSetKey } from "./translate.js";

/** One entry ofp4 believes is on the target. */
export interface DesiredEntry {
  readonly key: string;
  /** The metadata bytes the entry carries. */
  metadata(): Uint8Array;
  /** The action the entry carries. */
  action(): p4.v1.ITableAction;
  /** Writes the entry (INSERT or MODIFY) as ofp4 wants it. */
  write(type: UpdateType): Promise<UpdateStatus>;
}

export interface ReconcileTarget {
  readonly mapping: OffloadMapping;
  read(entities: readonly p4.v1.IEntity[]): Promise<p4.v1.Entity[]>;
  /** Writes one update (multicast groups, deletions of leftovers). */
  write(update: p4.v1.IUpdate): Promise<UpdateStatus>;
  /** Entries whose Write was acknowledged and that are not being changed now. */
  desired(): Iterable<DesiredEntry>;
  /** Keys ofp4 must leave alone now (operations in flight or of unknown outcome, recovered entries). */
  untouchable(key: string): boolean;
  /** Multicast groups with users that are on the target (or should be). */
  groups(): Iterable<MulticastGroup>;
}

export interface ReconcileReport {
  readonly inserted: number;
  readonly modified: number;
  readonly deleted: number;
  readonly groupsWritten: number;
  readonly groupsDeleted: number;
  /** Entries without ofp4's tag that no rule explains (someone else's). */
  readonly foreign: readonly string[];
  /** Writes the target refused during reconciliation (code: message). */
  readonly failures: readonly string[];
}

function sameAction(a: p4.v1.ITableAction | null | undefined, b: p4.v1.ITableAction | null | undefined): boolean {
  const x = a?.action;
  const y = b?.action;
  if (!x || !y) return !x && !y;
  if ((x.actionId ?? 0) !== (y.actionId ?? 0)) return false;
  const px = [...(x.params ?? [])].sort((m, n) => (m.paramId ?? 0) - (n.paramId ?? 0));
  const py = [...(y.params ?? [])].sort((m, n) => (m.paramId ?? 0) - (n.paramId ?? 0));
  if (px.length !== py.length) return false;
  for (let i = 0; i < px.length; i++) {
    if ((px[i]!.paramId ?? 0) !== (py[i]!.paramId ?? 0)) return false;
    const vx = px[i]!.value ?? new Uint8Array();
    const vy = py[i]!.value ?? new Uint8Array();
    if (BigInt("0x0" + Buffer.from(vx).toString("hex")) !== BigInt("0x0" + Buffer.from(vy).toString("hex"))) return false;
  }
  return true;
}

export async function reconcile(t: ReconcileTarget): Promise<ReconcileReport> {
  const failures: string[] = [];
  const check = (what: string, s: UpdateStatus): boolean => {
    if (s.code === 0) return true;
    failures.push(`${what}: ${s.code} ${s.message}`);
    return false;
  };

  // 1. Multicast groups: insert or fix every group in use.
  const onTarget = new Map<number, string>();
  for (const e of await t.read([{ packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: 0 } } }])) {
    const g = e.packetReplicationEngineEntry?.multicastGroupEntry;
    if (!g) continue;
    const replicas = (g.replicas ?? []).map((r) => ({ port: Number(r.egressPort ?? 0) || portOf(r.port), instance: r.instance ?? 0 }));
    replicas.sort((a, b) => a.port - b.port || a.instance - b.instance);
    onTarget.set(g.multicastGroupId ?? 0, replicaSetKey(replicas));
  }
  const used = new Set<number>();
  const groupWrites: Promise<void>[] = [];
  let groupsWritten = 0;
  for (const g of t.groups()) {
    if (g.users <= 0 || g.state === "failed") continue;
    used.add(g.id);
    const have = onTarget.get(g.id);
    if (have === g.key) continue;
    groupsWritten++;
    const type = have === undefined ? UpdateType.INSERT : UpdateType.MODIFY;
    groupWrites.push(t.write({ type, entity: multicastEntity(g.id, g.replicas) }).then((s) => void check(`multicast group ${g.id}`, s)));
  }
  await Promise.all(groupWrites);

  // 2. Entries: diff what the target holds against the acknowledged state.
  const want = new Map<string, DesiredEntry>();
  for (const d of t.desired()) want.set(d.key, d);
  const foreign: string[] = [];
  const writes: Promise<void>[] = [];
  let inserted = 0;
  let modified = 0;
  let deleted = 0;
  const entities = await t.read(t.mapping.tables.map((tm) => ({ tableEntry: { tableId: tm.p4.id } })));
  const seen = new Set<string>();
  for (const e of entities) {
    const te = e.tableEntry;
    if (!te || te.isDefaultAction) continue;
    const key = tableEntryKey(te);
    seen.add(key);
    const d = want.get(key);
    if (d) {
      if (!sameBytes(te.metadata, d.metadata()) || !sameAction(te.action, d.action())) {
        modified++;
        writes.push(d.write(UpdateType.MODIFY).then((s) => void check(`modify ${describeKey(key)}`, s)));
      }
      continue;
    }
    if (t.untouchable(key)) continue;
    if (hasOfp4Tag(te.metadata)) {
      deleted++;
      const del: p4.v1.ITableEntry = { tableId: te.tableId, match: te.match, priority: te.priority };
      writes.push(t.write({ type: UpdateType.DELETE, entity: { tableEntry: del } }).then((s) => void (s.code === Code.NOT_FOUND || check(`delete ${describeKey(key)}`, s))));
    } else foreign.push(key);
  }
  for (const [key, d] of want) {
    if (seen.has(key)) continue;
    inserted++;
    writes.push(d.write(UpdateType.INSERT).then((s) => void check(`insert ${describeKey(key)}`, s)));
  }
  await Promise.all(writes);

  // 3. Groups nobody uses (ofp4 owns the replication engine's multicast groups).
  let groupsDeleted = 0;
  const deletes: Promise<void>[] = [];
  for (const id of onTarget.keys()) {
    if (used.has(id)) continue;
    groupsDeleted++;
    deletes.push(
      t
        .write({ type: UpdateType.DELETE, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: id } } } })
        .then((s) => void (s.code === Code.NOT_FOUND || check(`delete multicast group ${id}`, s))),
    );
  }
  await Promise.all(deletes);
  return { inserted, modified, deleted, groupsWritten, groupsDeleted, foreign, failures };
}

/** A key (canonical TableEntry bytes) as readable hex, for failure lines. */
function describeKey(key: string): string {
  return Buffer.from(key, "latin1").toString("hex");
}

function portOf(b: Uint8Array | null | undefined): number {
  if (!b) return 0;
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

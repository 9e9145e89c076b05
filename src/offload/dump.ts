// dump-entries (ofp4ctl): every table entry the target holds now, read back, each with the rule
// it belongs to — or recovered (ofp4's, not adopted yet), orphan (ofp4's tag, no rule) or
// foreign (not ofp4's). Reads only; never writes.

import type { Match } from "../openflow/match.js";
import { describeTableEntry, hex, tableEntryKey, type P4InfoIndex } from "../p4runtime/index.js";
import type { Entry } from "./entry.js";
import type { OffloadMapping } from "./mapping.js";
import { hasOfp4Tag } from "./metadata.js";
import type { Recovery } from "./recovery.js";
import type { TargetSession } from "./target-session.js";

export interface EntryDump {
  readonly table: string;
  /** The entry's key (table, match, priority) as hex of its canonical bytes. */
  readonly key: string;
  readonly description: string;
  /** rule: belongs to a rule of the core; recovered: ofp4's, read back, not adopted yet; orphan: ofp4's, no rule; foreign: not ofp4's. */
  readonly status: "rule" | "recovered" | "orphan" | "foreign";
  readonly rule?: { readonly tableId: number; readonly priority: number; readonly cookie: bigint; readonly match: Match };
}

export async function dumpEntries(
  session: TargetSession,
  p4info: P4InfoIndex,
  mapping: OffloadMapping,
  entries: ReadonlyMap<string, Entry>,
  recovery: Recovery,
): Promise<EntryDump[]> {
  const entities = await session.rpc("Read", { request: "dump-entries" }, () => session.client.readAll(mapping.tables.map((t) => ({ tableEntry: { tableId: t.p4.id } }))));
  const out: EntryDump[] = [];
  for (const e of entities) {
    const te = e.tableEntry;
    if (!te || te.isDefaultAction) continue;
    const key = tableEntryKey(te);
    const shown = hex(Buffer.from(key, "latin1"));
    const table = p4info.tables.find(te.tableId ?? 0)?.name ?? `table#${te.tableId ?? 0}`;
    const description = describeTableEntry(p4info, te);
    const mine = entries.get(key);
    const recovered = recovery.get(key);
    if (mine) {
      const r = mine.rule;
      out.push({ table, key: shown, description, status: "rule", rule: { tableId: r.tableId, priority: r.priority, cookie: r.cookie, match: r.match } });
    } else if (recovered) {
      const r = recovered.rule;
      out.push({ table, key: shown, description, status: "recovered", rule: { tableId: r.tableId, priority: r.priority, cookie: r.cookie, match: r.match } });
    } else out.push({ table, key: shown, description, status: hasOfp4Tag(te.metadata) ? "orphan" : "foreign" });
  }
  return out;
}

// Multipart (stats) requests: desc, flow, aggregate (standard and Nicira), table, port,
// queue, port desc, table features, groups, meters. A reply waits ("postponed") while the
// connection is congested, and flow / aggregate requests wait while a rule they touch has an
// operation in flight. Returns "done", "postponed" or an OfError; never sends an error itself.

import type { OfConnView, Request } from "../connmgr/endpoint.js";
import { fail, ok, type Result } from "../openflow/result.js";
import { OFPP } from "../openflow/actions.js";
import { ofError } from "../openflow/errors.js";
import {
  UNKNOWN_COUNT,
  type FlowStats,
  type GroupFeatures,
  type MultipartReply,
  type MultipartRequest,
  type TableFeatures,
  type TableStats,
} from "../openflow/multipart-types.js";
import { MultipartReassembler } from "../openflow/multipart.js";
import { describeTable } from "../openflow/table-features.js";
import type { PortDesc } from "../openflow/messages.js";
import { anyPending, collectRules } from "./flow-mod.js";
import type { CounterFreshness } from "./fresh-stats.js";
import { groupDescs, groupStats, type GroupEntry } from "./group-table.js";
import type { Outcome } from "./outcome.js";
import type { Provider, SwitchDescription } from "./provider.js";
import type { FlowTable } from "./table.js";

/** What the stats replies need of the switch. */
export interface StatsSwitch {
  readonly tables: readonly FlowTable[];
  readonly ports: ReadonlyMap<number, PortDesc>;
  readonly groups: ReadonlyMap<number, GroupEntry>;
  readonly description: SwitchDescription | undefined;
  readonly provider: Pick<Provider, "name" | "ruleStats" | "portStats">;
  readonly dpDesc: string;
  readonly freshness: CounterFreshness;
  now(): number;
  hiddenRuleCount(tableId: number): number;
}

/** OFPQ_ALL: every queue. */
const OFPQ_ALL = 0xffffffff;

const NO_GROUPS: GroupFeatures = { types: 0, capabilities: 0, maxGroups: [0, 0, 0, 0], actions: [0, 0, 0, 0] };

export const MFR_DESC = "ofp4";
export const SW_DESC = "ofp4 0.1 (OpenFlow on P4Runtime)";

/**
 * Per connection: multipart requests arriving in several parts (REQ_MORE) are joined before
 * they are answered, and a joined request that had to wait (congestion) is kept by xid so the
 * retry answers the whole of it.
 */
interface PartsState {
  readonly reassembler: MultipartReassembler;
  readonly ready: Map<number, MultipartRequest>;
}
const parts = new WeakMap<OfConnView, PartsState>();

export function handleMultipart(sw: StatsSwitch, conn: OfConnView, request: Request, part: MultipartRequest): Outcome {
  let state = parts.get(conn);
  if (state === undefined) {
    state = { reassembler: new MultipartReassembler(), ready: new Map() };
    parts.set(conn, state);
  }
  let body = state.ready.get(request.xid);
  if (body === undefined) {
    const joined = state.reassembler.accept(request.xid, part, request.raw.length);
    if (!joined.ok) return joined.error;
    if (joined.value === undefined) return "done"; // more parts to come; answered with the last
    body = joined.value;
  }
  if (conn.congested || (wantsCounters(body) && sw.freshness.check(request) === "postponed")) {
    state.ready.set(request.xid, body);
    return "postponed";
  }
  state.ready.delete(request.xid);
  const reply = buildReply(sw, body);
  if (reply === "postponed") return reply;
  if (!reply.ok) return reply.error;
  conn.send({ type: "multipart_reply", body: reply.value }, request.xid);
  return "done";
}

/** Requests answered from the provider's counters (provider.ts §4.2). */
function wantsCounters(body: MultipartRequest): boolean {
  return body.type === "flow" || body.type === "aggregate" || body.type === "port_stats";
}

function buildReply(sw: StatsSwitch, body: MultipartRequest): Result<MultipartReply> | "postponed" {
  switch (body.type) {
    case "desc":
      return ok({
        type: "desc",
        mfrDesc: MFR_DESC,
        hwDesc: sw.description?.hwDesc ?? sw.provider.name,
        swDesc: SW_DESC,
        serialNum: sw.description?.serialNum ?? "",
        dpDesc: sw.dpDesc,
      });
    case "flow":
    case "aggregate": {
      const collected = collectRules(sw.tables, { ...body, strict: false, priority: 0 }, true);
      if (!collected.ok) return collected;
      const rules = collected.value;
      if (anyPending(rules)) return "postponed";
      if (body.type === "aggregate") {
        let packets = 0n;
        let bytes = 0n;
        let unknownPackets = false;
        let unknownBytes = false;
        for (const rule of rules) {
          const s = sw.provider.ruleStats(rule);
          if (s.packetCount === UNKNOWN_COUNT) unknownPackets = true;
          else packets += s.packetCount;
          if (s.byteCount === UNKNOWN_COUNT) unknownBytes = true;
          else bytes += s.byteCount;
        }
        // An unknown count stays unknown (all ones) in the sum.
        return ok({
          type: "aggregate",
          nxm: body.nxm,
          packetCount: unknownPackets ? UNKNOWN_COUNT : BigInt.asUintN(64, packets),
          byteCount: unknownBytes ? UNKNOWN_COUNT : BigInt.asUintN(64, bytes),
          flowCount: rules.length,
        });
      }
      const now = sw.now();
      const flows: FlowStats[] = rules.map((rule) => {
        const s = sw.provider.ruleStats(rule);
        const age = Math.max(0, now - rule.created);
        const lastUsed = s.lastUsed ?? rule.created;
        return {
          tableId: rule.tableId,
          durationSec: Math.floor(age / 1000),
          durationNsec: (age % 1000) * 1_000_000,
          priority: rule.priority,
          idleTimeout: rule.idleTimeout,
          hardTimeout: rule.hardTimeout,
          flags: rule.flags,
          idleAge: Math.max(0, Math.floor((now - lastUsed) / 1000)),
          hardAge: Math.max(0, Math.floor((now - rule.modified) / 1000)),
          cookie: rule.cookie,
          packetCount: s.packetCount,
          byteCount: s.byteCount,
          match: rule.match,
          instructions: rule.instructions,
        };
      });
      return ok({ type: "flow", nxm: body.nxm, flows });
    }
    case "table": {
      const tables: TableStats[] = sw.tables.map((t) => ({
        tableId: t.id,
        name: t.desc.name,
        wildcards: t.desc.wildcards,
        maxEntries: t.desc.maxEntries,
        activeCount: t.rules.size - sw.hiddenRuleCount(t.id),
        lookupCount: 0n,
        matchedCount: 0n,
      }));
      return ok({ type: "table", tables });
    }
    case "port_stats": {
      // Like Open vSwitch: an unknown port gives an empty reply.
      if (body.portNo !== OFPP.ANY && !sw.ports.has(body.portNo)) return ok({ type: "port_stats", ports: [] });
      return ok({ type: "port_stats", ports: sw.provider.portStats(body.portNo) });
    }
    case "queue":
      // No port has queues.
      if (body.portNo !== OFPP.ANY && !sw.ports.has(body.portNo)) {
        return fail(ofError("QUEUE_OP_FAILED_BAD_PORT", `port ${body.portNo >>> 0} does not exist`));
      }
      if (body.queueId !== OFPQ_ALL) return fail(ofError("QUEUE_OP_FAILED_BAD_QUEUE", `queue ${body.queueId} does not exist`));
      return ok({ type: "queue", queues: [] });
    case "port_desc":
      return ok({ type: "port_desc", ports: [...sw.ports.values()].sort((a, b) => a.portNo - b.portNo) });
    case "table_features":
      if (body.tables.length > 0) {
        return fail(ofError("TABLE_FEATURES_FAILED_EPERM", "the tables of a P4 program cannot be reconfigured"));
      }
      return ok({
        type: "table_features",
        tables: sw.tables.map((t) => t.desc.features ?? defaultFeatures(t.id, sw.tables.length, t.desc.name, t.desc.maxEntries)),
      });
    case "group":
      return ok({ type: "group", groups: groupStats(sw, body.groupId) });
    case "group_desc":
      return ok({ type: "group_desc", groups: groupDescs(sw) });
    case "group_features":
      return ok({ type: "group_features", ...(sw.description?.groupFeatures ?? NO_GROUPS) });
    case "meter":
      return ok({ type: "meter", meters: [] });
    case "meter_config":
      return ok({ type: "meter_config", meters: [] });
    case "meter_features":
      // Meters are not in round 1: zero meters.
      return ok({ type: "meter_features", maxMeter: 0, bandTypes: 0, capabilities: 0, maxBands: 0, maxColor: 0 });
    case "experimenter":
      return fail(ofError("BAD_REQUEST_BAD_EXPERIMENTER", `experimenter stats ${body.experimenter >>> 0}/${body.expType} are not supported`));
  }
}

/**
 * What the core can say of a table the provider did not describe: the instructions and next
 * tables the core enforces; no claims about matches or actions (those are the provider's).
 * Every required property is present, as ovs-ofctl insists.
 */
function defaultFeatures(tableId: number, nTables: number, name: string, maxEntries: number): TableFeatures {
  const last = tableId === nTables - 1;
  return describeTable({
    tableId,
    name,
    maxEntries,
    metadataMatch: 0n,
    metadataWrite: 0n,
    instructions: last ? ["APPLY_ACTIONS"] : ["APPLY_ACTIONS", "GOTO_TABLE"],
    nextTables: Array.from({ length: nTables - tableId - 1 }, (_, i) => tableId + 1 + i),
    writeActions: [],
    applyActions: [],
    match: [],
    wildcards: [],
    writeSetfield: [],
    applySetfield: [],
  });
}

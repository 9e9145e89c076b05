// ofp4ctl's commands, run inside the daemon: each takes the running switches and its
// arguments and returns plain text plus the same facts as JSON data, or an error naming the
// unknown switch, port or command. Commands never stop a switch; a failed command leaves
// every switch running.

import { formatFlow, formatMatch } from "../openflow/match-format.js";
import { UNKNOWN_COUNT } from "../openflow/multipart-types.js";
import type { DataplaneTap } from "../../targets/bmv2/dataplane-tap.js";
import type { RunningSwitch } from "./switch.js";

export interface SwitchEntry {
  readonly running: RunningSwitch;
  readonly tap: DataplaneTap | undefined;
}

export type CommandResult = { readonly ok: true; readonly text: string; readonly data: unknown } | { readonly ok: false; readonly error: string };

export const COMMANDS: Record<string, string> = {
  list: "list                      the switches",
  show: "show SWITCH               ports, tables, target, role",
  "dump-flows": "dump-flows SWITCH         OpenFlow rules with counters (ovs-ofctl format)",
  "dump-entries": "dump-entries SWITCH       P4 entries read back from the target, beside their rules",
  stats: "stats SWITCH              pending work, Write latency, counter polls",
  flush: "flush SWITCH              delete every rule",
  reconcile: "reconcile SWITCH          compare the target with the rules and repair it",
  "port-down": "port-down SWITCH PORT     take an OpenFlow port down",
  "port-up": "port-up SWITCH PORT       bring it up again",
  inject: "inject SWITCH PORT HEX    send a frame into a port (sim, bmv2 dataplane)",
  capture: "capture SWITCH PORT       frames the port emitted (--clear forgets them)",
};

const fail = (error: string): CommandResult => ({ ok: false, error });
const done = (text: string, data: unknown): CommandResult => ({ ok: true, text, data });

const hex = (n: bigint): string => `0x${n.toString(16)}`;

export async function runCommand(switches: ReadonlyMap<string, SwitchEntry>, command: string, args: readonly string[]): Promise<CommandResult> {
  if (command === "list") {
    const data = [...switches.values()].map(({ running: r }) => ({
      name: r.config.name,
      target: r.config.target,
      p4runtime: r.p4runtimeAddress,
      phase: r.provider.phase,
      listeners: r.listeners.map((l) => `${l.host}:${l.port}`),
    }));
    return done(data.map((s) => `${s.name}  target=${s.target} p4runtime=${s.p4runtime} state=${s.phase} openflow=${s.listeners.join(",") || "-"}`).join("\n"), data);
  }
  if (!(command in COMMANDS)) return fail(`unknown command '${command}' (known: ${Object.keys(COMMANDS).join(", ")})`);
  const name = args[0];
  if (name === undefined) return fail(`${command} needs a switch name`);
  const entry = switches.get(name);
  if (!entry) return fail(`no switch named '${name}' (switches: ${[...switches.keys()].join(", ") || "none"})`);
  const r = entry.running;
  const port = (): number | string => {
    const p = args[1];
    if (p === undefined) return `${command} needs a port`;
    const byName = r.config.ports.find((x) => x.name === p);
    const n = byName ? byName.number : /^\d+$/.test(p) ? Number(p) : NaN;
    if (!r.config.ports.some((x) => x.number === n)) return `switch '${name}' has no port '${p}'`;
    return n;
  };
  switch (command) {
    case "show":
      return show(r);
    case "dump-flows":
      return dumpFlows(r);
    case "dump-entries":
      return dumpEntries(r);
    case "stats":
      return stats(r);
    case "flush":
      await r.sw.flushFlows();
      return done(`${name}: flushed`, { flushed: true });
    case "reconcile": {
      await r.provider.reconcile();
      const rep = r.provider.lastReconcile;
      const text = rep
        ? `${name}: reconciled: inserted=${rep.inserted} modified=${rep.modified} deleted=${rep.deleted} groups_written=${rep.groupsWritten} groups_deleted=${rep.groupsDeleted} foreign=${rep.foreign.length} failures=${rep.failures.length}`
        : `${name}: reconciled`;
      return done(text, rep ?? {});
    }
    case "port-down":
    case "port-up": {
      const p = port();
      if (typeof p === "string") return fail(p);
      const up = command === "port-up";
      try {
        await r.provider.setPortUp(p, up);
      } catch (e) {
        return fail((e as Error).message);
      }
      return done(`${name}: port ${p} ${up ? "up" : "down"}`, { port: p, up });
    }
    case "inject": {
      const p = port();
      if (typeof p === "string") return fail(p);
      const h = (args[2] ?? "").replace(/[\s:.-]/g, "");
      if (h === "" || h.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(h)) return fail(`inject needs a frame as hex digits, not '${args[2] ?? ""}'`);
      if (!entry.tap) return fail(`switch '${name}' has no dataplane service to inject frames through (target ${r.config.target})`);
      const target = r.config.ports.find((x) => x.number === p)!.targetPort;
      entry.tap.inject(target, Buffer.from(h, "hex"));
      return done(`${name}: injected ${h.length / 2} bytes on port ${p}`, { port: p, bytes: h.length / 2 });
    }
    case "capture": {
      const p = port();
      if (typeof p === "string") return fail(p);
      if (!entry.tap) return fail(`switch '${name}' has no dataplane service to capture frames from (target ${r.config.target})`);
      const target = r.config.ports.find((x) => x.number === p)!.targetPort;
      const frames = entry.tap.captured(target, args.includes("--clear")).map((f) => ({ time: new Date(f.time).toISOString(), frame: Buffer.from(f.frame).toString("hex") }));
      return done(frames.length === 0 ? `${name}: port ${p}: no frames` : frames.map((f) => `${f.time} ${f.frame}`).join("\n"), { port: p, frames });
    }
  }
  return fail(`unknown command '${command}'`);
}

function show(r: RunningSwitch): CommandResult {
  const sw = r.sw;
  const provider = r.provider;
  const st = provider.stats();
  const tables = provider.mapping.tables.map((t, i) => ({
    table: t.ofTable,
    p4Table: t.p4.name,
    size: t.p4.size,
    rules: [...(sw.tables[i]?.rules ?? [])].filter((x) => !x.hidden).length,
  }));
  const ports = [...sw.ports.values()].map((p) => {
    const cfg = r.config.ports.find((x) => x.number === p.portNo);
    return { number: p.portNo, name: p.name, targetPort: cfg?.targetPort ?? p.portNo, up: (p.state & 1) === 0 && (p.config & 1) === 0 };
  });
  const data = {
    name: r.config.name,
    datapathId: hex(sw.datapathId),
    target: { kind: r.config.target, p4runtime: r.p4runtimeAddress, deviceId: String(r.config.deviceId), phase: st.phase },
    role: r.provider.client.isPrimary ? "primary" : "backup",
    electionId: String(r.config.electionId),
    failMode: sw.failMode,
    ports,
    tables,
    listeners: r.listeners.map((l) => l.name),
    controllers: r.mgr.stats().map((c) => ({ name: c.name, state: c.state, version: c.version, role: c.role })),
  };
  const lines = [
    `${data.name}: dpid ${data.datapathId}, fail mode ${data.failMode}`,
    `target: ${data.target.kind} at ${data.target.p4runtime}, device ${data.target.deviceId}, ${data.target.phase}, ${data.role} (election id ${data.electionId})`,
    `ports:`,
    ...ports.map((p) => `  ${p.number}(${p.name}): target port ${p.targetPort}, ${p.up ? "up" : "down"}`),
    `tables:`,
    ...tables.map((t) => `  table ${t.table}: P4 table ${t.p4Table}, size ${t.size}, ${t.rules} rules`),
    `listeners: ${data.listeners.join(" ") || "none"}`,
    `controllers: ${data.controllers.map((c) => `${c.name} (${c.state}, OF 0x0${c.version ?? "?"}, ${c.role})`).join(", ") || "none"}`,
  ];
  return done(lines.join("\n"), data);
}

async function dumpFlows(r: RunningSwitch): Promise<CommandResult> {
  await r.provider.pollCounters().catch(() => undefined);
  const now = r.sw.now();
  const flows = [];
  for (const table of r.sw.tables) {
    const rules = [...table.rules].filter((x) => !x.hidden).sort((a, b) => b.priority - a.priority);
    for (const rule of rules) {
      const s = r.provider.ruleStats(rule);
      const age = now - rule.created;
      flows.push({
        cookie: rule.cookie,
        tableId: rule.tableId,
        priority: rule.priority,
        match: rule.match,
        instructions: rule.instructions,
        idleTimeout: rule.idleTimeout,
        hardTimeout: rule.hardTimeout,
        durationSec: Math.floor(age / 1000),
        durationNsec: (age % 1000) * 1_000_000,
        flags: rule.flags,
        ...(s.packetCount !== UNKNOWN_COUNT ? { packetCount: s.packetCount } : {}),
        ...(s.byteCount !== UNKNOWN_COUNT ? { byteCount: s.byteCount } : {}),
      });
    }
  }
  const lines = flows.map((f) => formatFlow(f));
  const data = flows.map((f, i) => ({
    table: f.tableId,
    priority: f.priority,
    cookie: hex(f.cookie),
    packets: f.packetCount !== undefined ? String(f.packetCount) : null,
    bytes: f.byteCount !== undefined ? String(f.byteCount) : null,
    flow: lines[i]!.trim(),
  }));
  return done(lines.join("\n"), data);
}

async function dumpEntries(r: RunningSwitch): Promise<CommandResult> {
  let dump;
  try {
    dump = await r.provider.dumpEntries();
  } catch (e) {
    return fail(`reading the entries from ${r.p4runtimeAddress} failed: ${(e as Error).message.split("\n")[0]}`);
  }
  const data = dump.map((d) => ({
    table: d.table,
    entry: d.description.startsWith(d.table + " ") ? d.description.slice(d.table.length + 1) : d.description,
    status: d.status,
    rule: d.rule ? `table=${d.rule.tableId}, cookie=${hex(d.rule.cookie)}, ${formatMatch(d.rule.match, d.rule.priority) || `priority=${d.rule.priority}`}` : null,
  }));
  const lines = data.map((d) => `${d.table}: ${d.entry}\n    ${d.status === "rule" ? `rule ${d.rule}` : d.status === "recovered" ? `recovered (not adopted) ${d.rule}` : d.status === "orphan" ? "ORPHAN (ofp4's, no rule)" : "FOREIGN (not ofp4's)"}`);
  return done(lines.length === 0 ? `${r.config.name}: no entries` : lines.join("\n"), data);
}

function stats(r: RunningSwitch): CommandResult {
  const st = r.provider.stats();
  const conns = r.mgr.all().map((conn) => {
    const c = conn.stats();
    return {
      name: c.name,
      state: c.state,
      postponed: c.postponed,
      inboundQueued: c.inboundQueued,
      pendingGroups: r.sw.pendingGroupsOf(conn),
      packetInsSent: c.packetInsSent,
      packetInsRateLimited: c.packetInsRateLimited,
      packetInsQueueDropped: c.packetInsQueueDropped,
      asyncDropped: c.asyncDropped,
      repliesDropped: c.repliesDropped,
      sendQueuedBytes: c.sendQueuedBytes,
      congested: c.congested,
    };
  });
  const totals = r.mgr.totals();
  const data = {
    pendingGroups: r.sw.pendingGroupCount,
    pendingUpdates: st.pendingUpdates,
    waitingUpdates: st.waitingUpdates,
    entries: st.entries,
    writes: st.writes,
    updatesPerWrite: st.updatesPerWrite,
    writeLatencyMs: st.writeLatencyMs,
    counterPollMs: st.counterPollMs,
    counterPolls: st.counterPolls,
    reconciliations: st.reconciliations,
    readBacks: st.readBacks,
    multicastGroups: st.multicastGroups,
    phase: st.phase,
    connections: conns,
    /** Over every connection the switch has had, closed ones included. */
    packetIns: {
      sent: totals.packetInsSent,
      rateLimited: totals.packetInsRateLimited,
      queueDropped: totals.packetInsQueueDropped,
    },
    asyncDropped: totals.asyncDropped,
    repliesDropped: totals.repliesDropped,
  };
  const f = (n: number): string => n.toFixed(2);
  const lines = [
    `${r.config.name}: target ${st.phase}, ${st.entries} entries`,
    `pending: ${data.pendingGroups} op groups, ${st.pendingUpdates} updates in Writes, ${st.waitingUpdates} waiting for the target`,
    `writes: ${st.writes}, ${f(st.updatesPerWrite)} updates per Write`,
    `write latency ms: mean ${f(st.writeLatencyMs.mean)} p50 ${f(st.writeLatencyMs.p50)} p99 ${f(st.writeLatencyMs.p99)} max ${f(st.writeLatencyMs.max)}`,
    `counter polls: ${st.counterPolls}, last took ${f(st.counterPollMs)} ms`,
    `reconciliations: ${st.reconciliations}, read-backs: ${st.readBacks}, multicast groups: ${st.multicastGroups}`,
    `packet-ins: ${totals.packetInsSent} sent, ${totals.packetInsRateLimited} rate-limited, ${totals.packetInsQueueDropped} queue-dropped; async dropped ${totals.asyncDropped}, replies dropped ${totals.repliesDropped} (all connections so far)`,
    `connections:`,
    ...conns.flatMap((c) => [
      `  ${c.name}: ${c.pendingGroups} pending op groups, ${c.postponed} postponed, ${c.inboundQueued} queued`,
      `    packet-ins: ${c.packetInsSent} sent, ${c.packetInsRateLimited} rate-limited, ${c.packetInsQueueDropped} queue-dropped; async dropped ${c.asyncDropped}, replies dropped ${c.repliesDropped}; send queue ${c.sendQueuedBytes} bytes${c.congested ? " (congested)" : ""}`,
    ]),
  ];
  return done(lines.join("\n"), data);
}

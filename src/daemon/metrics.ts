// Prometheus metrics (prom-client, off unless an address is configured): operation latency
// histograms per switch and table, pending op groups, postponed requests, Writes and updates
// per Write, P4Runtime errors by code, counter-poll duration, connected controllers, packet-ins
// sent and dropped (rate limit, full send queue) per connection and per switch. Gauges
// are read from the switches when scraped; operation latencies and errors come from the
// events the core, the connections and the provider publish (node:diagnostics_channel).

import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { OPENFLOW_ERROR_CHANNEL, type OpenflowErrorEvent } from "../connmgr/index.js";
import { P4RUNTIME_ERROR_CHANNEL, type P4RuntimeErrorEvent } from "../offload/index.js";
import { OPERATION_CHANNEL, type OperationEvent } from "../ofproto/ofproto.js";
import type { RunningSwitch } from "./switch.js";

export class Metrics {
  readonly registry = new Registry();
  readonly opLatency: Histogram<"switch" | "table" | "type" | "result">;
  readonly ofErrors: Counter<"switch" | "error">;
  readonly p4rtErrors: Counter<"switch" | "code">;
  #server: Server | undefined;
  readonly #switches: () => Iterable<RunningSwitch>;
  readonly #listeners: [string, (message: unknown) => void][];

  constructor(switches: () => Iterable<RunningSwitch>) {
    this.#switches = switches;
    const r = this.registry;
    this.opLatency = new Histogram({
      name: "ofp4_operation_latency_seconds",
      help: "Time from an operation's start to the target's answer, per switch, table and type",
      labelNames: ["switch", "table", "type", "result"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [r],
    });
    this.ofErrors = new Counter({ name: "ofp4_openflow_errors_total", help: "OpenFlow errors sent to controllers", labelNames: ["switch", "error"], registers: [r] });
    this.p4rtErrors = new Counter({ name: "ofp4_p4runtime_errors_total", help: "P4Runtime update errors received, by code", labelNames: ["switch", "code"], registers: [r] });
    const gauge = (name: string, help: string, labels: string[], read: (g: Gauge<string>, s: RunningSwitch) => void): void => {
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers: [r],
        collect(this: Gauge<string>) {
          this.reset();
          for (const s of switches()) read(this, s);
        },
      });
    };
    gauge("ofp4_pending_op_groups", "Op groups with operations in flight", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.sw.pendingGroupCount));
    gauge("ofp4_postponed_requests", "Requests postponed so far, per connection", ["switch", "connection"], (g, s) => {
      for (const c of s.mgr.stats()) g.set({ switch: s.config.name, connection: c.name }, c.postponed);
    });
    gauge("ofp4_p4runtime_writes", "P4Runtime Write RPCs sent", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().writes));
    gauge("ofp4_p4runtime_updates_per_write", "Mean updates per Write", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().updatesPerWrite));
    gauge("ofp4_p4runtime_pending_updates", "Updates queued or in flight", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().pendingUpdates));
    gauge("ofp4_table_entries", "P4 table entries ofp4 holds", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().entries));
    gauge("ofp4_counter_poll_seconds", "Duration of the last counter poll", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().counterPollMs / 1000));
    gauge("ofp4_counter_polls", "Counter polls so far", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().counterPolls));
    gauge("ofp4_reconciliations", "Reconciliations so far", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.stats().reconciliations));
    gauge("ofp4_connected_controllers", "OpenFlow connections that finished HELLO", ["switch"], (g, s) =>
      g.set({ switch: s.config.name }, s.mgr.stats().filter((c) => c.state === "ready" || c.state === "blocked").length),
    );
    // Packet-ins and drops: per live connection, and per switch over every connection it has had.
    const counter = (name: string, help: string, labels: string[], read: (c: Counter<string>, s: RunningSwitch) => void): void => {
      new Counter({
        name,
        help,
        labelNames: labels,
        registers: [r],
        collect(this: Counter<string>) {
          this.reset();
          for (const s of switches()) read(this, s);
        },
      });
    };
    counter("ofp4_connection_packet_ins_total", "Packet-ins per live connection: sent, dropped by the rate limiter, dropped at a full send queue", ["switch", "connection", "result"], (c, s) => {
      for (const st of s.mgr.stats()) {
        const l = { switch: s.config.name, connection: st.name };
        c.inc({ ...l, result: "sent" }, st.packetInsSent);
        c.inc({ ...l, result: "rate_limited" }, st.packetInsRateLimited);
        c.inc({ ...l, result: "queue_dropped" }, st.packetInsQueueDropped);
      }
    });
    counter("ofp4_connection_messages_dropped_total", "Messages dropped at a full send queue per live connection, by kind (async, reply)", ["switch", "connection", "kind"], (c, s) => {
      for (const st of s.mgr.stats()) {
        c.inc({ switch: s.config.name, connection: st.name, kind: "async" }, st.asyncDropped);
        c.inc({ switch: s.config.name, connection: st.name, kind: "reply" }, st.repliesDropped);
      }
    });
    counter("ofp4_packet_ins_total", "Packet-ins over every connection the switch has had, closed ones included, by result", ["switch", "result"], (c, s) => {
      const t = s.mgr.totals();
      c.inc({ switch: s.config.name, result: "sent" }, t.packetInsSent);
      c.inc({ switch: s.config.name, result: "rate_limited" }, t.packetInsRateLimited);
      c.inc({ switch: s.config.name, result: "queue_dropped" }, t.packetInsQueueDropped);
    });
    gauge("ofp4_target_ready", "1 while the P4Runtime target is ready", ["switch"], (g, s) => g.set({ switch: s.config.name }, s.provider.phase === "ready" ? 1 : 0));

    const named = (match: (s: RunningSwitch) => boolean): string | undefined => {
      for (const s of this.#switches()) if (match(s)) return s.config.name;
      return undefined;
    };
    this.#listeners = [
      [
        OPERATION_CHANNEL,
        (m) => {
          const e = m as OperationEvent;
          const name = named((s) => s.sw === e.sw);
          if (name !== undefined) this.opLatency.observe({ switch: name, table: String(e.table), type: e.type, result: e.ok ? "ok" : "error" }, e.seconds);
        },
      ],
      [
        OPENFLOW_ERROR_CHANNEL,
        (m) => {
          const e = m as OpenflowErrorEvent;
          const name = named((s) => s.sw === e.endpoint);
          if (name !== undefined) this.ofErrors.inc({ switch: name, error: e.error });
        },
      ],
      [
        P4RUNTIME_ERROR_CHANNEL,
        (m) => {
          const e = m as P4RuntimeErrorEvent;
          const name = named((s) => s.provider.session === e.source);
          if (name !== undefined) this.p4rtErrors.inc({ switch: name, code: e.code });
        },
      ],
    ];
    for (const [name, fn] of this.#listeners) subscribe(name, fn);
  }

  async listen(address: string): Promise<string> {
    const m = /^(.*):(\d+)$/.exec(address)!;
    const server = createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end("see /metrics\n");
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) =>
        reject(new Error(e.code === "EADDRINUSE" ? `metrics address ${address} is already in use` : `cannot listen for metrics on ${address}: ${e.message}`)),
      );
      server.listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ""), () => resolve());
    });
    this.#server = server;
    const a = server.address() as AddressInfo;
    return `${a.address}:${a.port}`;
  }

  close(): Promise<void> {
    for (const [name, fn] of this.#listeners) unsubscribe(name, fn);
    const s = this.#server;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}

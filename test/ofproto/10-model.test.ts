// DESIGN.md §2 as a whole, checked against a reference model with fast-check: random
// flow_mods on two connections, interleaved with completions in random order, each a
// success or a failure. Invariants after every step: at most one operation per rule, every
// pending operation's rule points back to it, a pending rule is never touched by a started
// request. At the end the table must equal a sequential replay of the requests in the order
// they started, where an operation that failed has no effect on its rule.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ofError } from "../../src/openflow/errors.js";
import { matchCovers, type Match } from "../../src/openflow/match.js";
import type { FlowMod } from "../../src/openflow/messages.js";
import type { Operation } from "../../src/ofproto/operation.js";
import { actions, flowMod, IP, ipDst, makeSwitch, settle, type TestConn } from "./harness.js";

const MATCHES: Match[] = [ipDst(1), ipDst(2), IP, []];

type Cmd =
  | { kind: "mod"; conn: number; command: FlowMod["command"]; match: number; priority: number; port: number }
  | { kind: "complete"; which: number; fail: boolean }
  | { kind: "barrier"; conn: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("mod" as const),
      conn: fc.integer({ min: 0, max: 1 }),
      command: fc.constantFrom<FlowMod["command"]>("add", "add", "modify", "modify_strict", "delete", "delete_strict"),
      match: fc.integer({ min: 0, max: MATCHES.length - 1 }),
      priority: fc.constantFrom(10, 20),
      port: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), which: fc.nat(), fail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("barrier" as const), conn: fc.integer({ min: 0, max: 1 }) }) },
);

/** A printable key of (match, priority). */
function ruleKey(match: Match, priority: number): string {
  return `${priority}|${match.map((f) => `${f.field}=${f.value.toString(16)}/${f.mask.toString(16)}`).join(",")}`;
}

interface ModelRule {
  readonly match: Match;
  readonly priority: number;
  readonly port: number;
}

/** Replays started flow_mods in order; (xid, rule key) pairs in `failed` had no effect. */
function replay(started: { xid: number; fm: FlowMod }[], failed: Set<string>): Map<string, ModelRule> {
  const table = new Map<string, ModelRule>();
  for (const { xid, fm } of started) {
    const port = (fm.instructions.applyActions[0] as { port: number }).port;
    const strict = fm.command.endsWith("_strict");
    const selected = [...table.entries()].filter(([, r]) =>
      strict ? ruleKey(r.match, r.priority) === ruleKey(fm.match, fm.priority) : matchCovers(fm.match, r.match),
    );
    if (fm.command === "add") {
      const key = ruleKey(fm.match, fm.priority);
      if (!failed.has(`${xid}/${key}`)) table.set(key, { match: fm.match, priority: fm.priority, port });
    } else if (fm.command.startsWith("modify")) {
      for (const [key, r] of selected) if (!failed.has(`${xid}/${key}`)) table.set(key, { ...r, port });
    } else {
      for (const [key] of selected) table.delete(key);
    }
  }
  return table;
}

describe("the core against a sequential model", () => {
  it("random requests and completions end as the sequential replay of what succeeded", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), async (cmds, bound) => {
        const { sw, provider, cm } = await makeSwitch({ maxPendingGroups: bound });
        const conns: TestConn[] = [cm.connect(0x04), cm.connect(0x04)];
        const submitted = new Map<number, FlowMod>();
        const failed = new Set<string>();
        const check = () => {
          const rulesWithOps = new Set<unknown>();
          for (const op of provider.pending) {
            expect(op.rule.pendingOp).toBe(op);
            expect(rulesWithOps.has(op.rule)).toBe(false);
            rulesWithOps.add(op.rule);
          }
          expect(sw.pendingGroupCount).toBeLessThanOrEqual(bound);
        };
        const complete = (op: Operation, fail: boolean) => {
          if (fail && op.type !== "delete") failed.add(`${op.group.request!.xid}/${ruleKey(op.rule.match, op.rule.priority)}`);
          provider.complete(op, fail ? ofError("FLOW_MOD_FAILED_UNKNOWN", "scripted failure") : undefined);
        };

        for (const cmd of cmds) {
          if (cmd.kind === "mod") {
            const fm = flowMod(cmd.command, {
              tableId: cmd.command === "add" ? 0 : 0xff,
              match: MATCHES[cmd.match]!,
              priority: cmd.priority,
              instructions: actions(cmd.port),
            });
            const conn = conns[cmd.conn]!;
            const xid = cm.submit(conn, fm);
            submitted.set(xid, fm);
          } else if (cmd.kind === "barrier") {
            cm.submit(conns[cmd.conn]!, { type: "barrier_request" });
          } else if (provider.pending.length > 0) {
            complete(provider.pending[cmd.which % provider.pending.length]!, cmd.fail);
            await settle();
          }
          check();
        }
        while (provider.pending.length > 0) {
          complete(provider.pending[0]!, false);
          await settle();
          check();
        }
        expect(conns.map((c) => c.queue.length)).toEqual([0, 0]);
        // Barriers: every one was answered.
        const barriers = cmds.filter((c) => c.kind === "barrier").length;
        expect(conns.reduce((n, c) => n + c.sentOf("barrier_reply").length, 0)).toBe(barriers);

        // Requests in the order the core handled them (a request starts its operations while handled).
        const started = cm.handled.filter((r) => submitted.has(r.xid)).map((r) => ({ xid: r.xid, fm: submitted.get(r.xid)! }));
        const model = replay(started, failed);
        const actual = new Map(
          [...sw.tables[0]!.rules].map((r) => [
            ruleKey(r.match, r.priority),
            { match: r.match, priority: r.priority, port: (r.instructions.applyActions[0] as { port: number }).port },
          ]),
        );
        expect(actual).toEqual(model);
        expect(sw.tables[0]!.deleting.size).toBe(0);
        expect(sw.pendingGroupCount).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

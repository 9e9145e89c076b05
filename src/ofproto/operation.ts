// An operation: one pending change (ADD, MODIFY, DELETE) to one rule, started by the core
// and completed by the provider when the target answers (provider.ts §3). Owns what a
// rollback needs (the victim, the old instructions and cookie). Promises that complete()
// takes effect once; never decides what a completion means — the core does. A small record:
// one per flow_mod on the hot path, no closures.

import type { Instructions } from "../openflow/actions.js";
import type { OfError } from "../openflow/errors.js";
import type { OpGroup } from "./opgroup.js";
import type { Rule } from "./rule.js";

export type OperationType = "add" | "modify" | "delete";

/**
 * starting: the core is inside the provider call that starts it (complete() is a bug here);
 * pending: in flight; done: completed (or refused at once).
 */
export type OperationState = "starting" | "pending" | "done";

/** The core's side of complete(): implemented by the switch. */
export interface OperationSink {
  operationCompleted(op: Operation, error: OfError | undefined): void;
}

export class Operation {
  state: OperationState = "starting";
  /** performance.now() when it started, while metrics watch operations (else 0). */
  startedMs = 0;

  constructor(
    private readonly sink: OperationSink,
    readonly group: OpGroup,
    readonly type: OperationType,
    readonly rule: Rule,
    /** ADD: the rule with the same match and priority that this ADD replaces. */
    readonly victim: Rule | undefined,
    /** MODIFY: the instructions before the change. */
    readonly oldInstructions: Instructions | undefined,
    /** MODIFY: the cookie before the change (else the rule's cookie). */
    readonly oldCookie: bigint,
    /** ADD/MODIFY: the flow_mod asked for OFPFF_RESET_COUNTS. */
    readonly resetCounts: boolean,
    /** DELETE: the OFPRR reason (delete, idle or hard timeout, group delete). */
    readonly reason: number,
  ) {}

  /**
   * Called by the provider exactly once when the target has answered: no argument for
   * success, the OpenFlow error to report for failure (provider.ts §3.2-§3.4).
   */
  complete(error?: OfError): void {
    if (this.state === "starting") {
      throw new Error(`bug: ${this.type} operation completed from inside the provider call that started it`);
    }
    if (this.state === "done") throw new Error(`bug: ${this.type} operation completed twice`);
    this.state = "done";
    this.sink.operationCompleted(this, error);
  }
}

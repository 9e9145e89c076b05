// What a request handler of the core returns (DESIGN.md §2): "done" (answered, or its
// operations started), "postponed" (a postpone rule holds: it stays at the head of its
// connection's queue and is retried after a group completes) or the OfError to send, quoting
// the request. Postponing is an outcome, never an exception or a retry loop.

import type { OfError } from "../openflow/errors.js";

export type Outcome = "done" | "postponed" | OfError;

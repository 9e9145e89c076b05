// Fault and timing knobs of the sim, set by tests (in process) or over the admin interface:
// acknowledgement latency, failing the next N updates with a code, refusing writes with
// UNAVAILABLE. Plain state read by the P4Runtime server; dropping streams and restarting are
// actions of the Sim itself. Never touches forwarding state.
import { Code, type P4Status } from "./status.js";

export class Knobs {
  /** Each Write is applied and answered this long after it arrived (in arrival order). */
  ackLatencyMs = 0;
  /** While true every Write fails whole with UNAVAILABLE and changes nothing. */
  refuseWrites = false;
  private failCount = 0;
  private failStatus: P4Status = { code: Code.UNKNOWN, message: "" };

  /** The next `count` updates (across Writes) fail with `code` and are not applied. */
  failNextUpdates(count: number, code: Code, message = "Failure injected by the sim"): void {
    this.failCount = count;
    this.failStatus = { code, message };
  }

  /** Consumes one injected failure, if any is pending. */
  takeFailure(): P4Status | undefined {
    if (this.failCount <= 0) return undefined;
    this.failCount--;
    return this.failStatus;
  }

  reset(): void {
    this.ackLatencyMs = 0;
    this.refuseWrites = false;
    this.failCount = 0;
  }
}

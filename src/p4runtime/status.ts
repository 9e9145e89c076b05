// P4Runtime status values: canonical codes, the per-update outcome of a Write, and the decoding
// of a failed Write into one outcome per update (google.rpc.Status in grpc-status-details-bin,
// one p4.v1.Error per update). A Write that ended without per-update results gives every update
// the RPC's code, marked `outcomeUnknown` when the target may have applied it (DESIGN.md §4).
// Pure functions over plain values; never throws on bad input from the peer.
import { google, p4 } from "../generated/proto.js";

/** google.rpc.Code values by name (OK = 0 ... UNAUTHENTICATED = 16). */
export const Code = google.rpc.Code;
export type Code = google.rpc.Code;

const CODE_NAMES: readonly string[] = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];

/** "ALREADY_EXISTS" for 6; "CODE_42" for codes outside the canonical set. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

/** The outcome of one update of a Write. */
export interface UpdateStatus {
  /** Canonical code: 0 (OK) when the update was applied. */
  readonly code: number;
  readonly message: string;
  /** Target-specific error space and code (p4.v1.Error.space / code), when given. */
  readonly space: string;
  readonly targetCode: number;
  /**
   * True when the Write ended without per-update results in a way that does not rule out
   * that the target applied the update (deadline, lost connection, cancellation...): read back.
   */
  readonly outcomeUnknown: boolean;
}

export const UPDATE_OK: UpdateStatus = Object.freeze({ code: 0, message: "", space: "", targetCode: 0, outcomeUnknown: false });

/** The statuses of a Write whose `n` updates were all applied. */
export function allOk(n: number): UpdateStatus[] {
  return new Array<UpdateStatus>(n).fill(UPDATE_OK);
}

/**
 * Whole-RPC codes after which the target may or may not hold the updates. The others
 * (PERMISSION_DENIED, FAILED_PRECONDITION, INVALID_ARGUMENT, UNIMPLEMENTED, RESOURCE_EXHAUSTED,
 * UNAUTHENTICATED, ...) are refusals of the whole request before any update ran.
 */
const OUTCOME_UNKNOWN = new Set<number>([
  Code.CANCELLED,
  Code.UNKNOWN,
  Code.DEADLINE_EXCEEDED,
  Code.ABORTED,
  Code.INTERNAL,
  Code.UNAVAILABLE,
  Code.DATA_LOSS,
]);

/** Does a Write that failed as a whole with `code` leave its updates' outcome unknown? */
export function isOutcomeUnknown(code: number): boolean {
  return OUTCOME_UNKNOWN.has(code);
}

/**
 * The same status for every one of `n` updates of a Write that failed as a whole; the outcome is
 * unknown as the code says unless the caller knows better (a Write that was never sent).
 */
export function wholeRpcFailure(n: number, code: number, message: string, outcomeUnknown: boolean = isOutcomeUnknown(code)): UpdateStatus[] {
  const s: UpdateStatus = Object.freeze({
    code,
    message,
    space: "",
    targetCode: 0,
    outcomeUnknown,
  });
  return new Array<UpdateStatus>(n).fill(s);
}

/**
 * The message of a failed RPC, naming the target: "ADDR is not a P4Runtime server (RPC: why)"
 * for UNIMPLEMENTED, "P4Runtime target ADDR is unreachable (RPC: why)" for UNAVAILABLE,
 * "RPC to ADDR: why" otherwise.
 */
export function rpcFailureMessage(rpc: string, address: string, code: number, why: string): string {
  if (code === Code.UNIMPLEMENTED) return `${address} is not a P4Runtime server (${rpc}: ${why})`;
  if (code === Code.UNAVAILABLE) return `P4Runtime target ${address} is unreachable (${rpc}: ${why})`;
  return `${rpc} to ${address}: ${why}`;
}

const ERROR_TYPE = "p4.v1.Error";

/**
 * Per-update outcomes of a Write that failed with gRPC `code`, from the raw
 * grpc-status-details-bin trailer (undefined when absent). Falls back to wholeRpcFailure when
 * the trailer is missing, undecodable, or does not hold exactly one p4.v1.Error per update.
 */
export function decodeWriteFailure(n: number, code: number, message: string, details: Uint8Array | undefined): UpdateStatus[] {
  if (!details || details.length === 0) return wholeRpcFailure(n, code, message);
  let status: google.rpc.Status;
  try {
    status = google.rpc.Status.decode(details);
  } catch {
    return wholeRpcFailure(n, code, message);
  }
  if (status.details.length !== n) return wholeRpcFailure(n, code, message || status.message);
  const out = new Array<UpdateStatus>(n);
  for (let i = 0; i < n; i++) {
    const any = status.details[i]!;
    const url = any.typeUrl ?? "";
    if (!url.endsWith("/" + ERROR_TYPE) && url !== ERROR_TYPE) return wholeRpcFailure(n, code, message || status.message);
    let e: p4.v1.Error;
    try {
      e = p4.v1.Error.decode(any.value ?? new Uint8Array());
    } catch {
      return wholeRpcFailure(n, code, message || status.message);
    }
    out[i] =
      e.canonicalCode === 0
        ? UPDATE_OK
        : { code: e.canonicalCode, message: e.message, space: e.space, targetCode: e.code, outcomeUnknown: false };
  }
  return out;
}

/** Encodes per-update outcomes as the google.rpc.Status trailer a P4Runtime server sends. */
export function encodeWriteFailure(updates: readonly Pick<UpdateStatus, "code" | "message" | "space">[]): Uint8Array {
  const details = updates.map((u) => ({
    typeUrl: "type.googleapis.com/" + ERROR_TYPE,
    value: u.code === 0 ? new Uint8Array() : p4.v1.Error.encode({ canonicalCode: u.code, message: u.message, space: u.space }).finish(),
  }));
  return google.rpc.Status.encode({ code: Code.UNKNOWN, message: "", details }).finish();
}

/** An error from a P4Runtime RPC, leading with its canonical code. */
export class P4RuntimeError extends Error {
  override readonly name = "P4RuntimeError";
  constructor(
    readonly code: number,
    message: string,
    readonly address = "",
  ) {
    super(`${codeName(code)}: ${message}`);
  }
}

// The sim's error values: a google.rpc canonical code plus a message, exactly what a
// P4Runtime client sees per update (p4.v1.Error) or per RPC. Pure data; never thrown.
// Codes follow PI/bmv2 where they differ from the P4Runtime specification
// (../shared/p4runtime-facts.md §2).

export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

export interface P4Status {
  readonly code: Code;
  readonly message: string;
}

export const OK: P4Status = { code: Code.OK, message: "" };

export function status(code: Code, message: string): P4Status {
  return { code, message };
}

/** The result of a check: a value, or the status a client must see. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: P4Status };

export function good<T>(value: T): Checked<T> {
  return { ok: true, value };
}

export function bad<T = never>(code: Code, message: string): Checked<T> {
  return { ok: false, status: { code, message } };
}

/** The error space bmv2's PI server puts on every per-update error. */
export const ERROR_SPACE = "ALL-sswitch-p4org";

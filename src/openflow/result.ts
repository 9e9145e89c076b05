// Result values for the codecs and the core: a decoder or handler returns either a value or
// an OfError; it never throws to its caller (exceptions are for bugs).

import type { OfError } from "./errors.js";

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: OfError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: OfError): Result<T> {
  return { ok: false, error };
}

import type { ValidationError } from './errors.js';

/** The outcome of parsing untrusted input: a value, or an error that says what to fix. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

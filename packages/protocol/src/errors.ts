/**
 * Stable error codes of this package. Callers (the HTTP layer, tests) branch on `code`; `path`
 * names the offending field in JSON-pointer-like dotted form (`rules[0].clauses[1].op`), and
 * `message` says what was wrong and what to send instead.
 */
export type ValidationErrorCode =
  'INVALID_FLAG' | 'INVALID_SEGMENT' | 'INVALID_CONTEXT' | 'INVALID_ENCODING';

export interface ValidationError {
  readonly code: ValidationErrorCode;
  readonly path: string;
  readonly message: string;
}

export function validationError(
  code: ValidationErrorCode,
  path: string,
  problem: string,
): ValidationError {
  return { code, path, message: path === '' ? problem : `${path}: ${problem}` };
}

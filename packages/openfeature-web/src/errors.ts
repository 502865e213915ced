/**
 * Stable error codes of this package; tests and callers branch on `code`. Failures the
 * OpenFeature SDK acts on (a failed initialize or context change, an evaluation error) use the
 * SDK's own error classes and codes instead, since the SDK reads `code` to set the status.
 */
export type VexilWebProviderErrorCode =
  /** An option is missing or of the wrong form: the message names it and what to pass. */
  'INVALID_OPTIONS';

export class VexilWebProviderError extends Error {
  constructor(
    readonly code: VexilWebProviderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VexilWebProviderError';
  }
}

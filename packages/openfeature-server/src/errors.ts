/**
 * Stable error codes of this package; tests and callers branch on `code`. Failures that the
 * OpenFeature SDK acts on (a fatal initialization, an evaluation error) use the SDK's own error
 * classes and codes instead, since the SDK reads `code` to set the provider's status.
 */
export type VexilProviderErrorCode =
  /** An option is missing or of the wrong form: the message names it and what to pass. */
  'INVALID_OPTIONS';

export class VexilProviderError extends Error {
  constructor(
    readonly code: VexilProviderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VexilProviderError';
  }
}

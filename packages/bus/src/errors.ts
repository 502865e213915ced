/**
 * Stable codes for every ChangeBus implementation's failures; callers branch on these, never on
 * the message. One class for both buses, so an origin or CLI handles a failure the same way
 * whichever bus it was given.
 */
export type BusErrorCode =
  /** NATS is unreachable or its streams are not set up yet: nothing was done, try again later. */
  | 'UNAVAILABLE'
  /** The bus was closed: publishing and directory writes are refused. */
  | 'CLOSED'
  /** `createNatsBus` options are invalid (the message says which and how to fix it). */
  | 'INVALID_OPTIONS'
  /** An environment id that cannot be a NATS subject token (dots, wildcards, whitespace). */
  | 'INVALID_ENVIRONMENT_ID'
  /** A directory key that isDirectoryKey refuses. */
  | 'INVALID_DIRECTORY_KEY'
  /** Other publishers kept changing the same subject; the publish gave up and may be retried. */
  | 'CONFLICT';

export class BusError extends Error {
  constructor(
    readonly code: BusErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusError';
  }
}

export type StoreErrorCode =
  /** appendChange with a version not above the item's current version. */
  | 'VERSION_CONFLICT'
  /** A key that must be unique already exists (e.g. an environment key in a project). */
  | 'ALREADY_EXISTS'
  /** A referenced row (project, environment) does not exist. */
  | 'NOT_FOUND'
  /** The database is unreachable or failed; the operation may be retried. */
  | 'UNAVAILABLE'
  /** The data dir or database holds a schema newer than this program understands. */
  | 'SCHEMA_TOO_NEW';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

import { StoreError } from '../errors.js';

/** Socket-level failures node reports while connecting or talking to the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATEs for "the server cannot serve now": shutdown, startup, too many connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

// pg reports some connection failures as plain Errors with no code; only the text tells.
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client has encountered a connection error|Client was closed/i;

/** The SQLSTATE of a server error (or node's error code), if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** Deadlocks and serialization failures: the whole transaction may simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return code === '40001' || code === '40P01';
}

/** Maps pg errors to StoreError codes; anything else (including retryable ones) is unchanged. */
export function mapPgError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    (code !== undefined &&
      (NETWORK_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_STATES.has(code))) ||
    (code === undefined && CONNECTION_MESSAGES.test(message))
  ) {
    return new StoreError('UNAVAILABLE', `PostgreSQL is unavailable: ${message}`, { cause: error });
  }
  if (code === '23505') {
    return new StoreError('ALREADY_EXISTS', `PostgreSQL: ${message}`, { cause: error });
  }
  if (code === '23503') {
    return new StoreError('NOT_FOUND', 'PostgreSQL: a referenced row is missing', { cause: error });
  }
  return error;
}

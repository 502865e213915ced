// Reconnect delays: exponential backoff with jitter, and the server's `Retry-After`.

/** The most a `Retry-After` may hold a reconnect back, whatever the server says. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * `min`, 2·`min`, 4·`min` … capped at `max`, each between half and all of it: jitter spreads
 * the reconnects of many processes that lost the same edge at the same moment.
 */
export function backoffDelay(attempt: number, min: number, max: number): number {
  const exact = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.round(exact * (0.5 + Math.random() / 2));
}

/** A `Retry-After` header (seconds, or an HTTP date) in ms; 0 when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null) return 0;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0;
}

// Reconnect delays as LaunchDarkly's SDKs space them (js-core `Backoff`): the first delay
// doubles with each failure up to a ceiling, each delay is jittered down by up to half so that
// the pages an edge restart dropped do not all come back at the same instant, and the count
// starts over once a connection has stayed up for a minute. A `Retry-After` (429, 503) is a
// floor.

/** A connection that lived this long was a success: the next failure starts from the first delay. */
export const STABLE_CONNECTION_MS = 60_000;
/** The most a `Retry-After` is obeyed: a misconfigured proxy must not silence a page for hours. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export class Backoff {
  private failures = 0;
  private connectedAt: number | undefined;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The stream delivered its data at `now`. */
  connected(now: number): void {
    this.connectedAt = now;
  }

  /** The delay before the next attempt, after a failure at `now`. */
  next(now: number, retryAfterMs?: number): number {
    if (this.connectedAt !== undefined && now - this.connectedAt >= STABLE_CONNECTION_MS)
      this.failures = 0;
    this.connectedAt = undefined;
    const full = Math.min(this.firstMs * 2 ** Math.min(this.failures, 30), this.maxMs);
    this.failures++;
    const jittered = full - this.random() * (full / 2);
    return retryAfterMs === undefined
      ? jittered
      : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  }
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from `now`. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

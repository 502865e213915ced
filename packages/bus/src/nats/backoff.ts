import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff with jitter: ~base, 2·base, 4·base … capped at `max`, each ±25 %. */
export function backoffDelay(attempt: number, base = 100, max = 5_000): number {
  const exact = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(exact * (0.75 + Math.random() * 0.5));
}

/**
 * Waits `ms`, or less if `signal` aborts; never rejects. Aborting clears the timer, so a closed
 * bus leaves nothing that keeps the process alive.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

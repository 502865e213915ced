import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` every `everyMs` until it holds; fails after `timeoutMs` naming `what`.
 * The poll interval is not a synchronisation: the condition is what the caller waits for.
 */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

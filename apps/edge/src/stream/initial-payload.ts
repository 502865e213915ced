import type { StreamConnection } from './stream-connection.js';

/**
 * Writes a stream's initial payload and releases its admission slot once the payload has been
 * handed to the kernel, or the write failed (a destroyed socket calls back with an error). A
 * large payload does not count against the slow-consumer limit (StreamConnection.write): only
 * what piles up after it does.
 */
export function sendInitialPayload(
  connection: StreamConnection,
  payload: Buffer | string,
  release: () => void,
): void {
  // `release` is idempotent (EdgeContext.acquirePayloadSlot): a write refused at once, or cut
  // as a slow consumer, releases here, and its callback may still come.
  if (!connection.write(payload, release) || connection.closed) release();
}

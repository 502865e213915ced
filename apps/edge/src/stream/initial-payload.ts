import type { StreamConnection } from './stream-connection.js';

/**
 * Writes a stream's initial payload and releases its admission slot once the payload has been
 * handed to the kernel (or the stream closed first). A large payload does not count against the
 * slow-consumer limit (StreamConnection.write): only what piles up after it does.
 */
export function sendInitialPayload(
  connection: StreamConnection,
  payload: Buffer | string,
  release: () => void,
): void {
  let released = false;
  const done = () => {
    if (released) return;
    released = true;
    connection.socket.off('close', done);
    release();
  };
  connection.socket.once('close', done);
  if (!connection.write(payload, done) || connection.closed) done();
}

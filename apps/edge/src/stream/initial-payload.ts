import type { StreamConnection } from './stream-connection.js';

/**
 * Writes a stream's initial payload and releases its admission slot once the payload has left
 * the socket buffer (or the stream closed). A large payload does not count against the
 * slow-consumer limit (StreamConnection.write): only what piles up after it does.
 */
export function sendInitialPayload(
  connection: StreamConnection,
  payload: Buffer | string,
  release: () => void,
): void {
  connection.write(payload);
  const socket = connection.socket;
  if (connection.closed || socket.writableLength === 0) {
    release();
    return;
  }
  const done = () => {
    socket.off('drain', done);
    socket.off('close', done);
    release();
  };
  socket.on('drain', done);
  socket.on('close', done);
}

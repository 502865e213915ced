import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A request whose body stream fails the way Node's does when the client closes its socket in
 * the middle of the body: some bytes, then an `aborted` error.
 */
export function cutOffRequest(): IncomingMessage {
  const stream = new Readable({
    read() {
      this.push(Buffer.from('[{"kind":'));
      this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });
  return Object.assign(stream, { headers: {} }) as unknown as IncomingMessage;
}

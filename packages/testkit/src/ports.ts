import { connect, createServer } from 'node:net';

// A port handed out here is bound later, often by another process. One taken from listen(0)
// lies in the kernel's ephemeral range (32768-60999 by default), where any process's next
// listen(0) or outgoing connection can take it first: with many test files running at once that
// happened. So ports are picked at random below that range and checked free by binding them.
const LOWEST = 10_000;
const EPHEMERAL_START = 32_768;

/** A loopback port below the ephemeral range that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (EPHEMERAL_START - LOWEST));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${EPHEMERAL_START} in 200 tries`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts TCP connections on the loopback port. */
export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

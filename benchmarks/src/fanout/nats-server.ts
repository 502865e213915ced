import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort, passThrough, sleep, start } from './processes.js';

// A private nats-server with JetStream for the benchmark's origin and edges, in a temp dir, so
// that no other origin on a shared NATS can replace the benchmark's directory mid-run. Without
// the binary, the shared one on 127.0.0.1:4222.

const NATS_SERVER = '/usr/sbin/nats-server';

export async function startNats(dir: string, external: string | undefined) {
  if (external !== undefined || !existsSync(NATS_SERVER))
    return { url: external ?? 'nats://127.0.0.1:4222', child: undefined };
  const port = await freePort();
  const child = start(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]);
  passThrough(child, false);
  await waitForTcp(port, 10_000);
  return { url: `nats://127.0.0.1:${port}`, child };
}

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

import { connect } from 'node:net';

/** Addresses of the local services tests use, overridable by environment variables. */
export const services = {
  postgres: process.env['VEXIL_TEST_POSTGRES_URL'] ?? 'postgres://127.0.0.1:5432/test',
  redis: process.env['VEXIL_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  nats: process.env['VEXIL_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222',
} as const;

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Decides whether a test that needs a real service runs. Returns `undefined` when the service
 * answers; otherwise a skip message on a developer laptop, and under `CI=true` it throws, because
 * in CI a missing service is a failure, not a skip.
 *
 *   test('...', async (t) => { const skip = await serviceSkip('postgres'); if (skip) return t.skip(skip); ... })
 */
export async function serviceSkip(name: keyof typeof services): Promise<string | undefined> {
  const url = new URL(services[name]);
  const defaultPorts = { postgres: 5432, redis: 6379, nats: 4222 } as const;
  const port = url.port === '' ? defaultPorts[name] : Number(url.port);
  if (await reachable(url.hostname, port)) return undefined;
  return skipOrFail(
    `${name} is not reachable at ${services[name]} (set VEXIL_TEST_${name.toUpperCase()}_URL)`,
  );
}

/**
 * What every `...Skip` check answers when what it needs is missing: a skip message on a
 * developer laptop; under `CI=true` it throws, since in CI a missing dependency is a failure.
 */
export function skipOrFail(missing: string): string {
  if (process.env['CI'] === 'true') throw new Error(`${missing}; under CI=true this is a failure`);
  return `skipped: ${missing}`;
}

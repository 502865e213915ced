import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, afterEach, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { EDGE_METRICS, RateLimiter, type RateLimitOptions } from '@vexil/edge';
import { openMemoryStore } from '@vexil/store';
import { sample, serviceSkip, services, until } from '@vexil/testkit';
import { healthHandler } from '../src/server/health.js';
import { metricsHandler } from '../src/server/metrics-handler.js';
import { rateLimitGuard } from '../src/server/rate-limit-guard.js';
import { killServer, startServer, stopServer, tempDir } from './support/cli-process.js';
import { FULL_STACK_ADMIN, startFullStack } from './support/full-stack.js';
import { startRole } from './support/role-process.js';

// The rate limits of a port (apps/edge's rate-limiter.ts) as the CLI wires them: the guard in
// front of the REST API and /metrics, and the edge on the same limiter, so that failed
// authentications of any credential share one bucket per address. In process on a fake clock
// first (real sockets, the real origin and edge), then the wiring of `vexil start` and
// `vexil origin` as real processes, configured by environment variable and flag.

const ADMIN = FULL_STACK_ADMIN;
const METRICS_TOKEN = 'rate-limits-metrics-token';
const LIMITED = EDGE_METRICS.rateLimited.name;
const OFF = { authFailures: 'off', apiToken: 'off', apiAddress: 'off', sdkAddress: 'off' } as const;

interface Stack {
  readonly url: string;
  readonly sdkKey: string;
  readonly environmentId: string;
  /** A reader token besides the admin token. */
  readonly reader: string;
  advance(ms: number): void;
  count(labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

const stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

/** `vexil start`'s parts on one port, with a fake clock for the limiter. */
async function limitedStack(options: Partial<RateLimitOptions>): Promise<Stack> {
  let t = 1_000_000;
  const metrics = new Registry();
  const limiter = new RateLimiter(options, () => t, metrics);
  const { url, close } = await startFullStack(await openMemoryStore(), {
    limiter,
    metrics,
    handlers: [
      { name: 'health', handle: healthHandler(() => ({ ready: true, body: {} })) },
      { name: 'rate-limits', handle: rateLimitGuard(limiter) },
      {
        name: 'metrics',
        handle: metricsHandler(() => metrics.metrics(), {
          token: METRICS_TOKEN,
          host: '127.0.0.1',
        }),
      },
    ],
  });
  try {
    // The setup's requests are no part of the test: each finds its buckets full.
    const admin = async (method: string, path: string, body: unknown) => {
      t += 60_000;
      const res = await api(url, ADMIN, path, { method, body: JSON.stringify(body) });
      assert.equal(res.status, 201, `${method} ${path}`);
      return (await res.json()) as Record<string, string>;
    };
    await admin('POST', '/projects', { key: 'shop', name: 'Shop' });
    const env = await admin('POST', '/projects/shop/environments', { key: 'prod', name: 'Prod' });
    const reader = await admin('POST', '/tokens', { name: 'reader', role: 'reader' });
    const sdkKey = env['sdkKey']!;
    // The edge has the environment once a poll answers (SDK limits are off until the test's).
    await until('the edge serves the environment', async () => (await poll(url, sdkKey)).ok);
    t += 60_000;
    const stack: Stack = {
      url,
      sdkKey,
      environmentId: env['clientSideId']!,
      reader: reader['token']!,
      advance: (ms) => void (t += ms),
      count: (labels) => sample(metrics, LIMITED, labels),
      close,
    };
    stacks.push(stack);
    return stack;
  } catch (e) {
    await close();
    throw e;
  }
}

function api(url: string, token: string, path: string, init: RequestInit = {}) {
  return fetch(`${url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
}

const poll = (url: string, sdkKey: string) =>
  fetch(`${url}/sdk/latest-all`, { headers: { authorization: sdkKey } });

async function limitedBody(res: Response): Promise<string> {
  assert.equal(res.status, 429);
  assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  const body = (await res.json()) as { code: string; message: string };
  assert.equal(body.code, 'RATE_LIMITED');
  return body.message;
}

/** The status line of a stream request on the front door's lean path. */
function streamStatus(url: string, sdkKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', reject);
    socket.once('data', (chunk: Buffer) => {
      resolve(chunk.toString('latin1').split('\r\n')[0]!);
      socket.destroy();
    });
    socket.write(`GET /all HTTP/1.1\r\nHost: vexil\r\nAuthorization: ${sdkKey}\r\n\r\n`);
  });
}

describe('rate limits of the API and /metrics (in process, fake clock)', () => {
  test('failed authentications of an address: 429 on its every credentialed request until the bucket refills', async () => {
    const s = await limitedStack({ ...OFF, authFailures: { perSecond: 1, burst: 3 } });
    assert.equal((await api(s.url, 'vxl_guess-1', '/projects')).status, 401);
    assert.equal((await poll(s.url, 'sdk-guess-2')).status, 401);
    const scrape = (token: string) =>
      fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await scrape('metrics-guess-3')).status, 401);
    // Three failures, one bucket: the admin token, the SDK key and the metrics token are refused.
    assert.match(
      await limitedBody(await api(s.url, ADMIN, '/projects')),
      /^too many failed authentications from 127\.0\.0\.1 .*; retry in 1 s$/,
    );
    await limitedBody(await poll(s.url, s.sdkKey));
    await limitedBody(await scrape(METRICS_TOKEN));
    assert.match(await streamStatus(s.url, s.sdkKey), /^HTTP\/1\.1 429 /);
    // Health is no credentialed request.
    assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
    s.advance(1_000);
    assert.equal((await api(s.url, ADMIN, '/projects')).status, 200);
    assert.equal(await s.count({ limit: 'auth_failures', endpoint: 'api' }), 1);
    assert.equal(await s.count({ limit: 'auth_failures', endpoint: 'sdk' }), 1);
    assert.equal(await s.count({ limit: 'auth_failures', endpoint: 'metrics' }), 1);
    assert.equal(await s.count({ limit: 'auth_failures', endpoint: 'stream' }), 1);
  });

  test('an API token over its limit gets 429; another token is not affected, nor the delivery API', async () => {
    const s = await limitedStack({ ...OFF, apiToken: { perSecond: 1, burst: 3 } });
    for (let i = 0; i < 3; i++) assert.equal((await api(s.url, ADMIN, '/projects')).status, 200);
    assert.match(
      await limitedBody(await api(s.url, ADMIN, '/projects')),
      /^this API token sent more requests than its rate limit allows; retry in 1 s$/,
    );
    assert.equal((await api(s.url, s.reader, '/projects')).status, 200);
    // Edges fetch a snapshot per environment at once after a restart: not limited per token.
    const snapshot = await api(s.url, ADMIN, `/delivery/environments/${s.environmentId}/snapshot`);
    assert.equal(snapshot.status, 200);
    s.advance(1_000);
    assert.equal((await api(s.url, ADMIN, '/projects')).status, 200);
    assert.equal(await s.count({ limit: 'api_token', endpoint: 'api' }), 1);
  });

  test('API requests per address, whatever the token', async () => {
    const s = await limitedStack({ ...OFF, apiAddress: { perSecond: 1, burst: 2 } });
    assert.equal((await api(s.url, ADMIN, '/projects')).status, 200);
    assert.equal((await api(s.url, s.reader, '/projects')).status, 200);
    assert.match(
      await limitedBody(await api(s.url, s.reader, '/projects')),
      /^127\.0\.0\.1 sent more API requests/,
    );
    // SDK requests have their own budget.
    assert.equal((await poll(s.url, s.sdkKey)).status, 200);
    assert.equal(await s.count({ limit: 'api_address', endpoint: 'api' }), 1);
  });
});

describe('rate limits as the roles configure them (real processes)', () => {
  let data: Awaited<ReturnType<typeof tempDir>> | undefined;
  after(async () => {
    await data?.remove();
  });

  test('vexil start: VEXIL_RATE_LIMIT_AUTH_FAILURES, shared by the API and the lean stream path', async () => {
    data = await tempDir();
    // 2 failures, then one back every 1,000 s: the test never sees a refill.
    const server = await startServer(data.path, { VEXIL_RATE_LIMIT_AUTH_FAILURES: '0.001/2' });
    try {
      const sdkKey = /^\s*SDK key\s+(\S+)$/m.exec(server.stdout())![1]!;
      assert.match(await streamStatus(server.url, sdkKey), /^HTTP\/1\.1 200 /);
      assert.equal((await api(server.url, 'vxl_guess-1', '/projects')).status, 401);
      assert.equal((await api(server.url, 'vxl_guess-2', '/projects')).status, 401);
      const refused = await api(server.url, server.adminToken, '/projects');
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1000');
      assert.match(await streamStatus(server.url, sdkKey), /^HTTP\/1\.1 429 /);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 429);
    } finally {
      await stopServer(server).finally(() => killServer(server));
    }
  });

  test('vexil origin: --rate-limit-sdk on its built-in edge, --rate-limit-api off', async (t) => {
    const skip = await serviceSkip('nats');
    if (skip !== undefined) return t.skip(skip);
    const dir = await tempDir();
    const role = await startRole(
      [
        'origin',
        '--store',
        `sqlite:${dir.path}/o.db`,
        '--bus',
        services.nats,
        '--port',
        '0',
        '--rate-limit-sdk',
        '0.001/1',
        '--rate-limit-api',
        'off',
      ],
      { VEXIL_ADMIN_TOKEN: ADMIN },
    );
    try {
      const admin = (path: string, body: unknown) =>
        api(role.url, ADMIN, path, { method: 'POST', body: JSON.stringify(body) });
      assert.equal((await admin('/projects', { key: 'shop', name: 'Shop' })).status, 201);
      const env = (await (
        await admin('/projects/shop/environments', { key: 'prod', name: 'Prod' })
      ).json()) as { sdkKey: string };
      const first = await poll(role.url, env.sdkKey);
      assert.notEqual(first.status, 429);
      const second = await poll(role.url, env.sdkKey);
      assert.equal(second.status, 429);
      assert.equal(second.headers.get('retry-after'), '1000');
      const scrape = await (await fetch(`${role.url}/metrics`)).text();
      assert.match(scrape, /^vexil_rate_limited_total\{limit="sdk_address",endpoint="sdk"\} 1$/m);
    } finally {
      await role.stop();
      await dir.remove();
    }
  });
});

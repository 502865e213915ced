import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { init } from '@launchdarkly/node-server-sdk';
import type { InsightCount } from '@vexil/edge';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';

// Analytics events are accepted (202) and summed into flag insights.

// Counted only when near the edge's clock: a time a few seconds ago, in its one-minute bucket.
const T = Date.now() - 5_000;
const BUCKET = Math.floor(T / 60_000) * 60_000;

function summary(flagKey: string, counters: object[], endDate = T) {
  return {
    kind: 'summary',
    startDate: endDate - 5000,
    endDate,
    features: { [flagKey]: { default: false, counters } },
  };
}

describe('events and insights', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const recorded: InsightCount[] = [];
  const total = (flagKey: string, variation: number | null) =>
    recorded
      .filter((c) => c.flagKey === flagKey && c.variation === variation)
      .reduce((n, c) => n + c.count, 0);

  before(async () => {
    edge = await startEdgeServer({ insightsFlushMs: 50 }, 0, {
      insights: { record: async (counts) => void recorded.push(...counts) },
    });
    env = await edge.origin.addEnvironment('production');
    for (const key of ['checkout', 'retried', 'legacy', 'm', 'b', 'real'])
      await edge.origin.put(env, 'flag', ldFlag(key));
    await until(() => edge.edge.status().ready, 5000, 'edge ready');
  });
  after(() => edge.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(edge.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: env.sdkKey, ...headers },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });

  test('summary events become per-variation counts in one-minute buckets', async () => {
    const res = await post('/bulk', [
      { kind: 'index', creationDate: T, context: { kind: 'user', key: 'u' } },
      { kind: 'feature', creationDate: T, key: 'checkout', variation: 0, value: true },
      summary('checkout', [
        { variation: 0, value: true, version: 1, count: 5 },
        { variation: 1, value: false, version: 1, count: 2 },
        { value: false, count: 1, unknown: true },
      ]),
    ]);
    assert.equal(res.status, 202);
    assert.ok(res.headers.get('date'));
    await until(
      () => total('checkout', 0) === 5 && total('checkout', null) === 1,
      5000,
      'insights',
    );
    assert.equal(total('checkout', 1), 2);
    const bucket = recorded.find((c) => c.flagKey === 'checkout');
    assert.equal(bucket?.bucketStart, BUCKET);
    assert.equal(bucket?.environmentId, env.id);
  });

  test('a retried payload (same payload id) is counted once; gzip bodies are accepted', async () => {
    const body = gzipSync(JSON.stringify([summary('retried', [{ variation: 1, count: 3 }])]));
    const headers = { 'content-encoding': 'gzip', 'x-launchdarkly-payload-id': 'p-1' };
    assert.equal((await post('/bulk', body, headers)).status, 202);
    assert.equal((await post('/bulk', body, headers)).status, 202);
    await until(() => total('retried', 1) === 3, 5000, 'insights');
    await edge.edge.status();
    assert.equal(total('retried', 1), 3);
  });

  test('without summaries (old SDKs), feature events are counted', async () => {
    const feature = { kind: 'feature', creationDate: T, key: 'legacy', variation: 1 };
    assert.equal((await post('/bulk', [feature, feature])).status, 202);
    await until(() => total('legacy', 1) === 2, 5000, 'insights');
  });

  test('mobile, browser and diagnostic endpoints accept events', async () => {
    const mobile = await post('/mobile/events/bulk', [summary('m', [{ variation: 0, count: 1 }])], {
      authorization: env.mobileKey,
    });
    assert.equal(mobile.status, 202);
    const browser = await fetch(`${edge.url}/events/bulk/${env.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://app.example.com' },
      body: JSON.stringify([summary('b', [{ variation: 0, count: 1 }])]),
    });
    assert.equal(browser.status, 202);
    assert.equal(browser.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const preflight = await fetch(`${edge.url}/events/bulk/${env.id}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://x' },
    });
    assert.equal(preflight.status, 200);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal((await post('/diagnostic', { kind: 'diagnostic-init', id: {} })).status, 202);
    await until(() => total('m', 0) === 1 && total('b', 0) === 1, 5000, 'insights');
  });

  test('counts no real SDK could send are dropped; the rest of the batch is kept', async () => {
    const poison = [
      { variation: 0, count: 0.5 },
      { variation: 0, count: 1e308 },
      { variation: 0, count: -3 },
      { variation: 0.5, count: 1 },
      { variation: 'x', count: 1 },
    ];
    const res = await fetch(`${edge.url}/events/bulk/${env.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        summary('real', [...poison, { variation: 1, count: 4 }]),
        summary('real', [{ variation: 0, count: 9 }], 1e308),
        summary('real', [{ variation: 0, count: 9 }], T - 3 * 24 * 60 * 60_000),
        summary('made-up-flag', [{ variation: 0, count: 9 }]),
        { kind: 'feature', creationDate: T, key: 'x'.repeat(5_000), variation: 0 },
      ]),
    });
    assert.equal(res.status, 202);
    await until(() => total('real', 1) === 4, 5000, 'the valid counter');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(total('real', 0), 0);
    assert.equal(total('real', null), 0);
    assert.equal(total('made-up-flag', 0), 0);
    assert.ok(recorded.every((c) => Number.isSafeInteger(c.count) && c.bucketStart === BUCKET));
  });

  test('bad requests get clear 4xx answers', async () => {
    // Each answer: its status, and a JSON body whose code names the error and whose message
    // says what to fix.
    const cases: [string, Promise<Response>, number, string, RegExp][] = [
      [
        'an unknown SDK key',
        post('/bulk', [], { authorization: 'sdk-nope' }),
        401,
        'UNAUTHORIZED',
        /unknown or revoked SDK key/,
      ],
      [
        'a body that is not JSON',
        post('/bulk', '{not json'),
        400,
        'BAD_REQUEST',
        /not valid JSON; send a JSON array of events/,
      ],
      [
        'JSON that is not an array',
        post('/bulk', { kind: 'summary' }),
        400,
        'BAD_REQUEST',
        /send analytics events as a JSON array/,
      ],
      [
        'an empty body',
        post('/bulk', ''),
        400,
        'BAD_REQUEST',
        /body is empty; send a JSON array of events/,
      ],
      [
        'a body over the limit',
        post('/bulk', 'x'.repeat(5 * 1024 * 1024)),
        413,
        'PAYLOAD_TOO_LARGE',
        /larger than the \d+-byte limit/,
      ],
      [
        'a corrupt gzip body',
        post('/bulk', gzipSync('nope').subarray(0, 5), { 'content-encoding': 'gzip' }),
        400,
        'BAD_REQUEST',
        /gzip body is corrupt/,
      ],
      [
        'an unknown client-side ID',
        fetch(`${edge.url}/events/bulk/000000000000000000000000`, { method: 'POST', body: '[]' }),
        404,
        'NOT_FOUND',
        /unknown client-side ID "000000000000000000000000"/,
      ],
      [
        'a GET',
        fetch(`${edge.url}/bulk`),
        405,
        'METHOD_NOT_ALLOWED',
        /GET is not allowed here; use POST/,
      ],
    ];
    for (const [what, response, status, code, message] of cases) {
      const res = await response;
      const text = await res.text();
      assert.equal(res.status, status, `${what}: ${text}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/, what);
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      assert.equal(body.code, code, `${what}: ${text}`);
      assert.equal(typeof body.message, 'string', `${what}: ${text}`);
      assert.match(body.message as string, message, what);
    }
  });

  test('the LaunchDarkly SDK’s own events arrive as insights', async () => {
    const ld = init(env.sdkKey, {
      baseUri: edge.url,
      streamUri: edge.url,
      eventsUri: edge.url,
      flushInterval: 0.1,
      diagnosticOptOut: true,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    try {
      await ld.waitForInitialization({ timeout: 5 });
      for (let i = 0; i < 7; i++)
        await ld.variation('checkout', { kind: 'user', key: `u${i}` }, false);
      await ld.flush();
      await until(() => total('checkout', 0) >= 5 + 7, 5000, 'SDK events counted');
    } finally {
      ld.close();
    }
  });
});

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { init } from '@launchdarkly/node-server-sdk';
import { WebSocket } from 'ws';
import { Registry } from 'prom-client';
import { EDGE_METRICS, parseProxyBlock, RateLimiter, type RateLimitOptions } from '@vexil/edge';
import { sample, until as waitFor } from '@vexil/testkit';
import { b64, synced } from './support/client-helpers.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';

// The rate limits on the edge's own endpoints (rate-limiter.ts), on a real socket and a fake
// clock: per client address for SDK, event and stream requests, through node:http, the front
// door's lean stream path and WebSocket upgrades; failed authentications per address, which
// then refuse the address's valid credentials too; trusted proxies; the metric; and the
// LaunchDarkly server SDK riding out a 429 on its stream.

const LIMITED = EDGE_METRICS.rateLimited.name;
const OFF = { authFailures: 'off', sdkAddress: 'off' } as const;

interface Limited {
  readonly edge: EdgeServer;
  readonly env: TestEnvironment;
  readonly metrics: Registry;
  advance(ms: number): void;
  count(labels: Record<string, string>): Promise<number>;
}

const servers: EdgeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function limitedEdge(options: Partial<RateLimitOptions>): Promise<Limited> {
  let t = 1_000_000;
  const metrics = new Registry();
  const limiter = new RateLimiter(options, () => t, metrics);
  const edge = await startEdgeServer({}, 0, { limiter });
  servers.push(edge);
  const env = await edge.origin.addEnvironment('production');
  await edge.origin.put(env, 'flag', ldFlag('checkout'));
  await synced(edge, env);
  return {
    edge,
    env,
    metrics,
    advance: (ms) => void (t += ms),
    count: (labels) => sample(metrics, LIMITED, labels),
  };
}

/** One request on a fresh connection, raw: the status line and headers (and the first bytes). */
function rawGet(url: string, path: string, headers: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // A stream's head and first event, or a whole error answer: enough either way.
      if (/\r\n\r\n[\s\S]*\n\n/.test(text) || /\r\n\r\n\{.*\}$/.test(text)) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: edge\r\n${headers}\r\n\r\n`);
  });
}

/** The status a WebSocket upgrade was answered with (101: accepted). */
function upgradeStatus(url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/vexil/v1/ws?key=${key}`);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

const poll = (l: Limited, key = l.env.sdkKey, headers: Record<string, string> = {}) =>
  fetch(`${l.edge.url}/sdk/latest-all`, { headers: { authorization: key, ...headers } });

describe('rate limits on the edge', () => {
  test('SDK requests past the per-address limit get 429 + Retry-After, and pass again once refilled', async () => {
    const l = await limitedEdge({ ...OFF, sdkAddress: { perSecond: 2, burst: 3 } });
    for (let i = 0; i < 3; i++) assert.equal((await poll(l)).status, 200);
    const limited = await poll(l);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    const body = (await limited.json()) as { code: string; message: string };
    assert.equal(body.code, 'RATE_LIMITED');
    assert.match(body.message, /127\.0\.0\.1 sent more SDK requests .*; retry in 1 s/);
    // Events share the address's bucket; a CORS preflight carries no credential and passes.
    const events = await fetch(`${l.edge.url}/bulk`, {
      method: 'POST',
      headers: { authorization: l.env.sdkKey, 'content-type': 'application/json' },
      body: '[]',
    });
    assert.equal(events.status, 429);
    const preflight = await fetch(`${l.edge.url}/sdk/evalx/${l.env.id}/contexts/x`, {
      method: 'OPTIONS',
    });
    assert.equal(preflight.status, 200);
    l.advance(500);
    assert.equal((await poll(l)).status, 200);
    assert.equal((await poll(l)).status, 429);
    assert.equal(await l.count({ limit: 'sdk_address', endpoint: 'sdk' }), 2);
    assert.equal(await l.count({ limit: 'sdk_address', endpoint: 'events' }), 1);
  });

  test('a browser can read a 429: client-side routes carry their CORS headers on it', async () => {
    const l = await limitedEdge({ ...OFF, sdkAddress: { perSecond: 1, burst: 1 } });
    const origin = 'Origin: https://app.example';
    const context = b64({ kind: 'user', key: 'u1' });
    const evalx = `/sdk/evalx/${l.env.id}/contexts/${context}`;
    assert.match(await rawGet(l.edge.url, evalx, origin), /^HTTP\/1\.1 200 OK\r\n/);
    const refused = await rawGet(l.edge.url, evalx, origin);
    assert.match(refused, /^HTTP\/1\.1 429 /);
    assert.match(refused, /\r\naccess-control-allow-origin: https:\/\/app\.example\r\n/i);
    // The client-side stream, refused on the lean path.
    const stream = await rawGet(l.edge.url, `/eval/${l.env.id}/${context}`, origin);
    assert.match(stream, /^HTTP\/1\.1 429 /);
    assert.match(stream, /\r\naccess-control-allow-origin: https:\/\/app\.example\r\n/i);
    // Server-side routes have no CORS headers to add.
    const poll = await rawGet(l.edge.url, '/sdk/latest-all', `Authorization: ${l.env.sdkKey}`);
    assert.match(poll, /^HTTP\/1\.1 429 /);
    assert.doesNotMatch(poll, /access-control-allow-origin/i);
  });

  test('a stream connect on the lean path past the limit: 429 from the front door, then the stream', async () => {
    const l = await limitedEdge({ ...OFF, sdkAddress: { perSecond: 1, burst: 1 } });
    const auth = `Authorization: ${l.env.sdkKey}`;
    assert.match(await rawGet(l.edge.url, '/all', auth), /^HTTP\/1\.1 200 OK\r\n[\s\S]*event: put/);
    const refused = await rawGet(l.edge.url, '/all', auth);
    assert.match(refused, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
    assert.match(refused, /\r\nretry-after: 1\r\n/i);
    assert.match(refused, /\r\nConnection: close\r\n/i);
    assert.match(refused, /"code":"RATE_LIMITED"/);
    assert.equal(await upgradeStatus(l.edge.url, l.env.sdkKey), 429);
    // A relay edge's feed is delivery, not an SDK's: only failed authentications limit it.
    await l.edge.origin.addEdgeToken('vxl_edge_rate_limits');
    const relay = await rawGet(
      l.edge.url,
      '/vexil/v1/relay',
      'Authorization: Bearer vxl_edge_rate_limits',
    );
    assert.match(relay, /^HTTP\/1\.1 200 OK\r\n/);
    l.advance(1_000);
    assert.match(await rawGet(l.edge.url, '/all', auth), /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(await l.count({ limit: 'sdk_address', endpoint: 'stream' }), 2);
  });

  test('failed authentications: past the bucket the address gets 429 on every path, its valid key too, until a token is back', async () => {
    const l = await limitedEdge({ ...OFF, authFailures: { perSecond: 1, burst: 4 } });
    const context = b64({ kind: 'user', key: 'u1' });
    // One failure on each path: node:http, the lean stream path, a WebSocket upgrade, and an
    // unknown client-side ID (a 404).
    assert.equal((await poll(l, 'sdk-guess-1')).status, 401);
    assert.match(
      await rawGet(l.edge.url, '/all', 'Authorization: sdk-guess-2'),
      /^HTTP\/1\.1 401 /,
    );
    assert.equal(await upgradeStatus(l.edge.url, 'sdk-guess-3'), 401);
    const unknownId = await fetch(`${l.edge.url}/sdk/evalx/guess-4/contexts/${context}`);
    assert.equal(unknownId.status, 404);
    // The bucket is empty: the valid key is refused everywhere, not only guesses.
    const refused = await poll(l);
    assert.equal(refused.status, 429);
    assert.match(
      ((await refused.json()) as { message: string }).message,
      /too many failed authentications from 127\.0\.0\.1/,
    );
    assert.match(
      await rawGet(l.edge.url, '/all', `Authorization: ${l.env.sdkKey}`),
      /^HTTP\/1\.1 429 /,
    );
    assert.equal(await upgradeStatus(l.edge.url, l.env.sdkKey), 429);
    assert.equal(
      (await fetch(`${l.edge.url}/sdk/evalx/${l.env.id}/contexts/${context}`)).status,
      429,
    );
    // A refused request is no further failure: one token back is one request.
    l.advance(1_000);
    assert.equal((await poll(l)).status, 200);
    assert.equal((await poll(l)).status, 200);
    assert.equal(await l.count({ limit: 'auth_failures' }), 4);
    assert.equal(await l.count({ limit: 'auth_failures', endpoint: 'stream' }), 2);
  });

  test('behind a trusted proxy X-Forwarded-For names the client; from anyone else it is ignored', async () => {
    const trusted = await limitedEdge({
      ...OFF,
      sdkAddress: { perSecond: 1, burst: 1 },
      trustedProxies: [parseProxyBlock('127.0.0.1')!],
    });
    const from = (address: string) => ({ 'x-forwarded-for': `${address}, 127.0.0.1` });
    assert.equal((await poll(trusted, undefined, from('203.0.113.1'))).status, 200);
    const limited = await poll(trusted, undefined, from('203.0.113.1'));
    assert.equal(limited.status, 429);
    assert.match(((await limited.json()) as { message: string }).message, /^203\.0\.113\.1 /);
    assert.equal((await poll(trusted, undefined, from('203.0.113.2'))).status, 200);
    // The lean path reads the same header.
    const lean = (address: string) =>
      rawGet(
        trusted.edge.url,
        '/all',
        `Authorization: ${trusted.env.sdkKey}\r\nX-Forwarded-For: ${address}`,
      );
    assert.match(await lean('203.0.113.3'), /^HTTP\/1\.1 200 /);
    assert.match(await lean('203.0.113.3'), /^HTTP\/1\.1 429 /);

    const untrusted = await limitedEdge({ ...OFF, sdkAddress: { perSecond: 1, burst: 1 } });
    assert.equal((await poll(untrusted, undefined, from('203.0.113.1'))).status, 200);
    assert.equal((await poll(untrusted, undefined, from('203.0.113.2'))).status, 429);
  });

  test('the LaunchDarkly server SDK retries a 429 on its stream and connects once the limit lifts', async () => {
    const l = await limitedEdge({ ...OFF, sdkAddress: { perSecond: 1, burst: 1 } });
    assert.equal((await poll(l)).status, 200);
    const ld = init(l.env.sdkKey, {
      baseUri: l.edge.url,
      streamUri: l.edge.url,
      eventsUri: l.edge.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      streamInitialReconnectDelay: 0.02,
    });
    try {
      await waitFor(
        'the SDK retried its refused stream',
        async () => (await l.count({ limit: 'sdk_address', endpoint: 'stream' })) >= 2,
      );
      l.advance(1_000);
      await ld.waitForInitialization({ timeout: 10 });
      assert.equal(await ld.variation('checkout', { kind: 'user', key: 'u1' }, 'default'), true);
    } finally {
      ld.close();
    }
  });
});

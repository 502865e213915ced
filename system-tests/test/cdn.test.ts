import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import {
  freePort,
  metric,
  scrape,
  startTopology,
  startVarnish,
  until,
  varnishSkip,
  type Topology,
  type VarnishProcess,
} from '@vexil/testkit';
import {
  browserSkip,
  launchBrowser,
  startPageServer,
  type PageServer,
} from '@vexil/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { systemSkip } from './support/harness.js';

// The CDN tier (docs/cdn.md) as deployed: a real varnishd with deploy/varnish/vexil.vcl in front
// of two edges on NATS, the origin purging it on every change. LaunchDarkly's Node SDK (polling)
// and browser SDK (in Chromium, /sdk/evalx) go through the cache; changes show through it within
// a second, and once the purge of a change is acknowledged nothing older comes out of it, even
// while SDKs poll as the change lands; one credential's answer is never another's; a revoked key
// stops working through it; and while no edge answers it serves what it holds, saying so, for
// a bounded time.

const skip = (await systemSkip()) ?? varnishSkip() ?? browserSkip();

const TTL_SECONDS = 3;
const GRACE_SECONDS = 4;
const LD_SILENT = { debug() {}, info() {}, warn() {}, error() {} };

interface Environment {
  readonly clientSideId: string;
  readonly key: string;
  readonly sdkKey: string;
}

interface Polled {
  readonly status: number;
  readonly cache: string | null;
  readonly body: { flags?: Record<string, { on: boolean; version: number }> };
  readonly headers: Headers;
}

describe('CDN tier: Varnish in front of the edges', { skip, timeout: 240_000 }, () => {
  let topology: Topology;
  let varnish: VarnishProcess;
  let a: Environment;
  let b: Environment;

  const poll = async (key: string, path = '/sdk/latest-all'): Promise<Polled> => {
    const res = await fetch(`${varnish.url}${path}`, { headers: { authorization: key } });
    const text = await res.text();
    return {
      status: res.status,
      cache: res.headers.get('x-vexil-cache'),
      body: text === '' ? {} : (JSON.parse(text) as Polled['body']),
      headers: res.headers,
    };
  };
  const flagPath = (key: string) => `/api/v1/projects/${topology.projectKey}/flags/${key}`;
  const setOn = (env: Environment, flag: string, on: boolean) =>
    topology.api.expect(200, 'PATCH', flagPath(flag), [
      { op: 'replace', path: `/environments/${env.key}/on`, value: on },
    ]);
  /** The purges the origin's purger has had acknowledged for changes, so far. */
  const acknowledged = async () =>
    metric(await scrape(topology.origin.url), 'vexil_cdn_purge_lag_seconds_count');

  before(async () => {
    const varnishPort = await freePort();
    topology = await startTopology({
      edges: 2,
      relay: false,
      flags: 3,
      originArgs: ['--cdn-purge', `http://127.0.0.1:${varnishPort}/`],
      edgeArgs: [
        '--cdn-ttl',
        String(TTL_SECONDS),
        '--cdn-grace',
        String(GRACE_SECONDS),
        '--trust-proxy',
        '127.0.0.1',
      ],
    });
    varnish = await startVarnish({
      port: varnishPort,
      backends: topology.edges.map((e) => ({ port: Number(new URL(e.url).port) })),
    });
    const envs = (
      await topology.api.expect(200, 'GET', `/api/v1/projects/${topology.projectKey}/environments`)
    ).body as { items?: Environment[] } | Environment[];
    const list = Array.isArray(envs) ? envs : (envs.items ?? []);
    a = list.find((e) => e.key === topology.environmentKey)!;
    b = (
      await topology.api.expect(
        201,
        'POST',
        `/api/v1/projects/${topology.projectKey}/environments`,
        { key: 'second', name: 'Second' },
      )
    ).body as Environment;
    // flag-000 is on in B only, so that the two environments' answers differ.
    await setOn(b, 'flag-000', true);
    for (const env of [a, b])
      await topology.api.expect(200, 'PATCH', flagPath('flag-000'), [
        {
          op: 'add',
          path: `/environments/${env.key}/clientSideAvailability`,
          value: { usingEnvironmentId: true, usingMobileKey: true },
        },
      ]);
    await until('both edges answer through Varnish', async () => {
      const [x, y] = [await poll(a.sdkKey), await poll(b.sdkKey)];
      return x.status === 200 && y.body.flags?.['flag-000']?.on === true;
    });
  });

  after(async () => {
    await varnish?.stop();
    await topology?.stop();
  });

  test('polling answers are cached per credential, and no credential gets another one', async () => {
    const first = await poll(a.sdkKey);
    const again = await poll(a.sdkKey);
    assert.equal(again.status, 200);
    assert.equal(again.cache, 'HIT');
    assert.deepEqual(again.body, first.body);
    // The same URL with B's key: B's own data, never A's cached answer.
    const other = await poll(b.sdkKey);
    assert.equal(other.body.flags?.['flag-000']?.on, true);
    assert.equal(again.body.flags?.['flag-000']?.on, false);
    // What only the cache should see never reaches clients.
    for (const name of ['xkey', 'surrogate-control', 'x-vexil-seq', 'x-vexil-credential'])
      assert.equal(again.headers.get(name), null, `${name} is removed`);
    // Refusals are never cached: each one reaches an edge.
    for (let i = 0; i < 3; i++) {
      const refused = await poll('sdk-not-a-key-0000');
      assert.equal(refused.status, 401);
      assert.notEqual(refused.cache, 'HIT');
    }
  });

  test('a change shows through the cache within 1 s; once its purge is acknowledged nothing older comes out', async (t) => {
    const before = (await poll(a.sdkKey)).body.flags!['flag-001']!;
    const acks = await acknowledged();
    // SDKs keep polling through the change: fills race the purge on both edges.
    let polling = true;
    const seen: { startedAt: number; version: number }[] = [];
    const pollers = Array.from({ length: 4 }, async () => {
      for (let n = 0; polling && n < 2_000; n++) {
        const startedAt = Date.now();
        const got = await poll(a.sdkKey);
        if (got.status === 200)
          seen.push({ startedAt, version: got.body.flags!['flag-001']!.version });
      }
    });
    const committed = Date.now();
    await setOn(a, 'flag-001', !before.on);
    await until(
      'the change through Varnish',
      async () => {
        const now = (await poll(a.sdkKey)).body.flags!['flag-001']!;
        return now.version > before.version;
      },
      1_000,
      5,
    );
    const visibleMs = Date.now() - committed;
    await until('the purge acknowledged', async () => (await acknowledged()) > acks, 5_000, 10);
    const ackedAt = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    polling = false;
    await Promise.all(pollers);
    const late = seen.filter((s) => s.startedAt >= ackedAt);
    assert.ok(late.length > 0, 'requests were made after the acknowledgement');
    assert.deepEqual(
      late.filter((s) => s.version <= before.version),
      [],
      'answers older than the change after its purge was acknowledged',
    );
    t.diagnostic(`change visible through the cache ${visibleMs} ms after the API answered`);
  });

  test('the LaunchDarkly Node SDK in polling mode initializes through the cache', async () => {
    const value = async (): Promise<boolean> => {
      const client: LDClient = init(a.sdkKey, {
        stream: false,
        baseUri: varnish.url,
        sendEvents: false,
        diagnosticOptOut: true,
        logger: LD_SILENT,
      });
      try {
        await client.waitForInitialization({ timeout: 10 });
        return (await client.variation('flag-000', { key: 'node-user' }, 'fallback')) as boolean;
      } finally {
        client.close();
      }
    };
    // On, flag-000 serves its first variation, true; off, something else.
    const on = (await poll(a.sdkKey)).body.flags!['flag-000']!.on;
    const served = await value();
    assert.equal(served === true, on);
    // The SDK's poll filled the cache for its key: the same request now hits.
    assert.equal((await poll(a.sdkKey)).cache, 'HIT');
    await setOn(a, 'flag-000', !on);
    await until('a new SDK sees the change', async () => (await value()) !== served, 5_000, 50);
  });

  test('the LaunchDarkly browser SDK in Chromium evaluates through the cache, cross-origin', async () => {
    const browser: Browser = await launchBrowser();
    const pages: PageServer = await startPageServer();
    try {
      const page: Page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pages.url);
      const start = (name: string) =>
        page.evaluate(
          ([n, id, url]) =>
            (
              globalThis as unknown as {
                start(...args: unknown[]): Promise<Record<string, unknown>>;
              }
            ).start(
              n,
              id,
              { kind: 'user', key: 'browser-user' },
              { baseUrl: url, streaming: false, sendEvents: false, diagnosticOptOut: true },
            ),
          [name, b.clientSideId, varnish.url] as const,
        );
      const flags = await start('first');
      assert.equal(flags['flag-000'], true);
      assert.ok(
        requests.some((u) => u.startsWith(`${varnish.url}/sdk/evalx/${b.clientSideId}/contexts/`)),
      );
      assert.ok(requests.some((u) => u.startsWith(`${varnish.url}/sdk/goals/${b.clientSideId}`)));
      await setOn(b, 'flag-000', false);
      await until(
        'a new page client sees the change',
        async () => (await start(`n${Date.now()}`))['flag-000'] !== true,
        5_000,
        50,
      );
    } finally {
      await browser.close();
      await pages.close();
    }
  });

  test('a revoked SDK key stops working through the cache within 1 s', async (t) => {
    assert.equal((await poll(b.sdkKey)).status, 200);
    assert.equal((await poll(b.sdkKey)).cache, 'HIT');
    const old = b.sdkKey;
    const rotated = await topology.api.expect(
      200,
      'POST',
      `/api/v1/projects/${topology.projectKey}/environments/${b.key}/keys/sdk/rotate`,
    );
    const revokedAt = Date.now();
    await until(
      'the old key refused through Varnish',
      async () => (await poll(old)).status === 401,
      1_000,
      5,
    );
    t.diagnostic(`old key refused through the cache ${Date.now() - revokedAt} ms after rotation`);
    for (let i = 0; i < 20; i++) assert.equal((await poll(old)).status, 401);
    b = { ...b, sdkKey: (rotated.body as { sdkKey: string }).sdkKey };
    await until('the new key works', async () => (await poll(b.sdkKey)).status === 200);
  });

  test('with every edge down the cache serves what it holds, marked STALE, then 503', async () => {
    const held = await poll(a.sdkKey);
    assert.equal(held.status, 200);
    await Promise.all(topology.edges.map((e) => e.stop('SIGKILL')));
    await until(
      'a stale answer',
      async () => {
        const got = await poll(a.sdkKey);
        return got.status === 200 && got.cache === 'STALE';
      },
      10_000,
      100,
    );
    assert.deepEqual((await poll(a.sdkKey)).body, held.body);
    // Its freshness and grace are bounded: then the cache says no edge answers.
    await until(
      'the grace ends',
      async () => (await poll(a.sdkKey)).status === 503,
      (TTL_SECONDS + GRACE_SECONDS + 5) * 1000,
      200,
    );
    const gone = await fetch(`${varnish.url}/sdk/latest-all`, {
      headers: { authorization: a.sdkKey },
    });
    assert.match(gone.headers.get('content-type') ?? '', /application\/json/);
  });
});

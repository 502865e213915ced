import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EDGE_METRICS as E } from '@vexil/edge';
import { ORIGIN_METRICS as O } from '@vexil/origin';
import { metric, type Sample, scrape, until } from '@vexil/testkit';
import {
  fetchJson,
  killServer,
  runCli,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';
import { metricsHandler } from '../src/server/metrics-handler.js';
import { openStream, type SseStream } from './support/sse-stream.js';

// /metrics of `vexil start` around a live change: an SDK stream moves the stream gauge, a flag
// change through the API moves the propagation histograms (commit -> apply, apply -> written)
// and is counted under its route template; Node's process metrics are there from the start.

const COMMIT_TO_APPLY = `${E.commitToApply.name}_count`;
const APPLY_TO_WRITTEN = `${E.applyToWritten.name}_count`;
const FLAG_ROUTE = '/api/v1/projects/{projectKey}/flags/{flagKey}';

describe('/metrics of vexil start', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: ServerProcess;
  let sdkKey = '';
  let stream: SseStream | undefined;

  before(async () => {
    dir = await tempDir('vexil-metrics-');
    server = await startServer(dir.path);
    sdkKey = /^\s*SDK key\s+(\S+)/m.exec(server.stdout())![1]!;
  });
  after(async () => {
    stream?.close();
    await stopServer(server).finally(() => killServer(server));
    await dir.remove();
  });

  test('the stream gauge and propagation histograms move around a live change', async () => {
    const before = await scrape(server.url);
    assert.equal(metric(before, E.streams.name, { protocol: 'fdv1' }), 0);
    assert.ok(before.some((s) => s.name === 'process_cpu_user_seconds_total'));
    assert.ok(before.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));

    stream = await openStream(server.url, sdkKey);
    assert.equal(stream.status, 200);
    await until('the initial put', () => stream!.events.includes('put'));
    const connected = await scrape(server.url);
    assert.equal(metric(connected, E.streams.name, { protocol: 'fdv1' }), 1);
    assert.equal(metric(connected, E.connects.name, { protocol: 'fdv1' }), 1);

    const res = await fetchJson(
      `${server.url}/api/v1/projects/default/flags/new-checkout`,
      server.adminToken,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { op: 'replace', path: '/environments/production/on', value: false },
        ]),
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await until('the patch on the stream', () => stream!.events.includes('patch'));

    let after: Sample[] = [];
    await until('apply -> written to count the change', async () => {
      after = await scrape(server.url);
      return metric(after, APPLY_TO_WRITTEN) > metric(connected, APPLY_TO_WRITTEN);
    });
    // The change reached the production environment's edge state: one more of each histogram
    // (the test environment's copy of the flag did not change).
    assert.equal(metric(after, COMMIT_TO_APPLY), metric(connected, COMMIT_TO_APPLY) + 1);
    assert.equal(metric(after, APPLY_TO_WRITTEN), metric(connected, APPLY_TO_WRITTEN) + 1);
    assert.equal(metric(after, E.streams.name, { protocol: 'fdv1' }), 1);
    assert.equal(metric(after, E.messagesSent.name, { protocol: 'fdv1' }), 1);
    assert.equal(
      metric(after, O.requests.name, { route: FLAG_ROUTE, method: 'PATCH', status: '200' }),
      1,
    );
    assert.ok(
      !after.some((s) => s.name === O.requests.name && s.labels['route']?.includes('new-checkout')),
      'routes are templates, never raw paths',
    );
    assert.equal(metric(after, O.outboxLag.name), 0);
    assert.equal(metric(after, E.upstreamConnected.name), 1);
  });

  test('answers HEAD, refuses other methods', async () => {
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});

describe('/metrics access', () => {
  const token = 'metrics-token-for-the-test';
  let dir: { path: string; remove(): Promise<void> };
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir('vexil-metrics-token-');
    server = await startServer(dir.path, { VEXIL_METRICS_TOKEN: token });
  });
  after(async () => {
    await stopServer(server).finally(() => killServer(server));
    await dir.remove();
  });

  test('with VEXIL_METRICS_TOKEN a scrape must present it', async () => {
    const none = await fetch(`${server.url}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="vexil-metrics"');
    assert.match(((await none.json()) as { message: string }).message, /VEXIL_METRICS_TOKEN/);
    const wrong = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${token}x` },
    });
    assert.equal(wrong.status, 401);
    // The admin API token is not a metrics token.
    const admin = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(admin.status, 401);
    const right = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /^process_cpu_user_seconds_total /m);
  });

  test('without a token, only a server listening on loopback serves metrics', async () => {
    const scrape = async (host: string) => {
      const handle = metricsHandler(async () => 'up 1\n', { token: undefined, host });
      const http = createServer((req, res) => void handle(req, res));
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      try {
        const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/metrics`);
        return { status: res.status, body: await res.text() };
      } finally {
        http.close();
      }
    };
    for (const host of ['127.0.0.1', '127.8.0.1', '::1', 'localhost'])
      assert.equal((await scrape(host)).status, 200, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
      const refused = await scrape(host);
      assert.equal(refused.status, 403, host);
      assert.match(refused.body, /METRICS_TOKEN_REQUIRED.*set VEXIL_METRICS_TOKEN/);
    }
  });

  test('a metrics token too short to be safe is a usage error', async () => {
    const res = await runCli(['start', '--port', '0', '--data', dir.path], {
      VEXIL_METRICS_TOKEN: 'short',
    });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /VEXIL_METRICS_TOKEN must be at least 16 characters/);
  });
});

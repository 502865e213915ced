import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EDGE_METRICS as E } from '@vexil/edge';
import { ORIGIN_METRICS as O } from '@vexil/origin';
import { until } from '@vexil/testkit';
import {
  fetchJson,
  killServer,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';
import { metric, scrape, type Sample } from './support/prometheus-text.js';
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

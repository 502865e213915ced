import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EDGE_METRICS as E } from '@vexil/edge';
import { ORIGIN_METRICS as O } from '@vexil/origin';
import { metric, scrape, services, serviceSkip, until } from '@vexil/testkit';
import { startRole, type RoleProcess } from './support/role-process.js';
import { startTestOrigin, type TestOrigin } from './support/test-origin.js';
import { openStream, type SseStream } from './support/sse-stream.js';

// /metrics of a multi-process edge (`vexil edge --workers 2`, fed by NATS from an origin): a
// scrape lands on either worker and answers for the whole node, every worker's streams and
// changes summed with the primary's upstream and process metrics. And /metrics of that origin.

const WORKERS = 2;

/** Each worker's stream count, from /readyz (which a worker answers with its pid). */
async function streamsByWorker(url: string): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < 40 && seen.size < WORKERS; i++) {
    // A new connection each time, so that the cluster's round robin reaches every worker.
    const res = await fetch(`${url}/readyz`, { headers: { connection: 'close' } });
    const body = (await res.json()) as { pid: number; streams: number };
    seen.set(body.pid, body.streams);
  }
  return seen;
}

describe('/metrics of vexil edge --workers', () => {
  let skip: string | undefined;
  let origin: TestOrigin | undefined;
  let edge: RoleProcess | undefined;
  let sdkKey = '';
  let project = '';
  const streams: SseStream[] = [];
  before(async () => {
    skip = await serviceSkip('nats');
    if (skip !== undefined) return;
    origin = await startTestOrigin();
    project = `m${Date.now().toString(36)}`;
    assert.equal(
      (await origin!.api('POST', '/projects', { key: project, name: 'Metrics' })).status,
      201,
    );
    sdkKey = (
      await origin!.api('POST', `/projects/${project}/environments`, { key: 'prod', name: 'Prod' })
    ).body.sdkKey!;
    const flag = { key: 'f', variations: [{ value: 0 }, { value: 1 }] };
    assert.equal((await origin!.api('POST', `/projects/${project}/flags`, flag)).status, 201);
    const token = (await origin!.api('POST', '/tokens', { name: 'edge', role: 'edge' })).body
      .token!;
    edge = await startRole([
      'edge',
      ...['--bus', services.nats, '--origin', origin.url, '--token', token],
      ...['--port', '0', '--workers', String(WORKERS)],
    ]);
  });

  after(async () => {
    for (const s of streams) s.close();
    await edge?.stop();
    await origin?.stop();
  });

  test('a scrape on any worker sums every worker, plus the primary', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    // Streams until both workers hold some (workers accept from the shared socket, so the
    // spread is uneven but reaches both).
    for (let i = 0; i < 100; i++) {
      streams.push(await openStream(edge!.url, sdkKey));
      const counts = await streamsByWorker(edge!.url);
      if (
        streams.length >= 4 &&
        counts.size === WORKERS &&
        [...counts.values()].every((n) => n > 0)
      )
        break;
    }
    await until('every initial put', () => streams.every((s) => s.ids.length >= 1));
    const perWorker = await streamsByWorker(edge!.url);
    assert.equal(perWorker.size, WORKERS, 'both workers answered /readyz');
    assert.ok(
      [...perWorker.values()].every((n) => n > 0),
      'both workers hold streams',
    );

    // Workers serve from the primary's snapshots before its bus is live: wait for that, since
    // what is checked here is how the node's figures add up, not how fast it connects.
    await until(
      'the primary on the bus',
      async () => metric(await scrape(edge!.url), E.upstreamConnected.name) === 1,
    );
    const before = await scrape(edge!.url);
    assert.equal(metric(before, E.streams.name, { protocol: 'fdv1' }), streams.length);
    assert.equal(metric(before, E.connects.name, { protocol: 'fdv1' }), streams.length);
    assert.equal(metric(before, E.upstreamConnected.name), 1);
    // The primary samples the bus head for the lag; the workers have no bus.
    assert.ok(before.some((s) => s.name === E.busLag.name));
    assert.ok(before.some((s) => s.name === 'process_cpu_user_seconds_total'));

    const seq = Math.max(...streams.map((s) => s.ids[s.ids.length - 1]!));
    const res = await origin!.api('PATCH', `/projects/${project}/flags/f`, [
      { op: 'replace', path: '/environments/prod/on', value: true },
    ]);
    assert.equal(res.status, 200);
    await until('the change on every stream', () => streams.every((s) => s.ids.includes(seq + 1)));

    const written = `${E.applyToWritten.name}_count`;
    const applied = `${E.commitToApply.name}_count`;
    let after = before;
    await until('each worker to count its fan-out', async () => {
      after = await scrape(edge!.url);
      return metric(after, written) - metric(before, written) === WORKERS;
    });
    // Each worker applied the change once; the primary's own apply is not counted.
    assert.equal(metric(after, applied) - metric(before, applied), WORKERS);
    assert.equal(
      metric(after, E.messagesSent.name, { protocol: 'fdv1' }) -
        metric(before, E.messagesSent.name, { protocol: 'fdv1' }),
      streams.length,
    );
    for (let i = 0; i < 4; i++) {
      const again = await fetch(`${edge!.url}/metrics`, { headers: { connection: 'close' } });
      assert.equal(again.status, 200);
      assert.match(
        await again.text(),
        new RegExp(`^${E.streams.name}\\{[^}]*protocol="fdv1"[^}]*\\} ${streams.length}$`, 'm'),
      );
    }
  });

  test('the origin serves its API, publisher and built-in edge metrics', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const samples = await scrape(origin!.url);
    const route = '/api/v1/projects/{projectKey}/flags/{flagKey}';
    assert.equal(metric(samples, O.requests.name, { route, method: 'PATCH', status: '200' }), 1);
    assert.ok(samples.some((s) => s.name === O.outboxLag.name));
    // Present, though not necessarily 0: the publisher's first try may precede NATS's connection.
    assert.ok(samples.some((s) => s.name === O.busPublishErrors.name));
    assert.equal(metric(samples, E.upstreamConnected.name), 1);
    assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds'));
  });
});

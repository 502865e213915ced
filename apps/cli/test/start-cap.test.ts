import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import {
  json,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';
import { openStream, type SseStream } from './support/sse-stream.js';

// `vexil start` keeps part of its file budget for the API: at its stream cap (lowered here to
// 3 with --max-streams) a new stream gets 503 + Retry-After, while the API, /readyz and /metrics
// keep answering, and a change made through the API reaches every stream it holds.

const CAP = 3;

describe('vexil start at its stream cap', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const streams: SseStream[] = [];

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path, { VEXIL_MAX_STREAMS: String(CAP) });
  });
  after(async () => {
    for (const s of streams) s.close();
    killServer(server);
    await data.remove();
  });

  test('streams over the cap get 503; the API still changes what the held streams see', async () => {
    const env = json(await runCli(['envs', 'get', 'production', '--json'], server!.clientEnv));
    for (let i = 0; i < CAP; i++) streams.push(await openStream(server!.url, env.sdkKey));
    assert.deepEqual(
      streams.map((s) => s.status),
      [200, 200, 200],
    );
    await until('every put', () => streams.every((s) => s.events[0] === 'put'), 10_000);

    const over = await fetch(`${server!.url}/all`, { headers: { authorization: env.sdkKey } });
    assert.equal(over.status, 503);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    assert.match(((await over.json()) as { message: string }).message, /maximum of 3 streams/);

    assert.equal((await fetch(`${server!.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${server!.url}/metrics`)).text();
    assert.match(metrics, /^vexil_edge_stream_refusals_total\{reason="cap"\} [1-9]/m);

    const patch = await fetch(`${server!.url}/api/v1/projects/default/flags/new-checkout`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${server!.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify([{ op: 'replace', path: '/environments/production/on', value: false }]),
    });
    assert.equal(patch.status, 200, await patch.text());
    await until('the change on every held stream', () =>
      streams.every((s) => s.events.includes('patch')),
    );
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { EDGE_METRICS as M, type EdgeOptions } from '@vexil/edge';
import { sample } from '@vexil/testkit';
import { Registry } from 'prom-client';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag } from './support/fake-origin.js';
import { openSse, type SseStream } from './support/sse-client.js';

// The edge resolves credentials through the directory on demand: a key created after it started
// works at once, an unknown key costs one lookup however often it is tried, a deleted
// credential or environment closes its streams, and an environment no client uses is evicted and
// loaded again when one asks.

const running: EdgeServer[] = [];
const streams: SseStream[] = [];
after(async () => {
  for (const s of streams) s.close();
  await Promise.all(running.map((e) => e.close()));
});

async function edgeWith(options: Partial<EdgeOptions> = {}) {
  const metrics = new Registry();
  const edge = await startEdgeServer(options, 0, { metrics });
  running.push(edge);
  return { edge, metrics };
}

const poll = async (edge: EdgeServer, key: string) =>
  (await fetch(`${edge.url}/sdk/latest-all`, { headers: { authorization: key } })).status;

async function stream(edge: EdgeServer, key: string): Promise<SseStream> {
  const s = await openSse(`${edge.url}/all`, { headers: { authorization: key } });
  streams.push(s);
  assert.equal(s.status, 200);
  assert.equal((await s.next()).event, 'put');
  return s;
}

const held = (edge: EdgeServer) => edge.edge.status().environments.map((e) => e.key);

describe('directory on demand', () => {
  test('a key created after the edge started works at once', async () => {
    const { edge } = await edgeWith();
    const env = await edge.origin.addEnvironment('late');
    await edge.origin.put(env, 'flag', ldFlag('f'));
    assert.equal(await poll(edge, env.sdkKey), 200);
    assert.equal(await poll(edge, env.mobileKey), 401, 'a mobile key is not an SDK key');
  });

  test('an unknown key is 401 and looked up once, however often it is tried', async () => {
    const { edge, metrics } = await edgeWith();
    for (let i = 0; i < 5; i++) assert.equal(await poll(edge, 'sdk-no-such-key'), 401);
    assert.equal(await sample(metrics, M.lookups.name, { result: 'not_found' }), 1);
    const tooLong = await poll(edge, `sdk-${'x'.repeat(300)}`);
    assert.equal(tooLong, 401);
    assert.equal(await sample(metrics, M.lookups.name, { result: 'not_found' }), 1, 'no lookup');
  });

  test('a deleted environment closes its streams; its keys and client-side ID stop working', async () => {
    const { edge } = await edgeWith();
    const env = await edge.origin.addEnvironment('doomed');
    const other = await edge.origin.addEnvironment('kept');
    await stream(edge, env.sdkKey);
    await stream(edge, other.sdkKey);
    assert.equal(edge.edge.status().streams, 2);
    await edge.origin.removeEnvironment(env);
    await until(
      () => edge.edge.status().streams === 1,
      5_000,
      "the deleted environment's stream closed",
    );
    assert.equal(await poll(edge, env.sdkKey), 401);
    const browser = await fetch(`${edge.url}/sdk/goals/${env.id}`);
    assert.equal(browser.status, 404);
    assert.deepEqual(held(edge), ['kept']);
  });

  test('an environment no client uses is evicted, and loaded again when one asks', async () => {
    const { edge, metrics } = await edgeWith({ environmentIdleMs: 300 });
    const idle = await edge.origin.addEnvironment('idle');
    const watched = await edge.origin.addEnvironment('watched');
    await edge.origin.put(idle, 'flag', ldFlag('f'));
    assert.equal(await poll(edge, idle.sdkKey), 200);
    const s = await stream(edge, watched.sdkKey);
    await until(() => held(edge).length === 1, 5_000, 'the idle environment evicted');
    assert.deepEqual(held(edge), ['watched'], 'a stream keeps its environment');
    assert.equal(await sample(metrics, M.evictions.name), 1);
    assert.equal(await sample(metrics, M.environments.name), 1);
    // The stream still receives changes; the evicted environment comes back on its next request.
    await edge.origin.put(watched, 'flag', ldFlag('g'));
    assert.equal((await s.next()).event, 'patch');
    await edge.origin.put(idle, 'flag', ldFlag('h'));
    const again = await fetch(`${edge.url}/sdk/latest-all`, {
      headers: { authorization: idle.sdkKey },
    });
    assert.equal(again.status, 200);
    assert.deepEqual(Object.keys(((await again.json()) as { flags: object }).flags).sort(), [
      'f',
      'h',
    ]);
  });

  test('a pinned environment is loaded without a client, and never evicted', async () => {
    // FakeOrigin ids are the key padded with zeros: the edge can be told the id before it exists.
    const id = 'pinned'.padEnd(24, '0');
    const { edge } = await edgeWith({ environmentIdleMs: 100, pinnedEnvironments: [id] });
    const env = await edge.origin.addEnvironment('pinned');
    assert.equal(env.id, id);
    await until(() => held(edge).includes('pinned'), 5_000, 'the pinned environment loaded');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(held(edge), ['pinned']);
  });
});

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { defaultRedisPrefixTemplate, redisPrefix, RedisPrefixError } from '@vexil/edge';
import { serviceSkip, services } from '@vexil/testkit';
import { ldFlag, type FakeOrigin, type TestEnvironment } from './support/fake-origin.js';
import { openSse } from './support/sse-client.js';
import {
  deleteKeys,
  expectedStored,
  freePort,
  readStored,
  redisServerSkip,
  startPersistedEdge,
  startRedis,
  stopRedis,
  testBase,
  type PersistedEdge,
  type PersistedEdgeOptions,
} from './redis-harness.js';

// Redis persistence for daemon-mode SDKs (docs/protocol.md section 8), against a real Redis: the
// key layout after a snapshot, version-checked upserts, tombstones, a burst, and an unreachable
// Redis.

const segment = (key: string, included: string[] = []) => ({
  key,
  included,
  excluded: [],
  rules: [],
  salt: 's',
  deleted: false,
});

describe('Redis persistence', () => {
  let redis: Redis;
  const edges: PersistedEdge[] = [];
  let skip: string | undefined;

  before(async () => {
    skip = await serviceSkip('redis');
    if (skip === undefined) redis = new Redis(services.redis);
  });
  after(async () => {
    for (const edge of edges) {
      await edge.close();
      await deleteKeys(redis, edge.base);
    }
    redis?.disconnect();
  });

  async function persistedEdge(t: TestContext, options: PersistedEdgeOptions = {}) {
    if (skip !== undefined) {
      t.skip(skip);
      return undefined;
    }
    const edge = await startPersistedEdge(services.redis, options);
    edges.push(edge);
    return edge;
  }

  async function assertMirrored(edge: PersistedEdge, env: TestEnvironment) {
    await edge.synced(env);
    await edge.persistence.flushed();
    assert.deepEqual(await readStored(redis, edge.prefix(env)), expectedStored(edge.state(env)));
  }

  test('a snapshot replaces the hashes with every item, tombstones included, and sets $inited', async (t) => {
    const base = testBase();
    let env!: TestEnvironment;
    const edge = await persistedEdge(t, {
      base,
      async seed(origin) {
        env = await origin.addEnvironment('production');
        await origin.put(env, 'flag', ldFlag('checkout'));
        await origin.put(env, 'flag', ldFlag('banner', { variations: ['a', 'b'] }));
        await origin.put(env, 'flag', ldFlag('retired'));
        await origin.remove(env, 'flag', 'retired');
        await origin.put(env, 'segment', segment('beta', ['u1']));
        await redis.hset(`${base}:p:production:features`, 'stale', '{"key":"stale","version":1}');
      },
    });
    if (edge === undefined) return;
    assert.equal(edge.prefix(env), `${base}:p:production`);
    await assertMirrored(edge, env);
    const stored = await readStored(redis, edge.prefix(env));
    assert.deepEqual(Object.keys(stored.features).sort(), ['banner', 'checkout', 'retired']);
    assert.deepEqual(JSON.parse(stored.features['retired']!), {
      key: 'retired',
      version: 2,
      deleted: true,
    });
    assert.deepEqual(JSON.parse(stored.segments['beta']!), {
      ...segment('beta', ['u1']),
      version: 1,
    });
    assert.equal(stored.inited, '');
  });

  test('changes after the snapshot are upserted; deletes write tombstones', async (t) => {
    const edge = await persistedEdge(t);
    if (edge === undefined) return;
    const env = await edge.origin.addEnvironment('staging');
    await edge.synced(env);
    await edge.origin.put(env, 'flag', ldFlag('checkout'));
    await edge.origin.put(env, 'segment', segment('beta'));
    await assertMirrored(edge, env);
    await edge.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
    await edge.origin.put(env, 'segment', segment('beta', ['u2']));
    await edge.origin.remove(env, 'flag', 'checkout');
    await assertMirrored(edge, env);
    const stored = await readStored(redis, edge.prefix(env));
    assert.deepEqual(JSON.parse(stored.features['checkout']!), {
      key: 'checkout',
      version: 3,
      deleted: true,
    });
    assert.equal((JSON.parse(stored.segments['beta']!) as { version: number }).version, 2);
  });

  test('an older version never overwrites a newer one in Redis, item or tombstone', async (t) => {
    const edge = await persistedEdge(t);
    if (edge === undefined) return;
    const env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('checkout'));
    await edge.origin.put(env, 'flag', ldFlag('gone'));
    await assertMirrored(edge, env);
    const features = `${edge.prefix(env)}:features`;
    const newer = JSON.stringify(ldFlag('checkout', { version: 100, on: false }));
    const tombstone = JSON.stringify({ key: 'gone', version: 50, deleted: true });
    await redis.hset(features, 'checkout', newer, 'gone', tombstone);
    await edge.origin.put(env, 'flag', ldFlag('checkout', { variations: ['x', 'y'] }));
    await edge.origin.put(env, 'flag', ldFlag('gone', { on: false }));
    await edge.origin.put(env, 'flag', ldFlag('fresh'));
    await edge.synced(env);
    await edge.persistence.flushed();
    assert.equal(await redis.hget(features, 'checkout'), newer);
    assert.equal(await redis.hget(features, 'gone'), tombstone);
    assert.equal(await redis.hget(features, 'fresh'), edge.state(env).flags.get('fresh')!.text);
  });

  test('a burst of 2,000 changes ends with Redis equal to the edge', async (t) => {
    const edge = await persistedEdge(t);
    if (edge === undefined) return;
    const env = await edge.origin.addEnvironment('production');
    await edge.synced(env);
    await burst(edge.origin, env, 2_000);
    await assertMirrored(edge, env);
    assert.ok(edge.state(env).flags.size > 100);
  });

  test('a queue over maxPendingItems becomes one full init and still converges', async (t) => {
    const edge = await persistedEdge(t, {
      persistence: { maxPendingItems: 5, upsertBatchSize: 7 },
    });
    if (edge === undefined) return;
    const env = await edge.origin.addEnvironment('production');
    await edge.synced(env);
    await burst(edge.origin, env, 500);
    await assertMirrored(edge, env);
  });

  test('environments are written side by side, taking turns for a writer', async (t) => {
    const edge = await persistedEdge(t, { persistence: { maxConcurrentWrites: 1 } });
    if (edge === undefined) return;
    const envs = [];
    for (const key of ['a', 'b', 'c', 'd']) envs.push(await edge.origin.addEnvironment(key));
    for (const env of envs) await edge.synced(env);
    await Promise.all(envs.map((env) => burst(edge.origin, env, 300)));
    for (const env of envs) await assertMirrored(edge, env);
  });

  test('an environment without a prefix is left out of Redis', async (t) => {
    const base = testBase();
    const edge = await persistedEdge(t, { base, unpersisted: ['hidden'] });
    if (edge === undefined) return;
    const hidden = await edge.origin.addEnvironment('hidden');
    const shown = await edge.origin.addEnvironment('shown');
    await edge.origin.put(hidden, 'flag', ldFlag('secret'));
    await edge.origin.put(shown, 'flag', ldFlag('public'));
    await assertMirrored(edge, shown);
    await edge.synced(hidden);
    await edge.persistence.flushed();
    assert.deepEqual((await redis.keys(`${base}:*`)).sort(), [
      `${base}:p:shown:$inited`,
      `${base}:p:shown:features`,
    ]);
  });
});

/** `count` changes over 150 flags and 20 segments, with deletes, yielding now and then. */
async function burst(origin: FakeOrigin, env: TestEnvironment, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const n = (i * 7919) % 170;
    if (n >= 150) await origin.put(env, 'segment', segment(`s${n - 150}`, [`u${i}`]));
    else if (i % 10 === 9) await origin.remove(env, 'flag', `f${n}`);
    else await origin.put(env, 'flag', ldFlag(`f${n}`, { variations: [i, -i] }));
    // Let writes start mid-burst, so some changes arrive while a write is in flight.
    if (i % 97 === 0) await new Promise(setImmediate);
  }
}

describe('redisPrefix', () => {
  const describeEnv = (id: string) =>
    id === 'e1' ? { projectKey: 'shop', key: 'prod' } : undefined;

  test('the default template is vexil:<projectKey>:<environmentKey>', () => {
    const prefix = redisPrefix(defaultRedisPrefixTemplate, describeEnv);
    assert.equal(prefix('e1'), 'vexil:shop:prod');
    assert.equal(prefix('unknown'), undefined);
    assert.equal(redisPrefix('ld:{environmentId}', describeEnv)('e1'), 'ld:e1');
  });

  test('a template with an unknown placeholder or a trailing colon is refused', () => {
    for (const template of ['vexil:{project}:{env}', 'vexil:{project}:', '']) {
      assert.throws(
        () => redisPrefix(template, describeEnv),
        (e: unknown) => e instanceof RedisPrefixError && e.code === 'INVALID_REDIS_PREFIX',
      );
    }
  });
});

describe('Redis persistence while Redis is away', () => {
  let server: ChildProcess | undefined;
  let edge: PersistedEdge | undefined;

  after(async () => {
    await edge?.close();
    if (server !== undefined) await stopRedis(server);
  });

  test('close() returns at once and settles flushed() when Redis never answered', async () => {
    const port = await freePort();
    let env!: TestEnvironment;
    const away = await startPersistedEdge(`redis://127.0.0.1:${port}`, {
      async seed(origin) {
        env = await origin.addEnvironment('production');
        await origin.put(env, 'flag', ldFlag('checkout'));
      },
    });
    await away.synced(env);
    const flushed = away.persistence.flushed();
    await away.close();
    await flushed;
  });

  test('SDK streams are unaffected, and Redis catches up in full when it is back', async (t) => {
    const skip = redisServerSkip();
    if (skip !== undefined) return t.skip(skip);
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let env!: TestEnvironment;
    edge = await startPersistedEdge(url, {
      persistence: { maxRetryDelayMs: 100 },
      async seed(origin) {
        env = await origin.addEnvironment('production');
        await origin.put(env, 'flag', ldFlag('checkout'));
      },
    });
    const stream = await openSse(`${edge.url}/all`, { headers: { authorization: env.sdkKey } });
    try {
      assert.equal((await stream.next()).event, 'put');
      let flushed = false;
      void edge.persistence.flushed().then(() => (flushed = true));
      await edge.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
      assert.match((await stream.next()).data, /"path":"\/flags\/checkout"/);
      assert.equal(flushed, false, 'nothing can be flushed without Redis');

      server = await startRedis(port);
      const direct = new Redis(url);
      try {
        await edge.persistence.flushed();
        assert.deepEqual(
          await readStored(direct, edge.prefix(env)),
          expectedStored(edge.state(env)),
        );

        // Redis dies and comes back empty (it keeps nothing on disk); changes meanwhile.
        await stopRedis(server);
        await edge.origin.remove(env, 'flag', 'checkout');
        await edge.origin.put(env, 'flag', ldFlag('banner'));
        assert.equal((await stream.next()).event, 'delete');
        assert.equal((await stream.next()).event, 'patch');
        server = await startRedis(port);
        await edge.persistence.flushed();
        assert.deepEqual(
          await readStored(direct, edge.prefix(env)),
          expectedStored(edge.state(env)),
        );
      } finally {
        direct.disconnect();
      }
    } finally {
      stream.close();
    }
  });
});

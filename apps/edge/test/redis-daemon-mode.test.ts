import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { RedisFeatureStore } from '@launchdarkly/node-server-sdk-redis';
import { Redis } from 'ioredis';
import { serviceSkip, services } from '@vexil/testkit';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { deleteKeys, startPersistedEdge, type PersistedEdge } from './redis-harness.js';

// The proof that matters: LaunchDarkly's own Node server SDK in daemon mode (useLdd) with its own
// Redis store, no connection to the edge at all, evaluates what the edge wrote (docs/protocol.md
// section 8).

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('LaunchDarkly Node server SDK in daemon mode over Redis', () => {
  let skip: string | undefined;
  let edge: PersistedEdge;
  let env: TestEnvironment;
  let redis: Redis;
  let ld: LDClient;
  const user = { kind: 'user', key: 'u1' };

  before(async () => {
    skip = await serviceSkip('redis');
    if (skip !== undefined) return;
    edge = await startPersistedEdge(services.redis, {
      async seed(origin) {
        env = await origin.addEnvironment('production');
        await origin.put(env, 'flag', ldFlag('checkout'));
        await origin.put(
          env,
          'flag',
          ldFlag('banner', { variations: ['a', 'b'], fallthrough: { variation: 1 } }),
        );
        await origin.put(env, 'flag', ldFlag('retired', { variations: ['on', 'off'] }));
        await origin.remove(env, 'flag', 'retired');
        await origin.put(env, 'segment', {
          key: 'beta',
          included: ['u1'],
          excluded: [],
          rules: [],
          salt: 's',
          deleted: false,
        });
        await origin.put(
          env,
          'flag',
          ldFlag('beta-banner', {
            variations: ['beta', 'everyone'],
            fallthrough: { variation: 1 },
            rules: [
              {
                id: 'r1',
                variation: 0,
                clauses: [
                  { attribute: 'key', op: 'segmentMatch', values: ['beta'], negate: false },
                ],
              },
            ],
          }),
        );
      },
    });
    await edge.synced(env);
    await edge.persistence.flushed();
    redis = new Redis(services.redis);
    ld = init('sdk-key-unused-in-daemon-mode', {
      useLdd: true,
      // cacheTTL 0: read Redis on every evaluation, so a change shows without waiting out a TTL.
      featureStore: RedisFeatureStore({ client: redis, prefix: edge.prefix(env), cacheTTL: 0 }),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
    });
    await ld.waitForInitialization({ timeout: 5 });
  });
  after(async () => {
    if (skip !== undefined) return;
    ld.close();
    await edge.close();
    await deleteKeys(redis, edge.base);
    redis.disconnect();
  });

  test('evaluates flags and segments the edge wrote', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    assert.equal(await ld.variation('checkout', user, 'default'), true);
    assert.equal(await ld.variation('banner', user, 'default'), 'b');
    assert.equal(await ld.variation('beta-banner', user, 'default'), 'beta');
    assert.equal(
      await ld.variation('beta-banner', { kind: 'user', key: 'u2' }, 'default'),
      'everyone',
    );
    const all = await ld.allFlagsState(user);
    assert.deepEqual(Object.keys(all.allValues()).sort(), ['banner', 'beta-banner', 'checkout']);
  });

  test('a tombstone reads as an unknown flag', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const detail = await ld.variationDetail('retired', user, 'default');
    assert.equal(detail.value, 'default');
    assert.deepEqual(detail.reason, { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' });
  });

  test('sees changes made after it started: updates, deletes and segment changes', async (t) => {
    if (skip !== undefined) return t.skip(skip);
    await edge.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
    await edge.origin.remove(env, 'flag', 'banner');
    await edge.origin.put(env, 'segment', {
      key: 'beta',
      included: ['u2'],
      excluded: [],
      rules: [],
      salt: 's',
      deleted: false,
    });
    await edge.synced(env);
    await edge.persistence.flushed();
    const checkout = await ld.variationDetail('checkout', user, 'default');
    assert.equal(checkout.value, false);
    assert.deepEqual(checkout.reason, { kind: 'OFF' });
    assert.equal(await ld.variation('banner', user, 'default'), 'default');
    assert.equal(await ld.variation('beta-banner', user, 'default'), 'everyone');
    assert.equal(await ld.variation('beta-banner', { kind: 'user', key: 'u2' }, 'default'), 'beta');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

export function insightsContract(ctx: StoreContext): void {
  test('addInsights sums counts per bucket and variation; listInsights filters by time', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const count = (variation: number | null, bucketStart: number, n: number) => ({
      environmentId: env.id,
      flagKey: 'f',
      variation,
      bucketStart,
      count: n,
    });
    await store.transaction((tx) =>
      tx.addInsights([count(0, 60_000, 3), count(1, 60_000, 2), count(null, 60_000, 1)]),
    );
    await store.transaction((tx) => tx.addInsights([count(0, 60_000, 4), count(0, 120_000, 5)]));
    await store.transaction((tx) =>
      tx.addInsights([
        { environmentId: env.id, flagKey: 'other', variation: 0, bucketStart: 60_000, count: 9 },
      ]),
    );
    const all = await store.listInsights({ environmentId: env.id, flagKey: 'f' });
    assert.deepEqual(all, [
      count(null, 60_000, 1),
      count(0, 60_000, 7),
      count(1, 60_000, 2),
      count(0, 120_000, 5),
    ]);
    const later = await store.listInsights({ environmentId: env.id, flagKey: 'f', from: 100_000 });
    assert.deepEqual(later, [count(0, 120_000, 5)]);
    const earlier = await store.listInsights({ environmentId: env.id, flagKey: 'f', to: 100_000 });
    assert.equal(earlier.length, 3);
  });

  test('insights go with their environment', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const row = { environmentId: env.id, flagKey: 'f', variation: 0, bucketStart: 0, count: 1 };
    await store.transaction((tx) => tx.addInsights([row]));
    await store.transaction((tx) => tx.deleteEnvironment(env.projectKey, env.key));
    assert.deepEqual(await store.listInsights({ environmentId: env.id, flagKey: 'f' }), []);
  });
}

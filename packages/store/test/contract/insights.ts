import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

/** A count of flag `f` in the environment, for one variation and bucket. */
const countOf =
  (environmentId: string) => (variation: number | null, bucketStart: number, n: number) => ({
    environmentId,
    flagKey: 'f',
    variation,
    bucketStart,
    count: n,
  });

export function insightsContract(ctx: StoreContext): void {
  test('addInsights sums counts per bucket and variation; listInsights filters by time', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const count = countOf(env.id);
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

  test('compactInsights deletes old buckets and sums old minute buckets into their hour', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const HOUR = 3_600_000;
    const count = countOf(env.id);
    await store.transaction((tx) =>
      tx.addInsights([
        count(0, 0, 1), // before deleteBefore: gone
        count(0, 10 * HOUR, 2), // an hour bucket already: kept
        count(0, 10 * HOUR + 60_000, 3), // minute buckets of hour 10: summed into it
        count(0, 10 * HOUR + 59 * 60_000, 4),
        count(null, 10 * HOUR + 120_000, 5),
        count(1, 11 * HOUR + 60_000, 6), // alone in hour 11: moved to its start
        count(0, 20 * HOUR + 60_000, 7), // after rollUpBefore: kept as it is
      ]),
    );
    await store.transaction((tx) =>
      tx.compactInsights({ deleteBefore: HOUR, rollUpBefore: 20 * HOUR }),
    );
    assert.deepEqual(await store.listInsights({ environmentId: env.id, flagKey: 'f' }), [
      count(null, 10 * HOUR, 5),
      count(0, 10 * HOUR, 9),
      count(1, 11 * HOUR, 6),
      count(0, 20 * HOUR + 60_000, 7),
    ]);
    // Compacting again changes nothing.
    await store.transaction((tx) =>
      tx.compactInsights({ deleteBefore: HOUR, rollUpBefore: 20 * HOUR }),
    );
    assert.equal((await store.listInsights({ environmentId: env.id, flagKey: 'f' })).length, 4);
  });
}

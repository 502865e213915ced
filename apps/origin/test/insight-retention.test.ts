import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger, startInsightRetention } from '@vexil/origin';
import { until } from '@vexil/testkit';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { seedProject } from './support/fixtures.js';

// The origin compacts flag insights at start and every interval: minute buckets older than
// two days become hours, buckets older than the retention are deleted.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = 400 * DAY;

let api: ApiServer;
let environmentId = '';

before(async () => {
  api = await startApiServer();
  environmentId = (await seedProject(api)).envs['prod']!.id;
});
after(() => api.close());

test('old minute buckets are rolled up into hours and buckets past the retention deleted', async () => {
  const count = (bucketStart: number, n: number) => ({
    environmentId,
    flagKey: 'f',
    variation: 0,
    bucketStart,
    count: n,
  });
  const recent = NOW - HOUR + 60_000;
  const threeDaysAgo = NOW - 3 * DAY;
  await api.store.transaction((tx) =>
    tx.addInsights([
      count(NOW - 91 * DAY, 1),
      count(threeDaysAgo + 60_000, 2),
      count(threeDaysAgo + 120_000, 3),
      count(recent, 4),
    ]),
  );
  const stop = startInsightRetention({ store: api.store, logger: silentLogger, now: () => NOW });
  try {
    await until('the compaction', async () => {
      const rows = await api.store.listInsights({ environmentId, flagKey: 'f' });
      return rows.length === 2;
    });
    assert.deepEqual(await api.store.listInsights({ environmentId, flagKey: 'f' }), [
      count(threeDaysAgo - (threeDaysAgo % HOUR), 5),
      count(recent, 4),
    ]);
  } finally {
    stop();
  }
});

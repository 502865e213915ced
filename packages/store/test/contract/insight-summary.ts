import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditEntry, environment } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { seed } from './helpers.js';

// The aggregate reads of the stale-flags report: insight buckets summed per environment, flag
// and variation, and the newest audit entry of each flag.

const HOUR = 3_600_000;

export function insightSummaryContract(ctx: StoreContext): void {
  test('summarizeInsights sums buckets per environment, flag and variation from `from` on', async () => {
    const { store } = ctx;
    const prod = await seed(store);
    const dev = environment('p', 'dev');
    const other = environment('p', 'other');
    await store.transaction(async (tx) => {
      await tx.putEnvironment(dev);
      await tx.putEnvironment(other);
    });
    const row =
      (environmentId: string, flagKey: string, variation: number | null) =>
      (bucketStart: number, count: number) => ({
        environmentId,
        flagKey,
        variation,
        bucketStart,
        count,
      });
    const prodF0 = row(prod.id, 'f', 0);
    const prodF1 = row(prod.id, 'f', 1);
    const prodFDefault = row(prod.id, 'f', null);
    const prodG = row(prod.id, 'g', 1);
    const devF = row(dev.id, 'f', 0);
    await store.transaction((tx) =>
      tx.addInsights([
        prodF0(1 * HOUR, 100), // before `from`: left out
        prodF0(10 * HOUR, 2), // counted, not recent
        prodF0(20 * HOUR, 3), // recent
        prodF0(20 * HOUR + 60_000, 4), // recent, the latest
        prodF1(12 * HOUR, 5), // only before recentFrom
        prodFDefault(21 * HOUR, 1),
        prodG(30 * HOUR, 7),
        devF(15 * HOUR, 8),
        row(other.id, 'f', 0)(20 * HOUR, 9), // environment not asked for
      ]),
    );
    const summary = await store.summarizeInsights({
      environmentIds: [prod.id, dev.id],
      from: 5 * HOUR,
      recentFrom: 20 * HOUR,
    });
    const expected = [
      {
        environmentId: prod.id,
        flagKey: 'f',
        variation: null,
        count: 1,
        recentCount: 1,
        lastBucketStart: 21 * HOUR,
      },
      {
        environmentId: prod.id,
        flagKey: 'f',
        variation: 0,
        count: 9,
        recentCount: 7,
        lastBucketStart: 20 * HOUR + 60_000,
      },
      {
        environmentId: prod.id,
        flagKey: 'f',
        variation: 1,
        count: 5,
        recentCount: 0,
        lastBucketStart: 12 * HOUR,
      },
      {
        environmentId: prod.id,
        flagKey: 'g',
        variation: 1,
        count: 7,
        recentCount: 7,
        lastBucketStart: 30 * HOUR,
      },
      {
        environmentId: dev.id,
        flagKey: 'f',
        variation: 0,
        count: 8,
        recentCount: 0,
        lastBucketStart: 15 * HOUR,
      },
    ].sort((a, b) =>
      a.environmentId < b.environmentId ? -1 : a.environmentId > b.environmentId ? 1 : 0,
    );
    assert.deepEqual(summary, expected);
    assert.deepEqual(
      await store.summarizeInsights({ environmentIds: [], from: 0, recentFrom: 0 }),
      [],
    );
    assert.deepEqual(
      await store.summarizeInsights({
        environmentIds: [prod.id],
        from: 40 * HOUR,
        recentFrom: 40 * HOUR,
      }),
      [],
    );
  });

  test('summarizeInsights gives the same sums before and after minute buckets are rolled up', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const count = (variation: number, bucketStart: number, n: number) => ({
      environmentId: env.id,
      flagKey: 'f',
      variation,
      bucketStart,
      count: n,
    });
    await store.transaction((tx) =>
      tx.addInsights([count(0, 10 * HOUR + 60_000, 1), count(0, 10 * HOUR + 59 * 60_000, 2)]),
    );
    const query = { environmentIds: [env.id], from: 10 * HOUR, recentFrom: 10 * HOUR };
    const before = await store.summarizeInsights(query);
    await store.transaction((tx) =>
      tx.compactInsights({ deleteBefore: 0, rollUpBefore: 20 * HOUR }),
    );
    const after = await store.summarizeInsights(query);
    assert.deepEqual(
      before.map((s) => [s.count, s.recentCount]),
      after.map((s) => [s.count, s.recentCount]),
    );
    assert.equal(after[0]!.lastBucketStart, 10 * HOUR);
  });

  test('listLatestAudit gives the newest entry of each resource of a kind in a project', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      await tx.appendAudit(auditEntry({ at: 100, resourceKey: 'b', actor: 'ann' }));
      await tx.appendAudit(auditEntry({ at: 200, resourceKey: 'a', actor: 'bob' }));
      await tx.appendAudit(
        auditEntry({
          at: 300,
          resourceKey: 'b',
          actor: 'cy',
          action: 'flag.archive',
          comment: 'done',
        }),
      );
      await tx.appendAudit(auditEntry({ at: 400, resourceKey: 'a', projectKey: 'q' }));
      await tx.appendAudit(auditEntry({ at: 500, resourceKey: 'a', resourceKind: 'segment' }));
    });
    const latest = await store.listLatestAudit({ projectKey: 'p', resourceKind: 'flag' });
    assert.deepEqual(
      latest.map((e) => [e.resourceKey, e.at, e.actor, e.action, e.comment]),
      [
        ['a', 200, 'bob', 'flag.update', undefined],
        ['b', 300, 'cy', 'flag.archive', 'done'],
      ],
    );
    assert.deepEqual(latest[0]!.after, { on: true });
    assert.deepEqual(await store.listLatestAudit({ projectKey: 'none', resourceKind: 'flag' }), []);
  });
}

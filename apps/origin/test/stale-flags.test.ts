import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOrigin, ensureAdminToken } from '@vexil/origin';
import { openMemoryStore, type InsightCount } from '@vexil/store';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  createFlag,
  expectError,
  expectStatus,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore } from './support/stores.js';

// The stale-flags report against every store: flags created and changed through the API on a
// controlled clock, insight buckets written straight into the store at chosen times.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Not on an hour: the window's start is rounded down to 12:00. */
const NOW = Date.UTC(2025, 5, 1, 12, 30);
const WINDOW_START = NOW - 30 * DAY - 30 * MINUTE;
const hourOf = (t: number) => t - (t % HOUR);

interface StaleFlag {
  key: string;
  reason: string;
  readyToRemove: boolean;
  archived: boolean;
  temporary: boolean;
  evaluations: number;
  lastEvaluatedAt: number | null;
  updatedAt: number;
  lastChange: { at: number; actor: string; action: string } | null;
  variation?: { index: number; value: unknown };
  otherOutcomeLastAt?: number | null;
  environments: {
    key: string;
    evaluations: number;
    lastEvaluatedAt: number | null;
    counts: Record<string, number>;
  }[];
  evidence: string[];
}

for (const kind of storeKinds) {
  describe(`stale flags report (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    let project: SeededProject;
    let clock = NOW - 100 * DAY;
    const report = async (query = '') => api.call('GET', `/api/v1/projects/p/stale-flags${query}`);
    const flagsOf = (body: { flags: StaleFlag[] }) => body.flags;
    const byKey = (flags: StaleFlag[], key: string) => {
      const found = flags.find((f) => f.key === key);
      assert.ok(found, `${key} is not in the report: ${flags.map((f) => f.key).join(', ')}`);
      return found;
    };

    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store, { now: () => clock });
      project = await seedProject(api, 'p', ['prod', 'test']);
      for (const key of [
        'archived-old',
        'gone-quiet',
        'rolled-out',
        'split',
        'default-mixed',
        'staging-only',
        'edge-in',
        'edge-out',
      ])
        await createFlag(api, boolFlag(key));
      await createFlag(api, boolFlag('ancient', { temporary: false }));
      clock = NOW - 60 * DAY;
      expectStatus(
        await patchFlag(api, 'archived-old', [{ op: 'replace', path: '/archived', value: true }]),
        200,
      );
      clock = NOW - 45 * DAY;
      await createFlag(api, boolFlag('never-used'));
      clock = NOW - 2 * DAY;
      await createFlag(api, boolFlag('fresh'));
      // A new environment rewrites every flag (updatedAt) without an audit entry per flag.
      clock = NOW - DAY;
      expectStatus(
        await api.call('POST', '/api/v1/projects/p/environments', { key: 'qa', name: 'QA' }),
        201,
      );
      clock = NOW;

      const prod = project.envs['prod']!.id;
      const testEnv = project.envs['test']!.id;
      const count = (
        environmentId: string,
        flagKey: string,
        variation: number | null,
        bucketStart: number,
        n: number,
      ): InsightCount => ({ environmentId, flagKey, variation, bucketStart, count: n });
      await api.store.transaction((tx) =>
        tx.addInsights([
          count(prod, 'gone-quiet', 0, hourOf(NOW - 40 * DAY), 5),
          count(prod, 'rolled-out', 1, hourOf(NOW - 35 * DAY), 3),
          count(prod, 'rolled-out', 0, hourOf(NOW - 20 * DAY), 10),
          count(prod, 'rolled-out', 0, NOW - HOUR, 7),
          count(testEnv, 'rolled-out', 0, hourOf(NOW - 5 * DAY), 2),
          count(prod, 'split', 0, NOW - 2 * HOUR, 4),
          count(prod, 'split', 1, NOW - 2 * HOUR, 1),
          count(prod, 'default-mixed', 0, NOW - 2 * HOUR, 10),
          count(prod, 'default-mixed', null, NOW - 2 * HOUR, 1),
          count(testEnv, 'staging-only', 1, NOW - 3 * DAY, 4),
          // Older than the retention (90 days) and not deleted yet: ignored all the same.
          count(prod, 'ancient', 0, hourOf(NOW - 91 * DAY), 8),
          // Minute buckets either side of the window's start (12:00, 30 days ago).
          count(prod, 'edge-in', 0, WINDOW_START + 59 * MINUTE, 1),
          count(prod, 'edge-out', 0, WINDOW_START - MINUTE, 1),
        ]),
      );
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test(
      'lists unevaluated and single-variation flags, most removable first',
      { skip },
      async () => {
        const res = await report('?days=30');
        expectStatus(res, 200);
        const body = res.body;
        assert.equal(body.projectKey, 'p');
        assert.equal(body.environment, null);
        assert.equal(body.days, 30);
        assert.equal(body.retentionDays, 90);
        assert.equal(body.now, NOW);
        assert.equal(body.windowStart, WINDOW_START);
        assert.equal(body.insightsSince, NOW - 90 * DAY);
        assert.deepEqual(
          flagsOf(body).map((f) => [f.key, f.reason]),
          [
            ['archived-old', 'not-evaluated'],
            ['never-used', 'not-evaluated'],
            ['gone-quiet', 'not-evaluated'],
            ['edge-out', 'not-evaluated'],
            ['edge-in', 'single-variation'],
            ['staging-only', 'single-variation'],
            ['rolled-out', 'single-variation'],
            ['ancient', 'not-evaluated'],
          ],
        );
        assert.deepEqual(body.totals, {
          flags: 11,
          tooNew: 1,
          notEvaluated: 5,
          singleVariation: 3,
        });
        assert.deepEqual(
          body.environments.map((e: { key: string; evaluations: number }) => [
            e.key,
            e.evaluations,
          ]),
          [
            ['prod', 17 + 5 + 11 + 1],
            ['qa', 0],
            ['test', 2 + 4],
          ],
        );
        assert.equal(body.warnings.length, 1);
        assert.match(
          body.warnings[0],
          /^no evaluation of any flag was recorded in qa in the last 30 days/,
        );
      },
    );

    test('gives the evidence of each flag', { skip }, async () => {
      const flags = flagsOf((await report('?days=30')).body);
      const archived = byKey(flags, 'archived-old');
      assert.equal(archived.archived, true);
      assert.equal(archived.readyToRemove, true);
      assert.equal(archived.lastEvaluatedAt, null);
      assert.deepEqual(archived.lastChange, {
        at: NOW - 60 * DAY,
        actor: 'test admin',
        action: 'flag.archive',
      });
      assert.ok(
        archived.evidence.includes('archived: SDKs no longer get it'),
        archived.evidence.join('\n'),
      );
      assert.ok(
        archived.evidence.includes('last changed 60 days ago by test admin (flag.archive)'),
      );

      const never = byKey(flags, 'never-used');
      assert.equal(
        never.evidence[0],
        'never evaluated in any environment since it was created 45 days ago',
      );
      // The audit entry, not updatedAt (rewritten when qa was added), says when it last changed.
      assert.equal(never.updatedAt, NOW - DAY);
      assert.equal(never.lastChange?.at, NOW - 45 * DAY);
      assert.ok(never.evidence.includes('last changed 45 days ago by test admin (flag.create)'));
      assert.ok(never.evidence.includes('temporary flag'));

      const quiet = byKey(flags, 'gone-quiet');
      assert.equal(quiet.lastEvaluatedAt, hourOf(NOW - 40 * DAY));
      assert.equal(quiet.evaluations, 0);
      assert.equal(
        quiet.evidence[0],
        'not evaluated in any environment in the last 30 days; last evaluated 40 days ago (in prod)',
      );

      const ancient = byKey(flags, 'ancient');
      assert.equal(ancient.temporary, false);
      assert.equal(ancient.readyToRemove, false);
      assert.equal(ancient.lastEvaluatedAt, null, 'a bucket older than the retention is not read');
      assert.match(
        ancient.evidence[0]!,
        /^not evaluated in any environment in the 90 days of insights kept \(created 100 days ago/,
      );
      assert.ok(
        ancient.evidence.includes('permanent flag: meant to stay, so check before removing it'),
      );

      const rolled = byKey(flags, 'rolled-out');
      assert.equal(rolled.evaluations, 19);
      assert.deepEqual(rolled.variation, { index: 0, value: true });
      assert.equal(rolled.otherOutcomeLastAt, hourOf(NOW - 35 * DAY));
      assert.equal(rolled.lastEvaluatedAt, NOW - HOUR);
      assert.deepEqual(
        rolled.environments.map((e) => [e.key, e.evaluations, e.counts]),
        [
          ['prod', 17, { '0': 17 }],
          ['qa', 0, {}],
          ['test', 2, { '0': 2 }],
        ],
      );
      assert.equal(
        rolled.evidence[0],
        'all 19 evaluations in the last 30 days (prod 17, test 2) served variation 0 (true)',
      );
      assert.equal(rolled.evidence[1], 'anything else was last served 35 days ago');

      const edge = byKey(flags, 'edge-in');
      assert.equal(edge.evaluations, 1);
      assert.equal(edge.otherOutcomeLastAt, null);
      assert.match(
        edge.evidence[0]!,
        /^the only evaluation in the last 30 days \(prod 1\) served variation 0/,
      );
      assert.equal(edge.evidence[1], 'nothing else was served in the 90 days of insights kept');
      assert.equal(byKey(flags, 'edge-out').lastEvaluatedAt, WINDOW_START - MINUTE);
    });

    test(
      'one environment: a flag evaluated only elsewhere is unevaluated there',
      { skip },
      async () => {
        const res = await report('?days=30&environment=prod');
        expectStatus(res, 200);
        assert.equal(res.body.environment, 'prod');
        assert.deepEqual(
          res.body.environments.map((e: { key: string }) => e.key),
          ['prod'],
        );
        assert.deepEqual(res.body.warnings, []);
        const flags = flagsOf(res.body);
        const staging = byKey(flags, 'staging-only');
        assert.equal(staging.reason, 'not-evaluated');
        assert.match(
          staging.evidence[0]!,
          /^not evaluated in prod in the 90 days of insights kept/,
        );
        const rolled = byKey(flags, 'rolled-out');
        assert.equal(rolled.evaluations, 17);
        assert.equal(
          rolled.evidence[0],
          'all 17 evaluations in prod in the last 30 days served variation 0 (true)',
        );

        const qa = await report('?environment=qa');
        expectStatus(qa, 200);
        assert.equal(qa.body.warnings.length, 1);
        assert.ok(flagsOf(qa.body).every((f) => f.reason === 'not-evaluated'));
      },
    );

    test('the answer is the same before and after insight compaction', { skip }, async () => {
      const summary = async () =>
        flagsOf((await report('?days=30')).body).map((f) => [f.key, f.reason, f.evaluations]);
      const beforeCompaction = await summary();
      await api.store.transaction((tx) =>
        tx.compactInsights({ rollUpBefore: NOW - 2 * DAY, deleteBefore: NOW - 90 * DAY }),
      );
      assert.deepEqual(await summary(), beforeCompaction);
      const flags = flagsOf((await report('?days=30')).body);
      assert.equal(byKey(flags, 'edge-out').lastEvaluatedAt, WINDOW_START - HOUR);
    });

    test(
      'days defaults to 30; at the retention the window is the retention',
      { skip },
      async () => {
        expectStatus(await report(), 200);
        assert.equal((await report()).body.days, 30);
        const longest = await report('?days=90');
        expectStatus(longest, 200);
        assert.equal(longest.body.windowStart, NOW - 90 * DAY);
        assert.equal(byKey(flagsOf(longest.body), 'gone-quiet').reason, 'single-variation');
        const shortest = await report('?days=1');
        expectStatus(shortest, 200);
        assert.equal(shortest.body.windowStart, hourOf(NOW - DAY));
        assert.equal(byKey(flagsOf(shortest.body), 'fresh').reason, 'not-evaluated');
      },
    );

    test('refuses days outside 1 to the retention with a 400 that says why', { skip }, async () => {
      for (const days of ['0', '91', 'abc', '1.5', '-1', '', '1e1'])
        expectError(
          await report(`?days=${encodeURIComponent(days)}`),
          400,
          'VALIDATION_FAILED',
          'query.days must be a whole number of days from 1 to 90',
        );
      expectError(
        await report('?days=91'),
        400,
        'VALIDATION_FAILED',
        'keeps flag insights 90 days',
      );
      expectError(
        await report('?environment=nope'),
        404,
        'NOT_FOUND',
        'environment "nope" in project "p"',
      );
      expectError(
        await api.call('GET', '/api/v1/projects/nope/stale-flags'),
        404,
        'NOT_FOUND',
        'project "nope"',
      );
    });

    test('reader tokens may read it', { skip }, async () => {
      const created = await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' });
      expectStatus(created, 201);
      const res = await api.call('GET', '/api/v1/projects/p/stale-flags', undefined, {
        authorization: `Bearer ${created.body.token}`,
      });
      expectStatus(res, 200);
    });
  });
}

test('days is bounded by the retention the origin is given', async () => {
  const store = await openMemoryStore();
  const origin = createOrigin({ store, insightRetentionDays: 7 });
  await ensureAdminToken(store, 'admin-token', 'admin');
  const server = createServer((req, res) => void origin.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { days: number; message: string } };
  };
  try {
    assert.equal((await call('POST', '/projects', { key: 'p', name: 'P' })).status, 201);
    const fine = await call('GET', '/projects/p/stale-flags');
    assert.equal(fine.status, 200);
    assert.equal(fine.body.days, 7, 'the default is capped at the retention');
    const tooLong = await call('GET', '/projects/p/stale-flags?days=8');
    assert.equal(tooLong.status, 400);
    assert.match(
      tooLong.body.message,
      /from 1 to 7 \(got 8\): the origin keeps flag insights 7 days/,
    );
  } finally {
    origin.close();
    server.close();
    await store.close();
  }
});

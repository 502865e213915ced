import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOrigin, ensureAdminToken, type Origin } from '@vexil/origin';
import { openMemoryStore, type Store } from '@vexil/store';
import { json, runCli } from './support/cli-process.js';

// `vexil flags stale` as a user types it, against an origin on a controlled clock whose
// insight buckets the test writes into the store at chosen times.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 1, 12, 30);
const ADMIN = 'admin-token-for-the-stale-flags-test';

describe('vexil flags stale', () => {
  let store: Store;
  let origin: Origin;
  let server: Server;
  let clock = NOW - 50 * DAY;
  let env: Record<string, string> = {};
  const vexil = (...args: string[]) => runCli(['flags', 'stale', ...args], env);

  before(async () => {
    store = await openMemoryStore();
    origin = createOrigin({ store, now: () => clock, insightRetentionDays: 60 });
    await ensureAdminToken(store, ADMIN, 'admin');
    server = createServer((req, res) => void origin.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    env = {
      VEXIL_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      VEXIL_TOKEN: ADMIN,
    };
    const call = (path: string, body: unknown) => origin.invoke('POST', `/api/v1${path}`, body);
    await call('/projects', { key: 'shop', name: 'Shop' });
    await call('/projects/shop/environments', { key: 'production', name: 'Production' });
    for (const key of ['old-banner', 'new-checkout', 'busy'])
      await call('/projects/shop/flags', { key, variations: [{ value: true }, { value: false }] });
    clock = NOW;
    const production = (await store.getEnvironment('shop', 'production'))!.id;
    const count = (flagKey: string, variation: number, bucketStart: number, n: number) => ({
      environmentId: production,
      flagKey,
      variation,
      bucketStart,
      count: n,
    });
    await store.transaction((tx) =>
      tx.addInsights([
        count('old-banner', 0, NOW - 40 * DAY - (NOW % HOUR), 3),
        count('new-checkout', 1, NOW - 2 * HOUR, 1200),
        count('busy', 0, NOW - 2 * HOUR, 5),
        count('busy', 1, NOW - 2 * HOUR, 5),
      ]),
    );
  });

  after(async () => {
    origin.close();
    server.closeAllConnections();
    server.close();
    await store.close();
  });

  test('prints the flags most removable first, with their evidence', async () => {
    const result = await vexil('--project', 'shop', '--days', '30');
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, /^Stale flags of project shop over the last 30 days \(all environments;/m);
    assert.match(
      out,
      /^1 not evaluated, 1 serving one variation, of 3 flags \(0 too new to judge\)$/m,
    );
    assert.match(
      out,
      /^FLAG\s+REMOVE\s+WHY\s+LAST EVALUATED\s+LAST CHANGED\s+CREATED\s+TEMPORARY\s+ARCHIVED$/m,
    );
    const rows = out.split('\n').filter((l) => /^(old-banner|new-checkout|busy)\s/.test(l));
    assert.deepEqual(
      rows.map((r) => r.split(/\s{2,}/).slice(0, 3)),
      [
        ['old-banner', 'ready', 'not evaluated'],
        ['new-checkout', 'ready', 'serves only 1 (false)'],
      ],
    );
    assert.match(
      rows[0]!,
      /2025-04-22 12:00:00Z\s+2025-04-12 12:30:00Z\s+2025-04-12 12:30:00Z\s+yes\s+no$/,
    );
    assert.match(
      out,
      /^old-banner\n {2}- not evaluated in any environment in the last 30 days; last evaluated 40 days ago \(in production\)$/m,
    );
    assert.match(
      out,
      /^ {2}- all 1,200 evaluations in the last 30 days \(production 1,200\) served variation 1 \(false\)$/m,
    );
    assert.match(out, /^ {2}- last changed 50 days ago by system \(flag\.create\)$/m);
  });

  test('--json prints the API response; --env judges one environment', async () => {
    const result = await vexil(
      '--project',
      'shop',
      '--days',
      '45',
      '--env',
      'production',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const report = json(result) as {
      days: number;
      environment: string;
      flags: { key: string }[];
    };
    assert.equal(report.days, 45);
    assert.equal(report.environment, 'production');
    // 40 days ago is inside 45 days: old-banner served one variation then.
    assert.deepEqual(
      report.flags.map((f) => f.key),
      ['old-banner', 'new-checkout'],
    );
  });

  test('--days outside 1 to the retention is refused with the API message', async () => {
    const tooLong = await vexil('--project', 'shop', '--days', '61');
    assert.equal(tooLong.code, 1);
    assert.match(
      tooLong.stderr,
      /^vexil: query\.days must be a whole number of days from 1 to 60 \(got 61\): the origin keeps flag insights 60 days/,
    );
    const notANumber = await vexil('--project', 'shop', '--days', 'a week');
    assert.equal(notANumber.code, 2);
    assert.match(notANumber.stderr, /--days must be a whole number of days, such as 30/);
  });
});

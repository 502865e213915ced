import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import { openSqliteStore } from '@vexil/store/sqlite';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser, type PageWatch } from './support/browser.js';
import {
  assertCleanPage,
  openSession,
  prepareRun,
  SHOTS,
  signIn,
  WAIT_MS,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// The "Stale flags" page end to end: a real `vexil start`, a project whose flags are made through
// the API, then given weeks of history straight in its SQLite store (creation times, audit
// entries, insight buckets at chosen times), as if edges had counted SDK evaluations since.
// Chromium reads the report like a person: labels and roles, no test ids, bounded waits.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const skip = browserSkip();

describe('stale flags page in a browser against vexil start', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });
  const evidence = (flagKey: string) =>
    page.getByRole('list', { name: `Evidence for ${flagKey}` }).getByRole('listitem');
  const rowOf = (name: RegExp) =>
    page
      .getByRole('table')
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name }) });
  /** The flags listed, by name, in the table's order. */
  const rowNames = () =>
    page.getByRole('table').getByRole('rowheader').getByRole('link').allTextContents();

  before(async () => {
    prepareRun(SHOTS);
    server = await startVexil();
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await server.api(method, path, body);
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await api('POST', '/projects', { key: 'shop', name: 'Shop' });
    await api('POST', '/projects/shop/environments', { key: 'production', name: 'Production' });
    await api('POST', '/projects/shop/environments', { key: 'staging', name: 'Staging' });
    const flags = [
      ['holiday-banner', 'Holiday banner', true],
      ['new-checkout-flow', 'New checkout flow', true],
      ['legacy-search', 'Legacy search', true],
      ['payments-kill-switch', 'Payments kill switch', false],
      ['dark-mode', 'Dark mode', true],
      ['beta-reports', 'Beta reports', true],
    ] as const;
    for (const [key, name, temporary] of flags)
      await api('POST', '/projects/shop/flags', {
        key,
        name,
        temporary,
        variations: [{ value: true }, { value: false }],
      });

    // Weeks of history, written into the server's own SQLite file while it runs.
    const now = Date.now();
    const store = await openSqliteStore({ path: join(server.dataDir, 'vexil.db') });
    try {
      const production = (await store.getEnvironment('shop', 'production'))!.id;
      await store.transaction(async (tx) => {
        const backdate = async (key: string, daysAgo: number, archived = false) => {
          const flag = (await tx.getFlagForUpdate('shop', key))!;
          const at = now - daysAgo * DAY;
          await tx.putFlag({ ...flag, createdAt: at, updatedAt: at, archived });
        };
        await backdate('holiday-banner', 80);
        await backdate('new-checkout-flow', 80);
        await backdate('legacy-search', 85, true);
        await backdate('payments-kill-switch', 85);
        await backdate('dark-mode', 70);
        const change = (key: string, daysAgo: number, actor: string, action: string) =>
          tx.appendAudit({
            at: now - daysAgo * DAY,
            actor,
            action,
            projectKey: 'shop',
            resourceKind: 'flag',
            resourceKey: key,
            before: null,
            after: null,
          });
        await change('holiday-banner', 45, 'maria', 'flag.update');
        await change('new-checkout-flow', 33, 'sam', 'flag.update');
        await change('legacy-search', 50, 'maria', 'flag.archive');
        await change('payments-kill-switch', 60, 'ops-bot', 'flag.update');
        const hourOf = (t: number) => t - (t % HOUR);
        const minuteOf = (t: number) => t - (t % MINUTE);
        const count = (flagKey: string, variation: number, bucketStart: number, n: number) => ({
          environmentId: production,
          flagKey,
          variation,
          bucketStart,
          count: n,
        });
        await tx.addInsights([
          count('holiday-banner', 0, hourOf(now - 41 * DAY), 1_250),
          count('new-checkout-flow', 1, hourOf(now - 38 * DAY), 310),
          count('new-checkout-flow', 0, hourOf(now - 20 * DAY), 48_200),
          count('new-checkout-flow', 0, minuteOf(now - 2 * HOUR), 960),
          count('payments-kill-switch', 1, hourOf(now - 12 * DAY), 22_000),
          count('payments-kill-switch', 1, minuteOf(now - HOUR), 400),
          count('dark-mode', 0, minuteOf(now - HOUR), 700),
          count('dark-mode', 1, minuteOf(now - HOUR), 300),
        ]);
      });
    } finally {
      await store.close();
    }

    browser = await launchBrowser();
    ({ page, watch } = await openSession(browser, server, { width: 1440, height: 900 }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the report from the nav: most removable first, with the evidence', async () => {
    await signIn(page, server);
    await heading('Flags').waitFor();
    await page.getByLabel('Project').selectOption('shop');
    await page.getByRole('link', { name: 'Dark mode' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Stale flags' })
      .click();
    await heading('Stale flags').waitFor();
    assert.match(page.url(), /\/projects\/shop\/envs\/production\/stale-flags$/);
    await page
      .getByText(
        '2 flags not evaluated in any environment and 2 flags serving one variation to every context, over the last 30 days; 6 flags in the project, 1 too new to judge.',
      )
      .waitFor();
    assert.deepEqual(await rowNames(), [
      'Legacy search',
      'Holiday banner',
      'New checkout flow',
      'Payments kill switch',
    ]);

    const legacy = rowOf(/Legacy search/);
    await legacy.getByText('Ready to remove', { exact: true }).waitFor();
    await legacy.getByText('Archived', { exact: true }).waitFor();
    assert.deepEqual(await evidence('legacy-search').allTextContents(), [
      'never evaluated in any environment since it was created 85 days ago',
      'last changed 50 days ago by maria (flag.archive)',
      'archived: SDKs no longer get it',
      'temporary flag',
    ]);
    await evidence('holiday-banner')
      .getByText(
        'not evaluated in any environment in the last 30 days; last evaluated 41 days ago (in production)',
      )
      .waitFor();
    const checkout = rowOf(/New checkout flow/);
    await checkout.getByText('Serves only true').waitFor();
    await evidence('new-checkout-flow')
      .getByText(
        'all 49,160 evaluations in the last 30 days (production 49,160) served variation 0 (true)',
      )
      .waitFor();
    await evidence('new-checkout-flow')
      .getByText('anything else was last served 38 days ago')
      .waitFor();
    const killSwitch = rowOf(/Payments kill switch/);
    await killSwitch.getByText('Check first').waitFor();
    await killSwitch.getByText('Permanent', { exact: true }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: 'No evaluation of any flag was recorded in staging in the last 30 days' })
      .waitFor();
    await page.screenshot({ path: `${SHOTS}stale-flags.png`, fullPage: true });
  });

  test('the window and the environment change the report; days past the retention say why', async () => {
    await page.getByLabel('Days').fill('45');
    await rowOf(/Holiday banner/)
      .getByText('Serves only true')
      .waitFor();
    assert.match(page.url(), /\/stale-flags\?days=45$/);
    await evidence('holiday-banner')
      .getByText(
        'all 1,250 evaluations in the last 45 days (production 1,250) served variation 0 (true)',
      )
      .waitFor();

    await page.getByLabel('Days').fill('30');
    await page.getByRole('main').getByLabel('Environment').selectOption('staging');
    await rowOf(/Dark mode/).waitFor();
    await until(
      'every flag old enough to be listed as not evaluated in staging',
      async () => (await rowNames()).length === 5,
      WAIT_MS,
    );
    await evidence('dark-mode')
      .getByText('never evaluated in staging since it was created 70 days ago')
      .waitFor();

    await page.getByLabel('Days').fill('120');
    await page
      .getByRole('alert')
      .filter({ hasText: 'query.days must be a whole number of days from 1 to 90 (got 120)' })
      .waitFor();
    assertCleanPage(watch);
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { until } from '@vexil/testkit';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser, type PageWatch } from './support/browser.js';
import {
  assertCleanPage,
  openSession,
  prepareRun,
  SHOTS,
  submitToken,
  WAIT_MS,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// The dashboard end to end: a real `vexil start` serving the built dashboard, headless
// Chromium driving it like a person (labels and roles, no test ids), and a LaunchDarkly Node
// server SDK connected to the same server that must see every change made in the browser.
// Every wait is on a selector, an event or a condition, each with a deadline.

const FLAG = 'dashboard-e2e';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface FlagBody {
  version: number;
  description: string;
  environments: Record<string, Record<string, unknown>>;
}

const skip = browserSkip();

describe('dashboard in a browser against vexil start', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let sdk: LDClient;

  const shot = (name: string, fullPage = true) =>
    page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
  const flagPath = `/projects/default/flags/${FLAG}`;
  const getFlag = async () => (await server.api<FlagBody>('GET', flagPath)).body;
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const saveEdit = async (changes: RegExp) => {
    await page.getByRole('button', { name: 'Review and save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review changes' });
    await dialog.getByRole('button', { name: changes }).click();
    await page.getByText('No unsaved changes').waitFor();
  };

  before(async () => {
    prepareRun(SHOTS);
    server = await startVexil();
    const env = await server.api<{ sdkKey: string }>(
      'GET',
      '/projects/default/environments/production',
    );
    sdk = init(env.body.sdkKey, {
      baseUri: server.url,
      streamUri: server.url,
      eventsUri: server.url,
      diagnosticOptOut: true,
      flushInterval: 1,
      logger: silent,
    });
    await sdk.waitForInitialization({ timeout: 10 });
    browser = await launchBrowser();
    ({ page, watch } = await openSession(browser, server));
  });

  after(async () => {
    await browser?.close();
    sdk?.close();
    await server?.stop();
  });

  test('sign in with the admin token from the banner', async () => {
    await page.goto(`${server.url}/`);
    await submitToken(page, 'not-a-token');
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    await shot('sign-in', false);
    await submitToken(page, server.adminToken);
    await heading('Flags').waitFor();
    assert.match(page.url(), /\/projects\/default\/envs\/production\/flags$/);
    await page.getByRole('link', { name: 'New checkout' }).waitFor();
  });

  test('create a flag', async () => {
    const created = once(sdk, `update:${FLAG}`, { signal: AbortSignal.timeout(WAIT_MS) });
    await page.getByRole('button', { name: 'Create flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a flag' });
    await dialog.getByLabel('Name', { exact: true }).fill('Dashboard e2e');
    assert.equal(await dialog.getByLabel('Key', { exact: true }).inputValue(), FLAG);
    await dialog.getByLabel('Description').fill('Made by the dashboard end-to-end test.');
    await dialog.getByLabel('Tags').fill('e2e, checkout');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await heading('Dashboard e2e').waitFor();
    await created;
    assert.equal(await sdk.variation(FLAG, { kind: 'user', key: 'u' }, 'fallback'), false);
  });

  test('add a rule and a 30/70 rollout, previewing the JSON Patch before saving', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    const clause = page.getByRole('group', { name: 'Rule 1, condition 1' });
    await clause.getByLabel('Attribute').fill('email');
    await clause.getByLabel('Operator').selectOption('endsWith');
    await clause.getByLabel('Values').fill('@example.com');
    await page
      .getByRole('group', { name: 'Default rule: serve' })
      .getByLabel('A percentage rollout')
      .check();
    await page.getByLabel('Default rule: percentage for true').fill('30');
    // Weights always add up to 100%: the other variation takes the rest.
    assert.equal(await page.getByLabel('Default rule: percentage for false').inputValue(), '70');

    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByText(/^Show JSON Patch/).click();
    await review
      .getByRole('cell', { name: '/environments/production/rules/0', exact: true })
      .waitFor();
    await review
      .getByRole('cell', { name: '/environments/production/fallthrough/rollout', exact: true })
      .waitFor();
    await shot('save-preview', false);
    await review.getByRole('button', { name: /^Save \d+ changes?$/ }).click();
    await page.getByText('No unsaved changes').waitFor();

    const production = (await getFlag()).environments['production']!;
    assert.deepEqual(production['fallthrough'], {
      rollout: {
        variations: [
          { variation: 0, weight: 30_000 },
          { variation: 1, weight: 70_000 },
        ],
      },
    });
    const rules = production['rules'] as { clauses: unknown[]; variation: number }[];
    assert.deepEqual(rules[0]!.clauses, [
      {
        contextKind: 'user',
        attribute: 'email',
        op: 'endsWith',
        values: ['@example.com'],
        negate: false,
      },
    ]);
    assert.equal(rules[0]!.variation, 0);
  });

  test('toggle it on: the change reaches the connected LaunchDarkly SDK', async () => {
    const updated = once(sdk, `update:${FLAG}`, { signal: AbortSignal.timeout(WAIT_MS) });
    const toggle = page.getByRole('switch', { name: 'Targeting in Production' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await saveEdit(/^Save 1 change$/);
    await updated;
    const employee = await sdk.variationDetail(
      FLAG,
      { kind: 'user', key: 'e1', email: 'ann@example.com' },
      'x',
    );
    assert.equal(employee.value, true);
    assert.equal(employee.reason.kind, 'RULE_MATCH');
    // Many contexts through the 30/70 rollout: analytics events for the insights chart too.
    let served = 0;
    for (let i = 0; i < 200; i++) {
      if ((await sdk.variation(FLAG, { kind: 'user', key: `user-${i}` }, 'x')) === true) served++;
    }
    assert.ok(served > 30 && served < 100, `${served} of 200 got the 30% variation`);
    await sdk.flush();
    await shot('flag-page');
    await page.setViewportSize({ width: 820, height: 1100 });
    await shot('flag-page-tablet', false);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('the flags list: state per environment, search and tag filter', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Flags', exact: true })
      .click();
    await heading('Flags').waitFor();
    const rows = page.getByRole('table').getByRole('row');
    const row = rows.filter({ hasText: FLAG });
    await row.getByText('On', { exact: true }).waitFor();
    await row.getByText(/1 rule, then 30% true \/ 70% false/).waitFor();
    await shot('flags-list');
    await page.getByLabel('Search').fill('end-to-end');
    await until('the search to leave one flag', async () => (await rows.count()) === 2, WAIT_MS);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Tag').selectOption('checkout');
    await until(
      'the tag filter to leave two flags',
      async () => (await rows.count()) === 3,
      WAIT_MS,
    );
    const environment = page.getByRole('banner').getByLabel('Environment');
    await environment.selectOption('test');
    await row.getByText('Off', { exact: true }).waitFor();
    await environment.selectOption('production');
    await page.getByRole('link', { name: 'Dashboard e2e' }).click();
    await heading('Dashboard e2e').waitFor();
  });

  test('a concurrent change is a conflict: reload and reapply keeps both edits', async () => {
    await page.getByRole('button', { name: 'Add individual target' }).click();
    const target = page.getByRole('group', { name: 'Target 1' });
    await target.getByLabel('Context keys').fill('vip-user');
    await target.getByLabel('Target 1: variation').selectOption({ label: 'true' });
    const elsewhere = await server.api('PATCH', flagPath, [
      { op: 'replace', path: '/description', value: 'Changed by someone else.' },
    ]);
    assert.equal(elsewhere.status, 200);
    // And Production's targeting: a change elsewhere in the flag alone is taken in silently by
    // the live page (the draft moves to the new version), and no 409 would follow.
    const inProduction = await server.api('PATCH', flagPath, [
      { op: 'replace', path: '/environments/production/offVariation', value: 0 },
    ]);
    assert.equal(inProduction.status, 200);

    await page.getByRole('button', { name: 'Review and save' }).click();
    await page
      .getByRole('dialog', { name: 'Review changes' })
      .getByRole('button', { name: /^Save/ })
      .click();
    const conflict = page.getByRole('dialog', { name: 'Someone else changed this meanwhile' });
    await conflict.getByText(/If-Match/).waitFor();
    await shot('conflict', false);
    await conflict.getByRole('button', { name: 'Reload and reapply my changes' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByText(/^Show JSON Patch/).click();
    await review
      .getByRole('cell', { name: '/environments/production/targets/0', exact: true })
      .waitFor();
    await review.getByRole('button', { name: /^Save/ }).click();
    await page.getByText('No unsaved changes').waitFor();

    const flag = await getFlag();
    assert.equal(flag.description, 'Changed by someone else.');
    assert.equal(flag.environments['production']!['offVariation'], 0);
    assert.deepEqual(flag.environments['production']!['targets'], [
      { values: ['vip-user'], variation: 0 },
    ]);
  });

  test('the audit log shows the toggle with its before/after diff, filtered by environment', async () => {
    await page.getByRole('link', { name: 'History' }).click();
    await heading('Audit log').waitFor();
    const main = page.getByRole('main');
    assert.equal(await main.getByLabel('Flag').inputValue(), FLAG);
    // The entries themselves, not the lines of "What changed" listed inside each.
    const items = page.getByRole('list', { name: 'Changes, newest first' }).locator(':scope > li');
    await items.filter({ hasText: 'created flag' }).waitFor();
    for (const summary of await page.locator('summary').all()) await summary.click();
    const row = page.getByRole('row').filter({ hasText: '/environments/production/on' });
    await row.waitFor();
    assert.deepEqual(await row.getByRole('cell').allInnerTexts(), [
      '/environments/production/on',
      'false',
      'true',
    ]);
    await shot('audit');
    // In the Test environment nothing of production's targeting changed: only the creation.
    await main.getByLabel('Environment').selectOption('test');
    await until(
      'the audit log to show only the test environment',
      async () => (await items.count()) === 2,
      WAIT_MS,
    );
    assert.equal(
      await page.getByRole('row').filter({ hasText: '/environments/production/on' }).count(),
      0,
    );
  });

  test('segments: create one and include context keys', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Segments' })
      .click();
    await heading('Segments').waitFor();
    await page.getByLabel('New segment').fill('Beta testers');
    await page.getByRole('button', { name: 'Create segment' }).click();
    await heading('Beta testers').waitFor();
    await page.getByLabel('Included user keys').fill('user-1\nuser-2');
    await saveEdit(/^Save \d+ changes?$/);
    const segment = await server.api<{ included: string[] }>(
      'GET',
      '/projects/default/environments/production/segments/beta-testers',
    );
    assert.deepEqual(segment.body.included, ['user-1', 'user-2']);
    await shot('segment');
    await page.getByRole('link', { name: 'Segments', exact: true }).first().click();
    await page.getByRole('link', { name: 'Beta testers' }).waitFor();
    await shot('segments');
  });

  test('payload filters: create one by tag, edit it, see what it serves, delete it', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Payload filters' })
      .click();
    await heading('Payload filters').waitFor();
    const form = page.getByRole('form', { name: 'New payload filter' });
    await form.getByLabel('Name').fill('Checkout service');
    await form.getByLabel('Flags by tag').fill('checkout');
    await form.getByRole('button', { name: 'Create filter' }).click();
    // The demo's new-checkout and this suite's flag carry the tag.
    await page.getByTestId('serves-checkout-service').getByText(`${FLAG}, new-checkout`).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit checkout-service' });
    await edit.getByLabel('Flags by key').fill('banner-text');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('serves-checkout-service')
      .getByText(`banner-text, ${FLAG}, new-checkout`)
      .waitFor();
    const filter = await server.api<{ flags: string[]; tags: string[] }>(
      'GET',
      '/projects/default/filters/checkout-service',
    );
    assert.deepEqual(filter.body.flags, ['banner-text', FLAG, 'new-checkout']);
    assert.deepEqual(filter.body.tags, ['checkout']);
    await shot('filters');
    await page.getByRole('button', { name: 'Delete filter checkout-service' }).click();
    await page.getByText('No payload filters yet').waitFor();
  });

  test('environments: reveal, rotate with an expiry, SDK snippets', async () => {
    await page.getByRole('link', { name: 'Environments' }).click();
    await heading('Environments').waitFor();
    const env = (
      await server.api<{ sdkKey: string }>('GET', '/projects/default/environments/production')
    ).body;
    await page.getByRole('button', { name: 'Reveal Production SDK key' }).click();
    await page.getByText(env.sdkKey, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Hide Production SDK key' }).click();

    await page.getByRole('button', { name: 'Rotate…' }).nth(1).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate the mobile key of Production' });
    await rotate.getByLabel('The old key keeps working for').selectOption({ label: '1 hour' });
    await rotate.getByRole('button', { name: 'Rotate mobile key' }).click();
    await page.getByText(/The previous mobile key works until/).waitFor();

    await page.getByText('Connect an SDK to Production').click();
    const snippet = page.getByRole('tabpanel').filter({ hasText: '@launchdarkly/node-server-sdk' });
    await snippet.getByText(server.url).first().waitFor();
    await page.getByRole('tab', { name: 'LaunchDarkly Node.js server SDK' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'LaunchDarkly browser SDK', selected: true }).waitFor();
    await shot('environments');
  });

  test('environments: secure mode is confirmed before it goes on, and goes off in one click', async () => {
    const secureMode = async () =>
      (await server.api<{ secureMode: boolean }>('GET', '/projects/default/environments/test')).body
        .secureMode;
    const checkbox = page.getByRole('checkbox', { name: 'Secure mode for Test' });
    assert.equal(await checkbox.isChecked(), false);
    await checkbox.click();
    const confirm = page.getByRole('dialog', { name: 'Turn on secure mode in Test' });
    await confirm.getByRole('button', { name: 'Turn on secure mode' }).click();
    await page.getByText(/^On: browser SDKs must send the hash of their context/).waitFor();
    assert.equal(await checkbox.isChecked(), true);
    assert.equal(await secureMode(), true);
    const audit = await server.api<{ items: { action: string }[] }>(
      'GET',
      '/audit?environment=test&limit=1',
    );
    assert.equal(audit.body.items[0]?.action, 'environment.update');

    await checkbox.click();
    await until('secure mode off', async () => !(await secureMode()), WAIT_MS);
    await until('the box unchecked', async () => !(await checkbox.isChecked()), WAIT_MS);
  });

  test('insights: evaluation counts by variation from the SDK events', async () => {
    await page.goto(`${server.url}/projects/default/envs/production/flags/${FLAG}/insights`);
    await heading(/^Insights/).waitFor();
    const chart = page.getByRole('img', { name: /^Evaluations of dashboard-e2e/ });
    // The edge writes insights every few seconds: refresh until the SDK's events are in.
    await until(
      'the insights chart',
      async () => {
        if (await chart.isVisible()) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        return false;
      },
      30_000,
      500,
    );
    const totals = page.getByRole('table').filter({ hasText: 'Evaluations' });
    await totals.getByRole('row', { name: /true/ }).waitFor();
    await shot('insights');
  });

  test('delivery view: the built-in edge, streams and propagation latency', async () => {
    await page.getByRole('link', { name: 'Delivery network' }).click();
    await heading('Delivery network').waitFor();
    await page.getByRole('row').filter({ hasText: 'OK' }).first().waitFor();
    await page.getByText(/default\/production [1-9]/).waitFor();
    // Each targeting change of an environment the edge holds gives the next edge report (every
    // 5 s) a propagation sample: two changes, two points per series (p50 and p99) in the chart's
    // data table. The edge loads environments as clients ask: a poll makes it hold `test`.
    const test = await server.api<{ sdkKey: string }>('GET', '/projects/default/environments/test');
    const poll = await fetch(`${server.url}/sdk/latest-all`, {
      headers: { authorization: test.body.sdkKey },
    });
    assert.equal(poll.status, 200);
    const change = async (on: boolean) => {
      const patch = [{ op: 'replace', path: '/environments/test/on', value: on }];
      assert.equal((await server.api('PATCH', flagPath, patch)).status, 200);
    };
    await change(true);
    await page.getByRole('img', { name: /^Propagation latency/ }).waitFor();
    await page.getByText('Data as a table').click();
    const points = page.getByRole('table').filter({ hasText: 'Series' }).getByRole('row');
    await change(false);
    await until('a second propagation point', async () => (await points.count()) >= 5, WAIT_MS);
    await shot('delivery');
  });

  test('no request left the server origin and the page logged no errors', () => {
    assertCleanPage(watch);
  });
});

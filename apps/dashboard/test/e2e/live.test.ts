import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser } from './support/browser.js';
import {
  assertCleanPage,
  createBooleanFlag,
  DOCS,
  openPeople,
  prepareRun,
  SHOTS,
  signIn,
  WAIT_MS,
  type Person,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// The live dashboard end to end: two people, Alice and Bob, each signed in with their own API
// token in their own browser context, on one `vexil start`. What one changes shows on the
// other's pages without a reload (the change stream, docs/protocol.md section 9): the list's
// toggle, the flag page, an edit in progress (a banner, and the merge), the audit log and the
// segments. Labels and roles only; every wait is on a selector or a condition, with a deadline.

const FLAG = 'live-e2e';
const NAME = 'Live e2e';

interface FlagBody {
  version: number;
  environments: Record<string, { on: boolean; targets: { values: string[] }[]; version: number }>;
}

const skip = browserSkip();

describe('live dashboard: two sessions see each other’s changes', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let people: Person[] = [];
  const flagPath = `/projects/default/flags/${FLAG}`;
  const listPath = '/projects/default/envs/production/flags';
  const getFlag = async () => (await server.api<FlagBody>('GET', flagPath)).body;
  const alice = () => people[0]!;
  const bob = () => people[1]!;
  const heading = (page: Page, name: string | RegExp) =>
    page.getByRole('heading', { level: 1, name });
  const live = (page: Page) =>
    page
      .getByRole('banner')
      .getByRole('status')
      .filter({ hasText: /^\s*Live$/ });
  const listSwitch = (page: Page, checked?: boolean) =>
    page.getByRole('switch', {
      name: `${NAME} in Production`,
      ...(checked === undefined ? {} : { checked }),
    });

  /** Marks the page: a reload would lose the mark, so the test can tell it never happened. */
  const mark = (page: Page) =>
    page.evaluate(() => ((window as unknown as { liveMark: string }).liveMark = 'kept'));
  const marked = (page: Page) =>
    page.evaluate(() => (window as unknown as { liveMark?: string }).liveMark);

  before(async () => {
    prepareRun(SHOTS);
    server = await startVexil();
    await createBooleanFlag(server, FLAG, NAME);
    browser = await launchBrowser();
    people = await openPeople(browser, server, ['Alice', 'Bob']);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('both sign in; each tab holds one live connection', async () => {
    for (const person of people) {
      const { page } = person;
      const streams: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/v1/projects/default/events')) streams.push(r.url());
      });
      await signIn(page, server, listPath, person.token);
      await heading(page, 'Flags').waitFor();
      await live(page).waitFor();
      await listSwitch(page, false).waitFor();
      await mark(page);
      assert.equal(streams.length, 1, `${person.name}'s tab opened ${streams.length} streams`);
    }
  });

  test('a toggle in Alice’s list shows in Bob’s list and on Bob’s flag page, no reload', async () => {
    await listSwitch(alice().page, false).click();
    await listSwitch(alice().page, true).waitFor();
    await listSwitch(bob().page, true).waitFor();
    assert.equal((await getFlag()).environments['production']!.on, true);
    await alice().page.screenshot({ path: `${DOCS}dashboard-live-list.png` });

    // Bob opens the flag (a link, not a reload); Alice turns it off again from her list.
    await bob().page.getByRole('link', { name: NAME }).click();
    await heading(bob().page, NAME).waitFor();
    const targeting = bob().page.getByRole('switch', { name: 'Targeting in Production' });
    assert.equal(await targeting.getAttribute('aria-checked'), 'true');
    await listSwitch(alice().page, true).click();
    await listSwitch(alice().page, false).waitFor();
    await bob()
      .page.getByRole('switch', { name: 'Targeting in Production', checked: false })
      .waitFor();
    const production = bob()
      .page.getByRole('table', { name: `${NAME} in every environment` })
      .getByRole('row', { name: /Production/ });
    await production.getByText('Off', { exact: true }).waitFor();
    assert.equal(await marked(bob().page), 'kept');
    assert.equal(await marked(alice().page), 'kept');
  });

  test('the side-by-side view shows the flag in each environment', async () => {
    // Test differs from Production: on, with a 25/75 rollout by default.
    const patched = await server.api('PATCH', flagPath, [
      { op: 'replace', path: '/environments/test/on', value: true },
      {
        op: 'replace',
        path: '/environments/test/fallthrough',
        value: {
          rollout: {
            variations: [
              { variation: 0, weight: 25_000 },
              { variation: 1, weight: 75_000 },
            ],
          },
        },
      },
    ]);
    assert.equal(patched.status, 200);
    const { page } = bob();
    const table = page.getByRole('table', { name: `${NAME} in every environment` });
    const cells = async (env: RegExp) =>
      (await table.getByRole('row', { name: env }).getByRole('cell').allInnerTexts()).map((t) =>
        t.trim(),
      );
    const flag = await getFlag();
    await until(
      'the Test row to show the rollout',
      async () => (await cells(/^Test/))[1] === '25% true / 75% false',
      WAIT_MS,
    );
    assert.deepEqual(await cells(/^Test/), [
      'On',
      '25% true / 75% false',
      'false',
      '0',
      '0',
      '0',
      String(flag.environments['test']!.version),
    ]);
    assert.deepEqual((await cells(/^Production/)).slice(0, 6), [
      'Off',
      'true',
      'false',
      '0',
      '0',
      '0',
    ]);
    await page
      .getByRole('region', { name: 'Across environments' })
      .screenshot({ path: `${DOCS}dashboard-flag-environments.png` });
  });

  test('an edit in progress: Bob sees Alice’s save at once, and merges it into his draft', async () => {
    // Bob starts an edit: targeting on in Production, not saved.
    const b = bob().page;
    await b.getByRole('switch', { name: 'Targeting in Production' }).click();
    await b.getByText('1 unsaved change').waitFor();

    // Alice opens the same flag and saves an individual target in Production.
    const a = alice().page;
    await a.getByRole('link', { name: NAME }).click();
    await heading(a, NAME).waitFor();
    await a.getByRole('button', { name: 'Add individual target' }).click();
    const target = a.getByRole('group', { name: 'Target 1' });
    await target.getByLabel('Context keys').fill('vip-user');
    await target.getByLabel('Target 1: variation').selectOption({ label: 'true' });
    await a.getByRole('button', { name: 'Review and save' }).click();
    await a
      .getByRole('dialog', { name: 'Review changes' })
      .getByRole('button', { name: /^Save/ })
      .click();
    await a.getByText('No unsaved changes').waitFor();

    // Bob's page says so before he tries to save, with his draft kept.
    const banner = b.getByRole('alert').filter({ hasText: /^Changed by Alice at / });
    await banner.waitFor();
    await banner.getByText('Merging keeps their change and yours').waitFor();
    assert.equal(
      await b.getByRole('switch', { name: 'Targeting in Production' }).getAttribute('aria-checked'),
      'true',
    );
    await b.screenshot({ path: `${DOCS}dashboard-live-changed-banner.png` });
    await banner.getByRole('button', { name: 'Merge their change into my edit' }).click();
    const review = b.getByRole('dialog', { name: 'Review changes' });
    await review.getByRole('button', { name: /^Save/ }).click();
    await b.getByText('No unsaved changes').waitFor();
    await until('the banner to go', async () => (await banner.count()) === 0, WAIT_MS);

    const production = (await getFlag()).environments['production']!;
    assert.equal(production.on, true, "Bob's change is saved");
    assert.deepEqual(
      production.targets.map((t) => t.values),
      [['vip-user']],
      "Alice's change is kept",
    );
    // Alice, on the same flag with nothing edited, simply sees Bob's save.
    await a.getByRole('switch', { name: 'Targeting in Production', checked: true }).waitFor();
    assert.equal(
      await a
        .getByRole('alert')
        .filter({ hasText: /^Changed by/ })
        .count(),
      0,
    );
  });

  test('the segments list and the audit log follow changes too', async () => {
    const a = alice().page;
    const b = bob().page;
    const section = (page: Page, name: string) =>
      page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
    await section(a, 'Segments');
    await heading(a, 'Segments').waitFor();
    await section(b, 'Audit log');
    await heading(b, 'Audit log').waitFor();
    const entries = b.getByRole('list', { name: 'Changes, newest first' }).getByRole('listitem');
    await entries.first().waitFor();

    // Someone else (a script with the admin token) creates a segment in Production.
    const created = await server.api('POST', '/projects/default/environments/production/segments', {
      key: 'early-adopters',
      name: 'Early adopters',
    });
    assert.equal(created.status, 201);
    await a.getByRole('link', { name: 'Early adopters' }).waitFor();
    await entries.filter({ hasText: 'early-adopters' }).first().waitFor();
    await b.screenshot({ path: `${SHOTS}live-audit.png` });
    assert.equal(await marked(a), 'kept');
    assert.equal(await marked(b), 'kept');
  });

  test('no request left the server origin and no page logged errors', () => {
    for (const person of people) {
      assertCleanPage(person.watch, person.name);
    }
  });
});

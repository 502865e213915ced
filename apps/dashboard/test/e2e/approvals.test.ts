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

// Approvals end to end: Production requires approval; Alice (a writer token, her own browser
// context) turns a flag on there and saves, which submits a change request instead; she cannot
// approve it herself; Bob (another writer token, another context) sees it on the Change requests
// page, described in English, and approves it; the flag is then on in the API and for SDKs.
// Labels and roles only; every wait has a deadline.

const FLAG = 'approval-e2e';
const NAME = 'Approval e2e';

interface FlagBody {
  version: number;
  environments: Record<string, { on: boolean }>;
}

const skip = browserSkip();

describe('approvals: one person requests, another approves', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let people: Person[] = [];
  const flagPath = `/projects/default/flags/${FLAG}`;
  const base = '/projects/default/envs/production';
  const getFlag = async () => (await server.api<FlagBody>('GET', flagPath)).body;
  const alice = () => people[0]!;
  const bob = () => people[1]!;
  const heading = (page: Page, name: string | RegExp) =>
    page.getByRole('heading', { level: 1, name });
  const signInAs = (person: Person, path: string) =>
    signIn(person.page, server, path, person.token);
  const request = (page: Page) =>
    page.getByRole('listitem', { name: `Change request: ${NAME} in Production` });

  before(async () => {
    prepareRun(SHOTS, DOCS);
    server = await startVexil();
    await createBooleanFlag(server, FLAG, NAME);
    browser = await launchBrowser();
    people = await openPeople(browser, server, ['Alice', 'Bob']);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the setting: a writer cannot turn it on; an admin turns it on', async () => {
    await signInAs(bob(), `${base}/environments`);
    await heading(bob().page, 'Environments').waitFor();
    const setting = bob().page.getByRole('checkbox', { name: 'Require approval in Production' });
    assert.equal(await setting.isChecked(), false);
    await setting.click();
    await bob()
      .page.getByRole('alert')
      .filter({ hasText: /admin role/ })
      .first()
      .waitFor();
    const on = await server.api('PATCH', '/projects/default/environments/production', [
      { op: 'replace', path: '/requireApproval', value: true },
    ]);
    assert.equal(on.status, 200, JSON.stringify(on.body));
    // The page is live: the setting shows as on without a reload.
    await bob()
      .page.getByRole('checkbox', { name: 'Require approval in Production', checked: true })
      .waitFor();
  });

  test('Alice saves a change in Production: it is submitted for approval, not applied', async () => {
    const { page } = alice();
    await signInAs(alice(), `${base}/flags/${FLAG}`);
    await heading(page, NAME).waitFor();
    await page.getByRole('switch', { name: 'Targeting in Production' }).click();
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByLabel('Comment (optional)').fill('Launch for everyone');
    await review.getByRole('button', { name: /^Save 1 change/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Submitted for approval/ })
      .waitFor();
    assert.equal((await getFlag()).environments['production']!.on, false, 'not applied yet');
    const pending = await server.api<{ items: { requestedBy: { name: string } }[] }>(
      'GET',
      '/projects/default/change-requests?status=pending',
    );
    assert.deepEqual(
      pending.body.items.map((r) => r.requestedBy.name),
      ['Alice'],
    );
  });

  test('Alice cannot approve her own request', async () => {
    const { page } = alice();
    await page.getByRole('link', { name: 'Change requests' }).click();
    await heading(page, 'Change requests').waitFor();
    await request(page).getByRole('button', { name: 'Approve' }).click();
    await request(page)
      .getByRole('alert')
      .filter({ hasText: /another member must approve it/ })
      .waitFor();
    assert.equal((await getFlag()).environments['production']!.on, false);
  });

  test('Bob sees it in English and approves: the flag is on in the API and for SDKs', async () => {
    const { page } = bob();
    await page.getByRole('link', { name: 'Change requests' }).click();
    await heading(page, 'Change requests').waitFor();
    const item = request(page);
    await item.getByText('Production: targeting turned on').waitFor();
    await item.getByText('Launch for everyone').waitFor();
    await item.getByText(/Requested by Alice/).waitFor();
    await page.screenshot({ path: `${DOCS}dashboard-change-requests.png` });
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('No change requests are waiting for approval.').waitFor();
    assert.equal((await getFlag()).environments['production']!.on, true);

    const env = await server.api<{ sdkKey: string }>(
      'GET',
      '/projects/default/environments/production',
    );
    let served: { on?: boolean } | undefined;
    await until(
      'the SDK endpoint serves the approved change',
      async () => {
        const res = await fetch(`${server.url}/sdk/latest-all`, {
          headers: { authorization: env.body.sdkKey },
        });
        const body = (await res.json()) as { flags: Record<string, { on: boolean }> };
        served = body.flags[FLAG];
        return served?.on === true;
      },
      WAIT_MS,
      100,
    );
    const audit = await server.api<{
      items: { action: string; actor: string; comment?: string }[];
    }>('GET', `/audit?limit=5&flag=${FLAG}`);
    const update = audit.body.items.find((e) => e.action === 'flag.update');
    assert.equal(update?.actor, 'Bob');
    assert.match(update?.comment ?? '', /by Alice \("Launch for everyone"\), approved by Bob/);
  });

  test('a rejection carries its reason; the pages made no foreign request or error', async () => {
    const { page } = alice();
    await page.goto(`${server.url}${base}/flags/${FLAG}`);
    await heading(page, NAME).waitFor();
    await page.getByRole('switch', { name: 'Targeting in Production' }).click();
    await page.getByRole('button', { name: 'Review and save' }).click();
    await page
      .getByRole('dialog', { name: 'Review changes' })
      .getByRole('button', { name: /^Save 1 change/ })
      .click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Submitted for approval/ })
      .waitFor();

    const bobPage = bob().page;
    await bobPage.reload();
    await heading(bobPage, 'Change requests').waitFor();
    await request(bobPage).getByText('Production: targeting turned off').waitFor();
    await request(bobPage).getByRole('button', { name: 'Reject' }).click();
    const dialog = bobPage.getByRole('dialog', {
      name: `Reject the change to ${NAME} in Production`,
    });
    await dialog.getByLabel('Reason (the requester reads it)').fill('Not during the launch week');
    await dialog.getByRole('button', { name: 'Reject change' }).click();
    await bobPage.getByText('No change requests are waiting for approval.').waitFor();
    const rejected = await server.api<{ items: { reason?: string }[] }>(
      'GET',
      `/projects/default/flags/${FLAG}/change-requests?status=rejected`,
    );
    assert.equal(rejected.body.items[0]?.reason, 'Not during the launch week');
    assert.equal((await getFlag()).environments['production']!.on, true);
    for (const person of people) {
      await person.page.screenshot({ path: `${SHOTS}approvals-${person.name}.png` });
      assertCleanPage(person.watch, person.name);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser, type PageWatch } from './support/browser.js';
import {
  assertCleanPage,
  createBooleanFlag,
  DOCS,
  openSession,
  prepareRun,
  signIn,
  WAIT_MS,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// Scheduled changes in Chromium against a real `vexil start` (whose runner applies due ones every
// second): a targeting change scheduled from the review step instead of saved (a time in the
// past is refused with the API's message), listed on the flag page with who and why; its time
// edited to a few seconds ahead; another one cancelled; and the first applied by the runner,
// which the page shows by itself, the API confirms and the audit log marks as scheduled. Labels
// and roles, no test ids; every wait has a deadline.

const FLAG = 'schedule-e2e';
const LAUNCH = 'Turn on for the launch';
const BACKUP = 'Backup plan if the launch slips';

interface ScheduleBody {
  id: string;
  runAt: number;
  status: string;
  createdBy: string;
  comment?: string;
  lateness?: number;
}

interface AuditBody {
  items: {
    action: string;
    actor: string;
    scheduled?: { scheduleId: string; scheduledBy: string; lateness: number };
  }[];
}

const skip = browserSkip();

describe('scheduled changes, in a browser', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  const heading = (name: string | RegExp) =>
    page.getByRole('heading', { level: 1, name }).waitFor();
  const pendingRows = () =>
    page.getByRole('table', { name: 'Pending scheduled changes' }).getByRole('row');
  /** A datetime-local value `ms` from now, in the browser's own time zone. */
  const localIn = (ms: number) =>
    page.evaluate((offset) => {
      const d = new Date(Date.now() + offset);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }, ms);
  const schedules = async () =>
    (
      await server.api<{ items: ScheduleBody[] }>(
        'GET',
        `/projects/default/flags/${FLAG}/schedules`,
      )
    ).body.items;

  /** Turns targeting on in the editor and opens the review with "Schedule for later" ticked. */
  const reviewForLater = async () => {
    const toggle = page.getByRole('switch', { name: 'Targeting in Production' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await page.getByRole('button', { name: 'Review and save' }).click();
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByRole('checkbox', { name: 'Schedule for later' }).check();
    return review;
  };

  before(async () => {
    prepareRun(DOCS);
    server = await startVexil();
    await createBooleanFlag(server, FLAG, 'Schedule e2e');
    browser = await launchBrowser();
    ({ page, watch } = await openSession(browser, server));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign in and open the flag: nothing scheduled yet', async () => {
    await signIn(page, server);
    await heading('Flags');
    await page.goto(`${server.url}/projects/default/envs/production/flags/${FLAG}`);
    await heading('Schedule e2e');
    await page.getByRole('heading', { level: 2, name: 'Scheduled changes' }).waitFor();
    await page.getByText(/^Nothing scheduled/).waitFor();
  });

  test('a time in the past is refused with the API message; the draft stays', async () => {
    const review = await reviewForLater();
    await review.getByLabel('Apply at').fill(await localIn(-10 * 60_000));
    await review.getByRole('button', { name: 'Schedule 1 change' }).click();
    await review
      .getByRole('alert')
      .getByText(/is in the past/)
      .waitFor();
    assert.equal(await review.isVisible(), true, 'the review stays open');
    assert.deepEqual(await schedules(), []);
  });

  test('schedule the change for later: confirmed, listed, and the editor is back to the flag', async () => {
    const review = page.getByRole('dialog', { name: 'Review changes' });
    await review.getByLabel('Apply at').fill(await localIn(60 * 60_000));
    await review.getByLabel('Comment (optional)').fill(LAUNCH);
    await review.getByRole('button', { name: 'Schedule 1 change' }).click();
    await review.waitFor({ state: 'hidden' });
    await page
      .getByRole('status')
      .getByText(/^Scheduled 1 change to Production for /)
      .waitFor();
    // The draft is gone: the editor shows the flag as it is, off.
    await page.getByText('No unsaved changes').waitFor();
    const toggle = page.getByRole('switch', { name: 'Targeting in Production' });
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    const flag = await server.api<{ environments: Record<string, { on: boolean }> }>(
      'GET',
      `/projects/default/flags/${FLAG}`,
    );
    assert.equal(flag.body.environments['production']!.on, false, 'not applied yet');

    const row = pendingRows().filter({ hasText: LAUNCH });
    await row.getByText('Production: targeting turned on').waitFor();
    await row.getByText(/^in (60 min|1 h)$/).waitFor();
    const [scheduled] = await schedules();
    assert.equal(scheduled?.status, 'pending');
    assert.equal(scheduled.comment, LAUNCH);
    await row.getByRole('cell', { name: scheduled.createdBy, exact: true }).waitFor();

    // A second one, two hours ahead: the one to cancel.
    const again = await reviewForLater();
    await again.getByLabel('Apply at').fill(await localIn(2 * 60 * 60_000));
    await again.getByLabel('Comment (optional)').fill(BACKUP);
    await again.getByRole('button', { name: 'Schedule 1 change' }).click();
    await again.waitFor({ state: 'hidden' });
    await pendingRows().filter({ hasText: BACKUP }).waitFor();
    assert.equal(await pendingRows().count(), 3, 'a header and two schedules');
  });

  test('cancel one (after a confirmation): it moves to the history as cancelled', async () => {
    await pendingRows()
      .filter({ hasText: BACKUP })
      .getByRole('button', { name: 'Cancel', exact: true })
      .click();
    const confirm = page.getByRole('dialog', { name: 'Cancel this scheduled change?' });
    await confirm.getByText('Production: targeting turned on').waitFor();
    await confirm.getByRole('button', { name: 'Cancel the change' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await pendingRows().filter({ hasText: BACKUP }).waitFor({ state: 'detached' });
    const cancelled = (await schedules()).find((s) => s.comment === BACKUP);
    assert.equal(cancelled?.status, 'cancelled');
    await page.getByText(/^Past scheduled changes \(1:/).click();
    await page
      .getByRole('table', { name: 'Past scheduled changes' })
      .getByRole('row')
      .filter({ hasText: BACKUP })
      .getByText('Cancelled', { exact: true })
      .waitFor();
  });

  test('edit its time to a few seconds ahead: the runner applies it, the page shows it', async () => {
    const row = pendingRows().filter({ hasText: LAUNCH });
    await row.getByRole('button', { name: 'Edit time' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit the scheduled time' });
    await dialog.getByLabel('New time').fill(await localIn(5_000));
    await dialog.getByRole('button', { name: 'Save time' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText(/^(in \d s|due now)$/).waitFor();
    const edited = (await schedules()).find((s) => s.comment === LAUNCH);
    assert.ok(edited !== undefined && edited.runAt - Date.now() < 6_000, 'a few seconds ahead');
    await page
      .getByRole('region', { name: 'Scheduled changes' })
      .screenshot({ path: `${DOCS}dashboard-schedules.png` });

    // Applied by `vexil start`'s runner: the switch turns on by itself (live), no reload.
    const toggle = page.getByRole('switch', { name: 'Targeting in Production' });
    await page
      .getByRole('switch', { name: 'Targeting in Production', checked: true })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await page.getByText(/^Nothing scheduled/).waitFor();
    await page
      .getByRole('table', { name: 'Past scheduled changes' })
      .getByRole('row')
      .filter({ hasText: LAUNCH })
      .getByText('Done', { exact: true })
      .waitFor();

    const flag = await server.api<{ environments: Record<string, { on: boolean }> }>(
      'GET',
      `/projects/default/flags/${FLAG}`,
    );
    assert.equal(flag.body.environments['production']!.on, true);
    const done = (await schedules()).find((s) => s.comment === LAUNCH);
    assert.equal(done?.status, 'done');
    assert.ok((done.lateness ?? Infinity) < 5_000, `ran ${done.lateness} ms late`);
  });

  test('the audit log shows the change as scheduled by the user', async () => {
    const audit = await server.api<AuditBody>('GET', `/audit?flag=${FLAG}&limit=1`);
    const [entry] = audit.body.items;
    const launch = (await schedules()).find((s) => s.comment === LAUNCH);
    assert.ok(launch !== undefined);
    assert.equal(entry?.action, 'flag.update');
    assert.equal(entry.scheduled?.scheduleId, launch?.id);
    assert.equal(entry.scheduled?.scheduledBy, launch.createdBy);

    await page.getByRole('link', { name: 'History' }).click();
    await heading('Audit log');
    const item = page
      .getByRole('list', { name: 'Changes, newest first' })
      .getByRole('listitem')
      .filter({ hasText: 'Scheduled change: scheduled by' })
      .first();
    await item.getByText(launch.createdBy, { exact: true }).first().waitFor();
    await item.getByText(LAUNCH).waitFor();
    await page
      .getByRole('list', { name: 'Changes, newest first' })
      .getByText(/cancelled a scheduled change of flag/)
      .first()
      .waitFor();
  });

  test('the page logged no errors and asked no other origin', () => {
    assertCleanPage(watch);
  });
});

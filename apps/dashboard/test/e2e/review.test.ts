import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPageServer, type PageServer } from '@vexil/testkit/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, launchBrowser, watchPage, type PageWatch } from './support/browser.js';
import {
  assertCleanPage,
  createBooleanFlag,
  DOCS,
  prepareRun,
  SHOTS,
  submitToken,
  WAIT_MS,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// Reviews that read like English, and the small things of issue 17, in Chromium against a real
// `vexil start`: the review of a rollout and a rule in words, saved with a comment that the
// audit log shows; a flag created for client-side SDKs that LaunchDarkly's browser SDK then
// gets; the flag list's hint for one it does not; the app's own "not found" page; and a second
// tab that is signed in (and signed out) with the first. Labels and roles, no test ids; every
// wait has a deadline.

const FLAG = 'review-e2e';
const SERVER_ONLY = 'server-only-e2e';
const COMMENT = 'Ramp to 20% after a clean week in beta (ticket #42)';

interface FlagBody {
  environments: Record<
    string,
    { clientSideAvailability: { usingEnvironmentId: boolean; usingMobileKey: boolean } }
  >;
}

/** What the browser SDK page defines (@vexil/testkit/browser). */
interface SdkPage {
  start(
    name: string,
    envId: string,
    context: object,
    options: object,
  ): Promise<Record<string, unknown>>;
}

const skip = browserSkip();

describe(
  'reviews in English, comments and the small things, in a browser',
  {
    skip: skip ?? false,
  },
  () => {
    let server: VexilServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let watch: PageWatch;
    let pages: PageServer | undefined;

    const heading = (p: Page, name: string | RegExp) =>
      p.getByRole('heading', { level: 1, name }).waitFor();
    const newTab = async (ctx: BrowserContext = context) => {
      const tab = await ctx.newPage();
      tab.setDefaultTimeout(WAIT_MS);
      return tab;
    };

    before(async () => {
      prepareRun(DOCS, SHOTS);
      server = await startVexil();
      await createBooleanFlag(server, SERVER_ONLY, 'Server only e2e');
      browser = await launchBrowser();
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await newTab();
      watch = watchPage(page, new URL(server.url).origin);
    });

    after(async () => {
      await pages?.close();
      await browser?.close();
      await server?.stop();
    });

    test('sign in once: a second tab is signed in, and signing out signs out both', async () => {
      await page.goto(`${server.url}/`);
      // The hint names the command the README starts Vexil with.
      await page.getByText(/npm start.*prints the admin token/).waitFor();
      await submitToken(page, server.adminToken);
      await heading(page, 'Flags');

      const tab = await newTab();
      await tab.goto(`${server.url}/projects/default/envs/production/audit`);
      await heading(tab, 'Audit log');
      assert.equal(await tab.getByLabel('API token').count(), 0, 'no sign-in in the new tab');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API token').waitFor();
      await tab.getByLabel('API token').waitFor();
      // Signing in again in one tab signs the other in too.
      await submitToken(page, server.adminToken);
      await heading(page, 'Flags');
      await heading(tab, 'Audit log');
      await tab.close();
    });

    test('create a flag for client-side SDKs: the checkbox sits by its label, browsers get it', async () => {
      await page.getByRole('button', { name: 'Create flag' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create a flag' });
      await dialog.getByLabel('Name', { exact: true }).fill('Review e2e');
      assert.equal(await dialog.getByLabel('Key', { exact: true }).inputValue(), FLAG);

      const temporary = dialog.getByRole('checkbox', { name: /^Temporary/ });
      const layout = await temporary.evaluate((box) => {
        const label = box.closest('label')!.getBoundingClientRect();
        const input = box.getBoundingClientRect();
        return {
          inputWidth: input.width,
          labelHeight: label.height,
          gap: label.right - input.right,
        };
      });
      assert.ok(layout.inputWidth < 30, `the checkbox is ${layout.inputWidth}px wide`);
      assert.ok(
        layout.labelHeight < 40,
        `checkbox and label on one line (${layout.labelHeight}px)`,
      );

      await dialog.getByRole('checkbox', { name: /^Available to client-side SDKs/ }).check();
      assert.equal(
        await dialog.getByRole('checkbox', { name: /^Available to mobile SDKs/ }).isChecked(),
        true,
      );
      await dialog.screenshot({ path: `${SHOTS}create-flag-client-side.png` });
      await dialog.getByRole('button', { name: 'Create flag' }).click();
      await heading(page, 'Review e2e');

      const flag = (await server.api<FlagBody>('GET', `/projects/default/flags/${FLAG}`)).body;
      for (const [env, targeting] of Object.entries(flag.environments))
        assert.deepEqual(
          targeting.clientSideAvailability,
          { usingEnvironmentId: true, usingMobileKey: true },
          env,
        );

      // LaunchDarkly's browser SDK, on a page of another origin, gets this flag and not the other.
      const env = await server.api<{ clientSideId: string }>(
        'GET',
        '/projects/default/environments/production',
      );
      pages = await startPageServer();
      const sdkPage = await newTab();
      await sdkPage.goto(pages.url);
      const flags = await sdkPage.evaluate(
        ([envId, url]) =>
          (globalThis as unknown as SdkPage).start(
            'browser',
            envId,
            { kind: 'user', key: 'u1' },
            {
              baseUrl: url,
              streamUrl: url,
              eventsUrl: url,
              streaming: false,
              sendEvents: false,
              fetchGoals: false,
              diagnosticOptOut: true,
            },
          ),
        [env.body.clientSideId, server.url] as const,
      );
      assert.equal(flags[FLAG], false, 'off: the off variation');
      assert.equal(SERVER_ONLY in flags, false);
      await sdkPage.close();
    });

    test('the flag list marks the flag browser SDKs do not get', async () => {
      await page
        .getByRole('navigation', { name: 'Sections' })
        .getByRole('link', { name: 'Flags', exact: true })
        .click();
      await heading(page, 'Flags');
      const rows = page.getByRole('table').getByRole('row');
      await rows.filter({ hasText: SERVER_ONLY }).getByText('Not for browser SDKs').waitFor();
      assert.equal(
        await rows.filter({ hasText: FLAG }).getByText('Not for browser SDKs').count(),
        0,
      );
      await page.screenshot({ path: `${SHOTS}flags-list-client-side.png` });
      await page.getByRole('link', { name: 'Review e2e' }).click();
      await heading(page, 'Review e2e');
    });

    test('a rule and a 20/80 rollout reviewed in English, saved with a comment', async () => {
      await page.getByRole('button', { name: 'Add rule' }).click();
      const rule = page.getByRole('article', { name: 'Rule 1' });
      await rule.getByLabel('Description').fill('beta users');
      const clause = page.getByRole('group', { name: 'Rule 1, condition 1' });
      await clause.getByLabel('Attribute').fill('country');
      await clause.getByRole('textbox', { name: 'Values', exact: true }).fill('DE\nFR');
      await page
        .getByRole('group', { name: 'Default rule: serve' })
        .getByLabel('A percentage rollout')
        .check();
      await page.getByLabel('Default rule: percentage for true').fill('20');

      await page.getByRole('button', { name: 'Review and save' }).click();
      const review = page.getByRole('dialog', { name: 'Review changes' });
      const changes = review.getByRole('list', { name: 'Changes' }).getByRole('listitem');
      await changes.first().waitFor();
      assert.deepEqual(await changes.allInnerTexts(), [
        'Production: added Rule 1 ("beta users"): if country is one of DE, FR, serve true',
        'Production: default rule serves a 20% / 80% rollout of true / false instead of true',
      ]);
      // The JSON Patch is there for experts, one click away.
      assert.equal(
        await review
          .getByRole('cell', { name: '/environments/production/fallthrough/rollout' })
          .count(),
        0,
      );
      await review.getByText(/^Show JSON Patch/).click();
      await review
        .getByRole('cell', { name: '/environments/production/fallthrough/rollout', exact: true })
        .waitFor();
      await review.getByText(/^Show JSON Patch/).click();
      await review.getByLabel('Comment (optional)').fill(COMMENT);
      await review.screenshot({ path: `${DOCS}dashboard-review.png` });
      await review.getByRole('button', { name: 'Save 2 changes' }).click();
      await page.getByText('No unsaved changes').waitFor();

      // A rule change and the switch: described clause by clause.
      await rule.getByRole('button', { name: 'Add condition' }).click();
      const second = page.getByRole('group', { name: 'Rule 1, condition 2' });
      await second.getByLabel('Attribute').fill('plan');
      await second.getByRole('textbox', { name: 'Values', exact: true }).fill('pro');
      await page.getByRole('switch', { name: 'Targeting in Production' }).click();
      await page.getByRole('button', { name: 'Review and save' }).click();
      await changes.first().waitFor();
      assert.deepEqual(await changes.allInnerTexts(), [
        'Production: targeting turned on',
        'Production: Rule 1 ("beta users"): added clause plan is pro',
      ]);
      assert.equal(await review.getByLabel('Comment (optional)').inputValue(), '', 'a new comment');
      await review.getByRole('button', { name: 'Save 2 changes' }).click();
      await page.getByText('No unsaved changes').waitFor();
    });

    test('the audit log shows the comment with the change in English', async () => {
      const audit = await server.api<{ items: { comment?: string }[] }>(
        'GET',
        `/audit?flag=${FLAG}&limit=2`,
      );
      assert.deepEqual(
        audit.body.items.map((e) => e.comment),
        [undefined, COMMENT],
      );
      await page.getByRole('link', { name: 'History' }).click();
      await heading(page, 'Audit log');
      const item = page
        .getByRole('list', { name: 'Changes, newest first' })
        .getByRole('listitem')
        .filter({ hasText: COMMENT });
      await item.waitFor();
      await item
        .getByRole('list', { name: 'What changed' })
        .getByText(
          'Production: default rule serves a 20% / 80% rollout of true / false instead of true',
        )
        .waitFor();
      await page
        .getByText('Production: Rule 1 ("beta users"): added clause plan is pro', { exact: true })
        .waitFor();
      await page.screenshot({ path: `${DOCS}dashboard-audit.png` });
    });

    test('an unknown address is the app’s own "not found" page, signed in or not', async () => {
      const answer = await page.goto(`${server.url}/no/such/page`);
      assert.equal(answer?.status(), 404);
      await heading(page, 'Page not found');
      await page.getByText('/no/such/page', { exact: true }).waitFor();
      await page.screenshot({ path: `${SHOTS}not-found.png` });
      await page.getByRole('link', { name: 'Go to the flags' }).click();
      await heading(page, 'Flags');

      const stranger = await browser.newContext();
      try {
        const tab = await newTab(stranger);
        const res = await tab.goto(`${server.url}/settings`);
        assert.equal(res?.status(), 404);
        await heading(tab, 'Page not found');
        await tab.getByRole('link', { name: 'Sign in to the dashboard' }).click();
        await tab.getByLabel('API token').waitFor();
      } finally {
        await stranger.close();
      }
      // API clients keep their JSON answer.
      const api = await fetch(`${server.url}/no/such/page`);
      assert.equal(api.status, 404);
      assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
    });

    test('no request left the server origin and the page logged no errors', () => {
      assertCleanPage(watch);
    });
  },
);

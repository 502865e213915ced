import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchBrowser, type PageWatch } from './support/browser.js';
import {
  assertCleanPage,
  DOCS as IMAGES,
  openSession,
  prepareRun,
  signIn,
  WAIT_MS,
} from './support/session.js';
import { startVexil, type VexilServer } from './support/vexil-server.js';

// A flag's life and the project's administration in the dashboard, end to end: a real
// `vexil start` serving the built dashboard, headless Chromium driving it by labels and roles,
// every result checked through the REST API too. Edit a flag's settings and variations (the
// targeting follows them; removing one in use shows the API's error), archive, restore and
// delete it; create a project and switch to it; create, list and revoke API tokens. The
// screenshots of the new pages go to docs/images/ (apps/dashboard/README.md shows them).
// Every wait is on a selector or a condition, each with a deadline.

const FLAG = 'lifecycle-colour';

interface FlagBody {
  name: string;
  description: string;
  tags: string[];
  archived: boolean;
  version: number;
  variations: { value: unknown; name?: string }[];
  environments: Record<
    string,
    { offVariation: number; fallthrough: { variation?: number }; rules: { variation: number }[] }
  >;
}

interface TokenBody {
  id: string;
  name: string;
  role: string;
  lastUsedAt?: number;
  revokedAt?: number;
}

const skip = browserSkip();

describe('flag lifecycle, projects and API tokens in a browser', { skip: skip ?? false }, () => {
  let server: VexilServer;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  const shot = (name: string, fullPage = false) =>
    page.screenshot({ path: `${IMAGES}${name}.png`, fullPage });
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const getFlag = async (key = FLAG) =>
    server.api<FlagBody>('GET', `/projects/default/flags/${key}`);
  const values = (flag: FlagBody) => flag.variations.map((v) => v.value);
  const openFlag = async (key: string, name: string) => {
    await page.goto(`${server.url}/projects/default/envs/production/flags/${key}`);
    await heading(name).waitFor();
  };
  const settingsDialog = () => page.getByRole('dialog', { name: `Settings of ${FLAG}` });
  const openSettings = async () => {
    await page.getByRole('button', { name: 'Edit settings…' }).click();
    await settingsDialog().waitFor();
    return settingsDialog();
  };

  before(async () => {
    prepareRun(IMAGES);
    server = await startVexil();
    // Three colours; in production: on, a rule serves blue, the default rule red, off green.
    const created = await server.api('POST', '/projects/default/flags', {
      key: FLAG,
      name: 'Lifecycle colour',
      variations: [{ value: 'red' }, { value: 'green' }, { value: 'blue' }],
      environments: {
        production: {
          on: true,
          offVariation: 1,
          fallthrough: { variation: 0 },
          rules: [
            {
              clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }],
              variation: 2,
            },
          ],
        },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    browser = await launchBrowser();
    ({ page, watch } = await openSession(browser, server));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign in', async () => {
    await signIn(page, server);
    await heading('Flags').waitFor();
  });

  test('settings: name, description and tags', async () => {
    await openFlag(FLAG, 'Lifecycle colour');
    const dialog = await openSettings();
    assert.equal(await dialog.getByLabel('Name', { exact: true }).inputValue(), 'Lifecycle colour');
    await dialog.getByLabel('Name', { exact: true }).fill('Button colour');
    await dialog.getByLabel('Description', { exact: true }).fill('Colour of the pay button.');
    await dialog.getByLabel('Tags').fill('checkout, ui');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await heading('Button colour').waitFor();
    await page.getByText('Colour of the pay button.').waitFor();
    const flag = (await getFlag()).body;
    assert.deepEqual(
      [flag.name, flag.description, flag.tags],
      ['Button colour', 'Colour of the pay button.', ['checkout', 'ui']],
    );
  });

  test('variations: reorder, name and add one; targeting follows every variation', async () => {
    const dialog = await openSettings();
    const blue = dialog.getByRole('group', { name: 'Variation 3', exact: true });
    await blue.getByText('Served in production').waitFor();
    await dialog.getByRole('button', { name: 'Move variation 3 up', exact: true }).click();
    await dialog.getByRole('button', { name: 'Move variation 2 up', exact: true }).click();
    await dialog.getByLabel('Name 1 (optional)').fill('Blue');
    await dialog.getByRole('button', { name: 'Add variation' }).click();
    await dialog.getByLabel('Value 4').fill('yellow');
    assert.equal(await dialog.getByLabel('Value 1').inputValue(), 'blue');
    await shot('dashboard-flag-settings');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await settingsDialog().waitFor({ state: 'detached' });

    const flag = (await getFlag()).body;
    assert.deepEqual(values(flag), ['blue', 'red', 'green', 'yellow']);
    assert.equal(flag.variations[0]!.name, 'Blue');
    // The rule still serves blue, the default rule red, off green: at their new indices.
    const production = flag.environments['production']!;
    assert.equal(production.rules[0]!.variation, 0);
    assert.equal(production.fallthrough.variation, 1);
    assert.equal(production.offVariation, 2);
    // The page shows the new order.
    const rows = page.getByRole('region', { name: 'Variations' }).getByRole('row');
    await rows.nth(1).getByText('"blue"').waitFor();
  });

  test('removing a variation in use shows the API error naming where it is used', async () => {
    const before = (await getFlag()).body;
    const dialog = await openSettings();
    await dialog.getByRole('button', { name: 'Remove variation 1', exact: true }).click();
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    const alert = dialog.getByRole('alert');
    await alert
      .getByText(/variation 0 \("Blue": "blue"\) is in use, so it cannot be removed/)
      .waitFor();
    await alert.getByText(/rule 1 in production/).waitFor();
    await shot('dashboard-flag-settings-in-use');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual((await getFlag()).body, before, 'nothing changed');

    // An unused variation goes.
    const again = await openSettings();
    await again.getByRole('button', { name: 'Remove variation 4', exact: true }).click();
    await again.getByRole('button', { name: 'Save settings' }).click();
    await settingsDialog().waitFor({ state: 'detached' });
    assert.deepEqual(values((await getFlag()).body), ['blue', 'red', 'green']);
  });

  test('archive, confirmed, then restore', async () => {
    await page.getByRole('button', { name: 'Archive flag…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Archive Button colour?' });
    await confirm.getByText(/SDKs stop getting/).waitFor();
    await confirm.getByRole('button', { name: 'Archive flag' }).click();
    await page.getByText(/This flag is archived/).waitFor();
    assert.equal((await getFlag()).body.archived, true);
    const data = await server.api<{ flags: Record<string, unknown> }>(
      'GET',
      '/projects/default/environments/production/data',
    );
    assert.ok(!(FLAG in data.body.flags), 'SDKs no longer get it');
    await shot('dashboard-flag-archived', true);

    // The list leaves it out; its "Archived flags" view has it, to open and restore.
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Flags', exact: true })
      .click();
    await heading('Flags').waitFor();
    await page.getByRole('link', { name: 'New checkout' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Button colour' }).count(), 0);
    await page.getByLabel('Archived flags').check();
    await page.getByRole('link', { name: 'Button colour' }).click();
    await heading('Button colour').waitFor();
    await page.getByRole('button', { name: 'Restore flag' }).click();
    await page.getByRole('button', { name: 'Archive flag…' }).waitFor();
    assert.equal((await getFlag()).body.archived, false);
    const audit = await server.api<{ items: { action: string }[] }>(
      'GET',
      `/audit?flag=${FLAG}&limit=2`,
    );
    assert.deepEqual(
      audit.body.items.map((e) => e.action),
      ['flag.restore', 'flag.archive'],
    );
  });

  test('delete, confirmed by typing the key; a prerequisite of another flag is refused', async () => {
    const child = await server.api('POST', '/projects/default/flags', {
      key: 'lifecycle-child',
      variations: [{ value: true }, { value: false }],
      environments: { production: { prerequisites: [{ key: FLAG, variation: 0 }] } },
    });
    assert.equal(child.status, 201);
    await page.getByRole('button', { name: 'Delete flag…' }).click();
    let confirm = page.getByRole('dialog', { name: 'Delete Button colour?' });
    const remove = confirm.getByRole('button', { name: 'Delete flag' });
    assert.equal(await remove.isDisabled(), true, 'disabled until the key is typed');
    await confirm.getByLabel(`Type ${FLAG} to confirm`).fill(FLAG);
    await remove.click();
    await confirm
      .getByRole('alert')
      .getByText(/it is a prerequisite of "lifecycle-child"/)
      .waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await getFlag()).status, 200);

    await openFlag('lifecycle-child', 'lifecycle-child');
    await page.getByRole('button', { name: 'Delete flag…' }).click();
    confirm = page.getByRole('dialog', { name: 'Delete lifecycle-child?' });
    await confirm.getByLabel('Type lifecycle-child to confirm').fill('lifecycle-child');
    await confirm.getByRole('button', { name: 'Delete flag' }).click();
    await heading('Flags').waitFor();
    assert.match(page.url(), /\/projects\/default\/envs\/production\/flags$/);
    assert.equal((await getFlag('lifecycle-child')).status, 404);
  });

  test('create a project with its environments, and switch to it', async () => {
    await page.getByRole('banner').getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a project' });
    await dialog.getByLabel('Name').fill('Mobile app');
    assert.equal(await dialog.getByLabel('Key').inputValue(), 'mobile-app');
    await dialog.getByLabel('Environments').fill('Production, Staging');
    await shot('dashboard-new-project');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await until(
      'the new project page',
      () => page.url().endsWith('/projects/mobile-app/envs/production/flags'),
      WAIT_MS,
    );
    await heading('Flags').waitFor();
    const banner = page.getByRole('banner');
    await until(
      'the header to show the new project',
      async () => (await banner.getByLabel('Project').inputValue()) === 'mobile-app',
      WAIT_MS,
    );
    const envs = await server.api<{ items: { key: string; name: string }[] }>(
      'GET',
      '/projects/mobile-app/environments',
    );
    assert.deepEqual(
      envs.body.items.map((e) => [e.key, e.name]),
      [
        ['production', 'Production'],
        ['staging', 'Staging'],
      ],
    );
    await banner.getByLabel('Environment').selectOption('staging');
    await until('the staging flags', () => page.url().includes('/envs/staging/'), WAIT_MS);
    await banner.getByLabel('Project').selectOption('default');
    await until('the default project', () => page.url().includes('/projects/default/'), WAIT_MS);
  });

  test('API tokens: create with a role and see the secret once, last use, revoke', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'API tokens' })
      .click();
    await heading('API tokens').waitFor();
    assert.match(page.url(), /\/tokens$/);
    const form = page.getByRole('form', { name: 'New API token' });
    await form.getByLabel('Name').fill('ci-deploy');
    await form.getByLabel('Role').selectOption('writer');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret =
      (await page.getByLabel('Secret of ci-deploy', { exact: true }).textContent()) ?? '';
    assert.match(secret, /^vxl_/);
    await shot('dashboard-token-created');
    const row = page.getByRole('row').filter({ hasText: 'ci-deploy' });
    await row.getByRole('cell', { name: 'writer' }).waitFor();
    await row.getByText('Never').waitFor();
    const listed = await server.api<{ items: TokenBody[] }>('GET', '/tokens');
    const token = listed.body.items.find((t) => t.name === 'ci-deploy')!;
    assert.equal(token.role, 'writer');
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the list never has the secret');

    // The token's first request is its last use.
    const use = await fetch(`${server.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(use.status, 200);
    await until(
      'the last use in the list',
      async () => {
        await page.reload();
        await heading('API tokens').waitFor();
        return (await row.getByText('Never').count()) === 0;
      },
      WAIT_MS,
      250,
    );
    // Cells: role, created, last used, status.
    await row
      .getByRole('cell')
      .nth(2)
      .getByText(/just now|s ago/)
      .waitFor();
    assert.equal(
      await page.getByLabel('Secret of ci-deploy', { exact: true }).count(),
      0,
      'shown once only',
    );
    await shot('dashboard-tokens', true);

    await row.getByRole('button', { name: 'Revoke ci-deploy' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke ci-deploy?' });
    await confirm.getByText(/refused \(401\)/).waitFor();
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await until(
      'the revoked token to leave the list',
      async () => (await row.count()) === 0,
      WAIT_MS,
    );
    await page.getByLabel(/Show revoked tokens/).check();
    await row.getByText(/Revoked/).waitFor();
    const revoked = (await server.api<{ items: TokenBody[] }>('GET', '/tokens')).body.items.find(
      (t) => t.id === token.id,
    )!;
    assert.equal(typeof revoked.revokedAt, 'number');
    assert.equal(typeof revoked.lastUsedAt, 'number');
    const refused = await fetch(`${server.url}/api/v1/projects`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(refused.status, 401);
  });

  test('no request left the server origin and the page logged no errors', () => {
    assertCleanPage(watch);
  });
});

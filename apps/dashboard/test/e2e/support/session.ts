import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { watchPage, type PageWatch } from './browser.js';
import type { VexilServer } from './vexil-server.js';

// What every browser test sets up the same way: the dashboard build, where screenshots go, a
// page with a deadline on every wait, signing in, people with their own tokens and contexts.

/** Screenshots kept as test results. */
export const SHOTS = fileURLToPath(
  new URL('../../../../../../test-results/dashboard/', import.meta.url),
);
/** The screenshots of the views that apps/dashboard/README.md shows. */
export const DOCS = fileURLToPath(new URL('../../../../../../docs/images/', import.meta.url));
/** The built dashboard that `vexil start` serves. */
export const BUILD = fileURLToPath(new URL('../../../web/index.html', import.meta.url));
/** The deadline of every wait on a page. */
export const WAIT_MS = 20_000;

/** Fails at once without a dashboard build; makes the screenshot folders given. */
export function prepareRun(...folders: string[]): void {
  assert.ok(existsSync(BUILD), `no dashboard build at ${BUILD}: run npm run build`);
  for (const folder of folders) mkdirSync(folder, { recursive: true });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

/** A page in a browser context of its own, waits bounded by WAIT_MS, watched (watchPage). */
export async function openSession(
  browser: Browser,
  server: VexilServer,
  viewport = { width: 1280, height: 900 },
): Promise<Session> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  return { context, page, watch: watchPage(page, new URL(server.url).origin) };
}

/** Types a token into the sign-in page that is showing and submits it. */
export async function submitToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `path` (the sign-in page shows) and signs in, with the admin token unless told. */
export async function signIn(
  page: Page,
  server: VexilServer,
  path = '/',
  token = server.adminToken,
): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await submitToken(page, token);
}

export interface Person extends Session {
  readonly name: string;
  readonly token: string;
}

/** One session per name, each with its own API token of `role` (not signed in yet). */
export async function openPeople(
  browser: Browser,
  server: VexilServer,
  names: readonly string[],
  role = 'writer',
): Promise<Person[]> {
  const people: Person[] = [];
  for (const name of names) {
    const token = await server.api<{ token: string }>('POST', '/tokens', { name, role });
    assert.equal(token.status, 201);
    people.push({ name, token: token.body.token, ...(await openSession(browser, server)) });
  }
  return people;
}

/** Creates a boolean flag (true, false) in the default project through the API. */
export async function createBooleanFlag(
  server: VexilServer,
  key: string,
  name: string,
): Promise<void> {
  const created = await server.api('POST', '/projects/default/flags', {
    key,
    name,
    variations: [{ value: true }, { value: false }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

/** The page asked nothing of another origin and logged no error. */
export function assertCleanPage(watch: PageWatch, who?: string): void {
  assert.deepEqual(
    watch.foreign,
    [],
    who === undefined ? undefined : `${who} made requests elsewhere`,
  );
  assert.deepEqual(watch.errors, [], who === undefined ? undefined : `${who}'s page logged errors`);
}

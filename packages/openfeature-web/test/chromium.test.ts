import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createEnvironment,
  startVexil,
  type TestEnvironment,
  type VexilServer,
} from '@vexil/testkit';
import {
  browserSkip,
  launchBrowser,
  startBundledPage,
  type PageServer,
} from '@vexil/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import type { EvaluationContext } from '@openfeature/web-sdk';
import type { PageApi } from './page/entry.js';
import { FLAGS } from './support/flags.js';
import { serve } from './support/vexil-server.js';

// The provider in headless Chromium, as a customer's page runs it: the web SDK and the provider
// bundled by Vite (page/entry.ts), served from a page server on another port than Vexil's, so
// every request to Vexil is cross-origin and goes through CORS. The page gets its flags, a
// change made through the REST API reaches its CONFIGURATION_CHANGED handler over the stream
// with no request after the stream opened, a context change re-evaluates, and a reload while
// the server is down starts from localStorage. Every wait is on a condition in the page.

const skip = browserSkip();
const ENTRY = fileURLToPath(new URL('./page/entry.js', import.meta.url));
const WAIT = { timeout: 15_000, polling: 20 };
/** The page's global, as the functions that run in the page see it. */
type InPage = { vexil: PageApi };

describe('VexilWebProvider in Chromium, on a page of another origin', { skip }, () => {
  let server: VexilServer;
  let env: TestEnvironment;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;
  /** `METHOD path` of every request the page made to Vexil. */
  const requests: string[] = [];
  const errors: string[] = [];

  before(async () => {
    [server, pages] = await Promise.all([startVexil(), startBundledPage(ENTRY)]);
    env = await createEnvironment(server, { project: 'browser', data: { flags: FLAGS } });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === server.url) requests.push(`${request.method()} ${url.pathname}`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.stop();
  });

  // The context goes as JSON text: Playwright's types for evaluate's argument recurse without
  // end on EvaluationContext.
  const start = (context: EvaluationContext) =>
    page.evaluate(
      ([clientSideId, baseUrl, c]) =>
        (globalThis as unknown as InPage).vexil.start({ clientSideId, baseUrl }, JSON.parse(c)),
      [env.clientSideId, server.url, JSON.stringify(context)] as const,
    );
  const details = (key: string) =>
    page.evaluate((k) => (globalThis as unknown as InPage).vexil.details(k, 'fallback'), key);
  /** The context a stream request names, decoded from its path. */
  const streamedContext = (request: string) =>
    JSON.parse(Buffer.from(request.split('/').at(-1)!, 'base64url').toString()) as object;

  test('the page gets its flags from a cross-origin stream', async () => {
    assert.notEqual(new URL(pages.url).origin, server.url);
    await page.goto(pages.url);
    assert.equal(await start({ targetingKey: 'b-1', plan: 'basic' }), undefined);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as InPage).vexil.status()),
      'READY',
    );
    assert.deepEqual(await details('headline'), {
      value: 'v1',
      variant: '0',
      reason: 'TARGETING_MATCH',
    });
    assert.deepEqual(await details('plan-perks'), {
      value: 'none',
      variant: '0',
      reason: 'TARGETING_MATCH',
    });
    assert.equal(requests.length, 1, requests.join('\n'));
    assert.match(requests[0]!, new RegExp(`^GET /eval/${env.clientSideId}/`));
    assert.deepEqual(streamedContext(requests[0]!), { kind: 'user', key: 'b-1', plan: 'basic' });
  });

  test('a change through the REST API reaches the handler over the stream, no request made', async (t) => {
    const before = requests.length;
    const sentAt = performance.timeOrigin + performance.now();
    await serve(server, env, 'headline', 1);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as InPage).vexil.changes.some((c) => c.flags.includes('headline')),
      undefined,
      WAIT,
    );
    const change = await page.evaluate(() =>
      (globalThis as unknown as InPage).vexil.changes.at(-1)!,
    );
    assert.deepEqual([change.flags, change.headline], [['headline'], 'v2']);
    assert.equal(
      requests.length,
      before,
      `requests after the stream opened: ${requests.slice(before).join(', ')}`,
    );
    // Measured, not asserted: from before the PATCH in Node to the page's handler (one clock).
    t.diagnostic(`REST API change to the page's handler: ${(change.at - sentAt).toFixed(1)} ms`);
  });

  test('a context change in the page re-evaluates at the edge', async () => {
    const before = requests.length;
    const events = await page.evaluate(() => (globalThis as unknown as InPage).vexil.events.length);
    await page.evaluate((c) => (globalThis as unknown as InPage).vexil.setContext(c), {
      targetingKey: 'b-2',
      plan: 'gold',
    });
    assert.equal((await details('plan-perks')).value, 'gold-perks');
    assert.deepEqual(
      await page.evaluate(
        (from) => (globalThis as unknown as InPage).vexil.events.slice(from),
        events,
      ),
      ['PROVIDER_RECONCILING:RECONCILING', 'PROVIDER_CONTEXT_CHANGED:READY'],
    );
    const made = requests.slice(before);
    assert.equal(made.length, 1, made.join('\n'));
    assert.deepEqual(streamedContext(made[0]!), { kind: 'user', key: 'b-2', plan: 'gold' });
  });

  test('a reload while the server is down starts from localStorage, STALE and CACHED', async () => {
    await server.role.stop();
    await page.reload();
    assert.equal(await start({ targetingKey: 'b-2', plan: 'gold' }), undefined);
    await page.waitForFunction(
      () => (globalThis as unknown as InPage).vexil.status() === 'STALE',
      undefined,
      WAIT,
    );
    assert.deepEqual(await details('plan-perks'), {
      value: 'gold-perks',
      variant: '1',
      reason: 'CACHED',
    });
    assert.deepEqual(await details('headline'), { value: 'v2', variant: '1', reason: 'CACHED' });
    assert.deepEqual(errors, []);
  });
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvaluationContext } from '@openfeature/web-sdk';
import {
  browserSkip,
  launchBrowser,
  startBundledPage,
  type PageServer,
} from '@vexil/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import type { OfrepPageApi } from './page/ofrep-web.js';
import { synced } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';

// OpenFeature's OFREP web provider (@openfeature/ofrep-web-provider) in headless Chromium against
// the edge, with its default change detection (`changeDetection: 'sse'`) and no polling: it takes
// the event stream the bulk answer offers (docs/protocol.md section 4.6), and a change reaches
// the page's CONFIGURATION_CHANGED handler through a refetchEvaluation and one bulk refetch,
// including a change made while the stream was cut, which the reconnect catches up on. In secure
// mode the stream opens without the hash, and the refetch carries it. The page (page/ofrep-web.ts,
// bundled by Vite) is served from another origin than the edge, so everything goes through CORS.
// Every wait is on a condition in the page or the edge.

const skip = browserSkip();
const ENTRY = fileURLToPath(new URL('./page/ofrep-web.js', import.meta.url));
const WAIT = { timeout: 15_000, polling: 20 };
const BULK = '/ofrep/v1/evaluate/flags';

/** The page's global, as the functions that run in the page see it. */
type InPage = { ofrep: OfrepPageApi };

describe('OFREP web provider in Chromium: changes over the OFREP event stream', { skip }, () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let pages: PageServer;
  let browser: Browser;
  /** `METHOD path?query` of every request a page made to the edge. */
  const requests: string[] = [];
  /** `STATUS METHOD path?query` of every answer a page got from the edge. */
  const answers: string[] = [];
  const errors: string[] = [];

  const newPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === edge.url)
        requests.push(`${request.method()} ${url.pathname}${url.search}`);
    });
    page.on('response', (response) => {
      const url = new URL(response.url());
      const request = `${response.request().method()} ${url.pathname}${url.search}`;
      if (url.origin === edge.url) answers.push(`${response.status()} ${request}`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pages.url);
    return page;
  };
  // The context goes as JSON text: Playwright's types for evaluate's argument recurse without
  // end on EvaluationContext.
  const start = (page: Page, target: TestEnvironment, context: EvaluationContext, hash?: string) =>
    page.evaluate(
      ([options, c]) => (globalThis as unknown as InPage).ofrep.start(options, JSON.parse(c)),
      [
        { baseUrl: edge.url, clientSideId: target.id, ...(hash === undefined ? {} : { hash }) },
        JSON.stringify(context),
      ] as const,
    );
  /** Waits for the page's handler to have seen `banner` at `value`, after `from` changes. */
  const changedTo = (page: Page, value: boolean, from: number) =>
    page.waitForFunction(
      ([v, n]) =>
        (globalThis as unknown as InPage).ofrep.changes
          .slice(n)
          .some((c) => c.flags.includes('banner') && c.banner === v),
      [value, from] as const,
      WAIT,
    );
  const changeCount = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as InPage).ofrep.changes.length);
  const streamsOf = (target: TestEnvironment) =>
    requests.filter((r) => r === `GET /ofrep/v1/events/${target.id}`).length;

  const seed = async (key: string) => {
    const target = await edge.origin.addEnvironment(key);
    await edge.origin.put(target, 'flag', ldFlag('banner'));
    await synced(edge, target);
    return target;
  };

  before(async () => {
    [edge, pages] = await Promise.all([startEdgeServer(), startBundledPage(ENTRY)]);
    env = await seed('ofrep-web');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await edge?.close();
  });

  test('a change reaches CONFIGURATION_CHANGED over the event stream, and a cut stream catches up', async (t) => {
    const page = await newPage();
    assert.notEqual(new URL(pages.url).origin, edge.url);
    assert.equal(await start(page, env, { targetingKey: 'u1' }), undefined);
    assert.equal(await page.evaluate(() => (globalThis as unknown as InPage).ofrep.banner()), true);
    // The provider opened the stream the bulk answer offered, resolved against its baseUrl.
    await until(() => edge.edge.status().streams === 1, 10_000, 'the OFREP event stream');
    assert.equal(streamsOf(env), 1, requests.join('\n'));
    // The stream asks for a refetch on connect (a change may have come since the bulk answer).
    const refetchAt = (seq: number) =>
      `POST ${BULK}?flagConfigEtag=${seq}&flagConfigLastModified=${seq}`;
    // Nothing changed since the bulk answer, so the refetch is a 304 (the If-None-Match matched).
    const onConnect = `304 ${refetchAt(env.seq)}`;
    await until(() => answers.includes(onConnect), 10_000, `${onConnect}: ${answers.join(', ')}`);

    let seen = await changeCount(page);
    await edge.origin.put(env, 'flag', ldFlag('banner', { on: false }));
    await changedTo(page, false, seen);
    // The refetch named the seq the stream announced.
    assert.ok(requests.includes(refetchAt(env.seq)), requests.join('\n'));

    // The connection drops (as on a network failure) and a change is made before the EventSource
    // reconnects: its Last-Event-ID is behind, so the new stream asks for a refetch at once.
    seen = await changeCount(page);
    edge.cut();
    await edge.origin.put(env, 'flag', ldFlag('banner', { on: true }));
    await changedTo(page, true, seen);
    assert.equal(streamsOf(env), 2, 'one reconnect');
    const events = await page.evaluate(() => (globalThis as unknown as InPage).ofrep.events);
    t.diagnostic(`provider events: ${events.join(', ')}`);
    await page.close();
  });

  test('secure mode: the stream opens without the hash; the refetch carries it', async () => {
    const secure = await seed('ofrep-web-secure');
    await edge.origin.setSecureMode(secure, true);
    const page = await newPage();
    const refused = await start(page, secure, { targetingKey: 'u1' });
    assert.ok(refused !== undefined, 'no hash, no flags');
    await page.close();

    const signed = await newPage();
    const hash = createHmac('sha256', secure.sdkKey).update('u1').digest('hex');
    assert.equal(await start(signed, secure, { targetingKey: 'u1' }, hash), undefined);
    await until(() => streamsOf(secure) === 1, 10_000, 'the secure environment stream');
    const seen = await changeCount(signed);
    await edge.origin.put(secure, 'flag', ldFlag('banner', { on: false }));
    await changedTo(signed, false, seen);
    assert.deepEqual(errors, []);
    await signed.close();
  });
});

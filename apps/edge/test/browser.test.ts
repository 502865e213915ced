import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { init } from '@launchdarkly/node-server-sdk';
import type { Browser, Page } from 'playwright-core';
import {
  browserSkip,
  launchBrowser,
  startPageServer,
  type PageServer,
} from '@vexil/testkit/browser';
import { synced } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';

// LaunchDarkly's browser SDK (launchdarkly-js-client-sdk) in headless Chromium against the
// edge: the evalx poll at start, the `/eval` stream with its put/patch/delete, a client with
// `useReport` (REPORT polls and the `/ping` stream, since a native EventSource cannot send
// REPORT), and a reconnect after the edge restarts. Every wait is on a value in the page, with a
// deadline.

const skip = browserSkip();

/** What the test page defines (support/browser.ts). */
interface PageGlobals {
  start(
    name: string,
    envId: string,
    context: object,
    options: object,
  ): Promise<Record<string, unknown>>;
  value(name: string, key: string): unknown;
}
const WAIT = { timeout: 15_000, polling: 20 };
const LD_SILENT = { debug() {}, info() {}, warn() {}, error() {} };
const user = { kind: 'user', key: 'browser-user', email: 'ann@example.com' };

async function seed(edge: EdgeServer, banner: string): Promise<TestEnvironment> {
  const env = await edge.origin.addEnvironment('browser');
  await edge.origin.put(env, 'flag', ldFlag('new-checkout'));
  await edge.origin.put(
    env,
    'flag',
    ldFlag('banner', { variations: [banner, 'plain'], fallthrough: { variation: 0 } }),
  );
  await edge.origin.put(
    env,
    'flag',
    ldFlag('server-only', {
      clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
      clientSide: false,
    }),
  );
  await synced(edge, env);
  return env;
}

describe('LaunchDarkly browser SDK in Chromium', { skip }, () => {
  let browser: Browser;
  let pages: PageServer;
  let page: Page;
  let edge: EdgeServer;
  let env: TestEnvironment;
  /** `METHOD /path` of every request the page makes (CORS preflights are not reported). */
  const requests: string[] = [];

  const options = () => ({
    baseUrl: edge.url,
    streamUrl: edge.url,
    eventsUrl: edge.url,
    streaming: true,
    sendEvents: false,
    fetchGoals: false,
    diagnosticOptOut: true,
    streamReconnectDelay: 50,
  });
  const valueIs = (name: string, key: string, expected: unknown) =>
    page.waitForFunction(
      ([n, k, e]) => JSON.stringify((globalThis as unknown as PageGlobals).value(n, k)) === e,
      [name, key, JSON.stringify(expected)] as const,
      WAIT,
    );
  const start = (name: string, extra: Record<string, unknown> = {}) =>
    page.evaluate(
      ([n, id, ctx, opts]) => (globalThis as unknown as PageGlobals).start(n, id, ctx, opts),
      [name, env.id, user, { ...options(), ...extra }] as const,
    );

  before(async () => {
    edge = await startEdgeServer();
    env = await seed(edge, 'welcome');
    pages = await startPageServer();
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.goto(pages.url);
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await edge?.close();
  });

  test('streaming: initial values, a patch, a delete, and a reconnect after an edge restart', async () => {
    const flags = await start('streaming');
    assert.deepEqual(flags, { 'new-checkout': true, banner: 'welcome' });
    await until(() => edge.edge.status().streams === 1, 10_000, 'the /eval stream');
    for (const path of [`GET /sdk/evalx/${env.id}/contexts/`, `GET /eval/${env.id}/`])
      await until(() => requests.some((r) => r.startsWith(path)), 10_000, path);

    await edge.origin.put(
      env,
      'flag',
      ldFlag('banner', { variations: ['welcome', 'plain'], fallthrough: { variation: 1 } }),
    );
    await valueIs('streaming', 'banner', 'plain');

    await edge.origin.remove(env, 'flag', 'new-checkout');
    await valueIs('streaming', 'new-checkout', 'fallback');

    // The edge goes away and comes back on the same port with other data: the SDK's stream
    // reconnects and the fresh `put` replaces what it had.
    const port = (edge.server.address() as AddressInfo).port;
    await edge.close();
    edge = await startEdgeServer({}, port);
    env = await seed(edge, 'welcome back');
    await valueIs('streaming', 'banner', 'welcome back');
    await valueIs('streaming', 'new-checkout', true);
  });

  test('useReport: REPORT polls, and the /ping stream triggers a re-poll', async () => {
    const before = edge.edge.status().streams;
    const flags = await start('report', { useReport: true });
    assert.equal(flags['banner'], 'welcome back');
    assert.equal('server-only' in flags, false);
    await until(() => edge.edge.status().streams === before + 1, 10_000, 'the /ping stream');
    await edge.origin.put(env, 'flag', ldFlag('new-checkout', { on: false }));
    await valueIs('report', 'new-checkout', false);
    const poll = `REPORT /sdk/evalx/${env.id}/context`;
    await until(() => requests.filter((r) => r === poll).length >= 2, 10_000, 'two REPORT polls');
    await until(() => requests.includes(`GET /ping/${env.id}`), 10_000, 'the ping stream request');
  });

  test('secure mode: the hash the Node server SDK computed opens the browser SDK, none does not', async () => {
    const secure = await edge.origin.addEnvironment('secure');
    await edge.origin.put(secure, 'flag', ldFlag('banner', { variations: ['signed', 'x'] }));
    await edge.origin.setSecureMode(secure, true);
    await synced(edge, secure);
    // What a customer's backend does: hash the page's context with the SDK key.
    const server = init(secure.sdkKey, { offline: true, logger: LD_SILENT });
    const hash = server.secureModeHash(user);
    server.close();
    const startIn = (name: string, extra: Record<string, unknown>) =>
      page.evaluate(
        ([n, id, ctx, opts]) => (globalThis as unknown as PageGlobals).start(n, id, ctx, opts),
        [name, secure.id, user, { ...options(), ...extra }] as const,
      );

    await assert.rejects(startIn('unsigned', {}), 'without the hash the SDK cannot start');
    assert.deepEqual(await startIn('signed', { hash }), { banner: 'signed' });
    await until(
      () => requests.some((r) => r.startsWith(`GET /eval/${secure.id}/`)),
      10_000,
      'the signed /eval stream',
    );
    await edge.origin.put(
      secure,
      'flag',
      ldFlag('banner', { variations: ['signed', 'patched'], fallthrough: { variation: 1 } }),
    );
    await valueIs('signed', 'banner', 'patched');
    const report = await startIn('signed-report', { hash, useReport: true });
    assert.deepEqual(report, { banner: 'patched' });
  });
});

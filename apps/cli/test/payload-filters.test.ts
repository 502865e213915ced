import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient, type LDOptions } from '@launchdarkly/node-server-sdk';
import { until } from '@vexil/testkit';
import {
  adminRequest,
  fetchJson,
  killServer,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// Payload filters end to end in `vexil start`, with LaunchDarkly's Node SDK and its
// `payloadFilterKey`: a filter defined through the API serves only its flags, on streaming and
// on polling; a change to a flag outside it never reaches the SDK; a flag tagged into it later
// does; an unknown filter fails the SDK's start with the edge's message.

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const user = { kind: 'user', key: 'u1' };

describe('payload filters with the LaunchDarkly Node SDK', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  let sdkKey = '';
  const clients: LDClient[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    adminRequest(server!, method, `/projects/default${path}`, body);

  async function client(options: LDOptions): Promise<LDClient> {
    const ld = init(sdkKey, {
      baseUri: server!.url,
      streamUri: server!.url,
      eventsUri: server!.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
      ...options,
    });
    clients.push(ld);
    await ld.waitForInitialization({ timeout: 10 });
    return ld;
  }
  const flagKeys = async (ld: LDClient) =>
    Object.keys((await ld.allFlagsState(user)).allValues()).sort();

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
    const env = await fetchJson(
      `${server.url}/api/v1/projects/default/environments/production`,
      server.adminToken,
    );
    sdkKey = (env.body as { sdkKey: string }).sdkKey;
    const res = await api('POST', '/filters', {
      key: 'checkout',
      name: 'Checkout service',
      tags: ['checkout'],
    });
    assert.equal(res.status, 201, await res.clone().text());
    assert.deepEqual(((await res.json()) as { flags: string[] }).flags, ['new-checkout']);
  });

  after(async () => {
    for (const ld of clients) ld.close();
    killServer(server);
    await data.remove();
  });

  test("streaming: only the filter's flags, and no update for a flag outside it", async () => {
    const ld = await client({ payloadFilterKey: 'checkout', streamInitialReconnectDelay: 0.05 });
    assert.deepEqual(await flagKeys(ld), ['new-checkout']);
    assert.equal(await ld.variation('banner-text', user, 'fallback'), 'fallback');
    const updates: string[] = [];
    ld.on('update', ({ key }: { key: string }) => updates.push(key));
    const outside = await api('PATCH', '/flags/banner-text', [
      { op: 'replace', path: '/environments/production/on', value: false },
    ]);
    assert.equal(outside.status, 200);
    const inside = await api('PATCH', '/flags/new-checkout', [
      { op: 'replace', path: '/environments/production/on', value: false },
    ]);
    assert.equal(inside.status, 200);
    await until('the change inside the filter', () => updates.includes('new-checkout'), 10_000);
    assert.deepEqual(updates, ['new-checkout'], 'banner-text is outside the filter');
  });

  test('a flag tagged into the filter reaches a streaming SDK; polling sees it too', async () => {
    const streaming = await client({ payloadFilterKey: 'checkout' });
    const tagged = await api('PATCH', '/flags/banner-text', [
      { op: 'add', path: '/tags/-', value: 'checkout' },
    ]);
    assert.equal(tagged.status, 200);
    await until(
      'banner-text in the filtered stream',
      async () => (await flagKeys(streaming)).includes('banner-text'),
      10_000,
    );
    const polling = await client({ payloadFilterKey: 'checkout', stream: false });
    assert.deepEqual(await flagKeys(polling), ['banner-text', 'new-checkout']);
  });

  test("an unknown filter fails the SDK's start; the edge says what to fix", async () => {
    await assert.rejects(client({ payloadFilterKey: 'no-such-filter' }));
    const res = await fetch(`${server!.url}/sdk/latest-all?filter=no-such-filter`, {
      headers: { authorization: sdkKey },
    });
    assert.equal(res.status, 404);
    assert.match(
      ((await res.json()) as { message: string }).message,
      /no payload filter "no-such-filter" in project "default"/,
    );
  });
});

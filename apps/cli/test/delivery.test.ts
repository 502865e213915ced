import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import {
  adminRequest,
  fetchJson,
  killServer,
  startServer,
  stopServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// End to end in `vexil start`: a change written through the REST API reaches a connected
// LaunchDarkly SDK over the edge on the same port, and the SDK reconnects after a restart.

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const employee = { kind: 'user', key: 'e1', email: 'ann@example.com' };
const customer = { kind: 'user', key: 'c1', email: 'bob@customer.org' };

describe('vexil start delivers flag changes to LaunchDarkly SDKs', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  let ld: LDClient | undefined;
  let sdkKey = '';

  const api = (method: string, path: string, body?: unknown) =>
    adminRequest(server!, method, path, body);

  before(async () => {
    data = await tempDir();
    server = await startServer(data.path);
    const env = await fetchJson(
      `${server.url}/api/v1/projects/default/environments/production`,
      server.adminToken,
    );
    sdkKey = (env.body as { sdkKey: string }).sdkKey;
    ld = init(sdkKey, {
      baseUri: server.url,
      streamUri: server.url,
      eventsUri: server.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
      streamInitialReconnectDelay: 0.05,
    });
    await ld.waitForInitialization({ timeout: 10 });
  });

  after(async () => {
    ld?.close();
    killServer(server);
    await data.remove();
  });

  test('the demo flags serve what their rules say', async () => {
    assert.equal(await ld!.variation('new-checkout', employee, 'default'), true);
    assert.equal(await ld!.variation('new-checkout', customer, 'default'), false);
    assert.equal(await ld!.variation('banner-text', customer, 'default'), 'Welcome!');
  });

  test('a PATCH through the API reaches the SDK', async () => {
    const updated = new Promise((resolve) => ld!.once('update:new-checkout', resolve));
    const res = await api('PATCH', '/projects/default/flags/new-checkout', [
      { op: 'replace', path: '/environments/production/fallthrough', value: { variation: 0 } },
    ]);
    assert.equal(res.status, 200, await res.text());
    await updated;
    assert.equal(await ld!.variation('new-checkout', customer, 'default'), true);
  });

  test('a deleted flag disappears from the SDK', async () => {
    const created = new Promise((resolve) => ld!.once('update:short-lived', resolve));
    assert.equal(
      (
        await api('POST', '/projects/default/flags', {
          key: 'short-lived',
          variations: [{ value: 1 }, { value: 2 }],
        })
      ).status,
      201,
    );
    await created;
    assert.equal(await ld!.variation('short-lived', customer, 0), 2);
    const deleted = new Promise((resolve) => ld!.once('update:short-lived', resolve));
    assert.equal((await api('DELETE', '/projects/default/flags/short-lived')).status, 204);
    await deleted;
    assert.equal(await ld!.variation('short-lived', customer, 0), 0);
  });

  test('the SDK reconnects after the server restarts and sees changes made meanwhile', async () => {
    const port = Number(new URL(server!.url).port);
    assert.equal(await stopServer(server!), 0);
    server = await startServer(data.path, {}, port);
    const updated = new Promise((resolve) => ld!.once('update:banner-text', resolve));
    const res = await api('PATCH', '/projects/default/flags/banner-text', [
      { op: 'replace', path: '/environments/production/fallthrough', value: { variation: 1 } },
    ]);
    assert.equal(res.status, 200, await res.text());
    await updated;
    assert.equal(await ld!.variation('banner-text', customer, 'default'), 'Spring sale: 20% off');
  });
});

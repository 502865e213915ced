import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient } from '@launchdarkly/node-server-sdk';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';

// The real LaunchDarkly Node server SDK against the edge: FDv1 streaming and polling.

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function client(edge: EdgeServer, sdkKey: string, stream: boolean): LDClient {
  return init(sdkKey, {
    baseUri: edge.url,
    streamUri: edge.url,
    eventsUri: edge.url,
    stream,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: silent,
    streamInitialReconnectDelay: 0.05,
  });
}

describe('LaunchDarkly Node server SDK', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const user = { kind: 'user', key: 'u1', email: 'ann@example.com' };

  before(async () => {
    edge = await startEdgeServer();
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('checkout'));
    await edge.origin.put(
      env,
      'flag',
      ldFlag('banner', { variations: ['a', 'b'], fallthrough: { variation: 1 } }),
    );
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(() => edge.close());

  test('streaming: initial values, updates, deletes', async () => {
    const ld = client(edge, env.sdkKey, true);
    try {
      await ld.waitForInitialization({ timeout: 5 });
      assert.equal(await ld.variation('checkout', user, 'default'), true);
      assert.equal(await ld.variation('banner', user, 'default'), 'b');
      const updated = new Promise((resolve) => ld.once('update:checkout', resolve));
      await edge.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
      await updated;
      assert.equal(await ld.variation('checkout', user, 'default'), false);
      const removed = new Promise((resolve) => ld.once('update:banner', resolve));
      await edge.origin.remove(env, 'flag', 'banner');
      await removed;
      assert.equal(await ld.variation('banner', user, 'default'), 'default');
    } finally {
      ld.close();
    }
  });

  test('polling: initial values from /sdk/latest-all', async () => {
    const ld = client(edge, env.sdkKey, false);
    try {
      await ld.waitForInitialization({ timeout: 5 });
      const detail = await ld.variationDetail('checkout', user, 'default');
      assert.equal(detail.value, false);
      assert.deepEqual(detail.reason, { kind: 'OFF' });
    } finally {
      ld.close();
    }
  });

  test('an unknown SDK key is refused with 401 and the SDK gives up', async () => {
    const ld = client(edge, 'sdk-unknown', true);
    try {
      await assert.rejects(ld.waitForInitialization({ timeout: 5 }));
    } finally {
      ld.close();
    }
  });
});

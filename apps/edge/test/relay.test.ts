import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { createEdge, relayUpstream, silentLogger, type Edge } from '@vexil/edge';
import { until as eventually } from '@vexil/testkit';
import { b64 } from './support/client-helpers.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { openSse } from './support/sse-client.js';

// Relay mode: an edge chained to another edge over the relay feed, serving SDKs from what it
// receives, resuming after the upstream restarts without a full resync.

const EDGE_TOKEN = 'vxl_edge-token-for-tests';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function startRelay(
  upstreamUrl: string,
  token = EDGE_TOKEN,
): Promise<{ url: string; edge: Edge; server: Server; resets: () => number }> {
  let resets = 0;
  const edge = createEdge({
    upstream: relayUpstream({ url: upstreamUrl, token, logger: silentLogger }),
    observers: [(_state, event) => void (event.type === 'reset' && resets++)],
  });
  await edge.start();
  const server = createServer((req, res) => {
    if (!edge.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    edge,
    server,
    resets: () => resets,
  };
}

describe('relay mode', () => {
  let upstream: EdgeServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let env: TestEnvironment;
  let ld: LDClient;

  before(async () => {
    upstream = await startEdgeServer();
    await upstream.origin.addEdgeToken(EDGE_TOKEN);
    env = await upstream.origin.addEnvironment('production');
    await upstream.origin.put(env, 'flag', ldFlag('checkout'));
    await upstream.origin.put(env, 'segment', {
      key: 'beta',
      included: ['u1'],
      rules: [],
      salt: 's',
    });
    await until(() => upstream.edge.status().ready, 5000, 'upstream ready');
    relay = await startRelay(upstream.url);
    await until(() => relay.edge.status().ready, 5000, 'relay ready');
    ld = init(env.sdkKey, {
      baseUri: relay.url,
      streamUri: relay.url,
      eventsUri: relay.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
    });
    await ld.waitForInitialization({ timeout: 5 });
  });

  after(async () => {
    ld.close();
    await relay.edge.close();
    relay.server.closeAllConnections();
    relay.server.close();
    await upstream.close();
  });

  test('serves SDKs with the upstream data and forwards every change', async () => {
    assert.equal(await ld.variation('checkout', { kind: 'user', key: 'u1' }, 'x'), true);
    const updated = new Promise((resolve) => ld.once('update:checkout', resolve));
    await upstream.origin.put(env, 'flag', ldFlag('checkout', { on: false }));
    await updated;
    assert.equal(await ld.variation('checkout', { kind: 'user', key: 'u1' }, 'x'), false);
    assert.equal(
      relay.edge.status().environments[0]?.seq,
      upstream.edge.status().environments[0]?.seq,
    );
  });

  test('authenticates SDK keys with the credential hashes it received', async () => {
    const res = await fetch(`${relay.url}/sdk/latest-all`, {
      headers: { authorization: 'sdk-wrong' },
    });
    assert.equal(res.status, 401);
    const ok = await fetch(`${relay.url}/sdk/latest-all`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(ok.status, 200);
  });

  test('refuses a feed without a valid edge token', async () => {
    const res = await fetch(`${upstream.url}/vexil/v1/relay`, {
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(res.status, 401);
    const sdkKey = await fetch(`${upstream.url}/vexil/v1/relay`, {
      headers: { authorization: `Bearer ${env.sdkKey}` },
    });
    assert.equal(sdkKey.status, 401);
  });

  test('resumes with only the missed changes after the feed is cut', async () => {
    const resetsBefore = relay.resets();
    // Cut every connection to the upstream, relay feed included; write while it reconnects.
    upstream.cut();
    await upstream.origin.put(env, 'flag', ldFlag('other'));
    const updated = new Promise((resolve) => ld.once('update:checkout', resolve));
    await upstream.origin.put(env, 'flag', ldFlag('checkout', { on: true, variations: [1, 2] }));
    await updated;
    assert.equal(await ld.variation('checkout', { kind: 'user', key: 'u1' }, 0), 1);
    const seq = upstream.edge.status().environments[0]!.seq;
    await until(() => relay.edge.status().environments[0]?.seq === seq, 5000, 'relay caught up');
    assert.equal(
      relay.resets(),
      resetsBefore,
      'the relay resumed from its seq without a full snapshot',
    );
  });

  test('enforces secure mode with the keys of the directory entries it is relayed', async () => {
    const secure = await upstream.origin.addEnvironment('secure');
    await upstream.origin.put(secure, 'flag', ldFlag('checkout'));
    const user: LDContext = { kind: 'multi', user: { key: 'u1' }, org: { key: 'acme' } };
    const hash = (sdkKey: string) => {
      const client = init(sdkKey, { offline: true, logger: silent });
      const h = client.secureModeHash(user);
      client.close();
      return h;
    };
    const evalUrl = (h?: string) =>
      `${relay.url}/eval/${secure.id}/${b64(user)}${h === undefined ? '' : `?h=${h}`}`;
    const unsigned = await openSse(evalUrl());
    assert.equal(unsigned.status, 200);
    assert.equal((await unsigned.next()).event, 'put');

    await upstream.origin.setSecureMode(secure, true);
    assert.equal(await unsigned.ended(), true, 'secure mode on closed the unsigned stream');
    const poll = (h?: string) =>
      fetch(`${relay.url}/sdk/evalx/${secure.id}/contexts/${b64(user)}${h ? `?h=${h}` : ''}`);
    assert.equal((await poll()).status, 400);
    assert.equal((await poll(hash('sdk-wrong'))).status, 400);
    assert.equal((await poll(hash(secure.sdkKey))).status, 200);
    const signed = await openSse(evalUrl(hash(secure.sdkKey)));
    assert.equal((await signed.next()).event, 'put');

    const oldKey = secure.sdkKey;
    await upstream.origin.rotateSdkKey(secure);
    assert.equal(await signed.ended(), true, 'the rotated-away key closed the stream it verified');
    await eventually('the relay to know the new key', async () => {
      return (await poll(hash(secure.sdkKey))).status === 200;
    });
    assert.equal((await poll(hash(oldKey))).status, 400);
    signed.close();
    unsigned.close();
  });
});

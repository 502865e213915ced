import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { createEdge, relayUpstream, silentLogger, type Edge } from '@vexil/edge';
import type {
  DirectoryRecord,
  EnvironmentSnapshot,
  JsonObject,
  SnapshotItem,
} from '@vexil/protocol';
import { until as eventually } from '@vexil/testkit';
import { b64 } from './support/client-helpers.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { openSse } from './support/sse-client.js';

// Relay mode: an edge chained to another edge over the relay feed, serving SDKs from what it
// receives, resuming after the upstream restarts without a full resync.

const EDGE_TOKEN = 'vxl_edge-token-for-tests';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const asEdge = { authorization: `Bearer ${EDGE_TOKEN}` };

/** A refusal's status and its JSON body: the error's code, and a message naming the fix. */
async function assertRefused(res: Response, status: number, code: string, message: RegExp) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  const body = JSON.parse(text) as { code?: unknown; message?: unknown };
  assert.equal(body.code, code, text);
  assert.match(String(body.message), message);
}

/** Items in one order (the snapshot's is the upstream's map order, not the commit order). */
const byKindAndKey = (items: readonly SnapshotItem[]) =>
  [...items].sort((a, b) => `${a.kind}/${a.key}`.localeCompare(`${b.kind}/${b.key}`));

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

  /** Waits for the upstream edge to hold the environment at `seq`. */
  const upstreamHas = (seq: number) =>
    until(
      () => upstream.edge.status().environments.find((e) => e.id === env.id)?.seq === seq,
      5000,
      `the upstream at seq ${seq}`,
    );

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
    await assertRefused(res, 401, 'UNAUTHORIZED', /unknown or revoked SDK key/);
    const ok = await fetch(`${relay.url}/sdk/latest-all`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as {
      flags: Record<string, JsonObject>;
      segments: Record<string, JsonObject>;
    };
    // What the upstream holds, as the origin committed it.
    const held = (kind: 'flag' | 'segment') =>
      Object.fromEntries(
        [...env.items.values()].filter((i) => i.kind === kind).map((i) => [i.key, i.item]),
      );
    assert.deepEqual(body.flags, held('flag'));
    assert.deepEqual(body.segments, held('segment'));
  });

  test('refuses a feed without a valid edge token', async () => {
    const res = await fetch(`${upstream.url}/vexil/v1/relay`, {
      headers: { authorization: 'Bearer nope' },
    });
    await assertRefused(res, 401, 'UNAUTHORIZED', /unknown or revoked edge token/);
    const sdkKey = await fetch(`${upstream.url}/vexil/v1/relay`, {
      headers: { authorization: `Bearer ${env.sdkKey}` },
    });
    await assertRefused(sdkKey, 401, 'UNAUTHORIZED', /unknown or revoked edge token/);
    const bare = await fetch(`${upstream.url}/vexil/v1/relay/environments/${env.id}`);
    await assertRefused(bare, 401, 'UNAUTHORIZED', /"Authorization: Bearer <token>"/);
  });

  test('looks directory keys up for an edge token', async () => {
    const environment = { id: env.id, projectKey: 'p', key: 'production', name: 'production' };
    const lookup = (key: string) =>
      fetch(`${upstream.url}/vexil/v1/relay/directory/${key}`, { headers: asEdge });

    const credential = await lookup(`c.${sha256(env.sdkKey)}`);
    assert.equal(credential.status, 200);
    const record = (await credential.json()) as DirectoryRecord;
    assert.equal(record.key, `c.${sha256(env.sdkKey)}`);
    assert.deepEqual(record.entry, { type: 'credential', kind: 'sdk', environment });
    assert.ok(record.revision > 0, `revision ${record.revision}`);

    const entry = await lookup(`e.${env.id}`);
    assert.equal(entry.status, 200);
    const environmentRecord = (await entry.json()) as DirectoryRecord;
    assert.equal(environmentRecord.key, `e.${env.id}`);
    assert.deepEqual(environmentRecord.entry, {
      type: 'environment',
      environment,
      credentials: [sha256(env.sdkKey), sha256(env.mobileKey)],
    });

    const unknown = await lookup(`c.${sha256('sdk-never-issued')}`);
    assert.equal(unknown.status, 200);
    const none = (await unknown.json()) as DirectoryRecord;
    assert.equal(none.key, `c.${sha256('sdk-never-issued')}`);
    assert.equal(none.entry, undefined, 'a key never written has no entry');

    await assertRefused(
      await lookup('not-a-key'),
      400,
      'BAD_REQUEST',
      /"not-a-key" is not a directory key \(c\.<sha256> or e\.<id>\)/,
    );
  });

  test('serves an environment’s snapshot to an edge token', async () => {
    await upstreamHas(env.seq);
    const res = await fetch(`${upstream.url}/vexil/v1/relay/environments/${env.id}`, {
      headers: asEdge,
    });
    assert.equal(res.status, 200);
    const snapshot = (await res.json()) as EnvironmentSnapshot;
    assert.equal(snapshot.environmentId, env.id);
    assert.equal(snapshot.seq, env.seq);
    assert.deepEqual(byKindAndKey(snapshot.items), byKindAndKey([...env.items.values()]));
  });

  test('feeds an edge token the missed changes, then every change and directory update', async () => {
    const missed = await upstream.origin.put(env, 'flag', ldFlag('missed'));
    await upstreamHas(missed.seq);
    const feed = await openSse(`${upstream.url}/vexil/v1/relay?since=${env.id}:${missed.seq - 1}`, {
      headers: asEdge,
    });
    try {
      assert.equal(feed.status, 200);
      const live = await feed.next();
      assert.deepEqual([live.event, live.data], ['live', '{}']);
      const replayed = await feed.next();
      assert.equal(replayed.event, 'change');
      assert.deepEqual(JSON.parse(replayed.data), missed, 'only the change after the given seq');

      const committed = await upstream.origin.put(env, 'flag', ldFlag('fed', { on: false }));
      const change = await feed.next();
      assert.equal(change.event, 'change');
      assert.deepEqual(JSON.parse(change.data), committed);

      const token = 'vxl_another-edge-token';
      await upstream.origin.addEdgeToken(token);
      const directory = await feed.next();
      assert.equal(directory.event, 'directory');
      const record = JSON.parse(directory.data) as DirectoryRecord;
      assert.equal(record.key, `c.${sha256(token)}`);
      assert.deepEqual(record.entry, { type: 'credential', kind: 'edge' });
      assert.ok(record.revision > 0, `revision ${record.revision}`);
    } finally {
      feed.close();
    }
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

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { init } from '@launchdarkly/node-server-sdk';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';

// No version goes backwards for an SDK that reconnects to an edge that is behind: FDv1 events
// carry the environment seq as their SSE id, SDKs send it back as Last-Event-ID, and an edge
// behind that seq waits to catch up or answers 503 rather than serve an older `put`. The same
// holds for FDv2's `basis` and the Vexil stream's `since`.

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('resuming on an edge that is behind', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;

  before(async () => {
    edge = await startEdgeServer({ readyWaitMs: 300 });
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('f'));
    await until(() => edge.edge.status().ready, 5000, 'ready');
  });
  after(() => edge.close());

  const all = (lastEventId?: string) =>
    fetch(`${edge.url}/all`, {
      headers: {
        authorization: env.sdkKey,
        ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
      },
    });

  test('every FDv1 event carries the seq; the LaunchDarkly SDK sends it back when it reconnects', async () => {
    const seen: (string | undefined)[] = [];
    edge.frontDoor!.setClaim((head, socket) => {
      if (head.target.startsWith('/all')) seen.push(head.headers['last-event-id'] as string);
      return edge.edge.claimStream(head, socket);
    });
    const ld = init(env.sdkKey, {
      streamUri: edge.url,
      baseUri: edge.url,
      eventsUri: edge.url,
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silent,
      streamInitialReconnectDelay: 0.05,
    });
    try {
      await ld.waitForInitialization({ timeout: 5 });
      const updated = new Promise((resolve) => ld.once('update:f', resolve));
      const change = await edge.origin.put(env, 'flag', ldFlag('f', { on: false }));
      await updated;
      edge.cut();
      await until(() => seen.length >= 2, 5000, 'reconnect');
      assert.equal(seen[0], undefined);
      assert.equal(seen[1], String(change.seq));
    } finally {
      ld.close();
    }
  });

  test('a client ahead of the edge gets 503 with Retry-After, not an older put', async () => {
    const seq = edge.edge.status().environments[0]!.seq;
    const res = await all(String(seq + 5));
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
    assert.match(((await res.json()) as { message: string }).message, /behind the seq/);
  });

  test('a client slightly ahead is served as soon as the edge catches up', async () => {
    const seq = edge.edge.status().environments[0]!.seq;
    const pending = all(String(seq + 1));
    await edge.origin.put(env, 'flag', ldFlag('g'));
    const res = await pending;
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const text = new TextDecoder().decode(value);
    assert.match(text, new RegExp(`^id: ${seq + 1}\\nevent: put\\n`));
    await reader.cancel();
  });

  test("FDv2's basis and the Vexil stream's since ahead of the edge: 503, not older data", async () => {
    const seq = edge.edge.status().environments[0]!.seq;
    const ahead = [
      `/sdk/poll?basis=${encodeURIComponent(`${env.id}:${seq + 5}`)}`,
      `/sdk/stream?basis=${encodeURIComponent(`${env.id}:${seq + 5}`)}`,
      `/vexil/v1/stream?since=${seq + 5}`,
    ];
    for (const path of ahead) {
      const res = await fetch(`${edge.url}${path}`, { headers: { authorization: env.sdkKey } });
      assert.equal(res.status, 503, path);
      assert.match(((await res.json()) as { message: string }).message, /behind the seq/, path);
    }
    // Another environment's basis says nothing about this one: served at once.
    const other = await fetch(`${edge.url}/sdk/poll?basis=other-env:${seq + 5}`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(other.status, 200);
  });

  test('an FDv2 poll slightly ahead is answered once the edge catches up', async () => {
    const seq = edge.edge.status().environments[0]!.seq;
    const pending = fetch(`${edge.url}/sdk/poll?basis=${env.id}:${seq + 1}`, {
      headers: { authorization: env.sdkKey },
    });
    await edge.origin.put(env, 'flag', ldFlag('h'));
    const res = await pending;
    assert.equal(res.status, 200);
    const body = (await res.json()) as { events: { event: string; data: unknown }[] };
    assert.ok(body.events.length > 0);
  });
});

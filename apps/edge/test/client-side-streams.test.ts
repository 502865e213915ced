import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import { b64, synced } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { openSse, type SseStream } from './support/sse-client.js';

// The client streams (docs/protocol.md section 4.4): `/eval` and `/meval` send a `put` of the
// context's evaluated flags, then a `patch` or `delete` only for flags whose result for that
// context changed, including through segments and prerequisites; `/ping` and `/mping` send `ping`.

const u1 = { kind: 'user', key: 'u1' };
const u2 = { kind: 'user', key: 'u2' };

type Entry = { version: number; value: unknown; variation?: number; flagVersion: number };

function data(event: EventSourceMessage, name: string): Record<string, unknown> {
  assert.equal(event.event, name, `expected a ${name} event, got ${event.event}: ${event.data}`);
  return JSON.parse(event.data) as Record<string, unknown>;
}

describe('client-side streams', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const open: SseStream[] = [];

  const stream = async (path: string, init: Parameters<typeof openSse>[1] = {}) => {
    const s = await openSse(`${edge.url}${path}`, init);
    open.push(s);
    assert.equal(s.status, 200);
    return s;
  };
  const change = async (run: () => Promise<unknown>) => {
    await run();
    await synced(edge, env);
  };

  before(async () => {
    edge = await startEdgeServer();
    env = await edge.origin.addEnvironment('streams');
  });
  beforeEach(async () => {
    for (const s of open.splice(0)) s.close();
    // Segment "beta" (u1) <- segment "outer" <- flag "seg-flag" <- flag "child" (prerequisite).
    await edge.origin.put(env, 'segment', { key: 'beta', included: ['u1'], rules: [] });
    await edge.origin.put(env, 'segment', {
      key: 'outer',
      rules: [{ id: 'o', clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta'] }] }],
    });
    await edge.origin.put(
      env,
      'flag',
      ldFlag('seg-flag', {
        rules: [
          {
            id: 'r0',
            variation: 0,
            clauses: [{ attribute: '', op: 'segmentMatch', values: ['outer'] }],
          },
        ],
        fallthrough: { variation: 1 },
      }),
    );
    await edge.origin.put(
      env,
      'flag',
      ldFlag('child', {
        prerequisites: [{ key: 'seg-flag', variation: 0 }],
        variations: ['yes', 'no'],
      }),
    );
    await edge.origin.put(env, 'flag', ldFlag('plain'));
    await edge.origin.put(env, 'flag', ldFlag('marker', { variations: [1, 2] }));
    await synced(edge, env);
  });
  after(async () => {
    for (const s of open) s.close();
    await edge.close();
  });

  test('GET /eval/{envId}/{ctx}: a put on connect with the evaluated flags', async () => {
    const s = await stream(`/eval/${env.id}/${b64(u1)}`);
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
    const put = data(await s.next(), 'put') as Record<string, Entry>;
    assert.deepEqual(Object.keys(put).sort(), ['child', 'marker', 'plain', 'seg-flag']);
    const segFlag = put['seg-flag']!;
    assert.deepEqual([segFlag.version, segFlag.value, segFlag.variation], [env.seq, true, 0]);
    assert.equal(put['child']!.value, 'yes');
  });

  test('a flag change patches it, with a higher version each time; a delete deletes it', async () => {
    const s = await stream(`/eval/${env.id}/${b64(u1)}?withReasons=true`);
    const put = data(await s.next(), 'put') as Record<string, Entry>;
    const start = put['plain']!.version;

    await change(() => edge.origin.put(env, 'flag', ldFlag('plain', { on: false })));
    const off = data(await s.next(), 'patch');
    assert.equal(off['key'], 'plain');
    assert.equal(off['value'], false);
    assert.deepEqual(off['reason'], { kind: 'OFF' });
    assert.ok((off['version'] as number) > start);

    await change(() => edge.origin.put(env, 'flag', ldFlag('plain', { on: true })));
    const on = data(await s.next(), 'patch');
    assert.equal(on['value'], true);
    assert.ok((on['version'] as number) > (off['version'] as number));

    await change(() => edge.origin.remove(env, 'flag', 'plain'));
    const deleted = data(await s.next(), 'delete');
    assert.deepEqual(deleted, { key: 'plain', version: env.seq });
  });

  test('a segment change patches the flags whose result it changes, transitively', async () => {
    const s1 = await stream(`/eval/${env.id}/${b64(u1)}`);
    const s2 = await stream(`/eval/${env.id}/${b64(u2)}`);
    data(await s1.next(), 'put');
    data(await s2.next(), 'put');

    await change(() => edge.origin.put(env, 'segment', { key: 'beta', included: [], rules: [] }));
    const first = data(await s1.next(), 'patch');
    const second = data(await s1.next(), 'patch');
    assert.deepEqual([first, second].map((p) => [p['key'], p['value'], p['version']]).sort(), [
      ['child', 'no', env.seq],
      ['seg-flag', false, env.seq],
    ]);
    // u2 was never in the segment: nothing changed for it. The next thing it hears is the marker.
    await change(() => edge.origin.put(env, 'flag', ldFlag('marker', { variations: [3, 4] })));
    assert.equal(data(await s2.next(), 'patch')['key'], 'marker');
    assert.equal(data(await s1.next(), 'patch')['key'], 'marker');
  });

  test('a change that leaves a context result alone sends it nothing', async () => {
    const s = await stream(`/eval/${env.id}/${b64(u2)}`);
    data(await s.next(), 'put');
    // The segment's flags are re-evaluated for u2, and their results are the same as before.
    await change(() => edge.origin.put(env, 'segment', { key: 'beta', included: ['u1', 'u3'] }));
    await change(() => edge.origin.put(env, 'flag', ldFlag('marker', { variations: [5, 6] })));
    assert.equal(data(await s.next(), 'patch')['key'], 'marker');
  });

  test('a flag no longer available to the client is deleted from its stream, and comes back', async () => {
    const s = await stream(`/eval/${env.id}/${b64(u1)}`);
    data(await s.next(), 'put');
    const hidden = { clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false } };
    await change(() => edge.origin.put(env, 'flag', ldFlag('plain', hidden)));
    assert.deepEqual(data(await s.next(), 'delete'), { key: 'plain', version: env.seq });
    await change(() => edge.origin.put(env, 'flag', ldFlag('plain')));
    const back = data(await s.next(), 'patch');
    assert.equal(back['key'], 'plain');
    assert.equal(back['value'], true);
  });

  test('REPORT /eval/{envId} with the context as the body', async () => {
    const s = await stream(`/eval/${env.id}`, {
      method: 'REPORT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(u1),
    });
    const put = data(await s.next(), 'put') as Record<string, Entry>;
    assert.equal(put['seg-flag']!.value, true);
    await change(() => edge.origin.put(env, 'flag', ldFlag('marker', { variations: [7, 8] })));
    assert.equal(data(await s.next(), 'patch')['value'], 7);
  });

  test('mobile: GET /meval/{ctx} and REPORT /meval with the mobile key', async () => {
    const mobileOnly = {
      clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
    };
    await change(() => edge.origin.put(env, 'flag', ldFlag('app-only', mobileOnly)));
    const auth = { authorization: env.mobileKey };
    const get = await stream(`/meval/${b64(u1)}`, { headers: auth });
    const report = await stream('/meval', {
      method: 'REPORT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(u2),
    });
    for (const s of [get, report]) {
      const put = data(await s.next(), 'put') as Record<string, Entry>;
      assert.ok('app-only' in put);
    }
    await change(() =>
      edge.origin.put(env, 'flag', ldFlag('app-only', { ...mobileOnly, on: false })),
    );
    for (const s of [get, report]) assert.equal(data(await s.next(), 'patch')['value'], false);
    await change(() => edge.origin.remove(env, 'flag', 'app-only'));
  });

  test('ping streams: /ping/{envId} and /mping ping on connect and after each change', async () => {
    const browser = await stream(`/ping/${env.id}`);
    const mobile = await stream('/mping', { headers: { authorization: env.mobileKey } });
    for (const s of [browser, mobile]) {
      const ping = await s.next();
      assert.equal(ping.event, 'ping');
      assert.notEqual(ping.data, '');
    }
    await change(() => edge.origin.put(env, 'flag', ldFlag('marker', { variations: [9, 10] })));
    for (const s of [browser, mobile]) assert.equal((await s.next()).event, 'ping');
  });
});

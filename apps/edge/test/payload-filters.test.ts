import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { recordSse, type RecordedSse } from './support/sse-recorder.js';

// Payload filters on the edge (docs/protocol.md section 4.5): `?filter=<key>` serves only the
// flags the filter item names, on FDv1 streams and polling and on FDv2, including resumes; a
// change to a flag outside the filter never reaches its streams; a change to the filter sends a
// new full payload; a deleted filter ends its streams; no SDK ever receives a filter item.

const json = (event: EventSourceMessage | undefined) =>
  JSON.parse(event?.data ?? 'null') as Record<string, unknown>;
const keysOf = (map: unknown) => Object.keys(map as Record<string, unknown>).sort();

describe('payload filters', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const streams: RecordedSse[] = [];

  before(async () => {
    edge = await startEdgeServer({ historySize: 50 });
    env = await edge.origin.addEnvironment('production');
    for (const key of ['web-a', 'web-b', 'mobile-a'])
      await edge.origin.put(env, 'flag', ldFlag(key));
    await edge.origin.put(env, 'segment', { key: 's', included: ['u1'] });
    await edge.origin.put(env, 'filter', { key: 'web', flags: ['web-a', 'web-b'] });
    await edge.origin.put(env, 'filter', { key: 'empty', flags: [] });
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await edge.close();
  });

  async function open(path: string): Promise<RecordedSse> {
    const sse = await recordSse(`${edge.url}${path}`, { authorization: env.sdkKey });
    streams.push(sse);
    return sse;
  }
  const get = (path: string) =>
    fetch(`${edge.url}${path}`, { headers: { authorization: env.sdkKey } });

  test("FDv1 /all: the put holds only the filter's flags and every segment", async () => {
    const sse = await open('/all?filter=web');
    assert.equal(sse.status, 200);
    const [put] = await sse.waitFor(1);
    const data = json(put)['data'] as Record<string, unknown>;
    assert.deepEqual(keysOf(data['flags']), ['web-a', 'web-b']);
    assert.deepEqual(keysOf(data['segments']), ['s']);
    const unfiltered = await open('/all');
    const [all] = await unfiltered.waitFor(1);
    const everything = json(all)['data'] as Record<string, unknown>;
    assert.deepEqual(keysOf(everything['flags']), ['mobile-a', 'web-a', 'web-b']);
    assert.equal(JSON.stringify(everything).includes('"flags":["web-a"'), false);
  });

  test('a change outside the filter never reaches its streams; one inside does', async () => {
    const filtered = await open('/all?filter=web');
    const flagsOnly = await open('/flags?filter=web');
    const everything = await open('/all');
    await Promise.all([filtered.waitFor(1), flagsOnly.waitFor(1), everything.waitFor(1)]);
    await edge.origin.put(env, 'flag', ldFlag('mobile-a', { on: true }));
    await edge.origin.put(env, 'flag', ldFlag('web-b', { on: true }));
    const [, patch] = await filtered.waitFor(2);
    assert.equal(json(patch)['path'], '/flags/web-b');
    const [, flagPatch] = await flagsOnly.waitFor(2);
    assert.equal(json(flagPatch)['path'], '/web-b');
    const seen = (await everything.waitFor(3)).slice(1).map((e) => json(e)['path']);
    assert.deepEqual(seen, ['/flags/mobile-a', '/flags/web-b']);
    assert.equal(filtered.events.length, 2, 'the change to mobile-a was not sent');
  });

  test('segments reach filtered streams; filter items reach no stream as data', async () => {
    const filtered = await open('/all?filter=web');
    const everything = await open('/all');
    await Promise.all([filtered.waitFor(1), everything.waitFor(1)]);
    await edge.origin.put(env, 'segment', { key: 's', included: ['u2'] });
    const [, segment] = await filtered.waitFor(2);
    assert.equal(json(segment)['path'], '/segments/s');
    await edge.origin.put(env, 'filter', { key: 'other', flags: ['mobile-a'] });
    await edge.origin.put(env, 'flag', ldFlag('web-a', { offVariation: 0 }));
    const after = (await everything.waitFor(3)).slice(1).map((e) => json(e)['path']);
    assert.deepEqual(after, ['/segments/s', '/flags/web-a'], 'the filter change was not sent');
  });

  test('a change to the filter sends a new put; deleting it ends the stream', async () => {
    const sse = await open('/all?filter=web');
    await sse.waitFor(1);
    await edge.origin.put(env, 'filter', { key: 'web', flags: ['web-a', 'mobile-a'] });
    const [, put] = await sse.waitFor(2);
    assert.equal(put!.event, 'put');
    const data = json(put)['data'] as Record<string, unknown>;
    assert.deepEqual(keysOf(data['flags']), ['mobile-a', 'web-a']);
    await edge.origin.remove(env, 'filter', 'web');
    await sse.waitForEnd(5_000);
    const res = await get('/sdk/latest-all?filter=web');
    assert.equal(res.status, 404);
    assert.match(
      ((await res.json()) as { message: string }).message,
      /no payload filter "web" in project .*POST \/api\/v1\/projects\/.*\/filters/,
    );
    await edge.origin.put(env, 'filter', { key: 'web', flags: ['web-a', 'web-b'] });
  });

  test("polling: the filter's flags, its own ETag, one flag only when the filter has it", async () => {
    const res = await get('/sdk/latest-all?filter=web');
    assert.equal(res.status, 200, 'the filter put back at the end of the previous test');
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(keysOf(body['flags']), ['web-a', 'web-b']);
    const unfiltered = await get('/sdk/latest-all');
    assert.notEqual(res.headers.get('etag'), unfiltered.headers.get('etag'));
    assert.deepEqual(keysOf(await (await get('/sdk/latest-flags?filter=empty')).json()), []);
    assert.equal((await get('/sdk/latest-flags/web-a?filter=web')).status, 200);
    assert.equal((await get('/sdk/latest-flags/mobile-a?filter=web')).status, 404);
    assert.equal((await get('/sdk/latest-flags/mobile-a')).status, 200);
  });

  test("FDv2: full transfer and resume carry only the filter's flags", async () => {
    const sse = await open('/sdk/stream?filter=web');
    // waitFor returns the recorder's live array: copy what the full transfer was.
    const full = [...(await sse.waitFor(5))];
    const objects = full.filter((e) => e.event === 'put-object').map((e) => json(e)['key']);
    assert.deepEqual(objects.sort(), ['s', 'web-a', 'web-b']);
    const selector = json(full.find((e) => e.event === 'payload-transferred'))['state'] as string;
    await edge.origin.put(env, 'flag', ldFlag('mobile-a', { offVariation: 1 }));
    await edge.origin.put(env, 'flag', ldFlag('web-a', { offVariation: 1 }));
    const live = await sse.waitFor(full.length + 2);
    assert.deepEqual(
      live.slice(full.length).map((e) => `${e.event}:${String(json(e)['key'] ?? '')}`),
      ['put-object:web-a', 'payload-transferred:'],
    );
    const poll = await get(`/sdk/poll?filter=web&basis=${encodeURIComponent(selector)}`);
    const events = (
      (await poll.json()) as { events: { event: string; data: Record<string, unknown> }[] }
    ).events;
    assert.deepEqual(
      events.map((e) => `${e.event}:${String(e.data['key'] ?? '')}`),
      ['server-intent:', 'put-object:web-a', 'payload-transferred:'],
    );
  });

  test('an unknown filter is 404 and a malformed one 400, both saying what to fix', async () => {
    const unknown = await get('/all?filter=nope');
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { message: string }).message, /payloadFilterKey/);
    for (const path of [
      '/sdk/latest-all?filter=nope',
      '/sdk/stream?filter=nope',
      '/sdk/poll?filter=nope',
    ])
      assert.equal((await get(path)).status, 404, path);
    const malformed = await get('/all?filter=..%2Fx');
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { message: string }).message, /letters, digits/);
  });
});

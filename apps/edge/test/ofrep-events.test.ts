import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import { EDGE_METRICS as M } from '@vexil/edge';
import { sample } from '@vexil/testkit';
import { Registry } from 'prom-client';
import { getJson, synced } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { ManualClock } from './support/manual-clock.js';
import { openSse, type SseStream } from './support/sse-client.js';
import { recordSse, type RecordedSse } from './support/sse-recorder.js';

// OFREP event streams (docs/protocol.md section 4.6): a bulk answer to a client-side ID offers
// `GET /ofrep/v1/events/{id}` in `eventStreams` (an SDK key's answer offers nothing); the stream
// sends a refetchEvaluation with the environment's seq on connect (unless Last-Event-ID is
// already there) and on every change; it answers CORS and 401 as the other OFREP routes, needs
// no secure-mode hash, closes when the environment goes, heartbeats, expires and drains as the
// other streams; and the bulk route waits for the seq a refetch announces.

const ORIGIN = 'https://app.example';
const user = { targetingKey: 'u1' };
const READY_WAIT_MS = 300;

interface Refetch {
  readonly type: string;
  readonly etag?: string;
  readonly lastModified?: number;
}

/** A refetchEvaluation message: an unnamed event whose id and data name the seq. */
function refetchAt(event: EventSourceMessage, seq: number): void {
  assert.equal(event.event, undefined, `an unnamed (message) event, got ${event.event}`);
  assert.equal(event.id, String(seq));
  const data = JSON.parse(event.data) as Refetch;
  assert.deepEqual(data, { type: 'refetchEvaluation', etag: String(seq), lastModified: seq });
}

const eventsPath = (id: string) => `/ofrep/v1/events/${id}`;

describe('OFREP event streams', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let secured: TestEnvironment;
  const registry = new Registry();
  const open: SseStream[] = [];

  const stream = async (id: string, headers: Record<string, string> = {}) => {
    const s = await openSse(`${edge.url}${eventsPath(id)}`, {
      headers: { origin: ORIGIN, ...headers },
    });
    open.push(s);
    return s;
  };
  const bulk = (headers: Record<string, string>, query = '', context: object = user) =>
    getJson(`${edge.url}/ofrep/v1/evaluate/flags${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
      body: JSON.stringify({ context }),
    });
  const change = async (target: TestEnvironment, on: boolean) => {
    await edge.origin.put(target, 'flag', ldFlag('banner', { on }));
    await synced(edge, target);
  };

  before(async () => {
    edge = await startEdgeServer({ readyWaitMs: READY_WAIT_MS }, 0, { metrics: registry });
    env = await edge.origin.addEnvironment('ofrep-events');
    secured = await edge.origin.addEnvironment('ofrep-events-secure');
    for (const target of [env, secured]) {
      await edge.origin.put(target, 'flag', ldFlag('banner'));
      await synced(edge, target);
    }
    await edge.origin.setSecureMode(secured, true);
  });
  after(async () => {
    for (const s of open) s.close();
    await edge.close();
  });

  test('a bulk answer to a client-side ID offers the stream; an SDK key gets none', async () => {
    const byId = await bulk({ 'x-client-side-id': env.id });
    assert.equal(byId.status, 200);
    assert.deepEqual((byId.body as { eventStreams: unknown }).eventStreams, [
      { type: 'sse', endpoint: { requestUri: eventsPath(env.id) }, inactivityDelaySec: 120 },
    ]);
    for (const headers of [{ authorization: env.sdkKey }, { 'x-api-key': env.sdkKey }]) {
      const byKey = await bulk(headers);
      assert.equal(byKey.status, 200);
      assert.equal('eventStreams' in (byKey.body as object), false, JSON.stringify(headers));
      assert.ok(!JSON.stringify(byKey.body).includes(env.sdkKey));
    }
    // The ETag still names the content: 304 with no body until a result changes.
    const etag = byId.headers.get('etag')!;
    const same = await bulk({ 'x-client-side-id': env.id, 'if-none-match': etag });
    assert.equal(same.status, 304);
    assert.equal(same.body, undefined);
    await change(env, false);
    const changed = await bulk({ 'x-client-side-id': env.id, 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.ok('eventStreams' in (changed.body as object));
    await change(env, true);
  });

  test('the stream: SSE and CORS headers, a refetch on connect and one per change', async () => {
    const s = await stream(env.id);
    assert.equal(s.status, 200);
    const h = s.headers;
    assert.match(h.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(h.get('cache-control'), 'no-cache, no-store, must-revalidate');
    assert.equal(h.get('x-accel-buffering'), 'no');
    assert.equal(h.get('x-ld-envid'), env.id);
    assert.equal(h.get('access-control-allow-origin'), ORIGIN, 'the Origin echoed');
    assert.equal(h.get('access-control-allow-credentials'), 'false');
    assert.match(h.get('vary') ?? '', /Origin/);
    refetchAt(await s.next(), env.seq);

    await change(env, false);
    refetchAt(await s.next(), env.seq);
    await edge.origin.put(env, 'segment', { key: 'beta', included: ['u1'] });
    await synced(edge, env);
    refetchAt(await s.next(), env.seq);
    await edge.origin.remove(env, 'segment', 'beta');
    await synced(edge, env);
    refetchAt(await s.next(), env.seq);
    await change(env, true);
    refetchAt(await s.next(), env.seq);

    // Without an Origin, `*`, as the other client-side routes answer.
    const anyone = await openSse(`${edge.url}${eventsPath(env.id)}`);
    open.push(anyone);
    assert.equal(anyone.headers.get('access-control-allow-origin'), '*');
  });

  test('Last-Event-ID at the edge seq: no refetch on connect; behind it: one at once', async () => {
    const current = await stream(env.id, { 'last-event-id': String(env.seq) });
    const behind = await stream(env.id, { 'last-event-id': String(env.seq - 1) });
    const garbage = await stream(env.id, { 'last-event-id': 'x' });
    refetchAt(await behind.next(), env.seq);
    refetchAt(await garbage.next(), env.seq);
    await change(env, false);
    // The first event the up-to-date stream hears is the change's.
    refetchAt(await current.next(), env.seq);
    refetchAt(await behind.next(), env.seq);
    await change(env, true);
  });

  test('the stream counts as a client stream in the metrics', async () => {
    const s = await stream(secured.id);
    await s.next();
    const labels = { environment: secured.id, protocol: 'client' };
    let last = -1;
    await until(
      () => {
        void sample(registry, M.streams.name, labels).then((v) => (last = v));
        return last === 1;
      },
      5_000,
      'one client stream in the metrics',
    );
    s.close();
  });

  test('OPTIONS answers the preflight as the client-side routes do', async () => {
    const response = await fetch(`${edge.url}${eventsPath(env.id)}`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id,cache-control',
      },
    });
    assert.equal(response.status, 200);
    const h = response.headers;
    assert.equal(h.get('access-control-allow-origin'), ORIGIN);
    assert.equal(h.get('access-control-allow-methods'), 'GET,OPTIONS');
    assert.equal(h.get('access-control-max-age'), '300');
    assert.equal(h.get('access-control-expose-headers'), 'Date,Retry-After');
    const allowed = (h.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    for (const name of ['last-event-id', 'cache-control']) assert.ok(allowed.includes(name), name);
  });

  test('an unknown or malformed client-side ID is 401 with CORS; no ID is 404', async () => {
    for (const id of ['0123456789abcdef01234567', 'not%20an%20id', 'x'.repeat(300)]) {
      const refused = await getJson(`${edge.url}${eventsPath(id)}`, {
        headers: { origin: ORIGIN, accept: 'text/event-stream' },
      });
      assert.equal(refused.status, 401, id);
      assert.equal((refused.body as { code: string }).code, 'UNAUTHORIZED', id);
      assert.match((refused.body as { message: string }).message, /client-side ID/);
      assert.equal(refused.headers.get('access-control-allow-origin'), ORIGIN, id);
    }
    // An SDK key is not a client-side ID, in the path or anywhere else.
    assert.equal((await fetch(`${edge.url}${eventsPath(env.sdkKey)}`)).status, 401);
    const noId = await fetch(`${edge.url}/ofrep/v1/events/`);
    assert.equal(noId.status, 404);
    await noId.arrayBuffer();
    const post = await fetch(`${edge.url}${eventsPath(env.id)}`, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.arrayBuffer();
  });

  test('secure mode: the stream needs no hash; turning it on closes the stream, which reconnects', async () => {
    const s = await stream(secured.id);
    assert.equal(s.status, 200, 'no h needed');
    refetchAt(await s.next(), secured.seq);
    await change(secured, false);
    refetchAt(await s.next(), secured.seq);
    // The refetch it causes is what needs the hash.
    assert.equal((await bulk({ 'x-client-side-id': secured.id })).status, 400);

    const toggled = await edge.origin.addEnvironment('ofrep-events-toggled');
    await edge.origin.put(toggled, 'flag', ldFlag('banner'));
    await synced(edge, toggled);
    const before = await stream(toggled.id);
    await before.next();
    await edge.origin.setSecureMode(toggled, true);
    assert.equal(await before.ended(), true, 'closed, as /ping is, when secure mode comes on');
    const again = await stream(toggled.id, { 'last-event-id': String(toggled.seq) });
    assert.equal(again.status, 200, 'and accepted again');
    await change(toggled, false);
    refetchAt(await again.next(), toggled.seq);
  });

  test('deleting the environment closes its streams; the ID is then 401', async () => {
    const doomed = await edge.origin.addEnvironment('ofrep-events-doomed');
    await edge.origin.put(doomed, 'flag', ldFlag('banner'));
    await synced(edge, doomed);
    const s = await stream(doomed.id);
    await s.next();
    const kept = await stream(env.id);
    await kept.next();
    await edge.origin.removeEnvironment(doomed);
    assert.equal(await s.ended(), true);
    assert.equal((await fetch(`${edge.url}${eventsPath(doomed.id)}`)).status, 401);
    await change(env, false);
    refetchAt(await kept.next(), env.seq);
    await change(env, true);
  });

  test('the bulk route waits for the seq a refetch announces; 503 if it never comes', async () => {
    const byId = { 'x-client-side-id': env.id };
    const at = await bulk(byId, `?flagConfigEtag=${env.seq}&flagConfigLastModified=${env.seq}`);
    assert.equal(at.status, 200);
    for (const value of ['', 'x', '-1', '1e3', '9'.repeat(16)]) {
      const ignored = await bulk(byId, `?flagConfigLastModified=${encodeURIComponent(value)}`);
      assert.equal(ignored.status, 200, JSON.stringify(value));
    }
    const never = await bulk(byId, `?flagConfigLastModified=${env.seq + 100}`);
    assert.equal(never.status, 503);
    assert.ok(never.headers.get('retry-after'));
    assert.equal(never.headers.get('access-control-allow-origin'), ORIGIN);

    // One seq ahead: the change is made once the request has reached the edge.
    let arrived = false;
    const seen = () => (arrived = true);
    edge.server.on('request', seen);
    const waiting = bulk(byId, `?flagConfigLastModified=${env.seq + 1}`);
    await until(() => arrived, 5_000, 'the bulk request at the edge');
    edge.server.off('request', seen);
    await edge.origin.put(env, 'flag', ldFlag('banner', { on: false }));
    const caughtUp = await waiting;
    assert.equal(caughtUp.status, 200);
    const flags = (caughtUp.body as { flags: { key: string; value: unknown }[] }).flags;
    assert.equal(flags.find((f) => f.key === 'banner')?.value, false);
    await change(env, true);
  });
});

describe('OFREP event streams: heartbeats, lifetime and drain', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const streams: RecordedSse[] = [];
  // Heartbeats and lifetimes run on this clock: seconds of stream life pass in no time.
  const clock = new ManualClock();

  before(async () => {
    edge = await startEdgeServer(
      { heartbeatMs: 1_000, maxStreamLifetimeMs: 2_000, lifetimeJitter: 0 },
      0,
      { now: clock.now, scheduler: clock },
    );
    env = await edge.origin.addEnvironment('ofrep-events-life');
    await edge.origin.put(env, 'flag', ldFlag('banner'));
    await synced(edge, env);
  });
  after(async () => {
    for (const s of streams) s.close();
    await edge.close();
  });

  const record = async () => {
    const sse = await recordSse(`${edge.url}${eventsPath(env.id)}`, { origin: ORIGIN });
    streams.push(sse);
    assert.equal(sse.status, 200);
    return sse;
  };

  test('heartbeat comments, then the end of the stream at its lifetime', async () => {
    const sse = await record();
    await sse.waitFor(1);
    clock.advance(1_000);
    await until(() => sse.comments > 0, 5_000, 'a heartbeat comment');
    assert.equal(sse.ended, false, 'open until its lifetime');
    clock.advance(1_000);
    await sse.waitForEnd();
    assert.equal(sse.events.length, 1, 'no farewell: the EventSource reconnects on its own');
  });

  test('a drain closes the stream, and new ones are refused with 503 and CORS', async () => {
    const sse = await record();
    await sse.waitFor(1);
    await edge.edge.drain(0);
    await sse.waitForEnd();
    const refused = await fetch(`${edge.url}${eventsPath(env.id)}`, {
      headers: { origin: ORIGIN },
    });
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'));
    assert.equal(refused.headers.get('access-control-allow-origin'), ORIGIN);
    await refused.arrayBuffer();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ManualClock } from './support/manual-clock.js';
import { recordSse, type RecordedSse } from './support/sse-recorder.js';

// LaunchDarkly FDv2 on the wire (docs/protocol.md section 4.2): `/sdk/stream` and `/sdk/poll`,
// one test per intent the `basis` selector leads to, live changes, goodbye and heartbeats.

interface PollEvent {
  event: string;
  data: Record<string, unknown>;
}

const data = (event: EventSourceMessage | undefined) =>
  JSON.parse(event?.data ?? 'null') as Record<string, unknown>;
const payload = (intent: Record<string, unknown>) =>
  (intent['payloads'] as Record<string, unknown>[])[0]!;
const names = (events: { event?: string | undefined }[]) => events.map((e) => e.event);

describe('FDv2 streaming and polling', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let staging: TestEnvironment;
  const streams: RecordedSse[] = [];
  const selector = () => `${env.id}:${env.seq}`;

  before(async () => {
    edge = await startEdgeServer({ historySize: 5 });
    env = await edge.origin.addEnvironment('production');
    staging = await edge.origin.addEnvironment('staging');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await edge.origin.put(env, 'flag', ldFlag('b'));
    await edge.origin.put(env, 'flag', ldFlag('gone'));
    await edge.origin.remove(env, 'flag', 'gone');
    await edge.origin.put(env, 'segment', { key: 's', included: ['u1'] });
    await edge.origin.put(staging, 'flag', ldFlag('a'));
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await edge.close();
  });

  async function stream(query = '', key = env.sdkKey): Promise<RecordedSse> {
    const opened = await recordSse(`${edge.url}/sdk/stream${query}`, { authorization: key });
    streams.push(opened);
    return opened;
  }

  async function poll(query = ''): Promise<{ res: Response; events: PollEvent[] }> {
    const res = await fetch(`${edge.url}/sdk/poll${query}`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(res.status, 200);
    return { res, events: ((await res.json()) as { events: PollEvent[] }).events };
  }

  test('without a basis: xfer-full with every live item, then the selector', async () => {
    const sse = await stream();
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(sse.headers.get('x-ld-envid'), env.id);
    assert.equal(sse.headers.get('x-ld-fd-fallback'), null);
    const events = await sse.waitFor(5);
    assert.deepEqual(names(events), [
      'server-intent',
      'put-object',
      'put-object',
      'put-object',
      'payload-transferred',
    ]);
    assert.deepEqual(payload(data(events[0])), {
      id: env.id,
      target: env.seq,
      intentCode: 'xfer-full',
      reason: 'payload-missing',
    });
    const objects = events.slice(1, 4).map(data);
    assert.deepEqual(
      objects.map((o) => `${String(o['kind'])}/${String(o['key'])}@${String(o['version'])}`),
      ['flag/a@1', 'flag/b@1', 'segment/s@1'],
    );
    assert.deepEqual((objects[2]!['object'] as Record<string, unknown>)['included'], ['u1']);
    assert.deepEqual(data(events[4]), { state: selector(), version: env.seq });
  });

  test('live changes: the object, then payload-transferred with the new selector', async () => {
    const sse = await stream();
    await sse.waitFor(5);
    await edge.origin.put(env, 'flag', ldFlag('a', { on: false }));
    const updated = await sse.waitFor(7);
    assert.deepEqual(names(updated.slice(5)), ['put-object', 'payload-transferred']);
    const put = data(updated[5]);
    assert.equal(put['key'], 'a');
    assert.equal(put['version'], 2);
    assert.equal((put['object'] as Record<string, unknown>)['on'], false);
    assert.deepEqual(data(updated[6]), { state: selector(), version: env.seq });

    await edge.origin.remove(env, 'flag', 'b');
    const removed = await sse.waitFor(9);
    assert.deepEqual(names(removed.slice(7)), ['delete-object', 'payload-transferred']);
    assert.deepEqual(data(removed[7]), { kind: 'flag', key: 'b', version: 2 });
    assert.deepEqual(data(removed[8]), { state: selector(), version: env.seq });
  });

  test('a basis equal to the current state: intent none and no objects', async () => {
    const sse = await stream(`?basis=${encodeURIComponent(selector())}`);
    const [intent] = await sse.waitFor(1);
    assert.deepEqual(payload(data(intent)), {
      id: env.id,
      target: env.seq,
      intentCode: 'none',
      reason: 'up-to-date',
    });
    // The next events are the next change: nothing was sent in between.
    await edge.origin.put(env, 'segment', { key: 's', included: ['u2'] });
    const events = await sse.waitFor(3);
    assert.deepEqual(names(events), ['server-intent', 'put-object', 'payload-transferred']);
    assert.deepEqual(data(events[2]), { state: selector(), version: env.seq });
  });

  test('a basis the history reaches: xfer-changes with the latest value of each item', async () => {
    const basis = selector();
    await edge.origin.put(env, 'flag', ldFlag('a', { on: true }));
    await edge.origin.put(env, 'flag', ldFlag('a', { offVariation: 0 }));
    await edge.origin.put(env, 'flag', ldFlag('b'));
    await edge.origin.remove(env, 'segment', 's');
    const sse = await stream(`?basis=${encodeURIComponent(basis)}`);
    const events = await sse.waitFor(5);
    assert.deepEqual(names(events), [
      'server-intent',
      'put-object',
      'put-object',
      'delete-object',
      'payload-transferred',
    ]);
    assert.equal(payload(data(events[0]))['intentCode'], 'xfer-changes');
    assert.deepEqual(
      events
        .slice(1, 4)
        .map(data)
        .map((o) => `${String(o['key'])}@${String(o['version'])}`),
      ['a@4', 'b@3', 's@3'],
    );
    assert.deepEqual(data(events[4]), { state: selector(), version: env.seq });
  });

  // A basis ahead of the edge waits for it, then 503 (resume-consistency.test.ts).
  test('an unknown, malformed, foreign or too old basis: xfer-full', async () => {
    const stale = [
      'garbage',
      `${env.id}:`,
      `${env.id}:-1`,
      `${env.id}:1`,
      `${staging.id}:${staging.seq + 100}`,
    ];
    for (const basis of stale) {
      const { events } = await poll(`?basis=${encodeURIComponent(basis)}`);
      assert.deepEqual(
        events[0]!.data['payloads'],
        [{ id: env.id, target: env.seq, intentCode: 'xfer-full', reason: 'stale' }],
        basis,
      );
      assert.equal(events.at(-1)!.event, 'payload-transferred', basis);
    }
    const sse = await stream(`?basis=${encodeURIComponent(`${env.id}:1`)}`);
    const [intent] = await sse.waitFor(1);
    assert.equal(payload(data(intent))['intentCode'], 'xfer-full');
  });

  test('/sdk/poll answers each intent as {"events":[...]}', async () => {
    const full = await poll();
    assert.match(full.res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(full.res.headers.get('x-ld-envid'), env.id);
    assert.equal(full.res.headers.get('x-ld-fd-fallback'), null);
    assert.deepEqual(names(full.events), [
      'server-intent',
      'put-object',
      'put-object',
      'payload-transferred',
    ]);
    assert.equal(full.events[0]!.data['payloads'] instanceof Array, true);
    assert.deepEqual(full.events.at(-1)!.data, { state: selector(), version: env.seq });

    const current = selector();
    const none = await poll(`?basis=${encodeURIComponent(current)}`);
    assert.deepEqual(none.events, [
      {
        event: 'server-intent',
        data: {
          payloads: [{ id: env.id, target: env.seq, intentCode: 'none', reason: 'up-to-date' }],
        },
      },
    ]);

    await edge.origin.put(env, 'flag', ldFlag('b', { on: false }));
    const changes = await poll(`?basis=${encodeURIComponent(current)}`);
    assert.deepEqual(names(changes.events), ['server-intent', 'put-object', 'payload-transferred']);
    assert.equal(
      (changes.events[0]!.data['payloads'] as { intentCode: string }[])[0]!.intentCode,
      'xfer-changes',
    );
    assert.equal(changes.events[1]!.data['key'], 'b');
    assert.deepEqual(changes.events[2]!.data, { state: selector(), version: env.seq });
  });

  test('SDK-key authentication like /all', async () => {
    const missing = await fetch(`${edge.url}/sdk/stream`);
    assert.equal(missing.status, 401);
    await missing.body?.cancel();
    const unknown = await fetch(`${edge.url}/sdk/poll`, { headers: { authorization: 'sdk-nope' } });
    assert.equal(unknown.status, 401);
    await unknown.body?.cancel();
    const other = await stream('', staging.sdkKey);
    const events = await other.waitFor(3);
    assert.equal(payload(data(events[0]))['id'], staging.id);
    assert.deepEqual(data(events.at(-1)), { state: `${staging.id}:${staging.seq}`, version: 1 });
  });
});

describe('FDv2 stream endings', () => {
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
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await edge.close();
  });

  const open = async () => {
    const sse = await recordSse(`${edge.url}/sdk/stream`, { authorization: env.sdkKey });
    streams.push(sse);
    return sse;
  };

  test('heartbeat comments, then goodbye when the stream reaches its lifetime', async () => {
    const sse = await open();
    await sse.waitFor(3);
    clock.advance(1_000);
    await until(() => sse.comments > 0, 5_000, 'a heartbeat comment');
    assert.equal(edge.edge.status().streams, 1, 'open until its lifetime');
    clock.advance(1_000);
    await sse.waitForEnd(5_000);
    const last = sse.events.at(-1);
    assert.equal(last?.event, 'goodbye');
    assert.equal(data(last)['silent'], false);
  });

  test('goodbye when the edge drains, and new streams are refused', async () => {
    const sse = await open();
    await sse.waitFor(3);
    await edge.edge.drain(0);
    await sse.waitForEnd();
    assert.equal(sse.events.at(-1)?.event, 'goodbye');
    const refused = await fetch(`${edge.url}/sdk/stream`, {
      headers: { authorization: env.sdkKey },
    });
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'));
    await refused.body?.cancel();
  });
});

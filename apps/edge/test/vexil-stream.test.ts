import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventSourceMessage } from 'eventsource-parser';
import type { Change } from '@vexil/protocol';
import { changeMessage, putMessage } from '../src/protocols/vexil-messages.js';
import { EnvironmentState } from '../src/state/environment-state.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { recordSse, type RecordedSse } from './support/sse-recorder.js';

// The Vexil stream over SSE (docs/protocol.md section 6): ids are environment seqs, and a client
// resumes from the last id it saw, with exactly the changes it missed or, past the history, a put.

const ids = (events: EventSourceMessage[]) => events.map((e) => Number(e.id));
const data = (event: EventSourceMessage | undefined) =>
  JSON.parse(event?.data ?? 'null') as Record<string, unknown>;

function assertIncreasing(events: EventSourceMessage[]): void {
  const seen = ids(events);
  for (let i = 1; i < seen.length; i++)
    assert.ok(seen[i]! > seen[i - 1]!, `ids out of order: ${seen.join(', ')}`);
}

describe('Vexil stream over SSE', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const streams: RecordedSse[] = [];

  before(async () => {
    edge = await startEdgeServer({ historySize: 4 });
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await edge.origin.put(env, 'flag', ldFlag('b'));
    await edge.origin.remove(env, 'flag', 'b');
    await edge.origin.put(env, 'segment', { key: 's', included: ['u1'] });
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(async () => {
    for (const stream of streams) stream.close();
    await edge.close();
  });

  async function open(query = '', headers: Record<string, string> = {}): Promise<RecordedSse> {
    const sse = await recordSse(`${edge.url}/vexil/v1/stream${query}`, {
      authorization: env.sdkKey,
      ...headers,
    });
    streams.push(sse);
    return sse;
  }

  test('a new stream gets a put whose id is the seq, tombstones included', async () => {
    const sse = await open();
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    const [put] = await sse.waitFor(1);
    assert.equal(put!.event, 'put');
    assert.equal(put!.id, String(env.seq));
    const body = data(put);
    assert.equal(body['environmentId'], env.id);
    assert.equal(body['seq'], env.seq);
    const flags = body['flags'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(flags), ['a', 'b']);
    assert.deepEqual(flags['b'], { key: 'b', version: 2, deleted: true });
    assert.deepEqual((body['segments'] as Record<string, unknown>)['s'], {
      key: 's',
      included: ['u1'],
      version: 1,
    });
    sse.close();
  });

  test('each change is a change event: id = seq, data = the wire Change', async () => {
    const sse = await open();
    await sse.waitFor(1);
    const first = await edge.origin.put(env, 'flag', ldFlag('a', { on: false }));
    const second = await edge.origin.remove(env, 'segment', 's');
    const events = await sse.waitFor(3);
    assert.deepEqual(
      events.slice(1).map((e) => [e.event, Number(e.id)]),
      [
        ['change', first.seq],
        ['change', second.seq],
      ],
    );
    assert.deepEqual(data(events[1]) as unknown as Change, first);
    assert.deepEqual(data(events[2]) as unknown as Change, second);
    sse.close();
  });

  test('Last-Event-ID resumes with exactly the missed changes', async () => {
    const first = await open();
    const [put] = await first.waitFor(1);
    first.close();
    const missed = [
      await edge.origin.put(env, 'flag', ldFlag('c')),
      await edge.origin.put(env, 'flag', ldFlag('a', { on: true })),
      await edge.origin.put(env, 'flag', ldFlag('c', { on: false })),
    ];
    // `since` in the URL is older: a reconnecting EventSource keeps its URL, the header wins.
    const resumed = await open('?since=1', { 'last-event-id': put!.id! });
    const events = await resumed.waitFor(3);
    assert.deepEqual(
      events.map((e) => [e.event, Number(e.id)]),
      missed.map((c) => ['change', c.seq]),
    );
    const next = await edge.origin.put(env, 'flag', ldFlag('d'));
    const all = await resumed.waitFor(4);
    assert.deepEqual(ids(all), [...missed.map((c) => c.seq), next.seq]);
    assert.deepEqual(data(all[0]) as unknown as Change, missed[0]);
  });

  test('?since= at the current seq sends nothing until the next change', async () => {
    const sse = await open(`?since=${env.seq}`);
    const change = await edge.origin.put(env, 'flag', ldFlag('d', { on: false }));
    const [event] = await sse.waitFor(1);
    assert.equal(event!.event, 'change');
    assert.equal(Number(event!.id), change.seq);
  });

  // A since ahead of the edge waits for it, then 503 (resume-consistency.test.ts).
  test('resuming past the history (historySize 4) gets a full put', async () => {
    const since = env.seq;
    for (let i = 0; i < 5; i++) await edge.origin.put(env, 'flag', ldFlag(`bulk-${i}`));
    for (const query of [`?since=${since}`, '?since=not-a-seq']) {
      const sse = await open(query);
      const [event] = await sse.waitFor(1);
      assert.equal(event!.event, 'put', query);
      assert.equal(Number(event!.id), env.seq, query);
      sse.close();
    }
  });

  test('a gap upstream resyncs with a put whose id is newer: ids never go back', async () => {
    const sse = await open();
    await sse.waitFor(1);
    await edge.origin.put(env, 'flag', ldFlag('e'));
    env.seq++; // the bus never sees this seq: the edge detects the gap and resyncs
    const after = await edge.origin.put(env, 'flag', ldFlag('f'));
    const resynced = await sse.waitFor(3);
    assert.equal(resynced[2]!.event, 'put');
    assert.equal(Number(resynced[2]!.id), after.seq);
    assert.ok(Object.keys(data(resynced[2])['flags'] as object).includes('f'));
    await edge.origin.put(env, 'flag', ldFlag('g'));
    const events = await sse.waitFor(4);
    assert.deepEqual(
      events.map((e) => e.event),
      ['put', 'change', 'put', 'change'],
    );
    assertIncreasing(events);

    // History starts again at the resync: an id from before it gets a put.
    const late = await open(`?since=${after.seq - 2}`);
    const [put] = await late.waitFor(1);
    assert.equal(put!.event, 'put');
  });

  test('SDK-key authentication', async () => {
    const missing = await fetch(`${edge.url}/vexil/v1/stream`);
    assert.equal(missing.status, 401);
    await missing.body?.cancel();
    const unknown = await fetch(`${edge.url}/vexil/v1/stream`, {
      headers: { authorization: 'sdk-unknown' },
    });
    assert.equal(unknown.status, 401);
    await unknown.body?.cancel();
  });
});

describe('Vexil messages', () => {
  test('a put is serialized once per version, a change once per change and transport', () => {
    const state = new EnvironmentState('env1', { historySize: 10 });
    state.applySnapshot({ environmentId: 'env1', seq: 4, items: [] }, 0);
    const change: Change = {
      environmentId: 'env1',
      seq: 5,
      kind: 'segment',
      key: 's',
      version: 1,
      item: { key: 's', version: 1, included: ['u1'] },
      committedAt: 7,
    };
    state.applyChange(change, 0);
    assert.equal(putMessage(state, 'sse'), putMessage(state, 'sse'));
    assert.equal(changeMessage(change, 'sse'), changeMessage(change, 'sse'));
    assert.equal(changeMessage(change, 'ws'), changeMessage(change, 'ws'));
    assert.deepEqual(JSON.parse(changeMessage(change, 'ws').toString()), {
      type: 'change',
      ...change,
    });
    assert.equal(
      changeMessage(change, 'sse').toString(),
      `id: 5\nevent: change\ndata: ${JSON.stringify(change)}\n\n`,
    );
    assert.deepEqual(JSON.parse(putMessage(state, 'ws').toString()), {
      type: 'put',
      environmentId: 'env1',
      seq: 5,
      flags: {},
      segments: { s: change.item },
    });
  });
});

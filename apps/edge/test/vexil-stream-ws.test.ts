import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket, type RawData } from 'ws';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ManualClock } from './support/manual-clock.js';

// The Vexil stream over WebSocket (docs/protocol.md section 6): the same put and change
// messages as JSON text frames, resume with ?since=, hub-driven pings, 1001 on drain and
// lifetime, and slow consumers cut.

type Message = Record<string, unknown> & { type: string; seq: number };

interface RecordedWs {
  readonly ws: WebSocket;
  readonly messages: Message[];
  readonly pings: number;
  /** The close code, once closed. */
  readonly closed: number | undefined;
  waitFor(count: number, ms?: number): Promise<Message[]>;
}

const sockets: WebSocket[] = [];

async function connect(url: string, headers: Record<string, string> = {}): Promise<RecordedWs> {
  const ws = new WebSocket(url, { headers });
  sockets.push(ws);
  const messages: Message[] = [];
  let pings = 0;
  let closed: number | undefined;
  ws.on('message', (raw: RawData, binary: boolean) => {
    assert.equal(binary, false, 'text frames');
    messages.push(JSON.parse(raw.toString()) as Message);
  });
  ws.on('ping', () => pings++);
  ws.on('close', (code: number) => (closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  return {
    ws,
    messages,
    get pings() {
      return pings;
    },
    get closed() {
      return closed;
    },
    async waitFor(count, ms = 5_000) {
      await until(() => messages.length >= count, ms, `${count} WebSocket message(s)`);
      return messages;
    },
  };
}

/** The HTTP status of a refused upgrade. */
async function refusal(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers });
  sockets.push(ws);
  ws.on('error', () => {}); // terminate() while connecting reports an error: expected here
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
  });
}

after(() => {
  for (const ws of sockets) ws.terminate();
});

describe('Vexil stream over WebSocket', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const wsUrl = (query = '') => `${edge.url.replace('http', 'ws')}/vexil/v1/ws${query}`;

  before(async () => {
    edge = await startEdgeServer({ historySize: 3 });
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await edge.origin.remove(env, 'flag', 'a');
    await edge.origin.put(env, 'segment', { key: 's', included: ['u1'] });
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(() => edge.close());

  test('Authorization header: a put frame, then a change frame per change', async () => {
    const client = await connect(wsUrl(), { authorization: env.sdkKey });
    const [put] = await client.waitFor(1);
    assert.equal(put!.type, 'put');
    assert.equal(put!.seq, env.seq);
    assert.equal(put!['environmentId'], env.id);
    assert.deepEqual((put!['flags'] as Record<string, unknown>)['a'], {
      key: 'a',
      version: 2,
      deleted: true,
    });
    assert.deepEqual(Object.keys(put!['segments'] as object), ['s']);
    const change = await edge.origin.put(env, 'flag', ldFlag('b'));
    const messages = await client.waitFor(2);
    assert.deepEqual(messages[1], { type: 'change', ...change });
    client.ws.close();
  });

  test('?key= and ?since= resume with exactly the missed changes', async () => {
    const since = env.seq;
    const missed = [
      await edge.origin.put(env, 'flag', ldFlag('b', { on: false })),
      await edge.origin.put(env, 'flag', ldFlag('c')),
    ];
    const client = await connect(wsUrl(`?key=${env.sdkKey}&since=${since}`));
    const next = await edge.origin.put(env, 'flag', ldFlag('d'));
    const messages = await client.waitFor(3);
    assert.deepEqual(
      messages,
      [...missed, next].map((c) => ({ type: 'change', ...c })),
    );
    client.ws.close();
  });

  test('resuming past the history (historySize 3) gets a put', async () => {
    const since = env.seq;
    for (let i = 0; i < 4; i++) await edge.origin.put(env, 'flag', ldFlag(`bulk-${i}`));
    const client = await connect(wsUrl(`?key=${env.sdkKey}&since=${since}`));
    const [put] = await client.waitFor(1);
    assert.equal(put!.type, 'put');
    assert.equal(put!.seq, env.seq);
    client.ws.close();
  });

  test('a gap resyncs with a put whose seq is newer: seqs never go back', async () => {
    const client = await connect(wsUrl(), { authorization: env.sdkKey });
    await client.waitFor(1);
    env.seq++;
    const after = await edge.origin.put(env, 'flag', ldFlag('e'));
    await client.waitFor(2);
    await edge.origin.put(env, 'flag', ldFlag('f'));
    const messages = await client.waitFor(3);
    assert.deepEqual(
      messages.map((m) => m.type),
      ['put', 'put', 'change'],
    );
    assert.equal(messages[1]!.seq, after.seq);
    const seqs = messages.map((m) => m.seq);
    assert.deepEqual(
      [...seqs].sort((x, y) => x - y),
      seqs,
    );
    assert.equal(new Set(seqs).size, seqs.length);
    client.ws.close();
  });

  test('an unknown or missing key is refused with 401 before the upgrade', async () => {
    assert.equal(await refusal(wsUrl('?key=sdk-unknown')), 401);
    assert.equal(await refusal(wsUrl()), 401);
    assert.equal(await refusal(wsUrl(), { authorization: 'sdk-unknown' }), 401);
  });

  test('WebSocket streams count in the edge status', async () => {
    await until(() => edge.edge.status().streams === 0, 5_000, 'earlier streams to close');
    const client = await connect(wsUrl(), { authorization: env.sdkKey });
    await client.waitFor(1);
    assert.equal(edge.edge.status().streams, 1);
    client.ws.close();
    await until(() => edge.edge.status().streams === 0, 5_000, 'the stream to be forgotten');
  });
});

describe('Vexil WebSocket lifecycle', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  const wsUrl = () => `${edge.url.replace('http', 'ws')}/vexil/v1/ws?key=${env.sdkKey}`;
  // Pings and lifetimes run on this clock: seconds of stream life pass in no time.
  const clock = new ManualClock();

  before(async () => {
    edge = await startEdgeServer(
      {
        heartbeatMs: 1_000,
        maxStreamLifetimeMs: 2_500,
        lifetimeJitter: 0,
        maxBufferBytes: 64 * 1024,
        historySize: 2,
      },
      0,
      { now: clock.now, scheduler: clock },
    );
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(() => edge.close());

  test('pings from the shared timer, then 1001 at the end of its lifetime', async () => {
    const client = await connect(wsUrl());
    await client.waitFor(1);
    clock.advance(1_000);
    await until(() => client.pings > 0, 5_000, 'a ping');
    assert.equal(edge.edge.status().streams, 1, 'open until its lifetime');
    clock.advance(1_500);
    await until(() => client.closed !== undefined, 5_000, 'the lifetime close');
    assert.equal(client.closed, 1001);
  });

  test('draining closes with 1001 (going away)', async () => {
    const client = await connect(wsUrl());
    await client.waitFor(1);
    await edge.edge.drain(0);
    await until(() => client.closed !== undefined, 5_000, 'the drain close');
    assert.equal(client.closed, 1001);
    assert.equal(await refusal(wsUrl()), 503);
  });
});

describe('Vexil WebSocket slow consumers', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;

  before(async () => {
    edge = await startEdgeServer({ maxBufferBytes: 64 * 1024, historySize: 2 });
    env = await edge.origin.addEnvironment('production');
    await edge.origin.put(env, 'flag', ldFlag('a'));
    await until(() => edge.edge.status().ready, 5_000, 'edge ready');
  });
  after(() => edge.close());

  test('a consumer that stops reading is cut', async () => {
    const client = await connect(`${edge.url.replace('http', 'ws')}/vexil/v1/ws?key=${env.sdkKey}`);
    await client.waitFor(1);
    client.ws.pause();
    assert.equal(edge.edge.status().streams, 1);
    const big = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 200 && edge.edge.status().streams === 1; i++)
      await edge.origin.put(env, 'flag', ldFlag('big', { variations: [big, String(i)] }));
    assert.equal(edge.edge.status().streams, 0, 'the slow consumer was cut');
    client.ws.resume();
    await until(() => client.closed !== undefined, 5_000, 'the client to see the close');
    assert.equal(client.closed, 1006);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { until } from '@vexil/testkit';
import { SseParser, type LiveChange } from '../../src/api/event-stream.js';
import { keepPushedOut } from '../../src/app/live-audit.js';
import { LiveConnection, type LiveSignal } from '../../src/app/live-connection.js';
import { liveMatch } from '../../src/app/live-keys.js';

const change = (c: Partial<LiveChange>): LiveChange => ({
  auditId: 1,
  at: 0,
  actor: 'bob',
  action: 'flag.update',
  projectKey: 'p',
  kind: 'flag',
  key: 'f',
  ...c,
});

describe('SseParser', () => {
  test('events split anywhere across chunks, with CRLF, CR or LF line ends', () => {
    const text =
      'retry: 2000\r\n\r\n: a comment\nevent: change\nid: 7\ndata: {"a":1}\n\nevent: heartbeat\rid: 8\rdata: {}\r\r';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size)
        events.push(...parser.push(text.slice(i, i + size)));
      assert.deepEqual(
        events,
        [
          { event: 'change', data: '{"a":1}', lastEventId: '7' },
          { event: 'heartbeat', data: '{}', lastEventId: '8' },
        ],
        `chunks of ${size}`,
      );
      assert.equal(parser.retry, 2000);
    }
  });

  test('multi-line data, default type, an id that outlives its event, no dispatch without data', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('id: 3\n\ndata: one\ndata: two\n\n'), [
      { event: 'message', data: 'one\ntwo', lastEventId: '3' },
    ]);
    assert.deepEqual(parser.push('event: x\n\n'), []);
  });
});

describe('liveMatch: which changes make a page stale', () => {
  test('by the key the page loads under', () => {
    const flagF = change({ kind: 'flag', key: 'f' });
    const segment = change({ kind: 'segment', key: 's', environmentKey: 'prod' });
    const env = change({ kind: 'environment', key: 'prod' });
    const other = change({ projectKey: 'q' });
    const cases: [string, LiveChange, boolean][] = [
      ['flags:p', flagF, true],
      ['flags:p', other, false],
      ['flags:p', segment, false],
      ['flags:p', env, true],
      ['flag:p:f', flagF, true],
      ['flag:p:g', flagF, false],
      ['segments:p:prod', segment, true],
      ['segments-full:p:test', segment, false],
      ['segment:p:prod:s', segment, true],
      ['segment:p:prod:t', segment, false],
      ['filters:p', flagF, true],
      ['envs:p', env, true],
      ['envs-page:p', flagF, false],
      ['audit:p:', segment, true],
      ['projects', change({ kind: 'project', key: 'p' }), true],
    ];
    for (const [key, c, stale] of cases)
      assert.equal(
        liveMatch(key)?.(c),
        stale,
        `${key} after ${c.kind} ${c.key} in ${c.projectKey}`,
      );
    assert.equal(liveMatch('insights:p:prod:f:24h:0'), undefined);
  });
});

describe('keepPushedOut: the audit log reloaded live, with older pages shown', () => {
  test('what the new newest page pushed out joins the older entries, nothing twice', () => {
    const ids = (...n: number[]) => n.map((id) => ({ id }));
    // Newest page 10..8 (3 per page), older 7..5 loaded; two changes arrive: 12, 11.
    assert.deepEqual(
      keepPushedOut(ids(10, 9, 8), ids(7, 6, 5), ids(12, 11, 10)).map((e) => e.id),
      [9, 8, 7, 6, 5],
    );
    // A reload with nothing new changes nothing.
    assert.deepEqual(
      keepPushedOut(ids(10, 9, 8), ids(7, 6, 5), ids(10, 9, 8)).map((e) => e.id),
      [7, 6, 5],
    );
  });
});

/** A fetch whose event streams the test writes to, one per request. */
function fakeServer() {
  const requests: { headers: Record<string, string>; write(text: string): void; end(): void }[] =
    [];
  const statuses: number[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const status = statuses.shift() ?? 200;
    if (status !== 200) return new Response('{}', { status, headers: { 'retry-after': '0' } });
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    init.signal?.addEventListener('abort', () => {
      try {
        controller.error(new Error('aborted'));
      } catch {
        // already closed
      }
    });
    requests.push({
      headers: init.headers as Record<string, string>,
      write: (text) => controller.enqueue(new TextEncoder().encode(text)),
      end: () => controller.close(),
    });
    return new Response(body, { status: 200 });
  }) as typeof globalThis.fetch;
  return { fetch, requests, statuses };
}

const ready = (cursor: number, resumed: boolean) =>
  `event: ready\nid: ${cursor}\ndata: {"cursor":${cursor},"resumed":${resumed},"heartbeatMs":15000}\n\n`;
const changeEvent = (c: LiveChange, id = c.auditId) =>
  `event: change\nid: ${id}\ndata: ${JSON.stringify(c)}\n\n`;

describe('LiveConnection', () => {
  test('resumes with Last-Event-ID after a drop, drops repeats, resets when not resumed', async () => {
    const server = fakeServer();
    const signals: LiveSignal[] = [];
    const live = new LiveConnection({
      token: 't',
      project: 'p',
      onUnauthorized: () => assert.fail('not unauthorized'),
      fetch: server.fetch,
      random: () => 0,
    });
    live.subscribe((s) => signals.push(s));
    live.start();
    try {
      await until('the first request', () => server.requests.length === 1);
      const first = server.requests[0]!;
      assert.equal(first.headers['authorization'], 'Bearer t');
      assert.equal(first.headers['last-event-id'], undefined);
      first.write('retry: 10\n\n' + ready(4, false));
      await until('live', () => live.status === 'live');
      assert.deepEqual(signals, [{ type: 'reset' }]);
      first.write(changeEvent(change({ auditId: 5 })));
      await until('the change', () => signals.length === 2);
      first.end();

      await until('the reconnect', () => server.requests.length === 2);
      const second = server.requests[1]!;
      assert.equal(second.headers['last-event-id'], '5');
      second.write(changeEvent(change({ auditId: 5 })) + changeEvent(change({ auditId: 6 })));
      second.write(ready(6, true));
      await until('the missed change', () => signals.length === 3);
      assert.deepEqual(
        signals.map((s) => (s.type === 'change' ? s.change.auditId : s.type)),
        ['reset', 5, 6],
      );
      assert.equal(live.lastChange((c) => c.key === 'f')?.auditId, 6);
    } finally {
      live.stop();
    }
  });

  test('a paused connection (hidden tab) resumes from its last event id', async () => {
    const server = fakeServer();
    const live = new LiveConnection({
      token: 't',
      project: 'p',
      onUnauthorized: () => assert.fail('not unauthorized'),
      fetch: server.fetch,
    });
    live.start();
    try {
      await until('the first request', () => server.requests.length === 1);
      server.requests[0]!.write(ready(9, false));
      await until('live', () => live.status === 'live');
      live.pause();
      assert.equal(live.status, 'paused');
      live.start();
      await until('the second request', () => server.requests.length === 2);
      assert.equal(server.requests[1]!.headers['last-event-id'], '9');
    } finally {
      live.stop();
    }
  });

  test('401, or a revoked token, signs out; 429 waits and retries', async () => {
    const server = fakeServer();
    server.statuses.push(429, 401);
    let signedOut = 0;
    const live = new LiveConnection({
      token: 't',
      project: 'p',
      onUnauthorized: () => signedOut++,
      fetch: server.fetch,
    });
    live.start();
    await until('signed out', () => signedOut === 1);
    assert.equal(live.status, 'offline');
    live.stop();

    const revoked = new LiveConnection({
      token: 't',
      project: 'p',
      onUnauthorized: () => signedOut++,
      fetch: server.fetch,
    });
    revoked.start();
    await until('a stream', () => server.requests.length === 1);
    server.requests[0]!.write(ready(1, false) + 'event: revoked\ndata: {}\n\n');
    server.requests[0]!.end();
    await until('signed out again', () => signedOut === 2);
    revoked.stop();
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { createOrigin, ensureAdminToken, type Origin, type OriginOptions } from '@vexil/origin';
import { openMemoryStore, type Store } from '@vexil/store';
import { until } from '@vexil/testkit';
import { ChangeFeed } from '../src/change-feed.js';
import { sqliteStore, postgresStore, type FreshStore, type StoreKind } from './support/stores.js';
import { SseStream, type SseEvent } from './support/sse-client.js';

// GET /api/v1/projects/{projectKey}/events (docs/protocol.md section 9): the dashboard's push
// channel. Authentication and limits, what a change event carries, resume with Last-Event-ID,
// heartbeats and revocation, shutdown, and changes made through another origin on the same
// store (SQLite and PostgreSQL, where audit ids can commit out of order).

const TOKEN = 'vxl_events-test-admin';
const WAIT_MS = 5_000;

interface Change {
  auditId: number;
  at: number;
  actor: string;
  action: string;
  projectKey: string;
  environmentKey?: string;
  kind: string;
  key: string;
  version?: number;
  deleted?: true;
  comment?: string;
}

interface EventServer {
  readonly url: string;
  readonly origin: Origin;
  call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  events(projectKey: string, headers?: Record<string, string>): ReturnType<typeof SseStream.open>;
  close(): Promise<void>;
}

/** An origin on a real socket over `store`, with the admin token TOKEN. */
async function serve(
  store: Store,
  events: OriginOptions['events'] = {},
  extra: Partial<OriginOptions> = {},
): Promise<EventServer> {
  const origin = createOrigin({ store, events, ...extra });
  await ensureAdminToken(store, TOKEN, 'alice');
  const server: Server = createServer((req, res) => void origin.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const streams: SseStream[] = [];
  return {
    url,
    origin,
    async call(method, path, body, token = TOKEN) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async events(projectKey, headers = { authorization: `Bearer ${TOKEN}` }) {
      const opened = await SseStream.open(`${url}/api/v1/projects/${projectKey}/events`, headers);
      if (opened.stream !== undefined) streams.push(opened.stream);
      return opened;
    },
    async close() {
      for (const s of streams) s.close();
      origin.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

const data = (e: SseEvent) => JSON.parse(e.data) as Change & Record<string, unknown>;
const isChange = (kind: string, key: string) => (e: SseEvent) =>
  e.event === 'change' && data(e).kind === kind && data(e).key === key;

async function openStream(api: EventServer, projectKey = 'p', headers?: Record<string, string>) {
  const opened = await api.events(projectKey, headers);
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.match(opened.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(opened.headers.get('cache-control'), 'no-store');
  return opened.stream!;
}

async function seed(api: EventServer, projectKey = 'p'): Promise<void> {
  assert.equal((await api.call('POST', '/projects', { key: projectKey, name: 'P' })).status, 201);
  for (const key of ['prod', 'test'])
    assert.equal(
      (await api.call('POST', `/projects/${projectKey}/environments`, { key, name: key })).status,
      201,
    );
}

const boolFlag = (key: string) => ({ key, variations: [{ value: true }, { value: false }] });

describe('event stream: one origin', () => {
  let store: Store;
  let api: EventServer;
  beforeEach(async () => {
    store = await openMemoryStore();
    api = await serve(store, { maxPerToken: 2, maxStreams: 4, heartbeatMs: 200 });
    await seed(api);
  });
  afterEach(async () => {
    await api.close();
    await store.close();
  });

  test('needs a known token in the Authorization header, and an existing project', async () => {
    const none = await api.events('p', {});
    assert.equal(none.status, 401);
    assert.equal(none.body?.code, 'UNAUTHORIZED');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="vexil"');
    const unknown = await api.events('p', { authorization: 'Bearer vxl_not-a-token' });
    assert.equal(unknown.status, 401);
    // The token in the URL is no credential: only the header is read.
    const inUrl = await SseStream.open(`${api.url}/api/v1/projects/p/events?token=${TOKEN}`, {});
    assert.equal(inUrl.status, 401);
    const missing = await api.events('nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body?.code, 'NOT_FOUND');
    const bad = await api.events('p', { authorization: `Bearer ${TOKEN}`, 'last-event-id': 'x' });
    assert.equal(bad.status, 400);
    assert.match(bad.body?.message ?? '', /Last-Event-ID/);
    // A reader may follow the project; the stream carries no more than the audit log shows it.
    const reader = await api.call('POST', '/tokens', { name: 'bob', role: 'reader' });
    const stream = await openStream(api, 'p', { authorization: `Bearer ${reader.body.token}` });
    await stream.next((e) => e.event === 'ready', WAIT_MS);
  });

  test('every committed change to the project arrives: who, what, where, which version', async () => {
    const stream = await openStream(api);
    const ready = await stream.next((e) => e.event === 'ready', WAIT_MS);
    assert.deepEqual(JSON.parse(ready.data), {
      cursor: Number(ready.id),
      resumed: false,
      heartbeatMs: 200,
    });

    assert.equal((await api.call('POST', '/projects/p/flags', boolFlag('f'))).status, 201);
    const created = data(await stream.next(isChange('flag', 'f'), WAIT_MS));
    assert.equal(created.action, 'flag.create');
    assert.equal(created.actor, 'alice');
    assert.equal(created.projectKey, 'p');
    assert.equal(created.version, 1);

    const toggled = await api.call('PATCH', '/projects/p/flags/f', [
      { op: 'replace', path: '/environments/prod/on', value: true },
    ]);
    assert.equal(toggled.status, 200);
    const update = await stream.next(isChange('flag', 'f'), WAIT_MS);
    assert.equal(data(update).action, 'flag.update');
    assert.equal(data(update).environmentKey, 'prod');
    assert.equal(data(update).version, 2);
    assert.equal(Number(update.id), data(update).auditId);

    await api.call('POST', '/projects/p/environments/test/segments', { key: 's' });
    const segment = data(await stream.next(isChange('segment', 's'), WAIT_MS));
    assert.equal(segment.environmentKey, 'test');
    assert.equal(segment.version, 1);

    await api.call('POST', '/projects/p/filters', { key: 'mobile', flagKeys: ['f'] });
    await stream.next(isChange('filter', 'mobile'), WAIT_MS);
    await api.call('PATCH', '/projects/p/environments/test', [
      { op: 'replace', path: '/name', value: 'Testing' },
    ]);
    await stream.next(isChange('environment', 'test'), WAIT_MS);
    await api.call('DELETE', '/projects/p/flags/f');
    const deleted = data(await stream.next(isChange('flag', 'f'), WAIT_MS));
    assert.equal(deleted.action, 'flag.delete');
    assert.equal(deleted.deleted, true);

    // Another project's changes and token changes are not this stream's.
    await seed(api, 'q');
    await api.call('POST', '/projects/q/flags', boolFlag('other'));
    await api.call('POST', '/tokens', { name: 'ci', role: 'reader' });
    await api.call('POST', '/projects/p/flags', boolFlag('last'));
    await stream.next(isChange('flag', 'last'), WAIT_MS);
    const changes = stream.all.filter((e) => e.event === 'change').map(data);
    assert.ok(changes.every((c) => c.projectKey === 'p'));
    assert.ok(!changes.some((c) => c.kind === 'token'));
    // In commit order, each once, ids that never go back.
    const ids = changes.map((c) => c.auditId);
    assert.deepEqual(
      ids,
      [...new Set(ids)].sort((a, b) => a - b),
    );
    const cursors = stream.all.filter((e) => e.id !== undefined).map((e) => Number(e.id));
    assert.deepEqual(
      cursors,
      [...cursors].sort((a, b) => a - b),
    );
  });

  test('resume with Last-Event-ID: the changes missed while away come first, then live ones', async () => {
    const first = await openStream(api);
    await first.next((e) => e.event === 'ready', WAIT_MS);
    await api.call('POST', '/projects/p/flags', boolFlag('a'));
    const seen = await first.next(isChange('flag', 'a'), WAIT_MS);
    first.close();

    await api.call('POST', '/projects/p/flags', boolFlag('b'));
    await api.call('PATCH', '/projects/p/flags/b', [
      { op: 'replace', path: '/environments/test/on', value: true },
    ]);
    await api.call('POST', '/projects/p/environments/prod/segments', { key: 'beta' });

    const again = await openStream(api, 'p', {
      authorization: `Bearer ${TOKEN}`,
      'last-event-id': seen.id!,
    });
    const missed = [
      await again.next((e) => e.event === 'change', WAIT_MS),
      await again.next((e) => e.event === 'change', WAIT_MS),
      await again.next((e) => e.event === 'change', WAIT_MS),
    ].map(data);
    assert.deepEqual(
      missed.map((c) => [c.action, c.key]),
      [
        ['flag.create', 'b'],
        ['flag.update', 'b'],
        ['segment.create', 'beta'],
      ],
    );
    const ready = await again.next((e) => e.event === 'ready', WAIT_MS);
    assert.equal(JSON.parse(ready.data).resumed, true);
    assert.equal(Number(ready.id), missed[2]!.auditId);
    await api.call('PATCH', '/projects/p/flags/a', [{ op: 'replace', path: '/name', value: 'A' }]);
    assert.equal(data(await again.next(isChange('flag', 'a'), WAIT_MS)).action, 'flag.update');
    // Nothing twice.
    const ids = again.all.filter((e) => e.event === 'change').map((e) => data(e).auditId);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('resume from a cursor this log never gave, or too far back: reset', async () => {
    const foreign = await openStream(api, 'p', {
      authorization: `Bearer ${TOKEN}`,
      'last-event-id': '999999',
    });
    const reset = await foreign.next(() => true, WAIT_MS);
    assert.equal(reset.event, 'reset');
    const ready = await foreign.next((e) => e.event === 'ready', WAIT_MS);
    assert.equal(JSON.parse(ready.data).resumed, false);
    assert.ok(Number(ready.id) < 999999);
  });

  test('limits: streams per token and per server, 429 with Retry-After', async () => {
    const a = await openStream(api);
    await openStream(api);
    const third = await api.events('p');
    assert.equal(third.status, 429);
    assert.equal(third.body?.code, 'RATE_LIMITED');
    assert.equal(third.headers.get('retry-after'), '5');
    assert.match(third.body?.message ?? '', /2 event streams/);
    // Another token has its own allowance, up to the server's.
    const bob = (await api.call('POST', '/tokens', { name: 'bob', role: 'reader' })).body.token;
    const asBob = { authorization: `Bearer ${bob}` };
    await openStream(api, 'p', asBob);
    await openStream(api, 'p', asBob);
    const carol = (await api.call('POST', '/tokens', { name: 'carol', role: 'reader' })).body.token;
    const full = await api.events('p', { authorization: `Bearer ${carol}` });
    assert.equal(full.status, 429);
    assert.match(full.body?.message ?? '', /this server holds 4 event streams/);
    // A stream that ends gives its place back.
    a.close();
    await until(
      'the closed stream to give its place back',
      async () => {
        const opened = await api.events('p');
        if (opened.status === 200) return true;
        assert.equal(opened.status, 429);
        return false;
      },
      WAIT_MS,
    );
  });

  test('heartbeats carry the cursor; a revoked token ends its streams', async () => {
    const bob = (await api.call('POST', '/tokens', { name: 'bob', role: 'reader' })).body;
    const stream = await openStream(api, 'p', { authorization: `Bearer ${bob.token}` });
    const beat = await stream.next((e) => e.event === 'heartbeat', WAIT_MS);
    assert.equal(JSON.parse(beat.data).cursor, Number(beat.id));
    assert.equal((await api.call('DELETE', `/tokens/${bob.id}`)).status, 204);
    const revoked = await stream.next((e) => e.event === 'revoked', WAIT_MS);
    assert.equal(JSON.parse(revoked.data).code, 'UNAUTHORIZED');
    await stream.end(WAIT_MS);
    assert.equal((await api.events('p', { authorization: `Bearer ${bob.token}` })).status, 401);
  });

  test('close (shutdown) ends every stream; the route is in the OpenAPI document', async () => {
    const stream = await openStream(api);
    await stream.next((e) => e.event === 'ready', WAIT_MS);
    const doc = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    const route = doc.paths['/api/v1/projects/{projectKey}/events']?.['get'];
    assert.ok(route !== undefined);
    assert.deepEqual(Object.keys(route.responses['200']!.content!), ['text/event-stream']);
    api.origin.close();
    await stream.end(WAIT_MS);
    assert.equal((await api.events('p')).status, 503);
  });
});

describe('change feed: ids that commit out of order', () => {
  interface Entry {
    id: number;
    at: number;
  }
  let log: Entry[] = [];
  let clock = 0;
  const fakeStore = {
    listAudit: async (q: { from?: number; before?: number; limit?: number }) =>
      log
        .filter(
          (e) =>
            (q.from === undefined || e.at >= q.from) && (q.before === undefined || e.id < q.before),
        )
        .sort((a, b) => b.id - a.id)
        .slice(0, q.limit ?? 100)
        .map((e) => ({
          ...e,
          actor: 'x',
          action: 'flag.update',
          projectKey: 'p',
          resourceKind: 'flag' as const,
          resourceKey: `f${e.id}`,
          before: null,
          after: null,
        })),
  };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  let feed: ChangeFeed;
  beforeEach(() => {
    log = [1, 2, 3].map((id) => ({ id, at: 1_000 }));
    clock = 0;
    feed = new ChangeFeed({
      store: fakeStore,
      logger: silent,
      now: () => 2_000,
      monotonic: () => clock,
      pollMs: 10,
      settleMs: 1_000,
    });
  });
  afterEach(() => feed.close());

  test('a lower id that commits later is still delivered; the cursor waits for it', async () => {
    const got: number[] = [];
    await feed.subscribe((entries) => got.push(...entries.map((e) => e.id)));
    assert.equal(feed.cursor, 3);
    log.push({ id: 5, at: 1_500 });
    await until('5 to arrive', () => got.includes(5), WAIT_MS);
    assert.equal(feed.cursor, 3, 'a hole at 4: the cursor stays below it');
    log.push({ id: 4, at: 1_400 });
    await until('4 to arrive', () => got.includes(4), WAIT_MS);
    assert.deepEqual(got, [5, 4]);
    await until('the cursor to pass both', () => feed.cursor === 5, WAIT_MS);
  });

  test('a hole that never fills (a rolled-back write) is passed once settled', async () => {
    const got: number[] = [];
    await feed.subscribe((entries) => got.push(...entries.map((e) => e.id)));
    log.push({ id: 7, at: 1_500 });
    await until('7 to be seen', () => got.includes(7), WAIT_MS);
    clock = 500;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(feed.cursor, 3, 'not yet: the writer of 4 to 6 may still commit');
    clock = 1_000;
    await until('the cursor to pass the hole', () => feed.cursor === 7, WAIT_MS);
  });
});

/** Two origins over one database: what one commits, the other's streams get. */
function twoOrigins(kind: StoreKind) {
  describe(`event stream: two origins over ${kind.name}`, () => {
    let fresh: FreshStore | undefined;
    let a: EventServer;
    let b: EventServer;
    let skip: string | undefined;
    before(async () => {
      skip = await kind.skip();
      if (skip !== undefined) return;
      fresh = await kind.open();
      // Origin b is never told of a's commits: it finds them in the audit log.
      a = await serve(fresh.store, { pollMs: 100 });
      b = await serve(await fresh.reopen(), { pollMs: 100 });
      await seed(a);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await fresh?.cleanup();
    });

    test('a change through one origin reaches the other origin’s streams', async (t) => {
      if (skip !== undefined) return t.skip(skip);
      const stream = await openStream(b);
      await stream.next((e) => e.event === 'ready', WAIT_MS);
      await a.call('POST', '/projects/p/flags', boolFlag('elsewhere'));
      const change = data(await stream.next(isChange('flag', 'elsewhere'), WAIT_MS));
      assert.equal(change.actor, 'alice');
      // And a client that moves from b to a resumes where it was.
      await b.call('POST', '/projects/p/flags', boolFlag('on-b'));
      const last = await stream.next(isChange('flag', 'on-b'), WAIT_MS);
      stream.close();
      await b.call('PATCH', '/projects/p/flags/on-b', [
        { op: 'replace', path: '/environments/prod/on', value: true },
      ]);
      const moved = await openStream(a, 'p', {
        authorization: `Bearer ${TOKEN}`,
        'last-event-id': last.id!,
      });
      const missed = data(await moved.next((e) => e.event === 'change', WAIT_MS));
      assert.deepEqual([missed.action, missed.key], ['flag.update', 'on-b']);
    });

    test('concurrent transactions that commit their audit ids out of order: nothing is lost', async (t) => {
      if (skip !== undefined) return t.skip(skip);
      if (kind.name !== 'postgres')
        return t.skip('only PostgreSQL runs write transactions side by side');
      const stream = await openStream(b);
      await stream.next((e) => e.event === 'ready', WAIT_MS);
      const entry = (key: string) => ({
        at: Date.now(),
        actor: 'direct',
        action: 'flag.update',
        projectKey: 'p',
        resourceKind: 'flag' as const,
        resourceKey: key,
        before: null,
        after: { version: 1 },
      });
      // The first transaction takes the lower id, then waits; the second commits first.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let lowId = 0;
      const slow = fresh!.store.transaction(async (tx) => {
        lowId = await tx.appendAudit(entry('slow'));
        await held;
      });
      await until('the slow transaction to take its id', () => lowId > 0, WAIT_MS);
      const highId = await fresh!.store.transaction((tx) => tx.appendAudit(entry('fast')));
      assert.ok(highId > lowId);
      const fast = await stream.next(isChange('flag', 'fast'), WAIT_MS);
      assert.ok(Number(fast.id) < highId, 'the cursor does not pass the id still in flight');
      release();
      await slow;
      await stream.next(isChange('flag', 'slow'), WAIT_MS);
      // A client that left after `fast` and resumes from its cursor still gets `slow`.
      const resumed = await openStream(a, 'p', {
        authorization: `Bearer ${TOKEN}`,
        'last-event-id': fast.id!,
      });
      await resumed.next(isChange('flag', 'slow'), WAIT_MS);
    });
  });
}

twoOrigins(sqliteStore);
twoOrigins(postgresStore);

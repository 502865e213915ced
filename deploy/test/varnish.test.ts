import assert from 'node:assert/strict';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startVarnish, until, varnishSkip, type VarnishProcess } from '@vexil/testkit';

// deploy/varnish/vexil.vcl in a real varnishd, in front of a small edge written here that
// answers as docs/cdn.md section 3 says an edge does, with the seq, revision, TTL and tags each
// test sets: what is cached and under which key, what clients see, purges and their floors
// (section 4), and stale serving while the edges are down (section 5).

const skip = varnishSkip();

/** What the fake edge answers for one environment (and its one credential). */
interface EnvState {
  /** The environment's latest seq. */
  seq: number;
  /** A lagging edge: it answers this seq unless asked for more (X-Vexil-Min-Seq). */
  behind?: number | undefined;
  /** ... and keeps answering it even then (an edge that never catches up). */
  stuck?: boolean;
  revision: number;
  revisionBehind?: number | undefined;
  ttl: number;
  grace: number;
  /** The tag header: xkey, Surrogate-Key (`--cdn-key-header`), or none at all. */
  tags: 'xkey' | 'surrogate-key' | 'none';
  /** An error instead of the answer (no surrogate headers, as the edge sends errors). */
  status?: number | undefined;
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** An edge per docs/cdn.md section 3, on a loopback port. */
class FakeEdge {
  readonly envs = new Map<string, EnvState>();
  readonly seen: Seen[] = [];
  private readonly server: Server = createServer((req, res) => this.answer(req, res));
  private fetches = 0;

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  env(id: string, state: Partial<EnvState> = {}): EnvState {
    const value: EnvState = {
      seq: 1,
      revision: 1,
      ttl: 60,
      grace: 60,
      tags: 'xkey',
      ...this.envs.get(id),
      ...state,
    };
    this.envs.set(id, value);
    return value;
  }

  /** The requests that reached the edge for `path` (query included), /readyz aside. */
  requests(path: string): Seen[] {
    return this.seen.filter((s) => s.url === path);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url === '/readyz') return void res.end('ok');
    this.seen.push({ method: req.method ?? '', url, headers: req.headers });
    const path = url.split('?')[0]!;
    if (path === '/sdk/stream' || path === '/all') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return void res.end('event: put\ndata: {}\n\n');
    }
    if (req.method !== 'GET') return void res.writeHead(202).end();
    // Client-side routes carry their environment in the path and answer with CORS.
    const inPath = /^\/sdk\/(?:evalx|goals)\/([^/]+)\/(?:contexts|users)?/.exec(path);
    const auth = req.headers.authorization;
    const env = inPath?.[1] ?? auth?.split(' ').pop()?.replace(/^sdk-/, '');
    const state = env === undefined ? undefined : this.envs.get(env);
    const cors: Record<string, string> =
      inPath === null
        ? {}
        : { 'access-control-allow-origin': req.headers.origin ?? '*', vary: 'Origin' };
    if (env === undefined || state === undefined || state.status !== undefined) {
      const status = state?.status ?? 401;
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...cors,
      });
      return void res.end(JSON.stringify({ code: 'ERROR', message: `status ${status}` }));
    }
    const minSeq = Number(req.headers['x-vexil-min-seq'] ?? 0);
    const minRevision = Number(req.headers['x-vexil-min-revision'] ?? 0);
    const seq =
      state.behind !== undefined && (state.stuck === true || minSeq <= state.behind)
        ? state.behind
        : state.seq;
    const revision =
      state.revisionBehind !== undefined && minRevision <= state.revisionBehind
        ? state.revisionBehind
        : state.revision;
    const credential = inPath === null ? `c.${env}` : `e.${env}`;
    const tags = `vexil-all vexil-env-${env} vexil-dir-${credential}`;
    const body = JSON.stringify({ env, seq, revision, url, fetch: ++this.fetches });
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache',
      'surrogate-control': `max-age=${state.ttl}, stale-if-error=${state.grace}`,
      ...(state.tags === 'xkey' ? { xkey: tags } : {}),
      ...(state.tags === 'surrogate-key' ? { 'surrogate-key': tags } : {}),
      'x-vexil-env': env,
      'x-vexil-seq': String(seq),
      'x-vexil-credential': credential,
      'x-vexil-revision': String(revision),
      ...cors,
    });
    res.end(body);
  }
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** X-Vexil-Cache */
  readonly cache: string | undefined;
  json(): Record<string, unknown>;
}

/** One request on a fresh connection (so that Host, methods and the source address are ours). */
function get(
  varnish: VarnishProcess,
  path: string,
  headers: Record<string, string> = {},
  options: { method?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: varnish.port,
        path,
        method: options.method ?? 'GET',
        headers,
        agent: false,
        timeout: 10_000,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const cache = res.headers['x-vexil-cache'];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            cache: Array.isArray(cache) ? cache.join() : cache,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

const key = (env: string) => ({ authorization: `sdk-${env}` });

/** Varnish and an edge, started for one suite; Varnish waits until its probe finds the edge. */
function frontedEdge(): { edge: FakeEdge; varnish: () => VarnishProcess } {
  const edge = new FakeEdge();
  let varnish: VarnishProcess | undefined;
  before(async () => {
    const port = await edge.start();
    varnish = await startVarnish({ backends: [{ port }] });
    await until(
      'Varnish to find the edge healthy',
      async () => (await get(varnish!, '/sdk/other')).cache === 'PASS',
      10_000,
      100,
    );
  });
  after(async () => {
    await varnish?.stop();
    await edge.stop();
  });
  return { edge, varnish: () => varnish! };
}

const HIDDEN = [
  'surrogate-control',
  'xkey',
  'surrogate-key',
  'x-vexil-env',
  'x-vexil-seq',
  'x-vexil-credential',
  'x-vexil-revision',
  'via',
  'x-varnish',
];

function assertJsonError(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.text);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  assert.equal(answer.json()['code'], code);
  assert.equal(typeof answer.json()['message'], 'string');
}

describe(
  'Varnish in front of the edges (deploy/varnish/vexil.vcl)',
  { skip, concurrency: 2 },
  () => {
    describe('caching, purges and floors', { concurrency: 1 }, () => {
      const { edge, varnish } = frontedEdge();

      test('caches by URL and Authorization as sent, and by nothing else', async () => {
        edge.env('a1');
        edge.env('a2');
        const v = varnish();
        const first = await get(v, '/sdk/latest-all', key('a1'));
        assert.equal(first.status, 200);
        assert.equal(first.cache, 'MISS');
        const hit = await get(v, '/sdk/latest-all', { ...key('a1'), host: 'elsewhere.example' });
        assert.equal(hit.cache, 'HIT');
        assert.equal(hit.text, first.text);
        assert.ok(hit.headers['age'] !== undefined, 'Age is kept');
        // Another credential, the same credential written otherwise, another query: other objects.
        const other = await get(v, '/sdk/latest-all', key('a2'));
        assert.equal(other.cache, 'MISS');
        assert.equal(other.json()['env'], 'a2');
        assert.equal(
          (await get(v, '/sdk/latest-all', { authorization: 'api_key sdk-a1' })).cache,
          'MISS',
        );
        assert.equal((await get(v, '/sdk/latest-all?filter=x', key('a1'))).cache, 'MISS');
        assert.equal((await get(v, '/sdk/latest-all', key('a2'))).cache, 'HIT');
        assert.equal(edge.requests('/sdk/latest-all').length, 3);
        // HEAD is answered from the same object.
        assert.equal((await get(v, '/sdk/latest-all', key('a1'), { method: 'HEAD' })).cache, 'HIT');
      });

      test('answers without the surrogate and X-Vexil headers, with X-Forwarded-For for the edge', async () => {
        edge.env('h1');
        const v = varnish();
        for (const expected of ['MISS', 'HIT']) {
          const answer = await get(v, '/sdk/latest-flags/f1', {
            ...key('h1'),
            'x-forwarded-for': '203.0.113.9',
          });
          assert.equal(answer.cache, expected);
          for (const name of HIDDEN) assert.equal(answer.headers[name], undefined, name);
          assert.equal(answer.headers['cache-control'], 'no-cache');
          assert.equal(answer.json()['env'], 'h1');
        }
        const [seen] = edge.requests('/sdk/latest-flags/f1');
        assert.equal(seen?.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      });

      test('never caches errors, untagged answers, other routes or methods', async () => {
        const v = varnish();
        for (let i = 0; i < 2; i++) {
          const refused = await get(v, '/sdk/poll', { authorization: 'sdk-unknown' });
          assert.equal(refused.status, 401);
          assert.equal(refused.cache, 'MISS');
        }
        assert.equal(edge.requests('/sdk/poll').length, 2);
        edge.env('e5', { status: 500 });
        for (let i = 0; i < 2; i++)
          assert.equal((await get(v, '/sdk/flags', key('e5'))).status, 500);
        assert.equal(edge.requests('/sdk/flags').length, 2);
        // A 200 that says no freshness (max-age=0: a credential at its expiry).
        edge.env('e0', { ttl: 0 });
        for (let i = 0; i < 2; i++)
          assert.equal((await get(v, '/sdk/latest-segments', key('e0'))).cache, 'MISS');
        assert.equal(edge.requests('/sdk/latest-segments').length, 2);
        // Routes outside docs/cdn.md section 1, and other methods, pass.
        edge.env('o1');
        for (let i = 0; i < 2; i++) {
          assert.equal((await get(v, '/sdk/latest-all/', key('o1'))).cache, 'PASS');
          assert.equal(
            (await get(v, '/sdk/latest-all', key('o1'), { method: 'POST' })).cache,
            'PASS',
          );
        }
        assert.equal(edge.requests('/sdk/latest-all/').length, 2);
      });

      test('streams are piped to an edge', async () => {
        const v = varnish();
        const stream = await get(v, '/sdk/stream', key('a1'));
        assert.equal(stream.status, 200);
        assert.equal(stream.headers['content-type'], 'text/event-stream');
        assert.equal(stream.text, 'event: put\ndata: {}\n\n');
        assert.equal(stream.cache, undefined, 'a piped answer is the edge’s own');
      });

      test('keeps an answer for its Surrogate-Control max-age, not its Cache-Control', async () => {
        edge.env('t1', { ttl: 1 });
        const v = varnish();
        assert.equal((await get(v, '/sdk/latest-all', key('t1'))).cache, 'MISS');
        assert.equal((await get(v, '/sdk/latest-all', key('t1'))).cache, 'HIT');
        await until(
          'the 1 s answer to expire',
          async () => (await get(v, '/sdk/latest-all', key('t1'))).cache === 'MISS',
          4_000,
          100,
        );
      });

      test('client-sent X-Vexil headers never reach an edge', async () => {
        edge.env('c1');
        const v = varnish();
        const sent = {
          ...key('c1'),
          'x-vexil-min-seq': '99',
          'x-vexil-min-revision': '99',
          'x-vexil-env': 'c1',
          'x-vexil-seq': '99',
          'x-vexil-credential': 'c.c1',
          'x-vexil-revision': '99',
        };
        assert.equal((await get(v, '/sdk/poll?basis=x', sent)).status, 200);
        assert.equal((await get(v, '/bulk', sent, { method: 'POST' })).status, 202);
        for (const seen of [...edge.requests('/sdk/poll?basis=x'), ...edge.requests('/bulk')])
          for (const name of Object.keys(sent).filter((n) => n.startsWith('x-vexil')))
            assert.equal(seen.headers[name], undefined, name);
      });

      test('a CORS answer is stored once and echoes each request’s Origin', async () => {
        edge.env('cors1');
        const v = varnish();
        const path = '/sdk/evalx/cors1/contexts/eyJrZXkiOiJ1In0';
        const a = await get(v, path, { origin: 'https://a.example' });
        assert.equal(a.cache, 'MISS');
        assert.equal(a.headers['access-control-allow-origin'], 'https://a.example');
        const b = await get(v, path, { origin: 'https://b.example' });
        assert.equal(b.cache, 'HIT');
        assert.equal(b.headers['access-control-allow-origin'], 'https://b.example');
        assert.match(String(b.headers['vary']), /\bOrigin\b/);
        const none = await get(v, path);
        assert.equal(none.cache, 'HIT');
        assert.equal(none.headers['access-control-allow-origin'], '*');
        assert.equal(edge.requests(path).length, 1);
      });

      test('a PURGE of an environment drops its answers and sets its floor', async () => {
        edge.env('p1');
        edge.env('p2');
        const v = varnish();
        await get(v, '/sdk/latest-all', key('p1'));
        await get(v, '/sdk/latest-flags', key('p1'));
        await get(v, '/sdk/latest-all', key('p2'));
        const purge = await v.purge({ 'x-vexil-env': 'p1', 'x-vexil-seq': '2' });
        assert.equal(purge.status, 200);
        assert.match(purge.headers.get('content-type') ?? '', /^application\/json/);
        assert.deepEqual(await purge.json(), { purged: 2 });
        edge.env('p1', { seq: 2 });
        const after = await get(v, '/sdk/latest-all', key('p1'));
        assert.equal(after.cache, 'MISS');
        assert.equal(after.json()['seq'], 2);
        assert.equal((await get(v, '/sdk/latest-all', key('p2'))).cache, 'HIT');
      });

      test('a fetched answer below the floor is fetched again with X-Vexil-Min-Seq, never served', async () => {
        edge.env('f1', { seq: 5 });
        const v = varnish();
        assert.equal((await get(v, '/sdk/latest-all', key('f1'))).json()['seq'], 5);
        // Seq 6 is committed; the edge Varnish fetches from has not applied it yet.
        edge.env('f1', { seq: 6, behind: 5 });
        assert.deepEqual(
          await (await v.purge({ 'x-vexil-env': 'f1', 'x-vexil-seq': '6' })).json(),
          {
            purged: 1,
          },
        );
        const before = edge.requests('/sdk/latest-all').length;
        const fresh = await get(v, '/sdk/latest-all', key('f1'));
        assert.equal(fresh.cache, 'MISS');
        assert.equal(fresh.json()['seq'], 6);
        const fetches = edge.requests('/sdk/latest-all').slice(before);
        assert.deepEqual(
          fetches.map((s) => s.headers['x-vexil-min-seq']),
          [undefined, '6'],
          'one fetch below the floor, then one asking for it',
        );
        const hit = await get(v, '/sdk/latest-all', key('f1'));
        assert.equal(hit.cache, 'HIT');
        assert.equal(hit.json()['seq'], 6);
      });

      test('after three retries below the floor the client gets a 503, not the old answer', async () => {
        edge.env('g1', { seq: 3 });
        const v = varnish();
        await get(v, '/sdk/poll', key('g1'));
        edge.env('g1', { seq: 4, behind: 3, stuck: true });
        await v.purge({ 'x-vexil-env': 'g1', 'x-vexil-seq': '4' });
        const before = edge.requests('/sdk/poll').length;
        for (let i = 0; i < 2; i++)
          assertJsonError(await get(v, '/sdk/poll', key('g1')), 503, 'UNAVAILABLE');
        const fetches = edge.requests('/sdk/poll').slice(before);
        assert.deepEqual(
          fetches.map((s) => s.headers['x-vexil-min-seq']),
          [undefined, '4', '4', '4', undefined, '4', '4', '4'],
        );
        // A lower floor afterwards does not lower it.
        assert.equal((await v.purge({ 'x-vexil-env': 'g1', 'x-vexil-seq': '2' })).status, 200);
        assertJsonError(await get(v, '/sdk/poll', key('g1')), 503, 'UNAVAILABLE');
        edge.env('g1', { stuck: false, behind: undefined });
        assert.equal((await get(v, '/sdk/poll', key('g1'))).json()['seq'], 4);
        assert.equal((await get(v, '/sdk/poll', key('g1'))).cache, 'HIT');
      });

      test('a cached answer below the floor is not served (a purge that dropped nothing)', async () => {
        // Untagged, so that the purge drops nothing and only the floor stands between.
        edge.env('u1', { seq: 3, tags: 'none' });
        const v = varnish();
        await get(v, '/sdk/latest-all', key('u1'));
        assert.equal((await get(v, '/sdk/latest-all', key('u1'))).cache, 'HIT');
        assert.deepEqual(
          await (await v.purge({ 'x-vexil-env': 'u1', 'x-vexil-seq': '4' })).json(),
          {
            purged: 0,
          },
        );
        edge.env('u1', { seq: 4 });
        const refetched = await get(v, '/sdk/latest-all', key('u1'));
        assert.equal(refetched.cache, 'MISS');
        assert.equal(refetched.json()['seq'], 4);
        assert.equal((await get(v, '/sdk/latest-all', key('u1'))).cache, 'HIT');
      });

      test('a directory purge: X-Vexil-Credential and X-Vexil-Revision, then X-Vexil-Min-Revision', async () => {
        edge.env('d1', { revision: 1 });
        const v = varnish();
        await get(v, '/sdk/latest-all', key('d1'));
        edge.env('d1', { revision: 2, revisionBehind: 1 });
        const purge = await v.purge({ 'x-vexil-credential': 'c.d1', 'x-vexil-revision': '2' });
        assert.deepEqual(await purge.json(), { purged: 1 });
        const before = edge.requests('/sdk/latest-all').length;
        const fresh = await get(v, '/sdk/latest-all', key('d1'));
        assert.equal(fresh.cache, 'MISS');
        assert.equal(fresh.json()['revision'], 2);
        assert.deepEqual(
          edge
            .requests('/sdk/latest-all')
            .slice(before)
            .map((s) => s.headers['x-vexil-min-revision']),
          [undefined, '2'],
        );
        assert.equal((await get(v, '/sdk/latest-all', key('d1'))).cache, 'HIT');
        // A cached answer below a directory floor is fetched again too.
        edge.env('d2', { revision: 1, tags: 'none' });
        await get(v, '/sdk/latest-all', key('d2'));
        await v.purge({ 'x-vexil-credential': 'c.d2', 'x-vexil-revision': '3' });
        edge.env('d2', { revision: 3 });
        const refetched = await get(v, '/sdk/latest-all', key('d2'));
        assert.equal(refetched.cache, 'MISS');
        assert.equal(refetched.json()['revision'], 3);
      });

      test('edges run with --cdn-key-header Surrogate-Key are purged the same way', async () => {
        edge.env('s1', { tags: 'surrogate-key' });
        const v = varnish();
        const answer = await get(v, '/sdk/latest-all', key('s1'));
        assert.equal(answer.headers['surrogate-key'], undefined);
        const purge = await v.purge({ 'x-vexil-env': 's1', 'x-vexil-seq': '1' });
        assert.deepEqual(await purge.json(), { purged: 1 });
        assert.equal((await get(v, '/sdk/latest-all', key('s1'))).cache, 'MISS');
      });

      test('X-Vexil-Purge-All drops every answer', async () => {
        edge.env('all1');
        edge.env('all2', { tags: 'surrogate-key' });
        const v = varnish();
        await get(v, '/sdk/latest-all', key('all1'));
        await get(v, '/sdk/evalx/all2/users/eyJrZXkiOiJ1In0');
        const purge = await v.purge({ 'x-vexil-purge-all': '1' });
        assert.equal(purge.status, 200);
        const { purged } = (await purge.json()) as { purged: number };
        assert.ok(purged >= 2, `purged ${purged}`);
        assert.equal((await get(v, '/sdk/latest-all', key('all1'))).cache, 'MISS');
        assert.equal((await get(v, '/sdk/evalx/all2/users/eyJrZXkiOiJ1In0')).cache, 'MISS');
      });

      test('a PURGE names a tag and a floor, and comes from a purger', async () => {
        const v = varnish();
        for (const headers of [
          {},
          { 'x-vexil-env': 'p1' },
          { 'x-vexil-env': 'p1', 'x-vexil-seq': 'ten' },
          { 'x-vexil-env': 'two words', 'x-vexil-seq': '3' },
          { 'x-vexil-credential': 'c.p1' },
          { 'x-vexil-purge-all': 'yes' },
        ]) {
          assertJsonError(await get(v, '/', headers, { method: 'PURGE' }), 400, 'BAD_REQUEST');
        }
        // From 127.0.0.2 (loopback, outside the ACL of 127.0.0.1).
        const refused = await get(
          v,
          '/',
          { 'x-vexil-purge-all': '1' },
          { method: 'PURGE', localAddress: '127.0.0.2' },
        );
        assertJsonError(refused, 403, 'FORBIDDEN');
      });
    });

    describe('when the edges are down', { concurrency: 1 }, () => {
      const { edge, varnish } = frontedEdge();

      test('serves what it holds as STALE for the grace, then a 503 in JSON', async () => {
        edge.env('z1', { ttl: 1, grace: 4 });
        const v = varnish();
        const fetchedAt = Date.now();
        const cached = await get(v, '/sdk/latest-all', key('z1'));
        assert.equal(cached.cache, 'MISS');
        assert.equal((await get(v, '/sdk/latest-all', key('z1'))).cache, 'HIT');
        await edge.stop();
        // An uncached route tells when the probes have marked the edge sick.
        await until(
          'the probes to mark the edge sick',
          async () => (await get(v, '/sdk/other')).cache === 'STALE',
          5_000,
          100,
        );
        const stale = await get(v, '/sdk/latest-all', key('z1'));
        assert.equal(stale.status, 200);
        assert.equal(stale.cache, 'STALE');
        assert.equal(stale.text, cached.text);
        let gone: Answer | undefined;
        await until(
          'the grace to pass',
          async () => {
            gone = await get(v, '/sdk/latest-all', key('z1'));
            return gone.status !== 200;
          },
          8_000,
          100,
        );
        assert.ok(Date.now() - fetchedAt >= 4_000, 'served for TTL + grace (5 s), less a second');
        assertJsonError(gone!, 503, 'UNAVAILABLE');
        assert.equal(gone!.cache, 'STALE');
      });
    });
  },
);

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { busUpstream, silentLogger } from '@vexil/edge';
import { credentialEntryKey, environmentEntryKey, type DirectoryRecord } from '@vexil/protocol';
import { b64, synced } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import { FakeOrigin, ldFlag, type TestEnvironment } from './support/fake-origin.js';

// The edge's side of the CDN tier (docs/cdn.md sections 1-3): every cacheable route's 200 (and
// polling's 304) says how long a surrogate cache may keep it, the tags a purge names it by, and
// the environment seq and directory revision it was made from; a key rotated with grace caps
// the freshness at its expiry; errors carry none of it; `X-Vexil-Min-Seq` makes the edge wait
// for a seq and `X-Vexil-Min-Revision` makes it re-read a directory entry its cache holds older.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const user = { kind: 'user', key: 'u1' };
const READY_WAIT_MS = 300;
const TAGS = 'xkey';
const CDN_HEADERS = [
  'surrogate-control',
  TAGS,
  'x-vexil-env',
  'x-vexil-seq',
  'x-vexil-credential',
  'x-vexil-revision',
];

type By = 'sdk' | 'mobile' | 'client-side-id';

/** A cacheable route (docs/cdn.md section 1) and what its 200 says to clients today. */
interface Route {
  readonly by: By;
  readonly path: (env: TestEnvironment) => string;
  readonly cacheControl: string;
  /** Whether the answer depends on the flags (all but the goals). */
  readonly seq: boolean;
}

const route = (
  by: By,
  path: (env: TestEnvironment) => string,
  cacheControl = 'no-cache',
  seq = true,
): Route => ({ by, path, cacheControl, seq });

const EVALX = 'no-cache, no-store';
const latestAll = route('sdk', () => '/sdk/latest-all');
const latestFlags = route('sdk', () => '/sdk/latest-flags');
const poll = route('sdk', () => '/sdk/poll');
const sdkEvalx = route('sdk', () => `/sdk/evalx/contexts/${b64(user)}`, EVALX);
const browserEvalx = route(
  'client-side-id',
  (env) => `/sdk/evalx/${env.id}/contexts/${b64(user)}`,
  EVALX,
);
const goals = route('client-side-id', (env) => `/sdk/goals/${env.id}`, 'no-cache', false);
const routes: Route[] = [
  latestAll,
  latestFlags,
  ...[
    '/sdk/latest-flags/f',
    '/sdk/latest-segments',
    '/sdk/latest-segments/s',
    '/sdk/flags',
    '/sdk/flags/f',
    '/sdk/segments/s',
  ].map((path) => route('sdk', () => path)),
  poll,
  sdkEvalx,
  route('sdk', () => `/sdk/evalx/users/${b64(user)}`, EVALX),
  route('mobile', () => `/msdk/evalx/contexts/${b64(user)}`, EVALX),
  route('mobile', () => `/msdk/evalx/users/${b64(user)}`, EVALX),
  browserEvalx,
  route('client-side-id', (env) => `/sdk/evalx/${env.id}/users/${b64(user)}`, EVALX),
  goals,
];

const keyOf = (env: TestEnvironment, by: By) =>
  by === 'sdk' ? env.sdkKey : by === 'mobile' ? env.mobileKey : undefined;

/** The directory key that authorizes `by` of `env` (docs/cdn.md section 3). */
const directoryKey = (env: TestEnvironment, by: By, key = keyOf(env, by)) =>
  key === undefined ? environmentEntryKey(env.id) : credentialEntryKey(sha256(key));

async function get(
  edge: EdgeServer,
  env: TestEnvironment,
  r: Route,
  headers: Record<string, string> = {},
  query = '',
): Promise<Response> {
  const key = keyOf(env, r.by);
  const response = await fetch(`${edge.url}${r.path(env)}${query}`, {
    headers: key === undefined ? headers : { authorization: key, ...headers },
  });
  await response.arrayBuffer();
  return response;
}

/** The headers of the CDN table, and Cache-Control (null where absent). */
const cdnOf = (response: Response) =>
  Object.fromEntries(
    ['cache-control', ...CDN_HEADERS].map((name) => [name, response.headers.get(name)]),
  );

const noCdnHeaders = (response: Response, what: string) =>
  assert.deepEqual(
    CDN_HEADERS.filter((name) => response.headers.has(name)),
    [],
    `${what}: no CDN headers`,
  );

/** What docs/cdn.md section 3 says a 200 of `r` carries, with the edge's defaults. */
async function expected(
  bus: ChangeBus,
  env: TestEnvironment,
  r: Route,
  control = 'max-age=300, stale-if-error=3600',
  key = keyOf(env, r.by),
) {
  const dir = directoryKey(env, r.by, key);
  const { revision } = await bus.getDirectoryEntry(dir);
  assert.ok(revision > 0);
  return {
    'cache-control': r.cacheControl,
    'surrogate-control': control,
    [TAGS]: `vexil-all vexil-env-${env.id} vexil-dir-${dir}`,
    'x-vexil-env': env.id,
    'x-vexil-seq': r.seq ? String(env.seq) : null,
    'x-vexil-credential': dir,
    'x-vexil-revision': String(revision),
  };
}

/** The `h` of a secure-mode request for `user` (a user's canonical key is its key). */
const signed = (sdkKey: string) =>
  `?h=${createHmac('sha256', sdkKey).update(user.key, 'utf8').digest('hex')}`;

describe('CDN headers', () => {
  let clock = Date.now();
  let edge: EdgeServer;
  let env: TestEnvironment;

  const seed = async (key: string) => {
    const seeded = await edge.origin.addEnvironment(key);
    await edge.origin.put(seeded, 'flag', ldFlag('f'));
    await edge.origin.put(seeded, 'segment', { key: 's', included: ['u1'] });
    await edge.origin.put(seeded, 'filter', { key: 'web', flags: ['f'] });
    await synced(edge, seeded);
    return seeded;
  };

  before(async () => {
    edge = await startEdgeServer({ readyWaitMs: READY_WAIT_MS }, 0, { now: () => clock });
    env = await seed('cached');
  });
  after(() => edge.close());

  test("every cacheable route's 200 names its environment, seq, credential and revision", async () => {
    for (const r of routes) {
      const response = await get(edge, env, r);
      assert.equal(response.status, 200, r.path(env));
      assert.deepEqual(cdnOf(response), await expected(edge.bus, env, r), r.path(env));
    }
  });

  test('the seq is the one the answer was made from, and follows a change', async () => {
    await edge.origin.put(env, 'flag', ldFlag('f', { on: false }));
    await synced(edge, env);
    const response = await fetch(`${edge.url}${sdkEvalx.path(env)}`, {
      headers: { authorization: env.sdkKey },
    });
    const body = (await response.json()) as Record<string, { version: number }>;
    assert.equal(response.headers.get('x-vexil-seq'), String(env.seq));
    assert.equal(body['f']?.version, env.seq, 'the evaluation was made at that seq');
  });

  test("polling's 304 carries them too", async () => {
    const first = await get(edge, env, latestAll);
    const etag = first.headers.get('etag')!;
    const again = await get(edge, env, latestAll, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.deepEqual(cdnOf(again), await expected(edge.bus, env, latestAll));
  });

  test('a payload filter adds its own tag', async () => {
    for (const r of [latestAll, latestFlags, poll]) {
      const response = await get(edge, env, r, {}, '?filter=web');
      assert.equal(response.status, 200);
      const dir = directoryKey(env, 'sdk');
      assert.equal(
        response.headers.get(TAGS),
        `vexil-all vexil-env-${env.id} vexil-dir-${dir} vexil-env-${env.id}-filter-web`,
        r.path(env),
      );
    }
  });

  test('a key rotated with grace caps max-age at its expiry and allows no stale serving', async () => {
    const rotated = await seed('rotated');
    const old = rotated.sdkKey;
    await edge.origin.rotateSdkKey(rotated, clock + 90_500);
    const withOld = await get(edge, rotated, latestAll, { authorization: old });
    assert.equal(withOld.status, 200);
    assert.deepEqual(
      cdnOf(withOld),
      await expected(edge.bus, rotated, latestAll, 'max-age=90, stale-if-error=0', old),
    );
    const withNew = await get(edge, rotated, latestAll);
    assert.equal(withNew.headers.get('surrogate-control'), 'max-age=300, stale-if-error=3600');
    clock += 60_000;
    const later = await get(edge, rotated, latestAll, { authorization: old });
    assert.equal(later.headers.get('surrogate-control'), 'max-age=30, stale-if-error=0');
    // An expiry beyond the TTL: the TTL, still with no stale serving.
    const current = rotated.sdkKey;
    await edge.origin.rotateSdkKey(rotated, clock + 3_600_000);
    const far = await get(edge, rotated, latestAll, { authorization: current });
    assert.equal(far.headers.get('surrogate-control'), 'max-age=300, stale-if-error=0');
  });

  test('secure mode: an answer signed with a rotated-out key is capped at its expiry', async () => {
    const secure = await seed('secure');
    await edge.origin.setSecureMode(secure, true);
    const old = secure.sdkKey;
    await edge.origin.rotateSdkKey(secure, clock + 45_000);
    const byOld = await get(edge, secure, browserEvalx, {}, signed(old));
    assert.equal(byOld.status, 200);
    assert.deepEqual(
      cdnOf(byOld),
      await expected(edge.bus, secure, browserEvalx, 'max-age=45, stale-if-error=0'),
    );
    const byNew = await get(edge, secure, browserEvalx, {}, signed(secure.sdkKey));
    assert.equal(byNew.status, 200);
    assert.equal(byNew.headers.get('surrogate-control'), 'max-age=300, stale-if-error=3600');
  });

  test('errors carry no CDN headers', async () => {
    const secure = await seed('secure-errors');
    await edge.origin.setSecureMode(secure, true);
    const refusals: [string, () => Promise<Response>, number][] = [
      ['unknown SDK key', () => get(edge, { ...env, sdkKey: 'sdk-no-such-key' }, latestAll), 401],
      [
        'unknown flag',
        () =>
          get(
            edge,
            env,
            route('sdk', () => '/sdk/latest-flags/nope'),
          ),
        404,
      ],
      ['unknown filter', () => get(edge, env, poll, {}, '?filter=nope'), 404],
      ['unknown client-side ID', () => get(edge, { ...env, id: 'nosuchenv' }, goals), 404],
      ['no secure-mode hash', () => get(edge, secure, browserEvalx), 400],
    ];
    for (const [what, ask, status] of refusals) {
      const response = await ask();
      assert.equal(response.status, status, what);
      noCdnHeaders(response, what);
      assert.equal(response.headers.get('cache-control'), 'no-store', what);
    }
  });

  test('X-Vexil-Min-Seq above the edge: 503 after the ready wait, with no CDN headers', async () => {
    const ahead = { 'x-vexil-min-seq': String(env.seq + 1) };
    for (const r of [latestAll, poll, sdkEvalx, browserEvalx]) {
      const started = performance.now();
      const response = await get(edge, env, r, ahead);
      const waited = performance.now() - started;
      assert.equal(response.status, 503, r.path(env));
      assert.ok(waited >= READY_WAIT_MS - 20, `waited ${waited} ms for ${r.path(env)}`);
      noCdnHeaders(response, r.path(env));
    }
  });

  test('X-Vexil-Min-Seq the edge has, or reaches while waiting, is answered', async () => {
    const at = await get(edge, env, poll, { 'x-vexil-min-seq': String(env.seq) });
    assert.equal(at.status, 200);
    assert.equal(at.headers.get('x-vexil-seq'), String(env.seq));
    const waiting = get(edge, env, latestAll, { 'x-vexil-min-seq': String(env.seq + 1) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await edge.origin.put(env, 'flag', ldFlag('g'));
    const caughtUp = await waiting;
    assert.equal(caughtUp.status, 200);
    assert.equal(caughtUp.headers.get('x-vexil-seq'), String(env.seq));
  });

  test('a malformed X-Vexil-Min-Seq or X-Vexil-Min-Revision is ignored', async () => {
    for (const value of ['', 'x', '-1', '1e3', '0x10', '9'.repeat(16)]) {
      const response = await get(edge, env, latestAll, {
        'x-vexil-min-seq': value,
        'x-vexil-min-revision': value,
      });
      assert.equal(response.status, 200, JSON.stringify(value));
      assert.equal(response.headers.get('x-vexil-seq'), String(env.seq));
    }
  });
});

describe('CDN headers: options', () => {
  let edge: EdgeServer;
  before(async () => {
    edge = await startEdgeServer({
      cdnKeyHeader: 'Surrogate-Key',
      cdnTtlSeconds: 60,
      cdnGraceSeconds: 10,
    });
  });
  after(() => edge.close());

  test('the tag header, TTL and grace are the configured ones', async () => {
    const env = await edge.origin.addEnvironment('fastly');
    await synced(edge, env);
    const response = await get(edge, env, latestAll);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('surrogate-control'), 'max-age=60, stale-if-error=10');
    assert.equal(
      response.headers.get('surrogate-key'),
      `vexil-all vexil-env-${env.id} vexil-dir-${directoryKey(env, 'sdk')}`,
    );
    assert.equal(response.headers.get('xkey'), null);
  });
});

/**
 * A bus whose directory watch can go deaf (as one that has not yet delivered an update) and
 * whose lookups are counted: what the edge's cache misses, only a fresh lookup can see.
 */
function deafenable(bus: ChangeBus) {
  const watch = { deaf: false, lookups: 0 };
  const seen = new Proxy(bus, {
    get(target, name): unknown {
      if (name === 'watchDirectory')
        return (on: (record: DirectoryRecord) => void) =>
          target.watchDirectory((record) => {
            if (!watch.deaf) on(record);
          });
      if (name === 'getDirectoryEntry')
        return (key: string) => {
          watch.lookups++;
          return target.getDirectoryEntry(key);
        };
      return Reflect.get(target, name) as unknown;
    },
  });
  return { seen, watch };
}

describe('CDN headers: X-Vexil-Min-Revision', () => {
  const bus = createInProcessBus();
  const origin = new FakeOrigin(bus);
  const { seen, watch } = deafenable(bus);
  let edge: EdgeServer;
  before(async () => {
    edge = await startEdgeServer({}, 0, {
      upstream: busUpstream({ bus: seen, snapshots: origin, logger: silentLogger }),
    });
  });
  after(async () => {
    await edge.close();
    await bus.close();
  });

  test('a revision above the cached one is looked up afresh: a revocation not yet heard is seen', async () => {
    const env = await origin.addEnvironment('revoked');
    await origin.put(env, 'flag', ldFlag('f'));
    await synced(edge, env);
    const first = await get(edge, env, latestAll);
    assert.equal(first.status, 200);
    const cachedRevision = Number(first.headers.get('x-vexil-revision'));
    const goalsBefore = await get(edge, env, goals);
    const lookups = watch.lookups;

    watch.deaf = true;
    const old = env.sdkKey;
    await origin.rotateSdkKey(env); // no grace: the old key's entry is deleted
    const deleted = await bus.getDirectoryEntry(directoryKey(env, 'sdk', old));
    assert.equal(deleted.entry, undefined);
    assert.ok(deleted.revision > cachedRevision);
    const withOld = (headers: Record<string, string> = {}) =>
      get(edge, env, latestAll, { authorization: old, ...headers });

    assert.equal((await withOld()).status, 200, 'the cache has not heard of the delete');
    const atCached = await withOld({ 'x-vexil-min-revision': String(cachedRevision) });
    assert.equal(atCached.status, 200, 'the cached entry is as new as asked');
    assert.equal(watch.lookups, lookups, 'no lookup for a revision the cache has');
    const fresh = await withOld({ 'x-vexil-min-revision': String(deleted.revision) });
    assert.equal(fresh.status, 401, 'the fresh lookup found the delete');
    noCdnHeaders(fresh, 'the refusal');
    assert.equal(watch.lookups, lookups + 1);
    assert.equal((await withOld()).status, 401, 'and the cache keeps what it found');

    // A client-side ID's entry the same way: the rotation rewrote it too.
    const envEntry = await bus.getDirectoryEntry(environmentEntryKey(env.id));
    assert.ok(envEntry.revision > Number(goalsBefore.headers.get('x-vexil-revision')));
    const goalsAfter = await get(edge, env, goals, {
      'x-vexil-min-revision': String(envEntry.revision),
    });
    assert.equal(goalsAfter.status, 200);
    assert.equal(goalsAfter.headers.get('x-vexil-revision'), String(envEntry.revision));
  });
});

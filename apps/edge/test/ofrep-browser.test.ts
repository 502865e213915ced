import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { getJson, synced } from './support/client-helpers.js';
import { startEdgeServer, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';

// OFREP for browsers: CORS on both routes (preflight, successes and failures), the client-side
// ID as a credential that sees only the flags available to client-side SDKs, secure mode, and
// reasons within the OFREP list with the LaunchDarkly reason kept in metadata.

const ORIGIN = 'https://app.example';
const OFREP_REASONS = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'UNKNOWN'];
const serverOnly = { usingMobileKey: false, usingEnvironmentId: false };

type Result = {
  key: string;
  reason?: string;
  errorCode?: string;
  value?: unknown;
  metadata?: Record<string, unknown>;
};

describe('OFREP for browsers', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let secured: TestEnvironment;

  before(async () => {
    edge = await startEdgeServer();
    env = await edge.origin.addEnvironment('ofrep-browser');
    secured = await edge.origin.addEnvironment('ofrep-secure');
    const put = (json: Parameters<typeof edge.origin.put>[2]) => edge.origin.put(env, 'flag', json);
    await put(ldFlag('static-flag'));
    await put(ldFlag('server-flag', { clientSideAvailability: serverOnly, clientSide: false }));
    await put(ldFlag('off-flag', { on: false }));
    await put(ldFlag('target-flag', { targets: [{ values: ['u-target'], variation: 1 }] }));
    await put(
      ldFlag('rule-flag', {
        rules: [
          {
            id: 'r1',
            variation: 1,
            clauses: [{ contextKind: 'user', attribute: 'key', op: 'in', values: ['u-rule'] }],
          },
        ],
      }),
    );
    await put(
      ldFlag('rollout-flag', {
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
      }),
    );
    await put(ldFlag('prereq-flag', { prerequisites: [{ key: 'off-flag', variation: 0 }] }));
    await put(ldFlag('malformed', { fallthrough: { variation: 5 } }));
    await edge.origin.put(secured, 'flag', ldFlag('static-flag'));
    await edge.origin.setSecureMode(secured, true);
    await synced(edge, env);
    await synced(edge, secured);
  });
  after(async () => {
    await edge.close();
  });

  const post = (path: string, context: unknown, headers: Record<string, string>) =>
    getJson(`${edge.url}/ofrep/v1/evaluate/flags${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
      body: JSON.stringify({ context }),
    });
  const user = { targetingKey: 'u1' };
  const byId = () => ({ 'x-client-side-id': env.id });

  function assertCors(headers: Headers, what: string): void {
    assert.equal(headers.get('access-control-allow-origin'), ORIGIN, what);
    assert.match(headers.get('access-control-allow-methods') ?? '', /POST/, what);
    assert.match(headers.get('access-control-expose-headers') ?? '', /ETag/i, what);
  }

  test('OPTIONS answers the preflight on both routes with the headers OFREP providers send', async () => {
    for (const path of ['', '/static-flag']) {
      const response = await fetch(`${edge.url}/ofrep/v1/evaluate/flags${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-client-side-id,if-none-match',
        },
      });
      assert.equal(response.status, 200, path);
      assertCors(response.headers, path);
      const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const name of [
        'content-type',
        'authorization',
        'x-api-key',
        'if-none-match',
        'x-client-side-id',
        'x-secure-mode-hash',
      ])
        assert.ok(allowed.split(',').includes(name), `${path}: ${name} in ${allowed}`);
      assert.match(response.headers.get('access-control-allow-methods')!, /OPTIONS/);
    }
  });

  test('every answer carries CORS headers: success, 304, failures and 401', async () => {
    const ok = await post('/static-flag', user, byId());
    assert.equal(ok.status, 200);
    assertCors(ok.headers, 'single 200');
    const bulk = await post('', user, byId());
    assertCors(bulk.headers, 'bulk 200');
    const etag = bulk.headers.get('etag')!;
    const notModified = await post('', user, { ...byId(), 'if-none-match': etag });
    assert.equal(notModified.status, 304);
    assertCors(notModified.headers, 'bulk 304');
    const missing = await post('/nope', user, byId());
    assert.equal(missing.status, 404);
    assertCors(missing.headers, 'single 404');
    const badContext = await post('', {}, byId());
    assert.equal(badContext.status, 400);
    assertCors(badContext.headers, 'bulk 400');
    const noCredential = await post('/static-flag', user, {});
    assert.equal(noCredential.status, 401);
    assertCors(noCredential.headers, 'single 401');
    const sdkKey = await post('/static-flag', user, { authorization: env.sdkKey });
    assertCors(sdkKey.headers, 'SDK key 200');
  });

  test('a client-side ID lists and evaluates only the flags available to client-side SDKs', async () => {
    const bulk = await post('', user, byId());
    assert.equal(bulk.status, 200);
    const keys = (bulk.body as { flags: Result[] }).flags.map((f) => f.key).sort();
    assert.ok(!keys.includes('server-flag'), keys.join());
    assert.ok(keys.includes('static-flag'));
    const hidden = await post('/server-flag', user, byId());
    assert.equal(hidden.status, 404);
    assert.equal((hidden.body as Result).errorCode, 'FLAG_NOT_FOUND');
    const visible = await post('/static-flag', user, byId());
    assert.deepEqual(
      [(visible.body as Result).value, (visible.body as Result).reason],
      [true, 'STATIC'],
    );
    // The SDK key sees every flag, as before.
    const server = await post('/server-flag', user, { authorization: env.sdkKey });
    assert.equal(server.status, 200);
    const all = await post('', user, { authorization: env.sdkKey });
    assert.ok((all.body as { flags: Result[] }).flags.some((f) => f.key === 'server-flag'));
  });

  test('an unknown or malformed client-side ID is 401; a client-side ID with a key too is 401', async () => {
    for (const headers of [
      { 'x-client-side-id': '0123456789abcdef01234567' },
      { 'x-client-side-id': '' },
      { 'x-client-side-id': env.id, authorization: env.sdkKey },
    ]) {
      const single = await post('/static-flag', user, headers);
      assert.equal(single.status, 401, JSON.stringify(headers));
      assertCors(single.headers, '401');
      assert.equal((await post('', user, headers)).status, 401, JSON.stringify(headers));
    }
  });

  test('secure mode: the context hash in X-Secure-Mode-Hash (or ?h=), 400 without it', async () => {
    const h = createHmac('sha256', secured.sdkKey).update('u1').digest('hex');
    const headers = { 'x-client-side-id': secured.id };
    assert.equal((await post('/static-flag', user, headers)).status, 400);
    const wrong = await post('/static-flag', user, { ...headers, 'x-secure-mode-hash': '00' });
    assert.equal(wrong.status, 400);
    assertCors(wrong.headers, 'secure-mode 400');
    const signed = await post('/static-flag', user, { ...headers, 'x-secure-mode-hash': h });
    assert.equal(signed.status, 200);
    assert.equal((await post('', user, { ...headers, 'x-secure-mode-hash': h })).status, 200);
    assert.equal((await post(`?h=${h}`, user, headers)).status, 200);
    const other = await post('', { targetingKey: 'u2' }, { ...headers, 'x-secure-mode-hash': h });
    assert.equal(other.status, 400);
    // The SDK key needs no hash.
    const server = await post('/static-flag', user, { authorization: secured.sdkKey });
    assert.equal(server.status, 200);
  });

  test('every LaunchDarkly reason maps within the OFREP reasons, the precise one in metadata', async () => {
    const cases: [string, unknown, string, string][] = [
      ['off-flag', user, 'OFF', 'DISABLED'],
      ['static-flag', user, 'FALLTHROUGH', 'STATIC'],
      ['target-flag', user, 'FALLTHROUGH', 'TARGETING_MATCH'],
      ['rollout-flag', user, 'FALLTHROUGH', 'SPLIT'],
      ['target-flag', { targetingKey: 'u-target' }, 'TARGET_MATCH', 'TARGETING_MATCH'],
      ['rule-flag', { targetingKey: 'u-rule' }, 'RULE_MATCH', 'TARGETING_MATCH'],
      ['prereq-flag', user, 'PREREQUISITE_FAILED', 'DISABLED'],
    ];
    for (const [key, context, ldKind, reason] of cases) {
      const { status, body } = await post(`/${key}`, context, byId());
      assert.equal(status, 200, key);
      const result = body as Result;
      assert.equal(result.reason, reason, `${key} ${ldKind}`);
      assert.ok(OFREP_REASONS.includes(result.reason!), result.reason);
      assert.equal(result.metadata?.['reasonKind'], ldKind, key);
      const ldReason = JSON.parse(result.metadata?.['ldReason'] as string) as { kind: string };
      assert.equal(ldReason.kind, ldKind, key);
      for (const value of Object.values(result.metadata!))
        assert.ok(['string', 'number', 'boolean'].includes(typeof value), key);
    }
    // ERROR is an evaluation failure (OFREP has no ERROR reason), the LaunchDarkly reason kept.
    const error = await post('/malformed', user, byId());
    assert.equal(error.status, 400);
    const failure = error.body as Result;
    assert.equal(failure.errorCode, 'GENERAL');
    assert.equal(failure.reason, undefined);
    assert.equal(failure.metadata?.['reasonKind'], 'ERROR');
    assert.equal(failure.metadata?.['errorKind'], 'MALFORMED_FLAG');
    // No answer of the bulk list has a reason outside the list.
    for (const headers of [byId(), { authorization: env.sdkKey }]) {
      const bulk = await post('', user, headers);
      for (const flag of (bulk.body as { flags: Result[] }).flags)
        if (flag.reason !== undefined) assert.ok(OFREP_REASONS.includes(flag.reason), flag.key);
    }
  });
});

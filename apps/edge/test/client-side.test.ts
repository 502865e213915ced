import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { b64, getJson, synced, without } from './support/client-helpers.js';
import { startEdgeServer, until, type EdgeServer } from './support/edge-server.js';
import { ldFlag, type TestEnvironment } from './support/fake-origin.js';

// LaunchDarkly's client-side polling endpoints with raw fetch: the evaluated-flag payload of
// docs/protocol.md section 4.4, availability filtering per credential, CORS and every bad request.

const user = { kind: 'user', key: 'u1' };
const LIMIT = 4096;

describe('client-side evalx', () => {
  let edge: EdgeServer;
  let env: TestEnvironment;
  let version: number;

  before(async () => {
    edge = await startEdgeServer({ maxContextBodyBytes: LIMIT });
    env = await edge.origin.addEnvironment('clientside');
    const put = (json: Parameters<typeof edge.origin.put>[2]) => edge.origin.put(env, 'flag', json);
    await put(ldFlag('checkout'));
    await put(
      ldFlag('banner', {
        variations: ['a', 'b'],
        fallthrough: { variation: 1 },
        trackEvents: true,
        debugEventsUntilDate: 1_900_000_000_000,
      }),
    );
    await put(
      ldFlag('mobile-only', {
        clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
        clientSide: false,
      }),
    );
    await put(
      ldFlag('browser-only', {
        clientSideAvailability: { usingMobileKey: false, usingEnvironmentId: true },
      }),
    );
    await put(
      ldFlag('server-only', {
        clientSideAvailability: { usingMobileKey: false, usingEnvironmentId: false },
        clientSide: false,
      }),
    );
    // The old schema: no clientSideAvailability; mobile keys see it, `clientSide` decides browsers.
    await put(without(ldFlag('legacy-client'), 'clientSideAvailability'));
    await put(without(ldFlag('legacy-server', { clientSide: false }), 'clientSideAvailability'));
    await put(
      ldFlag('experiment', {
        fallthrough: {
          rollout: {
            kind: 'experiment',
            seed: 42,
            variations: [{ variation: 0, weight: 100_000 }],
          },
        },
      }),
    );
    await put(ldFlag('child', { prerequisites: [{ key: 'checkout', variation: 0 }] }));
    await put(without(ldFlag('off', { on: false }), 'offVariation'));
    await put(ldFlag('gone'));
    await edge.origin.remove(env, 'flag', 'gone');
    await synced(edge, env);
    version = env.seq;
  });
  after(() => edge.close());

  const plain = () => ({ version, value: true, variation: 0, flagVersion: 1 });
  const expected = (keys: string[], withReasons = false) => {
    const all: Record<string, Record<string, unknown>> = {
      checkout: plain(),
      banner: {
        version,
        value: 'b',
        variation: 1,
        flagVersion: 1,
        trackEvents: true,
        debugEventsUntilDate: 1_900_000_000_000,
      },
      'mobile-only': plain(),
      'browser-only': plain(),
      'server-only': plain(),
      'legacy-client': plain(),
      'legacy-server': plain(),
      // An experiment result always carries its reason, and asks for full events.
      experiment: {
        ...plain(),
        trackEvents: true,
        trackReason: true,
        reason: { kind: 'FALLTHROUGH', inExperiment: true },
      },
      child: { ...plain(), prerequisites: ['checkout'] },
      off: { version, value: null, flagVersion: 1 },
    };
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const entry = { ...all[key]! };
      if (withReasons && entry['reason'] === undefined)
        entry['reason'] = key === 'off' ? { kind: 'OFF' } : { kind: 'FALLTHROUGH' };
      out[key] = entry;
    }
    return out;
  };
  const browserKeys = [
    'checkout',
    'banner',
    'browser-only',
    'legacy-client',
    'experiment',
    'child',
    'off',
  ];
  const mobileKeys = [
    'checkout',
    'banner',
    'mobile-only',
    'legacy-client',
    'legacy-server',
    'experiment',
    'child',
    'off',
  ];
  const serverKeys = [...new Set([...browserKeys, ...mobileKeys, 'server-only'])];

  test('GET /sdk/evalx/{envId}/contexts/{ctx}: flags available to the client-side ID', async () => {
    const { status, headers, body } = await getJson(
      `${edge.url}/sdk/evalx/${env.id}/contexts/${b64(user)}`,
    );
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(body, expected(browserKeys));
  });

  test('withReasons=true adds every reason; /users/ is the old name', async () => {
    const { body } = await getJson(
      `${edge.url}/sdk/evalx/${env.id}/users/${b64(user)}?withReasons=true`,
    );
    assert.deepEqual(body, expected(browserKeys, true));
  });

  test('REPORT /sdk/evalx/{envId}/context and /user take the context as the body', async () => {
    for (const path of ['context', 'user']) {
      const { status, body } = await getJson(`${edge.url}/sdk/evalx/${env.id}/${path}`, {
        method: 'REPORT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      assert.equal(status, 200, path);
      assert.deepEqual(body, expected(browserKeys), path);
    }
  });

  test('a legacy user and a multi-kind context are accepted', async () => {
    const legacy = await getJson(`${edge.url}/sdk/evalx/${env.id}/contexts/${b64({ key: 'u1' })}`);
    assert.deepEqual(legacy.body, expected(browserKeys));
    const multi = { kind: 'multi', user: { key: 'u1' }, org: { key: 'acme' } };
    const both = await getJson(`${edge.url}/sdk/evalx/${env.id}/contexts/${b64(multi)}`);
    assert.deepEqual(both.body, expected(browserKeys));
  });

  test('mobile evalx: flags available to mobile keys, GET and REPORT', async () => {
    const auth = { authorization: env.mobileKey };
    for (const path of [`contexts/${b64(user)}`, `users/${b64(user)}`]) {
      const { status, body } = await getJson(`${edge.url}/msdk/evalx/${path}`, { headers: auth });
      assert.equal(status, 200, path);
      assert.deepEqual(body, expected(mobileKeys), path);
    }
    for (const path of ['context', 'user']) {
      const { status, body } = await getJson(`${edge.url}/msdk/evalx/${path}?withReasons=true`, {
        method: 'REPORT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      assert.equal(status, 200, path);
      assert.deepEqual(body, expected(mobileKeys, true), path);
    }
  });

  test('server-side evalx with the SDK key: every flag, whatever its availability', async () => {
    const auth = { authorization: env.sdkKey };
    const get = await getJson(`${edge.url}/sdk/evalx/contexts/${b64(user)}`, { headers: auth });
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, expected(serverKeys));
    const old = await getJson(`${edge.url}/sdk/evalx/users/${b64(user)}`, { headers: auth });
    assert.deepEqual(old.body, expected(serverKeys));
    for (const path of ['context', 'user']) {
      const report = await getJson(`${edge.url}/sdk/evalx/${path}`, {
        method: 'REPORT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(user),
      });
      assert.deepEqual(report.body, expected(serverKeys), path);
    }
  });

  test('CORS preflight on every client-side-ID route', async () => {
    const origin = 'https://app.example';
    const routes: [string, string][] = [
      [`/sdk/evalx/${env.id}/contexts/${b64(user)}`, 'GET,OPTIONS'],
      [`/sdk/evalx/${env.id}/users/${b64(user)}`, 'GET,OPTIONS'],
      [`/sdk/evalx/${env.id}/context`, 'REPORT,OPTIONS'],
      [`/sdk/evalx/${env.id}/user`, 'REPORT,OPTIONS'],
      [`/eval/${env.id}/${b64(user)}`, 'GET,OPTIONS'],
      [`/eval/${env.id}`, 'REPORT,OPTIONS'],
      [`/ping/${env.id}`, 'GET,OPTIONS'],
      [`/sdk/goals/${env.id}`, 'GET,OPTIONS'],
    ];
    for (const [path, methods] of routes) {
      const response = await fetch(`${edge.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': methods.split(',')[0]!,
          'access-control-request-headers': 'x-launchdarkly-user-agent,content-type',
        },
      });
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), '');
      const h = response.headers;
      assert.equal(h.get('access-control-allow-origin'), origin, path);
      assert.equal(h.get('access-control-allow-methods'), methods, path);
      assert.equal(h.get('access-control-allow-credentials'), 'false');
      assert.equal(h.get('access-control-max-age'), '300');
      assert.equal(h.get('access-control-expose-headers'), 'Date,Retry-After');
      const allowed = (h.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
      for (const name of ['content-type', 'x-launchdarkly-user-agent', 'x-launchdarkly-wrapper'])
        assert.ok(allowed.includes(name), `${path} allows ${name}`);
    }
  });

  test('CORS headers on answers, errors included; `*` without an Origin', async () => {
    const origin = 'https://app.example';
    const ok = await fetch(`${edge.url}/sdk/evalx/${env.id}/contexts/${b64(user)}`, {
      headers: { origin },
    });
    assert.equal(ok.headers.get('access-control-allow-origin'), origin);
    const bad = await fetch(`${edge.url}/sdk/evalx/${env.id}/contexts/%21%21`, {
      headers: { origin },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get('access-control-allow-origin'), origin);
    const anyone = await fetch(`${edge.url}/sdk/evalx/${env.id}/contexts/${b64(user)}`);
    assert.equal(anyone.headers.get('access-control-allow-origin'), '*');
  });

  test('goals: the browser SDK loads them at start; there are none', async () => {
    const { status, body } = await getJson(`${edge.url}/sdk/goals/${env.id}`);
    assert.equal(status, 200);
    assert.deepEqual(body, []);
  });

  describe('bad requests', () => {
    const expectError = async (
      url: string,
      init: RequestInit,
      status: number,
      message?: RegExp,
    ) => {
      const response = await getJson(url, init);
      assert.equal(response.status, status, `${init.method ?? 'GET'} ${url}`);
      const body = response.body as { code: string; message: string };
      if (message !== undefined) assert.match(body.message, message);
      return response;
    };
    const report = (body: string, type = 'application/json'): RequestInit => ({
      method: 'REPORT',
      headers: { 'content-type': type },
      body,
    });

    test('unknown client-side ID: 404, like LaunchDarkly', async () => {
      for (const path of [
        `/sdk/evalx/ffffffffffffffffffffffff/contexts/${b64(user)}`,
        `/eval/ffffffffffffffffffffffff/${b64(user)}`,
        `/ping/ffffffffffffffffffffffff`,
        `/sdk/goals/ffffffffffffffffffffffff`,
      ])
        await expectError(`${edge.url}${path}`, {}, 404, /unknown client-side ID/);
      await expectError(
        `${edge.url}/sdk/evalx/ffffffffffffffffffffffff/context`,
        report(JSON.stringify(user)),
        404,
      );
    });

    test('unknown, missing or wrong-kind keys: 401', async () => {
      const cases: [string, Record<string, string>][] = [
        [`/msdk/evalx/contexts/${b64(user)}`, {}],
        [`/msdk/evalx/contexts/${b64(user)}`, { authorization: 'mob-unknown' }],
        [`/msdk/evalx/contexts/${b64(user)}`, { authorization: env.sdkKey }],
        [`/sdk/evalx/contexts/${b64(user)}`, { authorization: env.mobileKey }],
        [`/meval/${b64(user)}`, { authorization: 'mob-unknown' }],
        [`/mping`, { authorization: env.sdkKey }],
      ];
      for (const [path, headers] of cases)
        await expectError(`${edge.url}${path}`, { headers }, 401, /key/);
    });

    test('a context in the URL that is not base64url, not JSON, or not a valid context: 400', async () => {
      const base = `${edge.url}/sdk/evalx/${env.id}/contexts`;
      await expectError(`${base}/%21%21%21%21`, {}, 400, /not valid base64url/);
      await expectError(
        `${base}/${Buffer.from('not json').toString('base64url')}`,
        {},
        400,
        /JSON/,
      );
      await expectError(`${base}/${b64({ kind: 'user' })}`, {}, 400, /key/);
      await expectError(
        `${base}/${b64({ kind: 'user', key: '' })}`,
        {},
        400,
        /non-empty string key/,
      );
      await expectError(`${base}/${b64({ kind: 'multi' })}`, {}, 400, /at least one kind/);
      await expectError(
        `${base}/${b64({ kind: 'a:b', key: 'x' })}`,
        {},
        400,
        /invalid context kind/,
      );
      await expectError(`${base}/${b64([1, 2])}`, {}, 400, /invalid evaluation context/);
      await expectError(`${edge.url}/eval/${env.id}/%21%21`, {}, 400, /base64url/);
      await expectError(
        `${edge.url}/meval/${b64({ kind: 'user', key: 7 })}`,
        { headers: { authorization: env.mobileKey } },
        400,
        /key/,
      );
    });

    test('REPORT: 415 without a JSON content type, 400 for bad JSON or context, 413 when too big', async () => {
      const url = `${edge.url}/sdk/evalx/${env.id}/context`;
      await expectError(url, report(JSON.stringify(user), 'text/plain'), 415, /application\/json/);
      await expectError(url, { method: 'REPORT', body: JSON.stringify(user) }, 415);
      await expectError(url, report('{"kind":'), 400, /not valid JSON/);
      await expectError(url, report('{"kind":"user","name":3,"key":"k"}'), 400, /name/);
      const big = JSON.stringify({ ...user, padding: 'x'.repeat(LIMIT * 2) });
      await expectError(url, report(big), 413, new RegExp(`${LIMIT}-byte limit`));
      await expectError(
        `${edge.url}/meval`,
        {
          ...report(big),
          headers: { 'content-type': 'application/json', authorization: env.mobileKey },
        },
        413,
      );
      await expectError(
        `${edge.url}/eval/${env.id}`,
        report('[]'),
        400,
        /invalid evaluation context/,
      );
    });

    test('wrong method: 405 with Allow', async () => {
      const cases: [string, string, string][] = [
        [`/sdk/evalx/${env.id}/contexts/${b64(user)}`, 'POST', 'GET, OPTIONS'],
        [`/sdk/evalx/${env.id}/context`, 'GET', 'REPORT, OPTIONS'],
        [`/eval/${env.id}/${b64(user)}`, 'PUT', 'GET, OPTIONS'],
        [`/msdk/evalx/context`, 'GET', 'REPORT'],
        [`/meval`, 'GET', 'REPORT'],
      ];
      for (const [path, method, allow] of cases) {
        const response = await expectError(`${edge.url}${path}`, { method }, 405);
        assert.equal(response.headers.get('allow'), allow, path);
      }
    });

    test('503 while the environment has no data yet', async () => {
      const slow = await startEdgeServer({ readyWaitMs: 50 });
      try {
        const pending = await slow.origin.addEnvironment('pending');
        slow.origin.snapshot = () => new Promise(() => {});
        await until(() => slow.edge.status().ready, 5_000, 'directory');
        await expectError(`${slow.url}/sdk/evalx/${pending.id}/contexts/${b64(user)}`, {}, 503);
      } finally {
        await slow.close();
      }
    });
  });
});

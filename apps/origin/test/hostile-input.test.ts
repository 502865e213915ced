import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiResponse, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  expectError,
  expectStatus,
  fingerprint,
  seedProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore } from './support/stores.js';

// Inputs an attacker would send, each once found to answer 500 or to store something that could
// no longer be edited: deep nesting at every entry point, a JSON Patch `move` into its own
// child, and import keys that POST refuses. Each is a 400 that says what to fix, and changes
// nothing.

/** `depth` nested arrays around 1, as text: JSON.stringify itself would overflow its stack. */
const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('hostile input', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
    await seedProject(api, 'p', ['prod']);
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
    expectStatus(
      await api.call('POST', '/api/v1/projects/p/environments/prod/segments', { key: 's' }),
      201,
    );
  });
  after(() => api.close());

  test('a value nested 5,000 levels is refused at create, patch and import', async () => {
    const before = await fingerprint(api);
    const deep = nested(5_000);
    const attempts = [
      api.call(
        'POST',
        '/api/v1/projects/p/flags',
        `{"key":"deep","variations":[{"value":${deep}},{"value":2}]}`,
      ),
      api.call(
        'PATCH',
        '/api/v1/projects/p/flags/f',
        `[{"op":"add","path":"/environments/prod/rules/-","value":{"variation":0,"clauses":[{"attribute":"a","op":"in","values":${deep}}]}}]`,
      ),
      api.call(
        'PUT',
        '/api/v1/projects/p/environments/prod/data',
        `{"flags":{"deep":{"key":"deep","version":1,"on":true,"variations":[${deep}],"fallthrough":{"variation":0}}},"segments":{}}`,
      ),
    ];
    for (const res of await Promise.all(attempts))
      expectError(res, 400, 'VALIDATION_FAILED', '64 levels');
    assert.equal(await fingerprint(api), before);
  });

  test('a value nested within the limit is stored, edited and exported', async () => {
    const res = await api.call(
      'POST',
      '/api/v1/projects/p/flags',
      `{"key":"nested-ok","variations":[{"value":${nested(55)}},{"value":2}]}`,
    );
    expectStatus(res, 201);
    const off = await api.call('PATCH', '/api/v1/projects/p/flags/nested-ok', [
      { op: 'replace', path: '/environments/prod/on', value: true },
    ]);
    expectStatus(off, 200);
    expectStatus(await api.call('GET', '/api/v1/projects/p/environments/prod/data'), 200);
    // A copy of the deep value under itself would nest past the limit: refused, not stored.
    const deeper = await api.call('PATCH', '/api/v1/projects/p/flags/nested-ok', [
      { op: 'copy', from: '/variations', path: `/variations/0/value${'/0'.repeat(54)}/0` },
    ]);
    expectError(deeper, 400, 'VALIDATION_FAILED', 'patched document', '64 levels');
  });

  test('a JSON Patch move into its own child is a 400, on flags and segments', async () => {
    const before = await fingerprint(api);
    expectError(
      await api.call('PATCH', '/api/v1/projects/p/flags/f', [
        { op: 'move', from: '/environments', path: '/environments/prod/x' },
      ]),
      400,
      'VALIDATION_FAILED',
      'into itself',
    );
    expectError(
      await api.call('PATCH', '/api/v1/projects/p/environments/prod/segments/s', [
        { op: 'move', from: '/rules', path: '/rules/0' },
      ]),
      400,
      'VALIDATION_FAILED',
      'into itself',
    );
    assert.equal(await fingerprint(api), before);
  });

  test('import refuses the flag keys POST refuses, and __proto__', async () => {
    const before = await fingerprint(api);
    for (const key of [
      '../../x',
      'a/b',
      '<img src=x onerror=alert(1)>',
      'k'.repeat(3_000),
      '__proto__',
    ]) {
      const body = `{"flags":{${JSON.stringify(key)}:{"key":${JSON.stringify(key)},"version":1,"on":true,"variations":[true,false],"fallthrough":{"variation":0}}},"segments":{}}`;
      const res = await api.call('PUT', '/api/v1/projects/p/environments/prod/data', body);
      expectError(res, 400, 'VALIDATION_FAILED', 'not a valid key');
    }
    const segment = await api.call('PUT', '/api/v1/projects/p/environments/prod/data', {
      flags: {},
      segments: { 'a b': { key: 'a b', version: 1 } },
    });
    expectError(segment, 400, 'VALIDATION_FAILED', 'segments.a b');
    assert.equal(await fingerprint(api), before);
  });

  test('edge insights outside what the store can hold are a 400, not a 500', async () => {
    const env = (await api.store.listEnvironments('p'))[0]!.id;
    const count = (over: Record<string, unknown>) => ({
      counts: [
        { environmentId: env, flagKey: 'f', variation: 0, bucketStart: 60_000, count: 1, ...over },
      ],
    });
    for (const over of [{ count: 1e308 }, { bucketStart: 6e307 }, { variation: 1e20 }]) {
      const res = await api.call('POST', '/api/v1/delivery/insights', count(over));
      assert.equal(res.status, 400, JSON.stringify(over));
    }
    expectStatus(await api.call('POST', '/api/v1/delivery/insights', count({})), 204);
  });

  test('edge insights of flags, variations or environments that do not exist are not stored', async () => {
    const env = (await api.store.listEnvironments('p'))[0]!.id;
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('counted')), 201);
    const count = (environmentId: string, flagKey: string, variation: number | null) => ({
      environmentId,
      flagKey,
      variation,
      bucketStart: 120_000,
      count: 1,
    });
    const res = await api.call('POST', '/api/v1/delivery/insights', {
      counts: [
        count(env, 'counted', 0),
        count(env, 'counted', null),
        count(env, 'counted', 2),
        count(env, 'made-up-flag', 0),
        count('made-up-environment', 'counted', 0),
      ],
    });
    expectStatus(res, 204);
    const stored = await api.store.listInsights({ environmentId: env, flagKey: 'counted' });
    assert.deepEqual(
      stored.map((c) => c.variation),
      [null, 0],
    );
    assert.deepEqual(
      await api.store.listInsights({ environmentId: env, flagKey: 'made-up-flag' }),
      [],
    );
  });

  test('removing a flag from an environment where it is a prerequisite is refused', async () => {
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('base')), 201);
    const dependent = boolFlag('dependent', {
      environments: { prod: { prerequisites: [{ key: 'base', variation: 0 }] } },
    });
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', dependent), 201);
    const before = await fingerprint(api);
    const res = await api.call('PATCH', '/api/v1/projects/p/flags/base', [
      { op: 'remove', path: '/environments/prod' },
    ]);
    expectError(res, 409, 'CONFLICT', 'prerequisite of "dependent"');
    assert.equal(await fingerprint(api), before);
  });
});

// Found by the property-based suite over every API route (apps/cli/test/hostile-api.test.ts),
// each kept here as its minimal request, on every store: PostgreSQL refuses text and integers
// that SQLite takes, and such a refusal used to surface as a 500.
for (const kind of storeKinds) {
  describe(`hostile input found by the property suite (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      await seedProject(api, 'p', ['prod']);
      expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('f')), 201);
      expectStatus(
        await api.call('POST', '/api/v1/projects/p/environments/prod/segments', { key: 's' }),
        201,
      );
      await seedProject(api, 'imp', ['prod']);
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test(
      'NUL or a lone surrogate in a path, a query or a body is a 400 naming where',
      { skip },
      async () => {
        const before = await fingerprint(api);
        const attempts: [Promise<ApiResponse>, string][] = [
          [api.call('GET', '/api/v1/projects/a%00b'), 'path parameter projectKey'],
          [api.call('DELETE', '/api/v1/projects/p/flags/a%00b'), 'path parameter flagKey'],
          [api.call('GET', '/api/v1/audit?project=%00'), 'query.project'],
          [api.call('POST', '/api/v1/projects', '{"key":"q","name":"a\\u0000b"}'), 'name'],
          [api.call('POST', '/api/v1/tokens', '{"name":"\\ud800","role":"reader"}'), 'name'],
          [
            api.call('PATCH', '/api/v1/projects/p/flags/f', [
              { op: 'replace', path: '/description', value: 'x\udc00' },
            ]),
            '[0].value',
          ],
        ];
        for (const [res, where] of attempts)
          expectError(await res, 400, 'VALIDATION_FAILED', where, 'U+0000');
        assert.equal(await fingerprint(api), before);
      },
    );

    test(
      'a whole number in a query beyond 15 digits is a 400, not a BIGINT overflow',
      { skip },
      async () => {
        for (const path of [
          '/api/v1/audit?from=99999999999999999999',
          '/api/v1/audit?before=9223372036854775808',
          '/api/v1/projects/p/flags/f/insights?env=prod&to=99999999999999999999',
        ])
          expectError(await api.call('GET', path), 400, 'VALIDATION_FAILED', 'at most 15 digits');
        expectStatus(await api.call('GET', '/api/v1/audit?from=999999999999999'), 200);
      },
    );

    test('a number beyond the double range is refused, not stored as null', { skip }, async () => {
      const res = await api.call(
        'POST',
        '/api/v1/projects/p/flags',
        '{"key":"huge","variations":[{"value":1e400},{"value":2}]}',
      );
      expectError(res, 400, 'VALIDATION_FAILED', 'variations[0].value', 'double');
    });

    test('import refuses a flag the editing routes could not take back', { skip }, async () => {
      const before = await fingerprint(api, 'imp');
      const empty = { key: 'empty', version: 1, variations: [], fallthrough: { variation: 0 } };
      const res = await api.call('PUT', '/api/v1/projects/imp/environments/prod/data', {
        flags: { empty },
        segments: {},
      });
      expectError(res, 400, 'VALIDATION_FAILED', 'flags.empty.variations');
      assert.equal(await fingerprint(api, 'imp'), before);
    });

    test('a PATCH cannot remove a field every segment has', { skip }, async () => {
      const res = await api.call('PATCH', '/api/v1/projects/p/environments/prod/segments/s', [
        { op: 'remove', path: '/salt' },
      ]);
      expectError(res, 400, 'VALIDATION_FAILED', 'salt');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  expectError,
  expectStatus,
  fingerprint,
  seedProject,
} from './support/fixtures.js';

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

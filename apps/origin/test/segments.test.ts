import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  changesOf,
  expectError,
  expectStatus,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';

const segments = '/api/v1/projects/p/environments/prod/segments';

describe('segments', () => {
  let api: ApiServer;
  let project: SeededProject;
  beforeEach(async () => {
    api = await startApiServer();
    project = await seedProject(api);
  });
  afterEach(() => api.close());

  test('create fills in defaults, publishes the segment in its environment only', async () => {
    const res = await api.call('POST', segments, { key: 'beta', included: ['alice'] });
    expectStatus(res, 201);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(res.body.name, 'beta');
    assert.deepEqual(res.body.included, ['alice']);
    assert.deepEqual(res.body.excluded, []);
    assert.deepEqual(res.body.rules, []);
    assert.equal(res.body.unbounded, false);
    assert.equal(res.body.version, 1);
    assert.deepEqual(api.commits.at(-1), [project.envs['prod']!.id]);
    const [change] = await changesOf(api, project.envs['prod']!.id);
    assert.deepEqual([change?.kind, change?.key, change?.version], ['segment', 'beta', 1]);
    assert.deepEqual(await changesOf(api, project.envs['test']!.id), []);
    expectStatus(await api.call('GET', '/api/v1/projects/p/environments/test/segments/beta'), 404);
  });

  test('get, list and 404s', async () => {
    await api.call('POST', segments, { key: 'b', name: 'B' });
    await api.call('POST', segments, { key: 'a', name: 'A', tags: ['x'] });
    const list = await api.call('GET', segments);
    assert.deepEqual(
      list.body.items.map((s: { key: string }) => s.key),
      ['a', 'b'],
    );
    const got = await api.call('GET', `${segments}/a`);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body.tags, ['x']);
    expectError(await api.call('GET', `${segments}/zzz`), 404, 'NOT_FOUND', '"zzz"');
    expectError(
      await api.call('GET', '/api/v1/projects/p/environments/nope/segments'),
      404,
      'NOT_FOUND',
      '"nope"',
    );
  });

  test('a taken key is a 409', async () => {
    await api.call('POST', segments, { key: 'a' });
    expectError(await api.call('POST', segments, { key: 'a' }), 409, 'CONFLICT', '"a"');
  });

  test('patch with If-Match; rules are validated', async () => {
    await api.call('POST', segments, { key: 'a' });
    const res = await api.call(
      'PATCH',
      `${segments}/a`,
      [
        { op: 'add', path: '/included/-', value: 'bob' },
        {
          op: 'add',
          path: '/rules/-',
          value: {
            clauses: [{ attribute: 'country', op: 'in', values: ['fr'] }],
            weight: 50000,
          },
        },
      ],
      { 'if-match': '"1"' },
    );
    expectStatus(res, 200);
    assert.equal(res.headers.get('etag'), '"2"');
    assert.deepEqual(res.body.included, ['bob']);
    expectError(
      await api.call('PATCH', `${segments}/a`, [{ op: 'replace', path: '/name', value: 'x' }], {
        'if-match': '"1"',
      }),
      409,
      'VERSION_MISMATCH',
    );
    expectError(
      await api.call('PATCH', `${segments}/a`, [
        { op: 'replace', path: '/rules/0/clauses/0/op', value: 'near' },
      ]),
      400,
      'VALIDATION_FAILED',
      'rules[0].clauses[0].op',
    );
    expectError(
      await api.call('PATCH', `${segments}/a`, [{ op: 'replace', path: '/version', value: 9 }]),
      400,
      'VALIDATION_FAILED',
      'version',
      'read-only',
    );
    expectError(
      await api.call('PATCH', `${segments}/a`, [{ op: 'replace', path: '/key', value: 'b' }]),
      400,
      'VALIDATION_FAILED',
      'key',
      'read-only',
    );
    assert.equal((await api.call('GET', `${segments}/a`)).body.version, 2);
  });

  test('delete publishes a tombstone; the key can be reused with a higher version', async () => {
    await api.call('POST', segments, { key: 'a' });
    expectStatus(await api.call('DELETE', `${segments}/a`), 204);
    expectStatus(await api.call('GET', `${segments}/a`), 404);
    const last = (await changesOf(api, project.envs['prod']!.id)).at(-1)!;
    assert.deepEqual(last.item, { key: 'a', version: 2, deleted: true });
    expectError(await api.call('DELETE', `${segments}/a`), 404, 'NOT_FOUND');
    const again = await api.call('POST', segments, { key: 'a' });
    assert.equal(again.body.version, 3);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  changesOf,
  createFlag,
  expectError,
  expectStatus,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';

const flags = '/api/v1/projects/p/flags';

describe('flags: create, get, list', () => {
  let api: ApiServer;
  let project: SeededProject;
  beforeEach(async () => {
    api = await startApiServer();
    project = await seedProject(api);
  });
  afterEach(() => api.close());

  test('create fills in defaults and targets every environment, off', async () => {
    const res = await api.call('POST', flags, boolFlag('dark-mode'));
    expectStatus(res, 201);
    const flag = res.body;
    assert.equal(res.headers.get('etag'), '"1"');
    assert.equal(flag.name, 'dark-mode');
    assert.equal(flag.description, '');
    assert.deepEqual(flag.tags, []);
    assert.equal(flag.temporary, true);
    assert.equal(flag.archived, false);
    assert.equal(flag.version, 1);
    assert.deepEqual(Object.keys(flag.environments), ['prod', 'test']);
    for (const env of ['prod', 'test']) {
      const t = flag.environments[env];
      assert.equal(t.on, false);
      assert.equal(t.offVariation, 1);
      assert.deepEqual(t.fallthrough, { variation: 0 });
      assert.deepEqual([t.prerequisites, t.targets, t.rules], [[], [], []]);
      assert.match(t.salt, /^[0-9a-f]{32}$/);
      assert.equal(t.version, 1);
    }
    assert.notEqual(flag.environments.prod.salt, flag.environments.test.salt);
  });

  test('create takes defaults and per-environment targeting', async () => {
    const flag = await createFlag(api, {
      key: 'banner',
      name: 'Banner',
      description: 'Banner text',
      tags: ['ui', 'web'],
      temporary: false,
      variations: [{ value: 'a', name: 'A' }, { value: 'b' }, { value: '' }],
      defaults: { onVariation: 1, offVariation: 2 },
      environments: {
        prod: {
          on: true,
          targets: [{ values: ['alice'], variation: 0 }],
          rules: [
            {
              id: 'r1',
              clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }],
              rollout: {
                variations: [
                  { variation: 0, weight: 25000 },
                  { variation: 1, weight: 75000 },
                ],
              },
            },
          ],
        },
      },
    });
    assert.deepEqual(flag.tags, ['ui', 'web']);
    assert.equal(flag.temporary, false);
    assert.equal(flag.environments.prod.on, true);
    assert.deepEqual(flag.environments.prod.fallthrough, { variation: 1 });
    assert.equal(flag.environments.prod.offVariation, 2);
    assert.equal(flag.environments.prod.rules[0].rollout.variations[1].weight, 75000);
    assert.equal(flag.environments.test.on, false);
    assert.equal(flag.environments.test.offVariation, 2);

    // The SDK item in prod is LaunchDarkly's flag JSON.
    const [change] = await changesOf(api, project.envs['prod']!.id);
    const item = change!.item as Record<string, unknown>;
    assert.deepEqual(item['variations'], ['a', 'b', '']);
    assert.deepEqual(item['targets'], [{ values: ['alice'], variation: 0 }]);
    assert.equal(item['version'], 1);
    assert.equal(item['deleted'], false);
  });

  test('a taken key is a 409 and leaves the flag alone', async () => {
    await createFlag(api, boolFlag('f', { name: 'First' }));
    expectError(
      await api.call('POST', flags, boolFlag('f', { name: 'Second' })),
      409,
      'CONFLICT',
      '"f"',
    );
    assert.equal((await api.call('GET', `${flags}/f`)).body.name, 'First');
  });

  test('get returns the flag with its version as ETag; 404 for an unknown one', async () => {
    const created = await createFlag(api, boolFlag('f'));
    const got = await api.call('GET', `${flags}/f`);
    expectStatus(got, 200);
    assert.equal(got.headers.get('etag'), '"1"');
    assert.deepEqual(got.body, created);
    expectError(await api.call('GET', `${flags}/nope`), 404, 'NOT_FOUND', '"nope"');
  });

  describe('list', () => {
    beforeEach(async () => {
      await createFlag(api, boolFlag('checkout-v2', { tags: ['checkout'], name: 'New checkout' }));
      await createFlag(
        api,
        boolFlag('banner', { tags: ['ui'], description: 'Shows the SPRING sale banner' }),
      );
      await createFlag(api, boolFlag('old-cart', { tags: ['checkout', 'legacy'] }));
      expectStatus(
        await api.call('PATCH', `${flags}/old-cart`, [
          { op: 'replace', path: '/archived', value: true },
        ]),
        200,
      );
    });
    const keys = async (query: string) => {
      const res = await api.call('GET', `${flags}${query}`);
      expectStatus(res, 200);
      assert.equal(res.body.totalCount, res.body.items.length);
      return res.body.items.map((f: { key: string }) => f.key);
    };

    test('without filters: every live flag, by key', async () => {
      assert.deepEqual(await keys(''), ['banner', 'checkout-v2']);
    });
    test('by tag', async () => {
      assert.deepEqual(await keys('?tag=checkout'), ['checkout-v2']);
      assert.deepEqual(await keys('?tag=checkout&archived=all'), ['checkout-v2', 'old-cart']);
      assert.deepEqual(await keys('?tag=none'), []);
    });
    test('by text in key, name or description, ignoring case', async () => {
      assert.deepEqual(await keys('?q=CHECKOUT'), ['checkout-v2']);
      assert.deepEqual(await keys('?q=spring'), ['banner']);
      assert.deepEqual(await keys('?q=new%20checkout'), ['checkout-v2']);
      assert.deepEqual(await keys('?q=cart&archived=true'), ['old-cart']);
    });
    test('archived: true, false or all', async () => {
      assert.deepEqual(await keys('?archived=true'), ['old-cart']);
      assert.deepEqual(await keys('?archived=false'), ['banner', 'checkout-v2']);
      assert.deepEqual(await keys('?archived=all'), ['banner', 'checkout-v2', 'old-cart']);
    });
    test('unknown or invalid query parameters are refused by name', async () => {
      expectError(
        await api.call('GET', `${flags}?archived=yes`),
        400,
        'VALIDATION_FAILED',
        'archived',
      );
      expectError(await api.call('GET', `${flags}?sort=key`), 400, 'VALIDATION_FAILED', '"sort"');
    });
  });
});

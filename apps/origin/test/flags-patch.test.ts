import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  changesOf,
  createFlag,
  expectError,
  expectStatus,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';

const flags = '/api/v1/projects/p/flags';
const exportOf = (api: ApiServer, env: string) =>
  api.call('GET', `/api/v1/projects/p/environments/${env}/data`);

describe('flags: patch, archive, delete', () => {
  let api: ApiServer;
  let project: SeededProject;
  beforeEach(async () => {
    api = await startApiServer();
    project = await seedProject(api);
    await createFlag(api, {
      key: 'f',
      variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
  });
  afterEach(() => api.close());

  test('toggle one environment: new record version, new SDK version there only', async () => {
    const res = await patchFlag(api, 'f', [
      { op: 'replace', path: '/environments/prod/on', value: true },
    ]);
    expectStatus(res, 200);
    assert.equal(res.headers.get('etag'), '"2"');
    assert.equal(res.body.version, 2);
    assert.equal(res.body.environments.prod.on, true);
    assert.equal(res.body.environments.prod.version, 2);
    assert.equal(res.body.environments.test.version, 1);
    assert.deepEqual(api.commits.at(-1), [project.envs['prod']!.id]);
    const last = (await changesOf(api, project.envs['prod']!.id)).at(-1)!;
    assert.deepEqual([last.key, last.version, (last.item as { on: boolean }).on], ['f', 2, true]);
  });

  test('rules, rollouts and variations', async () => {
    const rule = {
      id: 'beta',
      clauses: [{ contextKind: 'user', attribute: '/plan', op: 'in', values: ['beta'] }],
      rollout: {
        variations: [
          { variation: 0, weight: 50000 },
          { variation: 2, weight: 50000 },
        ],
      },
    };
    let res = await patchFlag(api, 'f', [
      { op: 'add', path: '/environments/test/rules/-', value: rule },
      {
        op: 'replace',
        path: '/environments/test/fallthrough',
        value: { rollout: { variations: [{ variation: 1, weight: 100000 }] } },
      },
      { op: 'add', path: '/variations/-', value: { value: 'd', name: 'D' } },
    ]);
    expectStatus(res, 200);
    assert.deepEqual(res.body.environments.test.rules, [rule]);
    assert.equal(res.body.variations.length, 4);
    const item = (await changesOf(api, project.envs['test']!.id)).at(-1)!.item as Record<
      string,
      unknown
    >;
    assert.deepEqual(item['variations'], ['a', 'b', 'c', 'd']);
    assert.deepEqual(item['rules'], [rule]);

    res = await patchFlag(api, 'f', [
      {
        op: 'replace',
        path: '/environments/test/rules/0/rollout/variations/0/weight',
        value: 10000,
      },
      {
        op: 'replace',
        path: '/environments/test/rules/0/rollout/variations/1/weight',
        value: 90000,
      },
    ]);
    expectStatus(res, 200);
    assert.equal(res.body.environments.test.rules[0].rollout.variations[1].weight, 90000);
  });

  test('definition fields: name, description, tags, temporary', async () => {
    const res = await patchFlag(api, 'f', [
      { op: 'replace', path: '/name', value: 'Feature F' },
      { op: 'replace', path: '/description', value: 'does f' },
      { op: 'add', path: '/tags/-', value: 'team-a' },
      { op: 'replace', path: '/temporary', value: false },
    ]);
    expectStatus(res, 200);
    assert.deepEqual(
      [res.body.name, res.body.description, res.body.tags, res.body.temporary],
      ['Feature F', 'does f', ['team-a'], false],
    );
  });

  test('If-Match: the current version applies, another is 409 VERSION_MISMATCH', async () => {
    const ok = await patchFlag(api, 'f', [{ op: 'replace', path: '/name', value: 'x' }], {
      'if-match': '"1"',
    });
    expectStatus(ok, 200);
    const stale = await patchFlag(api, 'f', [{ op: 'replace', path: '/name', value: 'y' }], {
      'if-match': '"1"',
    });
    expectError(stale, 409, 'VERSION_MISMATCH', 'version 2', 'If-Match says 1');
    assert.equal((await api.call('GET', `${flags}/f`)).body.name, 'x');
    expectError(
      await patchFlag(api, 'f', [{ op: 'replace', path: '/name', value: 'y' }], {
        'if-match': 'banana',
      }),
      400,
      'VALIDATION_FAILED',
      'If-Match',
    );
  });

  test('a failing JSON Patch test op is a 409 and changes nothing', async () => {
    const res = await patchFlag(api, 'f', [
      { op: 'test', path: '/environments/prod/on', value: true },
      { op: 'replace', path: '/environments/prod/on', value: false },
    ]);
    expectError(res, 409, 'CONFLICT', 'patch[0]', '"test"');
    assert.equal((await api.call('GET', `${flags}/f`)).body.version, 1);
  });

  test('archive removes the flag from exported data; restore brings it back with a higher version', async () => {
    assert.ok('f' in (await exportOf(api, 'prod')).body.flags);
    const archived = await patchFlag(api, 'f', [{ op: 'replace', path: '/archived', value: true }]);
    expectStatus(archived, 200);
    assert.equal(archived.body.archived, true);
    assert.ok(!('f' in (await exportOf(api, 'prod')).body.flags));
    assert.ok(!('f' in (await exportOf(api, 'test')).body.flags));
    const tombstone = (await changesOf(api, project.envs['prod']!.id)).at(-1)!;
    assert.deepEqual(tombstone.item, { key: 'f', version: 2, deleted: true });
    assert.equal((await api.store.listAudit({ limit: 1 }))[0]?.action, 'flag.archive');

    const restored = await patchFlag(api, 'f', [
      { op: 'replace', path: '/archived', value: false },
    ]);
    expectStatus(restored, 200);
    const item = (await exportOf(api, 'prod')).body.flags['f'];
    assert.equal(item.version, 3);
    assert.equal((await api.store.listAudit({ limit: 1 }))[0]?.action, 'flag.restore');
  });

  test('delete publishes a tombstone everywhere and frees the key', async () => {
    expectStatus(await api.call('DELETE', `${flags}/f`), 204);
    expectError(await api.call('GET', `${flags}/f`), 404, 'NOT_FOUND');
    for (const env of ['prod', 'test']) {
      assert.deepEqual((await changesOf(api, project.envs[env]!.id)).at(-1)!.item, {
        key: 'f',
        version: 2,
        deleted: true,
      });
    }
    assert.deepEqual(api.commits.at(-1), [project.envs['prod']!.id, project.envs['test']!.id]);
    expectError(await api.call('DELETE', `${flags}/f`), 404, 'NOT_FOUND');
    // Re-created, it continues above the tombstone's version.
    await createFlag(api, boolFlag('f'));
    assert.equal((await exportOf(api, 'prod')).body.flags['f'].version, 3);
  });

  test('delete with a stale If-Match is refused', async () => {
    await patchFlag(api, 'f', [{ op: 'replace', path: '/name', value: 'x' }]);
    expectError(
      await api.call('DELETE', `${flags}/f`, undefined, { 'if-match': '"1"' }),
      409,
      'VERSION_MISMATCH',
    );
    expectStatus(await api.call('GET', `${flags}/f`), 200);
  });

  describe('prerequisites', () => {
    beforeEach(async () => {
      await createFlag(
        api,
        boolFlag('child', {
          environments: { prod: { prerequisites: [{ key: 'f', variation: 2 }] } },
        }),
      );
    });

    test('delete is refused while another flag has it as prerequisite', async () => {
      expectError(await api.call('DELETE', `${flags}/f`), 409, 'CONFLICT', '"child"');
      expectStatus(await api.call('GET', `${flags}/f`), 200);
      await patchFlag(api, 'child', [{ op: 'remove', path: '/environments/prod/prerequisites/0' }]);
      expectStatus(await api.call('DELETE', `${flags}/f`), 204);
    });

    test('archive is refused while a live flag has it as prerequisite', async () => {
      expectError(
        await patchFlag(api, 'f', [{ op: 'replace', path: '/archived', value: true }]),
        409,
        'CONFLICT',
        '"child"',
      );
      assert.ok('f' in (await exportOf(api, 'prod')).body.flags);
    });

    test('removing the variation a dependent requires is refused', async () => {
      expectError(
        await patchFlag(api, 'f', [{ op: 'remove', path: '/variations/2' }]),
        409,
        'CONFLICT',
        'prerequisite of flag "child" in prod',
      );
      assert.equal((await api.call('GET', `${flags}/f`)).body.variations.length, 3);
    });

    test('a prerequisite on an archived flag is refused', async () => {
      await createFlag(api, boolFlag('old'));
      await patchFlag(api, 'old', [{ op: 'replace', path: '/archived', value: true }]);
      expectError(
        await patchFlag(api, 'child', [
          {
            op: 'add',
            path: '/environments/test/prerequisites/-',
            value: { key: 'old', variation: 0 },
          },
        ]),
        400,
        'VALIDATION_FAILED',
        'environments.test.prerequisites[0].key',
        'archived',
      );
    });
  });
});

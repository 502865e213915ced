import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApiServer } from './support/api-server.js';
import {
  boolFlag,
  changesOf,
  createFlag,
  expectStatus,
  patchFlag,
  seedProject,
} from './support/fixtures.js';
import { sqliteStore } from './support/stores.js';

test('a restart on SQLite keeps every project, environment, flag, segment and token', async () => {
  const fresh = await sqliteStore.open();
  try {
    const first = await startApiServer(fresh.store);
    const project = await seedProject(first, 'p', ['prod', 'test']);
    const prodId = project.envs['prod']!.id;
    await createFlag(first, boolFlag('f', { tags: ['keep'] }));
    await patchFlag(first, 'f', [{ op: 'replace', path: '/environments/prod/on', value: true }]);
    await first.call('POST', '/api/v1/projects/p/environments/prod/segments', {
      key: 's',
      included: ['alice'],
    });
    const rotated = await first.call(
      'POST',
      '/api/v1/projects/p/environments/prod/keys/sdk/rotate',
      {
        expiresInSeconds: 600,
      },
    );
    const token = (await first.call('POST', '/api/v1/tokens', { name: 'ci', role: 'writer' })).body;
    const before = {
      flag: (await first.call('GET', '/api/v1/projects/p/flags/f')).body,
      segment: (await first.call('GET', '/api/v1/projects/p/environments/prod/segments/s')).body,
      env: (await first.call('GET', '/api/v1/projects/p/environments/prod')).body,
      data: (await first.call('GET', '/api/v1/projects/p/environments/prod/data')).body,
      audit: (await first.call('GET', '/api/v1/audit')).body,
      changes: await changesOf(first, prodId),
    };
    assert.deepEqual(before.env, rotated.body);
    await first.close();

    const second = await startApiServer(await fresh.reopen());
    assert.deepEqual((await second.call('GET', '/api/v1/projects/p/flags/f')).body, before.flag);
    assert.deepEqual(
      (await second.call('GET', '/api/v1/projects/p/environments/prod/segments/s')).body,
      before.segment,
    );
    assert.deepEqual(
      (await second.call('GET', '/api/v1/projects/p/environments/prod')).body,
      before.env,
    );
    assert.deepEqual(
      (await second.call('GET', '/api/v1/projects/p/environments/prod/data')).body,
      before.data,
    );
    assert.deepEqual((await second.call('GET', '/api/v1/audit')).body, before.audit);
    assert.deepEqual(await changesOf(second, prodId), before.changes);

    // The token made before the restart still works, with its role.
    const asWriter = { authorization: `Bearer ${token.token as string}` };
    const res = await second.call(
      'PATCH',
      '/api/v1/projects/p/flags/f',
      [{ op: 'replace', path: '/environments/prod/on', value: false }],
      asWriter,
    );
    expectStatus(res, 200);
    assert.equal(res.body.version, before.flag.version + 1);
    expectStatus(await second.call('GET', '/api/v1/tokens', undefined, asWriter), 403);

    // The environment's seq continues where it was, without a gap.
    const changes = await changesOf(second, prodId);
    assert.equal(changes.length, before.changes.length + 1);
    assert.equal(changes.at(-1)!.seq, before.env.seq + 1);
    assert.equal(
      (await second.call('GET', '/api/v1/projects/p/environments/prod')).body.seq,
      before.env.seq + 1,
    );
    await second.close();
  } finally {
    await fresh.cleanup();
  }
});

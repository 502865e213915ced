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
} from './support/fixtures.js';

const envs = '/api/v1/projects/p/environments';

describe('environments', () => {
  let api: ApiServer;
  let clock: number;
  beforeEach(async () => {
    clock = 1_000_000;
    api = await startApiServer(undefined, { now: () => clock });
    await seedProject(api, 'p', []);
  });
  afterEach(() => api.close());

  test('create returns sdkKey, mobileKey and clientSideId, all distinct per environment', async () => {
    const prod = await api.call('POST', envs, { key: 'prod', name: 'Production' });
    expectStatus(prod, 201);
    assert.match(prod.body.sdkKey, /^sdk-[0-9a-f-]{36}$/);
    assert.match(prod.body.mobileKey, /^mob-[0-9a-f-]{36}$/);
    assert.match(prod.body.clientSideId, /^[0-9a-f]{24}$/);
    assert.equal(prod.body.projectKey, 'p');
    assert.equal(prod.body.name, 'Production');
    assert.equal(prod.body.expiringSdkKey, undefined);

    const test2 = await api.call('POST', envs, { key: 'test', name: 'Test' });
    for (const field of ['sdkKey', 'mobileKey', 'clientSideId'])
      assert.notEqual(test2.body[field], prod.body[field], field);

    const list = await api.call('GET', envs);
    assert.deepEqual(
      list.body.items.map((e: { key: string }) => e.key),
      ['prod', 'test'],
    );
    assert.deepEqual((await api.call('GET', `${envs}/prod`)).body, prod.body);
  });

  test('a taken key is a 409; an unknown environment or project a 404', async () => {
    await api.call('POST', envs, { key: 'prod', name: 'Production' });
    expectError(
      await api.call('POST', envs, { key: 'prod', name: 'Again' }),
      409,
      'CONFLICT',
      '"prod"',
    );
    expectError(await api.call('GET', `${envs}/nope`), 404, 'NOT_FOUND', '"nope"');
    expectError(
      await api.call('POST', '/api/v1/projects/q/environments', { key: 'prod', name: 'P' }),
      404,
      'NOT_FOUND',
      '"q"',
    );
  });

  test('a new environment serves every existing flag, off, in its change log', async () => {
    await api.call('POST', envs, { key: 'prod', name: 'Production' });
    await createFlag(api, boolFlag('a'));
    await createFlag(api, boolFlag('b'));
    const staging = await api.call('POST', envs, { key: 'staging', name: 'Staging' });
    assert.equal(staging.body.seq, 2);
    const changes = await changesOf(api, staging.body.clientSideId);
    assert.deepEqual(
      changes.map((c) => [c.seq, c.key, (c.item as { on: boolean }).on]),
      [
        [1, 'a', false],
        [2, 'b', false],
      ],
    );
    const flag = await api.call('GET', '/api/v1/projects/p/flags/a');
    assert.equal(flag.body.environments.staging.on, false);
    assert.deepEqual(api.commits.at(-1), [staging.body.clientSideId]);
  });

  test('delete removes the environment, its keys and its targeting of flags', async () => {
    await api.call('POST', envs, { key: 'prod', name: 'Production' });
    await api.call('POST', envs, { key: 'test', name: 'Test' });
    await createFlag(api, boolFlag('a'));
    expectStatus(await api.call('DELETE', `${envs}/test`), 204);
    expectStatus(await api.call('GET', `${envs}/test`), 404);
    const flag = await api.call('GET', '/api/v1/projects/p/flags/a');
    assert.deepEqual(Object.keys(flag.body.environments), ['prod']);
    expectError(await api.call('DELETE', `${envs}/test`), 404, 'NOT_FOUND');
  });

  describe('secure mode', () => {
    const patch = (ops: unknown, headers: Record<string, string> = {}) =>
      api.call('PATCH', `${envs}/prod`, ops, {
        'content-type': 'application/json-patch+json',
        ...headers,
      });

    test('is off by default, may be set at creation, and is shown', async () => {
      const prod = await api.call('POST', envs, { key: 'prod', name: 'Production' });
      assert.equal(prod.body.secureMode, false);
      const locked = await api.call('POST', envs, { key: 'web', name: 'Web', secureMode: true });
      expectStatus(locked, 201);
      assert.equal(locked.body.secureMode, true);
      assert.equal((await api.call('GET', `${envs}/web`)).body.secureMode, true);
      const [created] = await api.store.listAudit({ environmentKey: 'web', limit: 1 });
      assert.equal((created?.after as { secureMode: boolean }).secureMode, true);
      expectError(
        await api.call('POST', envs, { key: 'x', name: 'X', secureMode: 'yes' }),
        400,
        'VALIDATION_FAILED',
        'secureMode',
      );
    });

    test('a PATCH turns it on and off, renames, and each change is audited', async () => {
      const before = (await api.call('POST', envs, { key: 'prod', name: 'Production' })).body;
      const on = await patch([{ op: 'replace', path: '/secureMode', value: true }]);
      expectStatus(on, 200);
      assert.deepEqual(on.body, { ...before, secureMode: true });
      assert.equal((await api.call('GET', `${envs}/prod`)).body.secureMode, true);

      const both = await patch([
        { op: 'test', path: '/secureMode', value: true },
        { op: 'replace', path: '/secureMode', value: false },
        { op: 'replace', path: '/name', value: 'Prod' },
      ]);
      assert.deepEqual([both.body.secureMode, both.body.name], [false, 'Prod']);

      const audit = await api.store.listAudit({ environmentKey: 'prod', limit: 2 });
      assert.deepEqual(
        audit.map((e) => [e.action, e.resourceKind, e.before, e.after]),
        [
          [
            'environment.update',
            'environment',
            { name: 'Production', secureMode: true },
            { name: 'Prod', secureMode: false },
          ],
          [
            'environment.update',
            'environment',
            { name: 'Production', secureMode: false },
            { name: 'Production', secureMode: true },
          ],
        ],
      );
      const unchanged = await patch([{ op: 'replace', path: '/secureMode', value: false }]);
      expectStatus(unchanged, 200);
      assert.equal(
        (await api.store.listAudit({ environmentKey: 'prod' })).length,
        audit.length + 1,
        'a PATCH that changes nothing writes no audit entry (the create is the other one)',
      );
    });

    test('a PATCH of anything else, or a wrong value, is refused and changes nothing', async () => {
      await api.call('POST', envs, { key: 'prod', name: 'Production' });
      const refused: [unknown, string][] = [
        [[{ op: 'replace', path: '/sdkKey', value: 'sdk-mine' }], 'keys/{sdk|mobile}/rotate'],
        [[{ op: 'replace', path: '/clientSideId', value: 'abc' }], 'clientSideId: is read-only'],
        [[{ op: 'add', path: '/owner', value: 'me' }], 'owner: is read-only'],
        [[{ op: 'replace', path: '/secureMode', value: 'on' }], 'secureMode'],
        [[{ op: 'remove', path: '/name' }], 'name'],
        [[{ op: 'replace', path: '/name', value: '' }], 'name'],
      ];
      for (const [ops, message] of refused)
        expectError(await patch(ops), 400, 'VALIDATION_FAILED', message);
      expectError(
        await patch([{ op: 'test', path: '/secureMode', value: true }]),
        409,
        'CONFLICT',
        'test',
      );
      expectError(
        await api.call('PATCH', `${envs}/nope`, [{ op: 'replace', path: '/name', value: 'N' }]),
        404,
        'NOT_FOUND',
        '"nope"',
      );
      const env = (await api.call('GET', `${envs}/prod`)).body;
      assert.deepEqual([env.name, env.secureMode], ['Production', false]);
      assert.equal((await api.store.listAudit({ environmentKey: 'prod' })).length, 1);
    });

    test('only admins change it; readers see it', async () => {
      await api.call('POST', envs, { key: 'prod', name: 'Production' });
      const reader = (await api.call('POST', '/api/v1/tokens', { name: 'r', role: 'reader' })).body;
      const writer = (await api.call('POST', '/api/v1/tokens', { name: 'w', role: 'writer' })).body;
      const asWriter = await patch([{ op: 'replace', path: '/secureMode', value: true }], {
        authorization: `Bearer ${writer.token}`,
      });
      expectStatus(asWriter, 403);
      const seen = await api.call('GET', `${envs}/prod`, undefined, {
        authorization: `Bearer ${reader.token}`,
      });
      assert.equal(seen.body.secureMode, false);
    });
  });

  describe('key rotation', () => {
    let before: Record<string, unknown>;
    beforeEach(async () => {
      before = (await api.call('POST', envs, { key: 'prod', name: 'Production' })).body;
    });

    test('without expiry the new SDK key differs and no old key is listed', async () => {
      const res = await api.call('POST', `${envs}/prod/keys/sdk/rotate`);
      expectStatus(res, 200);
      assert.notEqual(res.body.sdkKey, before['sdkKey']);
      assert.match(res.body.sdkKey, /^sdk-/);
      assert.equal(res.body.expiringSdkKey, undefined);
      assert.equal(res.body.mobileKey, before['mobileKey']);
      assert.equal(res.body.clientSideId, before['clientSideId']);
      assert.equal((await api.call('GET', `${envs}/prod`)).body.sdkKey, res.body.sdkKey);
    });

    test('with expiresInSeconds the old key is listed with its expiry', async () => {
      const res = await api.call('POST', `${envs}/prod/keys/sdk/rotate`, {
        expiresInSeconds: 3600,
      });
      expectStatus(res, 200);
      assert.notEqual(res.body.sdkKey, before['sdkKey']);
      assert.deepEqual(res.body.expiringSdkKey, {
        key: before['sdkKey'],
        expiresAt: clock + 3_600_000,
      });
      const got = await api.call('GET', `${envs}/prod`);
      assert.deepEqual(got.body.expiringSdkKey, res.body.expiringSdkKey);
    });

    test('an expired old key is no longer listed', async () => {
      await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: 60 });
      clock += 60_001;
      assert.equal((await api.call('GET', `${envs}/prod`)).body.expiringSdkKey, undefined);
    });

    test('rotating again without expiry drops the previous old key', async () => {
      await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: 60 });
      const res = await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: 0 });
      assert.equal(res.body.expiringSdkKey, undefined);
    });

    test('the mobile key rotates on its own', async () => {
      const res = await api.call('POST', `${envs}/prod/keys/mobile/rotate`, {
        expiresInSeconds: 10,
      });
      assert.notEqual(res.body.mobileKey, before['mobileKey']);
      assert.equal(res.body.sdkKey, before['sdkKey']);
      assert.deepEqual(res.body.expiringMobileKey, {
        key: before['mobileKey'],
        expiresAt: clock + 10_000,
      });
    });

    test('rotation is audited without the keys themselves', async () => {
      await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: 60 });
      const [entry] = await api.store.listAudit({ environmentKey: 'prod', limit: 1 });
      assert.equal(entry?.action, 'environment.rotate-sdk-key');
      assert.ok(!JSON.stringify(entry).includes(String(before['sdkKey'])));
    });

    test('bad kinds, expiries and environments are refused', async () => {
      expectError(
        await api.call('POST', `${envs}/prod/keys/client/rotate`),
        404,
        'NOT_FOUND',
        '"sdk" or "mobile"',
      );
      expectError(
        await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: -1 }),
        400,
        'VALIDATION_FAILED',
        'expiresInSeconds',
      );
      expectError(
        await api.call('POST', `${envs}/prod/keys/sdk/rotate`, { expiresInSeconds: 31 * 86400 }),
        400,
        'VALIDATION_FAILED',
        'expiresInSeconds',
      );
      expectError(
        await api.call('POST', `${envs}/nope/keys/sdk/rotate`),
        404,
        'NOT_FOUND',
        '"nope"',
      );
      assert.equal((await api.call('GET', `${envs}/prod`)).body.sdkKey, before['sdkKey']);
    });
  });
});

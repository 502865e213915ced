import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environment, filter, flag, project, segment, targeting, token } from '../fixtures.js';
import type { StoreContext } from './harness.js';
import { rejectsWithCode, seed } from './helpers.js';

export function crudContract(ctx: StoreContext): void {
  test('projects: put, get, list in key order, replace', async () => {
    const { store } = ctx;
    await store.transaction(async (tx) => {
      await tx.putProject(project('b'));
      await tx.putProject(project('a'));
    });
    assert.deepEqual(await store.getProject('a'), project('a'));
    assert.equal(await store.getProject('missing'), undefined);
    assert.deepEqual(
      (await store.listProjects()).map((p) => p.key),
      ['a', 'b'],
    );
    await store.transaction((tx) => tx.putProject(project('a', { name: 'Renamed' })));
    assert.equal((await store.getProject('a'))?.name, 'Renamed');
  });

  test('environments: round trip, lookups by key and id, list per project', async () => {
    const { store } = ctx;
    const prod = environment('p', 'prod', {
      expiringSdkKey: { key: 'sdk-old', expiresAt: 1_800_000_000_000 },
    });
    const dev = environment('p', 'dev');
    const other = environment('q', 'prod');
    await store.transaction(async (tx) => {
      await tx.putProject(project('p'));
      await tx.putProject(project('q'));
      for (const env of [prod, dev, other]) await tx.putEnvironment(env);
    });
    assert.deepEqual(await store.getEnvironment('p', 'prod'), prod);
    assert.deepEqual(await store.getEnvironmentById(dev.id), dev);
    assert.equal(await store.getEnvironment('p', 'missing'), undefined);
    assert.deepEqual(
      (await store.listEnvironments('p')).map((e) => e.key),
      ['dev', 'prod'],
    );
    assert.deepEqual(
      (await store.listEnvironments()).map((e) => `${e.projectKey}/${e.key}`),
      ['p/dev', 'p/prod', 'q/prod'],
    );
  });

  test('environments: update by id, unique key per project, project must exist', async () => {
    const { store } = ctx;
    const env = await seed(store);
    const renamed = { ...env, name: 'Production', sdkKey: 'sdk-new' };
    await store.transaction((tx) => tx.putEnvironment(renamed));
    assert.deepEqual(await store.getEnvironmentById(env.id), renamed);
    const twin = environment('p', 'prod');
    await rejectsWithCode(
      store.transaction((tx) => tx.putEnvironment(twin)),
      'ALREADY_EXISTS',
    );
    await rejectsWithCode(
      store.transaction((tx) => tx.putEnvironment(environment('nope', 'prod'))),
      'NOT_FOUND',
    );
    assert.equal(await store.getEnvironmentById(twin.id), undefined);
  });

  test('environments: secure mode is kept, off by default, and turned on and off', async () => {
    const { store } = ctx;
    const env = await seed(store);
    assert.equal((await store.getEnvironmentById(env.id))?.secureMode, false);
    await store.transaction((tx) => tx.putEnvironment({ ...env, secureMode: true }));
    assert.equal((await store.getEnvironment('p', 'prod'))?.secureMode, true);
    assert.equal((await store.listEnvironments('p'))[0]?.secureMode, true);
    await store.transaction(async (tx) => {
      const locked = await tx.getEnvironmentByIdForUpdate(env.id);
      assert.equal(locked?.secureMode, true);
      await tx.putEnvironment({ ...locked!, secureMode: false });
    });
    assert.equal((await store.getEnvironmentById(env.id))?.secureMode, false);
  });

  test('environments: seq is owned by the store, not by putEnvironment', async () => {
    const { store } = ctx;
    const env = environment('p', 'prod', { seq: 99 });
    await store.transaction(async (tx) => {
      await tx.putProject(project('p'));
      await tx.putEnvironment(env);
    });
    assert.equal((await store.getEnvironmentById(env.id))?.seq, 0);
    await store.transaction((tx) =>
      tx.appendChange(env.id, { kind: 'flag', key: 'f', version: 1, item: {} }),
    );
    await store.transaction((tx) => tx.putEnvironment({ ...env, seq: 0, name: 'again' }));
    assert.equal((await store.getEnvironmentById(env.id))?.seq, 1);
  });

  test('flags: round trip, list in key order, delete, project must exist', async () => {
    const { store } = ctx;
    await seed(store);
    const b = flag('p', 'b', { environments: { prod: targeting({ version: 7, on: false }) } });
    await store.transaction(async (tx) => {
      await tx.putFlag(b);
      await tx.putFlag(flag('p', 'a', { archived: true }));
    });
    assert.deepEqual(await store.getFlag('p', 'b'), b);
    assert.deepEqual(
      (await store.listFlags('p')).map((f) => f.key),
      ['a', 'b', 'f'],
    );
    await store.transaction((tx) => tx.deleteFlag('p', 'b'));
    assert.equal(await store.getFlag('p', 'b'), undefined);
    await rejectsWithCode(
      store.transaction((tx) => tx.putFlag(flag('nope', 'x'))),
      'NOT_FOUND',
    );
  });

  test('payload filters: round trip, list in key order, create once, delete, cascade', async () => {
    const { store } = ctx;
    await seed(store);
    const web = filter('p', 'web', { flagKeys: ['a', 'b'], tags: [] });
    await store.transaction(async (tx) => {
      await tx.createFilter(web);
      await tx.putFilter(filter('p', 'mobile'));
    });
    assert.deepEqual(await store.getFilter('p', 'web'), web);
    assert.equal(await store.getFilter('p', 'missing'), undefined);
    assert.deepEqual(
      (await store.listFilters('p')).map((f) => f.key),
      ['mobile', 'web'],
    );
    await rejectsWithCode(
      store.transaction((tx) => tx.createFilter(filter('p', 'web'))),
      'ALREADY_EXISTS',
    );
    await store.transaction(async (tx) => {
      const locked = await tx.getFilterForUpdate('p', 'web');
      await tx.putFilter({ ...locked!, tags: ['beta'], version: 2 });
    });
    assert.deepEqual((await store.getFilter('p', 'web'))?.tags, ['beta']);
    await store.transaction((tx) => tx.deleteFilter('p', 'mobile'));
    assert.equal(await store.getFilter('p', 'mobile'), undefined);
    await rejectsWithCode(
      store.transaction((tx) => tx.putFilter(filter('nope', 'x'))),
      'NOT_FOUND',
    );
    await store.transaction((tx) => tx.deleteProject('p'));
    assert.deepEqual(await store.listFilters('p'), []);
  });

  test('segments: per environment, round trip, delete, environment must exist', async () => {
    const { store } = ctx;
    await seed(store);
    const dev = environment('p', 'dev');
    const s = segment('p', 'prod', 's', { unbounded: true, unboundedContextKind: 'user' });
    await store.transaction(async (tx) => {
      await tx.putEnvironment(dev);
      await tx.putSegment(s);
      await tx.putSegment(segment('p', 'prod', 'a'));
      await tx.putSegment(segment('p', 'dev', 's', { included: [] }));
    });
    assert.deepEqual(await store.getSegment('p', 'prod', 's'), s);
    assert.deepEqual((await store.getSegment('p', 'dev', 's'))?.included, []);
    assert.deepEqual(
      (await store.listSegments('p', 'prod')).map((x) => x.key),
      ['a', 's'],
    );
    await store.transaction((tx) => tx.deleteSegment('p', 'prod', 's'));
    assert.equal(await store.getSegment('p', 'prod', 's'), undefined);
    assert.ok(await store.getSegment('p', 'dev', 's'));
    await rejectsWithCode(
      store.transaction((tx) => tx.putSegment(segment('p', 'nope', 'x'))),
      'NOT_FOUND',
    );
  });

  test('tokens: insert or replace by id, look up by hash, list', async () => {
    const { store } = ctx;
    const first = token('t1', { lastUsedAt: 5 });
    await store.transaction(async (tx) => {
      await tx.putToken(first);
      await tx.putToken(token('t2', { role: 'admin', createdAt: first.createdAt + 1 }));
    });
    assert.deepEqual(await store.getTokenByHash('hash-t1'), first);
    assert.equal(await store.getTokenByHash('nope'), undefined);
    const revoked = { ...first, revokedAt: 10 };
    await store.transaction(async (tx) => {
      assert.deepEqual(await tx.getTokenForUpdate('t1'), first);
      assert.equal(await tx.getTokenForUpdate('nope'), undefined);
      await tx.putToken(revoked);
    });
    assert.deepEqual(await store.getTokenByHash('hash-t1'), revoked);
    assert.deepEqual(
      (await store.listTokens()).map((t) => t.id),
      ['t1', 't2'],
    );
  });

  test('returned and stored objects are never shared with the caller', async () => {
    const { store } = ctx;
    await seed(store);
    const written = flag('p', 'g');
    await store.transaction(async (tx) => {
      await tx.putFlag(written);
      const inTx = await tx.getFlag('p', 'g');
      assert.ok(inTx);
      inTx.tags.push('mutated in tx');
    });
    written.tags.push('mutated after put');
    const read = await store.getFlag('p', 'g');
    assert.ok(read);
    read.tags.push('mutated after get');
    read.environments['prod']!.on = false;
    assert.deepEqual(await store.getFlag('p', 'g'), flag('p', 'g'));
  });
}

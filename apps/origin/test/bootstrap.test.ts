import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openMemoryStore, type Store } from '@vexil/store';
import { ApiError, createOrigin, ensureAdminToken, seedDemoProject } from '@vexil/origin';

describe('bootstrap and in-process calls', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(() => store.close());

  test('ensureAdminToken is idempotent and audited once', async () => {
    assert.equal(await ensureAdminToken(store, 'vxl_secret', 'ops', 5), true);
    assert.equal(await ensureAdminToken(store, 'vxl_secret', 'ops', 6), false);
    const [token] = await store.listTokens();
    assert.equal(token?.role, 'admin');
    assert.notEqual(token?.hash, 'vxl_secret');
    const audit = await store.listAudit({});
    assert.deepEqual(
      audit.map((e) => [e.action, e.resourceKey]),
      [['token.create', token?.id]],
    );
  });

  test('seedDemoProject seeds an empty store through the API, once', async () => {
    const commits: string[][] = [];
    const origin = createOrigin({ store, onCommit: (ids) => commits.push([...ids]) });
    const demo = await seedDemoProject(store, origin);
    assert.equal(demo?.projectKey, 'default');
    assert.deepEqual(
      demo?.environments.map((e) => e.key),
      ['production', 'test'],
    );
    const flags = await store.listFlags('default');
    assert.deepEqual(
      flags.map((f) => f.key),
      ['banner-text', 'new-checkout'],
    );
    const production = demo!.environments[0]!;
    const snapshot = await store.getSnapshot(production.clientSideId);
    assert.deepEqual(snapshot?.items.map((i) => i.key).sort(), ['banner-text', 'new-checkout']);
    assert.ok(commits.length >= 2);
    assert.equal(await seedDemoProject(store, origin), undefined);
  });

  test('invoke validates, and honours the role of the actor it is given', async () => {
    const origin = createOrigin({ store });
    await origin.invoke('POST', '/api/v1/projects', { key: 'p', name: 'P' });
    const reader = { id: 'r', name: 'reader', role: 'reader' as const };
    await assert.rejects(
      origin.invoke('POST', '/api/v1/projects', { key: 'q', name: 'Q' }, reader),
      (e) => e instanceof ApiError && e.code === 'FORBIDDEN',
    );
    assert.deepEqual(await origin.invoke('GET', '/api/v1/projects/p', undefined, reader), {
      key: 'p',
      name: 'P',
      createdAt: (await store.getProject('p'))!.createdAt,
    });
    await assert.rejects(
      origin.invoke('POST', '/api/v1/projects', { key: 'q' }),
      (e) => e instanceof ApiError && e.code === 'VALIDATION_FAILED' && e.message.includes('name'),
    );
    await assert.rejects(
      origin.invoke('POST', '/api/v1/projects'),
      (e) => e instanceof ApiError && e.code === 'INVALID_JSON',
    );
    await assert.rejects(
      origin.invoke('GET', '/api/v1/nothing'),
      (e) => e instanceof ApiError && e.code === 'NOT_FOUND',
    );
    assert.equal((await store.listProjects()).length, 1);
  });
});

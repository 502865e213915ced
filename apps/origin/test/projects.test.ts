import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, createFlag, expectError, expectStatus } from './support/fixtures.js';

describe('projects', () => {
  let api: ApiServer;
  beforeEach(async () => {
    let t = 1_000;
    api = await startApiServer(undefined, { now: () => t++ });
  });
  afterEach(() => api.close());

  test('create, get and list', async () => {
    const created = await api.call('POST', '/api/v1/projects', { key: 'shop', name: 'Shop' });
    expectStatus(created, 201);
    assert.deepEqual(created.body, {
      key: 'shop',
      name: 'Shop',
      createdAt: created.body.createdAt,
    });
    assert.equal(typeof created.body.createdAt, 'number');

    const got = await api.call('GET', '/api/v1/projects/shop');
    expectStatus(got, 200);
    assert.deepEqual(got.body, created.body);

    await api.call('POST', '/api/v1/projects', { key: 'blog', name: 'Blog' });
    const list = await api.call('GET', '/api/v1/projects');
    assert.deepEqual(
      list.body.items.map((p: { key: string }) => p.key),
      ['blog', 'shop'],
    );
  });

  test('a taken key is a 409 naming the key', async () => {
    await api.call('POST', '/api/v1/projects', { key: 'shop', name: 'Shop' });
    const again = await api.call('POST', '/api/v1/projects', { key: 'shop', name: 'Other' });
    expectError(again, 409, 'CONFLICT', '"shop"');
    assert.equal((await api.call('GET', '/api/v1/projects/shop')).body.name, 'Shop');
  });

  test('an unknown project is a 404 naming it', async () => {
    expectError(await api.call('GET', '/api/v1/projects/nope'), 404, 'NOT_FOUND', '"nope"');
    expectError(await api.call('DELETE', '/api/v1/projects/nope'), 404, 'NOT_FOUND', '"nope"');
    expectError(await api.call('GET', '/api/v1/projects/nope/flags'), 404, 'NOT_FOUND', '"nope"');
  });

  test('delete removes the project with its environments and flags, and is audited', async () => {
    await api.call('POST', '/api/v1/projects', { key: 'shop', name: 'Shop' });
    await api.call('POST', '/api/v1/projects/shop/environments', { key: 'prod', name: 'Prod' });
    await createFlag(api, boolFlag('f'), 'shop');
    expectStatus(await api.call('DELETE', '/api/v1/projects/shop'), 204);

    expectStatus(await api.call('GET', '/api/v1/projects/shop'), 404);
    assert.deepEqual(await api.store.listEnvironments('shop'), []);
    assert.deepEqual(await api.store.listFlags('shop'), []);
    const [entry] = await api.store.listAudit({ projectKey: 'shop', limit: 1 });
    assert.equal(entry?.action, 'project.delete');
    assert.equal(entry?.after, null);

    // The key is free again.
    expectStatus(await api.call('POST', '/api/v1/projects', { key: 'shop', name: 'Shop 2' }), 201);
    assert.deepEqual(await api.store.listFlags('shop'), []);
  });
});

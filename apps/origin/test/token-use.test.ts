import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { openMemoryStore, type Store } from '@vexil/store';
import { until } from '@vexil/testkit';
import { silentLogger } from '@vexil/origin';
import { tokenUseRecorder } from '../src/token-use.js';
import { ADMIN_TOKEN, startApiServer, type ApiServer } from './support/api-server.js';
import { expectError, expectStatus, seedProject } from './support/fixtures.js';

// The last use of each API token: recorded when it authenticates a request (at most once a
// minute per token, without making the request wait), listed by GET /api/v1/tokens, never
// written over a revocation, and no audit entry of its own.

interface ListedToken {
  id: string;
  name: string;
  lastUsedAt?: number;
  revokedAt?: number;
}

describe('token last use', () => {
  let api: ApiServer;
  let clock: number;
  beforeEach(async () => {
    clock = 1_700_000_000_000;
    api = await startApiServer(undefined, { now: () => clock });
    await seedProject(api);
  });
  afterEach(() => api.close());

  const newToken = async (role: string) => {
    const res = await api.call('POST', '/api/v1/tokens', { name: `${role} token`, role });
    expectStatus(res, 201);
    return res.body as { id: string; token: string };
  };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const listed = async (id: string) =>
    ((await api.call('GET', '/api/v1/tokens')).body.items as ListedToken[]).find(
      (t) => t.id === id,
    )!;
  const stored = async (id: string) => (await api.store.listTokens()).find((t) => t.id === id)!;

  test('a new token has none; its first request records it, and the list shows it', async () => {
    const reader = await newToken('reader');
    assert.equal((await listed(reader.id)).lastUsedAt, undefined);
    expectStatus(await api.call('GET', '/api/v1/projects', undefined, as(reader.token)), 200);
    await until(
      'the use to be recorded',
      async () => (await stored(reader.id)).lastUsedAt === clock,
    );
    assert.equal((await listed(reader.id)).lastUsedAt, clock);
  });

  test('at most once a minute per token; a refused request (403) is a use too', async () => {
    const reader = await newToken('reader');
    const first = clock;
    await api.call('GET', '/api/v1/projects', undefined, as(reader.token));
    await until('the first use', async () => (await stored(reader.id)).lastUsedAt === first);
    const audit = (await api.store.listAudit({ limit: 100 })).length;

    clock += 30_000;
    await api.call('GET', '/api/v1/projects', undefined, as(reader.token));
    assert.equal((await stored(reader.id)).lastUsedAt, first);
    expectError(
      await api.call('POST', '/api/v1/projects', { key: 'q', name: 'Q' }, as(reader.token)),
      403,
      'FORBIDDEN',
    );
    clock += 31_000;
    await api.call('GET', '/api/v1/projects/p', undefined, as(reader.token));
    await until(
      'the use a minute later',
      async () => (await stored(reader.id)).lastUsedAt === clock,
    );
    assert.equal((await api.store.listAudit({ limit: 100 })).length, audit, 'uses are not audited');
  });

  test('each token has its own; the admin token used by the API calls has one too', async () => {
    const writer = await newToken('writer');
    await until('the admin token use', async () =>
      (await api.store.listTokens()).some((t) => t.name === 'test admin' && t.lastUsedAt === clock),
    );
    assert.equal((await stored(writer.id)).lastUsedAt, undefined);
    // The admin token is the one the helper sends: the secret never appears in the list.
    const list = JSON.stringify((await api.call('GET', '/api/v1/tokens')).body);
    assert.ok(!list.includes(ADMIN_TOKEN));
  });

  test('a revoked token records nothing more, and a recording never undoes a revocation', async () => {
    const admin = await newToken('admin');
    // The first use and the revocation race: whatever the order, the token stays revoked.
    const [, revoked] = await Promise.all([
      api.call('GET', '/api/v1/projects', undefined, as(admin.token)),
      api.call('DELETE', `/api/v1/tokens/${admin.id}`),
    ]);
    expectStatus(revoked, 204);
    clock += 120_000;
    expectError(
      await api.call('GET', '/api/v1/projects', undefined, as(admin.token)),
      401,
      'UNAUTHORIZED',
    );
    // Let any recording in flight finish: a later request's write queues behind it.
    await api.call('POST', '/api/v1/projects', { key: 'later', name: 'Later' });
    const token = await stored(admin.id);
    assert.equal(typeof token.revokedAt, 'number');
    assert.ok(token.lastUsedAt === undefined || token.lastUsedAt < clock);
    expectError(
      await api.call('GET', '/api/v1/projects', undefined, as(admin.token)),
      401,
      'UNAUTHORIZED',
      'revoked',
    );
  });
});

describe('tokenUseRecorder', () => {
  test('writes once per interval per token, and tries again after a failed write', async () => {
    const store = await openMemoryStore();
    let writes = 0;
    let failing = false;
    const counting = new Proxy(store, {
      get(target, property) {
        if (property === 'transaction')
          return (work: Parameters<Store['transaction']>[0]) => {
            writes++;
            return failing ? Promise.reject(new Error('down')) : target.transaction(work);
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await store.transaction((tx) =>
      tx.putToken({ id: 't', name: 't', role: 'reader', hash: 'h', createdAt: 0 }),
    );
    let now = 1000;
    const recorder = tokenUseRecorder({ store: counting, now: () => now, logger: silentLogger });
    const token = async () => (await store.listTokens())[0]!;
    const use = async () => {
      recorder.used(await token());
      await recorder.idle();
    };
    recorder.used(await token());
    await use();
    assert.equal(writes, 1, 'two uses at once, one write');
    assert.equal((await token()).lastUsedAt, 1000);
    now += 59_999;
    await use();
    assert.equal(writes, 1);
    now += 1;
    failing = true;
    await use();
    assert.equal(writes, 2);
    assert.equal((await token()).lastUsedAt, 1000);
    failing = false;
    await use();
    assert.equal(writes, 3, 'the failed recording is retried at the next use');
    assert.equal((await token()).lastUsedAt, now);
    await store.close();
  });
});

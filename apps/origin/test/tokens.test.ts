import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  createFlag,
  expectError,
  expectStatus,
  fingerprint,
  seedProject,
} from './support/fixtures.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('tokens and roles', () => {
  let api: ApiServer;
  beforeEach(async () => {
    api = await startApiServer();
    await seedProject(api, 'p', ['prod']);
    await createFlag(api, boolFlag('f'));
  });
  afterEach(() => api.close());

  const newToken = async (role: string, name = `${role} token`) => {
    const res = await api.call('POST', '/api/v1/tokens', { name, role });
    expectStatus(res, 201);
    return res.body as { id: string; token: string; role: string; name: string };
  };
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  test('the secret is returned once; the store holds only its SHA-256', async () => {
    const created = await newToken('reader', 'ci');
    assert.match(created.token, /^vxl_[A-Za-z0-9_-]{32}$/);
    assert.equal(created.role, 'reader');
    const stored = (await api.store.listTokens()).find((t) => t.id === created.id)!;
    assert.equal(stored.hash, sha256(created.token));
    assert.ok(!JSON.stringify(await api.store.listTokens()).includes(created.token));
    assert.ok(!JSON.stringify(await api.store.listAudit({ limit: 1000 })).includes(created.token));
    const listed = await api.call('GET', '/api/v1/tokens');
    const item = listed.body.items.find((t: { id: string }) => t.id === created.id);
    assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'id', 'name', 'role']);
  });

  test('reader: SDK and mobile keys are masked; a writer sees them whole', async () => {
    const { token } = await newToken('reader');
    const { token: writer } = await newToken('writer');
    const full = (
      await api.call('GET', '/api/v1/projects/p/environments/prod', undefined, as(writer))
    ).body as { sdkKey: string; mobileKey: string };
    const views = [
      (await api.call('GET', '/api/v1/projects/p/environments/prod', undefined, as(token))).body,
      (await api.call('GET', '/api/v1/projects/p/environments', undefined, as(token))).body
        .items[0],
    ] as { sdkKey: string; mobileKey: string }[];
    for (const view of views) {
      assert.equal(view.sdkKey, `${full.sdkKey.slice(0, 4)}…${full.sdkKey.slice(-4)}`);
      assert.equal(view.mobileKey, `${full.mobileKey.slice(0, 4)}…${full.mobileKey.slice(-4)}`);
      assert.ok(!JSON.stringify(view).includes(full.sdkKey.slice(4, -4)));
    }
  });

  test('reader: reads everything, every write is 403 naming the role needed', async () => {
    const { token } = await newToken('reader');
    for (const path of [
      '/api/v1/projects',
      '/api/v1/projects/p/flags/f',
      '/api/v1/projects/p/environments',
      '/api/v1/projects/p/environments/prod/data',
      '/api/v1/audit',
    ]) {
      expectStatus(await api.call('GET', path, undefined, as(token)), 200);
    }
    const before = await fingerprint(api);
    expectError(
      await api.call(
        'PATCH',
        '/api/v1/projects/p/flags/f',
        [{ op: 'replace', path: '/name', value: 'x' }],
        as(token),
      ),
      403,
      'FORBIDDEN',
      'writer',
      'reader',
    );
    expectError(
      await api.call('POST', '/api/v1/projects/p/flags', boolFlag('g'), as(token)),
      403,
      'FORBIDDEN',
    );
    expectError(await api.call('GET', '/api/v1/tokens', undefined, as(token)), 403, 'FORBIDDEN');
    assert.equal(await fingerprint(api), before);
  });

  test('writer: edits flags, segments and data but not projects, environments or tokens', async () => {
    const { token } = await newToken('writer');
    expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag('g'), as(token)), 201);
    expectStatus(
      await api.call(
        'POST',
        '/api/v1/projects/p/environments/prod/segments',
        { key: 's' },
        as(token),
      ),
      201,
    );
    const refused: [string, string, unknown][] = [
      ['POST', '/api/v1/projects', { key: 'q', name: 'Q' }],
      ['DELETE', '/api/v1/projects/p', undefined],
      ['POST', '/api/v1/projects/p/environments', { key: 'dev', name: 'Dev' }],
      ['POST', '/api/v1/projects/p/environments/prod/keys/sdk/rotate', undefined],
      ['POST', '/api/v1/tokens', { name: 'mine', role: 'admin' }],
    ];
    const before = await fingerprint(api);
    for (const [method, path, body] of refused) {
      expectError(await api.call(method, path, body, as(token)), 403, 'FORBIDDEN', 'admin');
    }
    assert.equal(await fingerprint(api), before);
  });

  test('a revoked token gets 401; revoking is audited and idempotent', async () => {
    const created = await newToken('admin');
    expectStatus(await api.call('GET', '/api/v1/tokens', undefined, as(created.token)), 200);
    expectStatus(await api.call('DELETE', `/api/v1/tokens/${created.id}`), 204);
    expectError(
      await api.call('GET', '/api/v1/projects', undefined, as(created.token)),
      401,
      'UNAUTHORIZED',
      'revoked',
    );
    const listed = (await api.call('GET', '/api/v1/tokens')).body.items;
    assert.equal(
      typeof listed.find((t: { id: string }) => t.id === created.id).revokedAt,
      'number',
    );
    expectStatus(await api.call('DELETE', `/api/v1/tokens/${created.id}`), 204);
    expectError(await api.call('DELETE', '/api/v1/tokens/no-such-id'), 404, 'NOT_FOUND');
    const revocations = (await api.store.listAudit({ limit: 100 })).filter(
      (e) => e.action === 'token.revoke',
    );
    assert.equal(revocations.length, 1);
  });

  test('an edge token cannot use the API', async () => {
    const { token } = await newToken('edge');
    expectError(
      await api.call('GET', '/api/v1/projects', undefined, as(token)),
      403,
      'FORBIDDEN',
      'reader',
      'edge',
    );
    expectError(
      await api.call('GET', '/api/v1/projects/p/environments/prod/data', undefined, as(token)),
      403,
      'FORBIDDEN',
    );
  });

  test('missing, malformed or unknown credentials are 401 with WWW-Authenticate', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'vxl_test-admin-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer vxl_unknown' },
    ];
    for (const headers of cases) {
      const res = await fetch(`${api.url}/api/v1/projects`, { headers });
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(body.code, 'UNAUTHORIZED');
      assert.match(body.message, /Bearer|token/);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  test('token bodies are validated', async () => {
    expectError(
      await api.call('POST', '/api/v1/tokens', { name: 'x', role: 'root' }),
      400,
      'VALIDATION_FAILED',
      'role',
      '"reader"',
    );
    expectError(
      await api.call('POST', '/api/v1/tokens', { role: 'reader' }),
      400,
      'VALIDATION_FAILED',
      'name',
    );
  });
});

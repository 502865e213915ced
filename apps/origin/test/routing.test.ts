import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { expectError, fingerprint, seedProject } from './support/fixtures.js';

describe('routing and authentication', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
    await seedProject(api, 'p', ['prod']);
  });
  after(() => api.close());

  test('an unknown route is a 404 pointing at the OpenAPI document', async () => {
    for (const path of ['/api/v1/flags', '/api/v2/projects', '/', '/api/v1/projects/p/flags/f/x']) {
      expectError(await api.call('GET', path), 404, 'NOT_FOUND', 'openapi.json');
    }
  });

  test('a wrong method is a 405 with an Allow header, before any auth', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/api/v1/projects', 'GET, POST'],
      ['PATCH', '/api/v1/projects/p', 'GET, DELETE'],
      ['POST', '/api/v1/projects/p/flags/f', 'GET, PATCH, DELETE'],
      ['DELETE', '/api/v1/audit', 'GET'],
      ['HEAD', '/api/v1/tokens', 'GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await fetch(api.url + path, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow);
      if (method !== 'HEAD') {
        const body = (await res.json()) as { code: string; message: string };
        assert.equal(body.code, 'METHOD_NOT_ALLOWED');
        assert.ok(body.message.includes(allow.split(', ')[0]!), body.message);
      }
    }
  });

  test('writes without a valid token are 401 and change nothing', async () => {
    const before = await fingerprint(api);
    for (const authorization of [undefined, 'Bearer nope', 'Token vxl_test-admin-token']) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (authorization !== undefined) headers['authorization'] = authorization;
      const res = await fetch(`${api.url}/api/v1/projects`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ key: 'q', name: 'Q' }),
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHORIZED');
    }
    assert.equal(await fingerprint(api), before);
  });

  test('percent-encoded path parameters are decoded; undecodable ones are 404', async () => {
    const decoded = await api.call('GET', '/api/v1/projects/%70');
    assert.equal(decoded.status, 200);
    assert.equal(decoded.body.key, 'p');
    expectError(await api.call('GET', '/api/v1/projects/%E0%A4%A'), 404, 'NOT_FOUND');
  });

  test('every reply carries a request id, echoed when the client sends one', async () => {
    const res = await api.call('GET', '/api/v1/projects', undefined, { 'x-request-id': 'abc-123' });
    assert.equal(res.headers.get('x-request-id'), 'abc-123');
    const generated = await api.call('GET', '/api/v1/projects');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

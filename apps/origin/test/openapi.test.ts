import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';

// Every route of the router, as the API's users know it. A new route must be added here, which
// is the point: the document is checked against a list written by hand.
const ROUTES = [
  'GET /api/v1/projects',
  'POST /api/v1/projects',
  'GET /api/v1/projects/{projectKey}',
  'DELETE /api/v1/projects/{projectKey}',
  'GET /api/v1/projects/{projectKey}/environments',
  'POST /api/v1/projects/{projectKey}/environments',
  'GET /api/v1/projects/{projectKey}/environments/{environmentKey}',
  'DELETE /api/v1/projects/{projectKey}/environments/{environmentKey}',
  'PATCH /api/v1/projects/{projectKey}/environments/{environmentKey}',
  'POST /api/v1/projects/{projectKey}/environments/{environmentKey}/keys/{keyKind}/rotate',
  'GET /api/v1/projects/{projectKey}/flags',
  'POST /api/v1/projects/{projectKey}/flags',
  'GET /api/v1/projects/{projectKey}/flags/{flagKey}',
  'GET /api/v1/projects/{projectKey}/flags/{flagKey}/insights',
  'GET /api/v1/projects/{projectKey}/stale-flags',
  'POST /api/v1/projects/{projectKey}/flags/{flagKey}/schedules',
  'GET /api/v1/projects/{projectKey}/flags/{flagKey}/schedules',
  'GET /api/v1/projects/{projectKey}/schedules',
  'GET /api/v1/projects/{projectKey}/schedules/{scheduleId}',
  'PATCH /api/v1/projects/{projectKey}/schedules/{scheduleId}',
  'DELETE /api/v1/projects/{projectKey}/schedules/{scheduleId}',
  'PATCH /api/v1/projects/{projectKey}/flags/{flagKey}',
  'PATCH /api/v1/projects/{projectKey}/flags/{flagKey}/settings',
  'DELETE /api/v1/projects/{projectKey}/flags/{flagKey}',
  'GET /api/v1/projects/{projectKey}/filters',
  'POST /api/v1/projects/{projectKey}/filters',
  'GET /api/v1/projects/{projectKey}/filters/{filterKey}',
  'PUT /api/v1/projects/{projectKey}/filters/{filterKey}',
  'DELETE /api/v1/projects/{projectKey}/filters/{filterKey}',
  'GET /api/v1/projects/{projectKey}/environments/{environmentKey}/segments',
  'POST /api/v1/projects/{projectKey}/environments/{environmentKey}/segments',
  'GET /api/v1/projects/{projectKey}/environments/{environmentKey}/segments/{segmentKey}',
  'GET /api/v1/projects/{projectKey}/events',
  'PATCH /api/v1/projects/{projectKey}/environments/{environmentKey}/segments/{segmentKey}',
  'DELETE /api/v1/projects/{projectKey}/environments/{environmentKey}/segments/{segmentKey}',
  'GET /api/v1/projects/{projectKey}/environments/{environmentKey}/data',
  'PUT /api/v1/projects/{projectKey}/environments/{environmentKey}/data',
  'GET /api/v1/audit',
  'GET /api/v1/tokens',
  'POST /api/v1/tokens',
  'DELETE /api/v1/tokens/{tokenId}',
  'GET /api/v1/delivery/environments/{environmentId}/snapshot',
  'POST /api/v1/delivery/insights',
  'POST /api/v1/delivery/edges/{edgeId}/report',
  'GET /api/v1/network',
  'GET /api/v1/projects/{projectKey}/change-requests',
  'GET /api/v1/projects/{projectKey}/flags/{flagKey}/change-requests',
  'GET /api/v1/projects/{projectKey}/change-requests/{requestId}',
  'POST /api/v1/projects/{projectKey}/change-requests/{requestId}/approve',
  'POST /api/v1/projects/{projectKey}/change-requests/{requestId}/reject',
  'POST /api/v1/projects/{projectKey}/change-requests/{requestId}/withdraw',
].sort();

interface Operation {
  operationId: string;
  'x-required-role': string;
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
}

describe('openapi.json', () => {
  let api: ApiServer;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  before(async () => {
    api = await startApiServer();
    const res = await fetch(`${api.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await res.json()) as typeof doc;
  });
  after(() => api.close());

  test('is served without a token and is OpenAPI 3.1', () => {
    assert.match(doc.openapi, /^3\.1\./);
  });

  test('lists every route of the router, and no other', () => {
    const listed = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(listed, ROUTES);
  });

  test('every listed route answers (not 404/405) on the real server', async () => {
    for (const route of ROUTES) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
        name === 'keyKind' ? 'sdk' : 'x',
      );
      const res = await api.call(method, path);
      assert.ok(![405].includes(res.status), `${route}: ${res.status}`);
      if (res.status === 404)
        assert.notEqual(res.body.message.startsWith('no API route'), true, route);
    }
  });

  test('operations have unique ids, roles, path parameters and resolvable schemas', () => {
    const ids = new Set<string>();
    const refs = new Set<string>();
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.add(x);
          else collect(x);
        }
      }
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
        ids.add(op.operationId);
        assert.ok(['edge', 'reader', 'writer', 'admin'].includes(op['x-required-role']));
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        assert.deepEqual(
          op.parameters.filter((p) => p.in === 'path').map((p) => p.name),
          inPath,
        );
        assert.ok(op.responses['401'] !== undefined);
      }
    }
    collect(doc);
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(name in doc.components.schemas, `unresolved ${ref}`);
    }
  });

  test('documents the write bodies', () => {
    const post = doc.paths['/api/v1/projects/{projectKey}/flags']!['post']!;
    assert.deepEqual(post.requestBody!.content['application/json']!.schema, {
      $ref: '#/components/schemas/FlagInput',
    });
    const patch = doc.paths['/api/v1/projects/{projectKey}/flags/{flagKey}']!['patch']!;
    assert.ok('application/json-patch+json' in patch.requestBody!.content);
  });
});

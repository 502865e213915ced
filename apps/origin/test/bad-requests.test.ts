import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  createFlag,
  expectError,
  expectStatus,
  fingerprint,
} from './support/fixtures.js';

// Every write route against the same bad requests: each must be a 4xx with a code and a message
// naming what was wrong, and must leave the audit log, the environments' seqs, the flags and
// the segments exactly as they were.

interface WriteRoute {
  readonly method: string;
  readonly path: string;
  /** A body with a field the schema does not know, and that field's name. */
  readonly unknownField: readonly [unknown, string];
  /** A body with a field of the wrong JSON type, and that field's path. */
  readonly wrongType: readonly [unknown, string];
  /** Whether the route's body limit is the default 1 MiB (the import takes 64 MiB). */
  readonly oneMiB: boolean;
}

const env = '/api/v1/projects/p/environments/prod';
const WRITE_ROUTES: readonly WriteRoute[] = [
  {
    method: 'POST',
    path: '/api/v1/projects',
    unknownField: [{ key: 'q', name: 'Q', colour: 'red' }, 'colour'],
    wrongType: [{ key: 'q', name: 5 }, 'name'],
    oneMiB: true,
  },
  {
    method: 'POST',
    path: '/api/v1/projects/p/environments',
    unknownField: [{ key: 'dev', name: 'Dev', sdkKey: 'mine' }, 'sdkKey'],
    wrongType: [{ key: ['dev'], name: 'Dev' }, 'key'],
    oneMiB: true,
  },
  {
    method: 'POST',
    path: `${env}/keys/sdk/rotate`,
    unknownField: [{ expires: 60 }, 'expires'],
    wrongType: [{ expiresInSeconds: '60' }, 'expiresInSeconds'],
    oneMiB: true,
  },
  {
    method: 'POST',
    path: '/api/v1/projects/p/flags',
    unknownField: [boolFlag('h', { owner: 'me' }), 'owner'],
    wrongType: [
      boolFlag('h', { environments: { prod: { rules: [{ variation: '1' }] } } }),
      'environments.prod.rules[0].variation',
    ],
    oneMiB: true,
  },
  {
    method: 'PATCH',
    path: '/api/v1/projects/p/flags/f',
    unknownField: [[{ op: 'replace', path: '/name', value: 'x', why: 'because' }], 'why'],
    wrongType: [
      [{ op: 'replace', path: '/environments/prod/on', value: 'yes' }],
      'environments.prod.on',
    ],
    oneMiB: true,
  },
  {
    method: 'POST',
    path: `${env}/segments`,
    unknownField: [{ key: 't', members: ['a'] }, 'members'],
    wrongType: [{ key: 't', included: 'alice' }, 'included'],
    oneMiB: true,
  },
  {
    method: 'PATCH',
    path: `${env}/segments/s`,
    unknownField: [[{ op: 'add', path: '/members', value: ['a'] }], 'members'],
    wrongType: [[{ op: 'replace', path: '/unbounded', value: 1 }], 'unbounded'],
    oneMiB: true,
  },
  {
    method: 'PUT',
    path: `${env}/data`,
    unknownField: [{ flags: {}, segments: {}, metrics: {} }, 'metrics'],
    wrongType: [{ flags: { x: { key: 'x', version: 'one' } } }, 'flags.x.version'],
    oneMiB: false,
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    unknownField: [{ name: 'ci', role: 'reader', secret: 'mine' }, 'secret'],
    wrongType: [{ name: 'ci', role: 3 }, 'role'],
    oneMiB: true,
  },
];

describe('bad requests to every write route', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
    expectStatus(await api.call('POST', '/api/v1/projects', { key: 'p', name: 'P' }), 201);
    await api.call('POST', '/api/v1/projects/p/environments', { key: 'prod', name: 'Prod' });
    await createFlag(api, boolFlag('f'));
    await api.call('POST', `${env}/segments`, { key: 's' });
  });
  after(() => api.close());

  /** Sends a request and checks that the API state did not move. */
  const unchanged = async (send: () => Promise<Response>) => {
    const before = await fingerprint(api);
    const res = await send();
    const text = await res.text();
    assert.equal(await fingerprint(api), before, 'the refused request changed the state');
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  };
  const raw = (route: WriteRoute, body: string | Uint8Array, contentType: string) => () =>
    fetch(api.url + route.path, {
      method: route.method,
      headers: { authorization: 'Bearer vxl_test-admin-token', 'content-type': contentType },
      body,
    });
  const json = (route: WriteRoute) =>
    route.method === 'PATCH' ? 'application/json-patch+json' : 'application/json';

  for (const route of WRITE_ROUTES) {
    describe(`${route.method} ${route.path}`, () => {
      test('malformed JSON: 400 INVALID_JSON', async () => {
        const res = await unchanged(raw(route, '{"key": "x",', json(route)));
        expectError(res, 400, 'INVALID_JSON', 'not valid JSON');
      });

      test('wrong Content-Type: 415 naming the type to send', async () => {
        const res = await unchanged(raw(route, 'key=x', 'application/x-www-form-urlencoded'));
        expectError(
          res,
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'application/json',
          'x-www-form-urlencoded',
        );
      });

      test('unknown field: 400 naming it', async () => {
        const [body, field] = route.unknownField;
        const res = await unchanged(raw(route, JSON.stringify(body), json(route)));
        expectError(res, 400, 'VALIDATION_FAILED', field);
        assert.ok(res.body.details.some((d: { path: string }) => d.path.endsWith(field)));
      });

      test('wrong type: 400 naming the field', async () => {
        const [body, field] = route.wrongType;
        const res = await unchanged(raw(route, JSON.stringify(body), json(route)));
        expectError(res, 400, 'VALIDATION_FAILED', field);
      });

      test('not an object or array at the top: 400', async () => {
        const res = await unchanged(raw(route, '"hello"', json(route)));
        expectError(res, 400, 'VALIDATION_FAILED', 'must be');
      });

      if (route.oneMiB) {
        test('a body over 1 MiB: 413 naming the limit', async () => {
          const filler = 'x'.repeat(1024 * 1024);
          const res = await unchanged(
            raw(route, JSON.stringify({ key: 'big', name: filler }), json(route)),
          );
          expectError(res, 413, 'PAYLOAD_TOO_LARGE', '1048576');
        });
      }
    });
  }

  test('an empty body where one is required: 400 asking for JSON', async () => {
    const res = await unchanged(raw(WRITE_ROUTES[0]!, '', 'application/json'));
    expectError(res, 400, 'INVALID_JSON', 'empty');
    const untyped = await unchanged(() =>
      fetch(`${api.url}/api/v1/projects`, {
        method: 'POST',
        headers: { authorization: 'Bearer vxl_test-admin-token' },
      }),
    );
    expectError(untyped, 400, 'INVALID_JSON', 'empty', 'application/json');
  });

  test('bad JSON Patch documents: 400 naming the operation', async () => {
    const cases: [unknown, string][] = [
      [[], 'at least 1 item'],
      [[{ op: 'jump', path: '/name' }], 'op'],
      [[{ op: 'replace', value: 'x' }], 'path'],
      [[{ op: 'replace', path: 'name', value: 'x' }], '"/"'],
      [[{ op: 'move', path: '/name' }], '"from"'],
      [[{ op: 'replace', path: '/nope/deeper', value: 1 }], '/nope/deeper'],
      [[{ op: 'add', path: '/__proto__/polluted', value: 1 }], '__proto__'],
      [[{ op: 'remove', path: '/tags/7' }], '/tags/7'],
      [{ op: 'replace', path: '/name', value: 'x' }, 'array'],
    ];
    for (const [ops, mention] of cases) {
      const res = await unchanged(raw(WRITE_ROUTES[4]!, JSON.stringify(ops), 'application/json'));
      expectError(res, 400, 'VALIDATION_FAILED', mention);
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, expectError, expectStatus, seedProject } from './support/fixtures.js';
import { storeKinds, type FreshStore, type StoreKind } from './support/stores.js';

// The comment of a write: X-Vexil-Comment (percent-encoded UTF-8) on any write request is kept in
// every audit entry the request writes and returned by GET /api/v1/audit, in each store; a
// comment that is too long, holds control characters or is badly encoded is a 400 that writes
// nothing.

interface Entry {
  action: string;
  resourceKind: string;
  resourceKey: string;
  comment?: string;
}

const comment = (text: string) => ({ 'x-vexil-comment': encodeURIComponent(text) });
const FLAGS = '/api/v1/projects/p/flags';

for (const kind of storeKinds) describeComments(kind);

function describeComments(kind: StoreKind) {
  describe(`audit comments (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    const latest = async (query = ''): Promise<Entry> => {
      const res = await api.call('GET', `/api/v1/audit?limit=1${query}`);
      expectStatus(res, 200);
      return res.body.items[0];
    };

    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      await seedProject(api, 'p', ['prod', 'test']);
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test(
      'a JSON Patch with a comment: the audit entry keeps it, in any language',
      {
        skip: skip ?? false,
      },
      async () => {
        expectStatus(await api.call('POST', FLAGS, boolFlag('f')), 201);
        const why = 'Ramp to 20% für die Beta — "ticket" #42 ✓';
        const res = await api.call(
          'PATCH',
          `${FLAGS}/f`,
          [{ op: 'replace', path: '/environments/prod/on', value: true }],
          { 'content-type': 'application/json-patch+json', ...comment(why) },
        );
        expectStatus(res, 200);
        const entry = await latest('&flag=f');
        assert.equal(entry.action, 'flag.update');
        assert.equal(entry.comment, why);
      },
    );

    test(
      'a write without a comment, or with a blank one, records none',
      {
        skip: skip ?? false,
      },
      async () => {
        const patch = (on: boolean, headers: Record<string, string> = {}) =>
          api.call(
            'PATCH',
            `${FLAGS}/f`,
            [{ op: 'replace', path: '/environments/test/on', value: on }],
            headers,
          );
        expectStatus(await patch(true), 200);
        assert.equal('comment' in (await latest('&flag=f')), false);
        expectStatus(await patch(false, { 'x-vexil-comment': '   ' }), 200);
        assert.equal('comment' in (await latest('&flag=f')), false);
      },
    );

    test(
      'every kind of write takes one: create, delete, segments, environments, tokens, import',
      {
        skip: skip ?? false,
      },
      async () => {
        const writes: [string, string, unknown, string][] = [
          ['POST', FLAGS, boolFlag('g'), 'flag.create'],
          ['DELETE', `${FLAGS}/g`, undefined, 'flag.delete'],
          ['POST', '/api/v1/projects/p/environments/prod/segments', { key: 's' }, 'segment.create'],
          [
            'POST',
            '/api/v1/projects/p/environments',
            { key: 'stage', name: 'Stage' },
            'environment.create',
          ],
          ['POST', '/api/v1/projects/p/filters', { key: 'web', tags: ['web'] }, 'filter.create'],
          ['POST', '/api/v1/tokens', { name: 'ci', role: 'reader' }, 'token.create'],
          ['POST', '/api/v1/projects', { key: 'q', name: 'Q' }, 'project.create'],
          [
            'PUT',
            '/api/v1/projects/p/environments/test/data',
            { flags: {}, segments: {} },
            'data.import',
          ],
        ];
        for (const [method, path, body, action] of writes) {
          const why = `because of ${action}`;
          const res = await api.call(method, path, body, comment(why));
          assert.ok(
            res.status < 300,
            `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
          );
          const entry = await latest();
          assert.equal(entry.action, action, `${method} ${path}`);
          assert.equal(entry.comment, why, `${method} ${path}`);
        }
      },
    );

    test(
      'a bad comment is a 400 that says why, and nothing is written',
      {
        skip: skip ?? false,
      },
      async () => {
        const version = (await api.call('GET', `${FLAGS}/f`)).body.version;
        const before = await latest();
        const bad: [string, string][] = [
          ['x'.repeat(501), 'at most 500'],
          [encodeURIComponent('ü').repeat(501), 'at most 500'],
          [encodeURIComponent('line one\nline two'), 'U+000A'],
          [encodeURIComponent('tab\there'), 'U+0009'],
          [encodeURIComponent('nul\u0000'), 'U+0000'],
          [encodeURIComponent('evil \u202e txt.exe'), 'U+202E'],
          ['100% sure', 'percent-encoded'],
          ['%E0%A4%A', 'percent-encoded'],
          ['%C3', 'percent-encoded'],
        ];
        for (const [header, mention] of bad) {
          const res = await api.call(
            'PATCH',
            `${FLAGS}/f`,
            [{ op: 'replace', path: '/description', value: 'changed' }],
            { 'x-vexil-comment': header },
          );
          expectError(res, 400, 'VALIDATION_FAILED', 'X-Vexil-Comment', mention);
        }
        // Exactly the limit is fine (characters, not bytes or UTF-16 units).
        const longest = '😀'.repeat(500);
        const ok = await api.call(
          'PATCH',
          `${FLAGS}/f`,
          [{ op: 'replace', path: '/description', value: 'x' }],
          comment(longest),
        );
        expectStatus(ok, 200);
        assert.equal((await latest('&flag=f')).comment, longest);
        assert.equal((await api.call('GET', `${FLAGS}/f`)).body.version, version + 1);
        assert.notDeepEqual(await latest(), before);
      },
    );

    test(
      'raw non-ASCII bytes and a repeated header are refused; reads ignore the header',
      {
        skip: skip ?? false,
      },
      async () => {
        const raw = await rawPatch(api.url, { 'x-vexil-comment': 'grüße' });
        assert.equal(raw.status, 400);
        assert.match(raw.body, /must be ASCII: percent-encode/);
        const twice = await rawPatch(api.url, { 'x-vexil-comment': ['one', 'two'] });
        assert.equal(twice.status, 400);
        assert.match(twice.body, /more than once/);
        const read = await api.call('GET', `${FLAGS}/f`, undefined, { 'x-vexil-comment': '100%' });
        expectStatus(read, 200);
      },
    );

    test(
      'the OpenAPI document names the header on writes and the field on audit entries',
      {
        skip: skip ?? false,
      },
      async () => {
        const doc = (await api.call('GET', '/api/v1/openapi.json')).body;
        const patch = doc.paths['/api/v1/projects/{projectKey}/flags/{flagKey}'].patch;
        assert.ok(
          patch.parameters.some(
            (p: { name: string; in: string }) => p.name === 'X-Vexil-Comment' && p.in === 'header',
          ),
        );
        const get = doc.paths['/api/v1/projects/{projectKey}/flags/{flagKey}'].get;
        assert.ok(!get.parameters.some((p: { name: string }) => p.name === 'X-Vexil-Comment'));
        assert.equal(doc.components.schemas.AuditEntry.properties.comment.type, 'string');
      },
    );
  });
}

/** A PATCH with headers fetch would not send: Latin-1 bytes, a header given twice. */
function rawPatch(
  url: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify([{ op: 'replace', path: '/description', value: 'raw' }]);
    const req = request(`${url}${FLAGS}/f`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
        ...headers,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

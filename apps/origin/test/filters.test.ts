import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChangeRecord } from '@vexil/store';
import { startApiServer, type ApiServer } from './support/api-server.js';
import { boolFlag, changesOf, expectStatus, seedProject } from './support/fixtures.js';
import { storeKinds, type FreshStore, type StoreKind } from './support/stores.js';

// Payload filters through the REST API: a project's named subsets of flags (by key and by tag),
// validated, versioned and audited; each is published to every environment of the project as a
// `filter` item resolved to flag keys, and republished when a flag moves into or out of it.

const base = '/api/v1/projects/p/filters';
const filterItems = (changes: readonly ChangeRecord[]) =>
  changes.filter((c) => c.kind === 'filter').map((c) => ({ key: c.key, item: c.item }));

for (const kind of storeKinds) describeFilters(kind);

function describeFilters(kind: StoreKind) {
  describe(`payload filters (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    let prod = '';
    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      prod = (await seedProject(api, 'p', ['prod', 'test'])).envs['prod']!.id;
      for (const [key, tags] of [
        ['web-a', ['web']],
        ['web-b', ['web', 'beta']],
        ['ios', ['mobile']],
      ] as const)
        expectStatus(
          await api.call('POST', '/api/v1/projects/p/flags', boolFlag(key, { tags })),
          201,
        );
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test('create, read, list, replace, delete; versions and ETags', { skip }, async () => {
      const created = await api.call('POST', base, {
        key: 'web',
        tags: ['web'],
        flagKeys: ['ios', 'not-yet'],
      });
      expectStatus(created, 201);
      assert.deepEqual(created.body.flags, ['ios', 'web-a', 'web-b']);
      assert.equal(created.body.name, 'web');
      assert.equal(created.body.version, 1);
      expectStatus(await api.call('POST', base, { key: 'web' }), 409);
      const got = await api.call('GET', `${base}/web`);
      assert.equal(got.headers.get('etag'), '"1"');
      const replaced = await api.call(
        'PUT',
        `${base}/web`,
        { name: 'Web app', tags: ['beta'] },
        { 'if-match': '"1"' },
      );
      expectStatus(replaced, 200);
      assert.deepEqual(replaced.body.flags, ['web-b']);
      assert.equal(replaced.body.version, 2);
      expectStatus(await api.call('PUT', `${base}/web`, { tags: [] }, { 'if-match': '"1"' }), 409);
      expectStatus(await api.call('POST', base, { key: 'other' }), 201);
      const list = await api.call('GET', base);
      assert.deepEqual(
        (list.body.items as { key: string }[]).map((f) => f.key),
        ['other', 'web'],
      );
      expectStatus(await api.call('DELETE', `${base}/other`), 204);
      expectStatus(await api.call('GET', `${base}/other`), 404);
      expectStatus(await api.call('DELETE', `${base}/other`), 404);
    });

    test('bad input is a 4xx that says what to fix', { skip }, async () => {
      for (const body of [
        {},
        { key: '../x' },
        { key: 'a', tags: 'web' },
        { key: 'a', flagKeys: ['<img>'] },
        { key: 'a', extra: true },
        { key: 'x'.repeat(300) },
      ]) {
        const res = await api.call('POST', base, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(typeof res.body.message, 'string');
      }
      const renamed = await api.call('PUT', `${base}/web`, { key: 'other' });
      assert.equal(renamed.status, 400);
      assert.match(renamed.body.message as string, /cannot change/);
      expectStatus(await api.call('POST', '/api/v1/projects/nope/filters', { key: 'a' }), 404);
    });

    test('each environment gets the filter resolved to flag keys', { skip }, async () => {
      expectStatus(await api.call('POST', base, { key: 'mobile', tags: ['mobile'] }), 201);
      const items = filterItems(await changesOf(api, prod)).filter((f) => f.key === 'mobile');
      assert.deepEqual(items.at(-1)?.item, { key: 'mobile', version: 1, flags: ['ios'] });
    });

    test(
      'moving a flag into or out of a filter republishes it; targeting does not',
      { skip },
      async () => {
        const count = async () => filterItems(await changesOf(api, prod)).length;
        const before = await count();
        const targeting = await api.call('PATCH', '/api/v1/projects/p/flags/ios', [
          { op: 'replace', path: '/environments/prod/on', value: true },
        ]);
        expectStatus(targeting, 200);
        assert.equal(await count(), before, 'a targeting change publishes no filter');
        const retagged = await api.call('PATCH', '/api/v1/projects/p/flags/web-a', [
          { op: 'add', path: '/tags/-', value: 'mobile' },
        ]);
        expectStatus(retagged, 200);
        const latest = filterItems(await changesOf(api, prod)).filter((f) => f.key === 'mobile');
        assert.deepEqual((latest.at(-1)?.item as { flags: string[] }).flags, ['ios', 'web-a']);
        expectStatus(await api.call('DELETE', '/api/v1/projects/p/flags/ios'), 204);
        const afterDelete = filterItems(await changesOf(api, prod)).filter(
          (f) => f.key === 'mobile',
        );
        assert.deepEqual((afterDelete.at(-1)?.item as { flags: string[] }).flags, ['web-a']);
      },
    );

    test(
      "a new environment starts with the project's filters; export leaves them out",
      { skip },
      async () => {
        const env = await api.call('POST', '/api/v1/projects/p/environments', {
          key: 'staging',
          name: 'Staging',
        });
        expectStatus(env, 201);
        const keys = filterItems(await changesOf(api, env.body.clientSideId as string)).map(
          (f) => f.key,
        );
        assert.deepEqual(keys.sort(), ['mobile', 'web']);
        const exported = await api.call('GET', '/api/v1/projects/p/environments/staging/data');
        assert.deepEqual(Object.keys(exported.body.segments as object), []);
        assert.equal(JSON.stringify(exported.body).includes('"mobile"'), false);
      },
    );

    test(
      'a filter edit and a flag re-tag side by side: the last published filter has both',
      { skip },
      async () => {
        for (let i = 0; i < 8; i++) {
          const flag = `race-${i}`;
          const filter = `race-filter-${i}`;
          expectStatus(await api.call('POST', '/api/v1/projects/p/flags', boolFlag(flag)), 201);
          expectStatus(await api.call('POST', base, { key: filter }), 201);
          const [retag, edit] = await Promise.all([
            api.call('PATCH', `/api/v1/projects/p/flags/${flag}`, [
              { op: 'add', path: '/tags/-', value: `t${i}` },
            ]),
            api.call('PUT', `${base}/${filter}`, { tags: [`t${i}`] }),
          ]);
          expectStatus(retag, 200);
          expectStatus(edit, 200);
          const last = filterItems(await changesOf(api, prod))
            .filter((f) => f.key === filter)
            .at(-1);
          assert.deepEqual((last?.item as { flags: string[] }).flags, [flag], `round ${i}`);
        }
      },
    );

    test('deleting a filter publishes a tombstone and is audited', { skip }, async () => {
      expectStatus(await api.call('DELETE', `${base}/mobile`), 204);
      const last = filterItems(await changesOf(api, prod)).at(-1);
      assert.equal(last?.key, 'mobile');
      assert.equal((last?.item as { deleted?: boolean }).deleted, true);
      const audit = await api.call('GET', '/api/v1/audit?filter=mobile');
      const actions = (audit.body.items as { action: string }[]).map((e) => e.action);
      assert.ok(
        actions.includes('filter.delete') && actions.includes('filter.create'),
        String(actions),
      );
    });
  });
}

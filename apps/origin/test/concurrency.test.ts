import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  assertWellFormedLog,
  boolFlag,
  changesOf,
  createFlag,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore } from './support/stores.js';

// Concurrent writers to one flag, against every store: none may lose an update, and each
// environment's change log stays gap-free with versions increasing.

for (const kind of storeKinds) {
  describe(`concurrent writers to one flag (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    let project: SeededProject;
    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      project = await seedProject(api, 'p', ['prod', 'test']);
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test('50 parallel PATCHes without If-Match all land', { skip }, async () => {
      await createFlag(
        api,
        boolFlag('f', { environments: { prod: { targets: [{ values: [], variation: 0 }] } } }),
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          patchFlag(api, 'f', [
            { op: 'add', path: '/tags/-', value: `tag-${i}` },
            { op: 'add', path: '/environments/prod/targets/0/values/-', value: `user-${i}` },
          ]),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        Array(50).fill(200),
        JSON.stringify(results.find((r) => r.status !== 200)?.body),
      );
      const flag = (await api.call('GET', '/api/v1/projects/p/flags/f')).body;
      assert.equal(flag.version, 51);
      assert.deepEqual(
        [...flag.tags].sort(),
        Array.from({ length: 50 }, (_, i) => `tag-${i}`).sort(),
      );
      assert.equal(flag.environments.prod.targets[0].values.length, 50);
      assert.equal(flag.environments.prod.version, 51);
      assert.equal(flag.environments.test.version, 1);
      // Each reply saw a distinct version: the writes were serialized, none was overwritten.
      assert.equal(new Set(results.map((r) => r.body.version)).size, 50);

      const prod = await changesOf(api, project.envs['prod']!.id);
      assertWellFormedLog(prod);
      assert.equal(prod.length, 51);
      assert.deepEqual(
        prod.map((c) => c.version),
        Array.from({ length: 51 }, (_, i) => i + 1),
      );
      const last = prod.at(-1)!.item as { targets: { values: string[] }[] };
      assert.equal(last.targets[0]!.values.length, 50);
      assert.equal((await api.store.getEnvironmentById(project.envs['prod']!.id))!.seq, 51);
      assertWellFormedLog(await changesOf(api, project.envs['test']!.id));
    });

    test('20 parallel PATCHes with the same If-Match: exactly one wins', { skip }, async () => {
      const created = await createFlag(api, boolFlag('g'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          patchFlag(
            api,
            'g',
            [
              { op: 'replace', path: '/environments/prod/on', value: i % 2 === 0 },
              { op: 'replace', path: '/name', value: `n${i}` },
            ],
            { 'if-match': `"${created['version'] as number}"` },
          ),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, ...Array(19).fill(409)]);
      for (const r of results.filter((x) => x.status === 409))
        assert.equal(r.body.code, 'VERSION_MISMATCH');
      const winner = results.find((r) => r.status === 200)!.body;
      const flag = (await api.call('GET', '/api/v1/projects/p/flags/g')).body;
      assert.equal(flag.version, 2);
      assert.equal(flag.name, winner.name);
      assertWellFormedLog(await changesOf(api, project.envs['prod']!.id));
    });

    const creates: [string, string, (i: number) => unknown, string | undefined][] = [
      [
        'an environment',
        '/api/v1/projects/p/environments',
        (i) => ({ key: 'dev', name: `d${i}` }),
        undefined,
      ],
      ['a flag', '/api/v1/projects/p/flags', (i) => boolFlag('h', { name: `h${i}` }), undefined],
      [
        'a segment',
        '/api/v1/projects/p/environments/prod/segments',
        (i) => ({ key: 's', name: `s${i}` }),
        undefined,
      ],
      ['a project', '/api/v1/projects', (i) => ({ key: 'q', name: `q${i}` }), undefined],
    ];
    for (const [what, path, body, todo] of creates) {
      test(
        `10 parallel creates of ${what} with one key: one 201, nine 409`,
        { skip, todo },
        async () => {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => api.call('POST', path, body(i))),
          );
          assert.deepEqual(
            results.map((r) => r.status).sort(),
            [201, ...Array(9).fill(409)],
            JSON.stringify(results.filter((r) => r.status !== 201).map((r) => r.body)),
          );
          for (const r of results.filter((x) => x.status === 409)) {
            assert.equal(r.body.code, 'CONFLICT');
            assert.match(r.body.message, /already exists/);
          }
          const winner = results.find((r) => r.status === 201)!.body;
          const got = await api.call('GET', `${path}/${winner.key as string}`);
          assert.equal(got.body.name, winner.name, 'the created record was overwritten');
          const created = (await api.store.listAudit({ limit: 1000 })).filter(
            (e) => e.resourceKey === winner.key && e.action.endsWith('.create'),
          );
          assert.equal(created.length, 1);
        },
      );
    }
  });
}

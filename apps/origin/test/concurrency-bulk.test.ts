import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiResponse, type ApiServer } from './support/api-server.js';
import {
  assertWellFormedLog,
  boolFlag,
  changesOf,
  createFlag,
  expectStatus,
  patchFlag,
  seedProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore } from './support/stores.js';

// Writes that rewrite every flag of a project (creating or deleting an environment, importing
// into one) running while PATCHes hit one of those flags: neither may undo the other.

const TAGS = 20;

for (const kind of storeKinds) {
  describe(`bulk writes alongside PATCHes (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
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

    /** Sends TAGS tag-adding PATCHes to `flag` with `bulk` in their midst; returns bulk's reply. */
    const race = async (flag: string, bulk: () => Promise<ApiResponse>) => {
      await createFlag(api, boolFlag(flag));
      const patch = (i: number) =>
        patchFlag(api, flag, [{ op: 'add', path: '/tags/-', value: `t${i}` }]);
      const first = Array.from({ length: TAGS / 2 }, (_, i) => patch(i));
      const bulkReply = bulk();
      const second = Array.from({ length: TAGS / 2 }, (_, i) => patch(TAGS / 2 + i));
      const patches = await Promise.all([...first, ...second]);
      for (const r of patches) expectStatus(r, 200);
      const reply = await bulkReply;
      const got = (await api.call('GET', `/api/v1/projects/p/flags/${flag}`)).body;
      assert.equal(got.tags.length, TAGS, `tags lost: ${JSON.stringify(got.tags)}`);
      // An import rewrites the flag as one more version; an environment change does not.
      assert.ok(got.version >= TAGS + 1);
      return { reply, flag: got };
    };

    test('creating an environment', { skip }, async () => {
      const { reply, flag } = await race('a', () =>
        api.call('POST', '/api/v1/projects/p/environments', { key: 'staging', name: 'Staging' }),
      );
      expectStatus(reply, 201);
      assert.ok(flag.environments.staging !== undefined, 'the new environment lost its targeting');
      const log = await changesOf(api, reply.body.clientSideId);
      assertWellFormedLog(log);
      assert.ok(log.some((c) => c.key === 'a'));
    });

    test('importing into an environment', { skip }, async () => {
      const { reply, flag } = await race('b', () =>
        api.call('PUT', '/api/v1/projects/p/environments/test/data', {
          flags: { imported: { key: 'imported', version: 1, on: true, variations: [1] } },
        }),
      );
      expectStatus(reply, 200);
      assert.equal(flag.environments.test, undefined, 'the import was undone');
      const exported = await api.call('GET', '/api/v1/projects/p/environments/test/data');
      assert.deepEqual(Object.keys(exported.body.flags), ['imported']);
    });

    test('deleting an environment', { skip }, async () => {
      const { reply, flag } = await race('c', () =>
        api.call('DELETE', '/api/v1/projects/p/environments/staging'),
      );
      expectStatus(reply, 204);
      assert.equal(flag.environments.staging, undefined, 'the deleted environment came back');
      const stored = await api.store.getFlag('p', 'c');
      assert.deepEqual(Object.keys(stored!.environments).sort(), ['prod', 'test']);
    });
  });
}

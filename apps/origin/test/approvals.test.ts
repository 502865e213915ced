import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer } from './support/api-server.js';
import {
  boolFlag,
  createFlag,
  expectError,
  expectStatus,
  patchFlag,
  seedProject,
  type SeededProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore, type StoreKind } from './support/stores.js';

// Approvals: an environment that requires approval turns a PATCH of its flag targeting into a
// change request (202) that another member approves (applied through the same commit as a
// PATCH), rejects with a reason, or its requester withdraws; a request whose flag changed in what
// it touches is refused with a 409 and marked stale. Roles and identities are enforced by the API.

const REQUESTS = '/api/v1/projects/p/change-requests';
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const turnOn = (env: string, value: boolean) => [
  { op: 'replace', path: `/environments/${env}/on`, value },
];

for (const kind of storeKinds) describeApprovals(kind);

function describeApprovals(kind: StoreKind) {
  describe(`approvals (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    let seeded: SeededProject;
    const tokens: Record<string, string> = {};
    const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
    const call = (who: string, method: string, path: string, body?: unknown, headers = {}) =>
      api.call(method, path, body, { ...as(who), ...headers });
    const requireApproval = (env: string, value: boolean, who = 'admin') =>
      call(who, 'PATCH', `/api/v1/projects/p/environments/${env}`, [
        { op: 'replace', path: '/requireApproval', value },
      ]);
    const flag = async (key = 'f') =>
      (await api.call('GET', `/api/v1/projects/p/flags/${key}`)).body;
    const request = async (who: string, ops: unknown, headers = {}) => {
      const res = await patchFlag(api, 'f', ops, { ...as(who), ...JSON_PATCH, ...headers });
      expectStatus(res, 202);
      return res.body;
    };

    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      seeded = await seedProject(api, 'p', ['prod', 'test']);
      for (const [name, role] of [
        ['alice', 'writer'],
        ['bob', 'writer'],
        ['rita', 'reader'],
        ['root', 'admin'],
      ] as const) {
        const res = await api.call('POST', '/api/v1/tokens', { name, role });
        expectStatus(res, 201);
        tokens[name] = res.body.token;
      }
      tokens['admin'] = tokens['root']!;
      await createFlag(api, boolFlag('f'));
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });
    const opts = { skip: skip ?? false };

    test('requiring approval is an admin setting of the environment, audited', opts, async () => {
      expectError(await requireApproval('prod', true, 'alice'), 403, 'FORBIDDEN', 'admin');
      const res = await requireApproval('prod', true);
      expectStatus(res, 200);
      assert.equal(res.body.requireApproval, true);
      const test = await api.call('GET', '/api/v1/projects/p/environments/test');
      assert.equal(test.body.requireApproval, false);
      const audit = await api.call('GET', '/api/v1/audit?limit=1');
      const [entry] = audit.body.items;
      assert.equal(entry.action, 'environment.update');
      assert.equal(entry.actor, 'root');
      assert.deepEqual([entry.before.requireApproval, entry.after.requireApproval], [false, true]);
      expectError(
        await requireApproval('prod', 'yes' as unknown as boolean),
        400,
        'VALIDATION_FAILED',
        'requireApproval',
      );
    });

    test(
      'a PATCH there becomes a pending change request (202); elsewhere it applies',
      opts,
      async () => {
        const before = await flag();
        const commits = api.commits.length;
        const created = await request('alice', turnOn('prod', true), {
          'x-vexil-comment': encodeURIComponent('launch ✓'),
        });
        assert.equal(created.status, 'pending');
        assert.deepEqual(created.environmentKeys, ['prod']);
        assert.deepEqual(created.patch, turnOn('prod', true));
        assert.equal(created.baseVersion, before.version);
        assert.equal(created.requestedBy.name, 'alice');
        assert.equal(created.comment, 'launch ✓');
        assert.equal('base' in created, false);
        assert.equal((await flag()).environments.prod.on, false, 'not applied');
        assert.equal((await flag()).version, before.version);
        assert.equal(api.commits.length, commits, 'nothing published');
        // The environment that needs no approval takes the change at once.
        expectStatus(await patchFlag(api, 'f', turnOn('test', true), as('alice')), 200);
        assert.equal((await flag()).environments.test.on, true);
        // Withdrawn again, so that later tests start clean.
        expectStatus(await call('alice', 'POST', `${REQUESTS}/${created.id}/withdraw`), 200);
      },
    );

    test(
      'a patch reaching beyond the environments that need approval is refused: split it',
      opts,
      async () => {
        const version = (await flag()).version;
        expectError(
          await patchFlag(
            api,
            'f',
            [...turnOn('prod', true), ...turnOn('test', false)],
            as('alice'),
          ),
          409,
          'CONFLICT',
          '"prod"',
          '"test"',
          'split',
        );
        expectError(
          await patchFlag(
            api,
            'f',
            [...turnOn('prod', true), { op: 'replace', path: '/name', value: 'F' }],
            as('alice'),
          ),
          409,
          'CONFLICT',
          'the flag itself',
        );
        expectError(
          await patchFlag(
            api,
            'f',
            [{ op: 'replace', path: '/environments', value: {} }],
            as('alice'),
          ),
          409,
          'CONFLICT',
          'every environment',
        );
        // An invalid change is refused now, not when approved.
        expectError(
          await patchFlag(
            api,
            'f',
            [{ op: 'replace', path: '/environments/prod/offVariation', value: 7 }],
            as('alice'),
          ),
          400,
          'VALIDATION_FAILED',
        );
        // A flag-wide change needs no approval.
        expectStatus(
          await patchFlag(
            api,
            'f',
            [{ op: 'replace', path: '/description', value: 'd' }],
            as('alice'),
          ),
          200,
        );
        assert.equal((await flag()).version, version + 1);
      },
    );

    test(
      'another writer approves: applied, published and audited with both names',
      opts,
      async () => {
        const created = await request('alice', turnOn('prod', true), {
          'x-vexil-comment': 'ship',
        });
        expectError(
          await call('alice', 'POST', `${REQUESTS}/${created.id}/approve`),
          403,
          'FORBIDDEN',
          'another member',
        );
        expectError(
          await call('rita', 'POST', `${REQUESTS}/${created.id}/approve`),
          403,
          'FORBIDDEN',
          'writer',
        );
        const commits = api.commits.length;
        const res = await call('bob', 'POST', `${REQUESTS}/${created.id}/approve`);
        expectStatus(res, 200);
        assert.equal(res.body.status, 'approved');
        assert.equal(res.body.decidedBy.name, 'bob');
        const after = await flag();
        assert.equal(after.environments.prod.on, true);
        assert.equal(res.body.appliedVersion, after.version);
        assert.deepEqual(api.commits.slice(commits), [[seeded.envs['prod']!.id]]);
        const audit = await api.call('GET', '/api/v1/audit?limit=2&flag=f');
        const update = audit.body.items.find((e: { action: string }) => e.action === 'flag.update');
        assert.ok(update, JSON.stringify(audit.body.items));
        assert.equal(update.actor, 'bob');
        assert.match(update.comment, /by alice \("ship"\), approved by bob/);
        expectError(
          await call('bob', 'POST', `${REQUESTS}/${created.id}/approve`),
          409,
          'CONFLICT',
          'approved, not pending',
        );
      },
    );

    test(
      'an admin cannot approve their own request either; identity is the token',
      opts,
      async () => {
        const created = await request('root', turnOn('prod', false));
        expectError(
          await call('root', 'POST', `${REQUESTS}/${created.id}/approve`),
          403,
          'FORBIDDEN',
        );
        expectStatus(await call('alice', 'POST', `${REQUESTS}/${created.id}/approve`), 200);
        assert.equal((await flag()).environments.prod.on, false);
      },
    );

    test('rejecting records a reason; only the requester withdraws', opts, async () => {
      const created = await request('alice', turnOn('prod', true));
      const url = `${REQUESTS}/${created.id}`;
      expectError(
        await call('bob', 'POST', `${url}/reject`, {}),
        400,
        'VALIDATION_FAILED',
        'reason',
      );
      expectError(
        await call('bob', 'POST', `${url}/reject`, { reason: '   ' }),
        400,
        'VALIDATION_FAILED',
        'reason',
      );
      expectError(
        await call('alice', 'POST', `${url}/reject`, { reason: 'x' }),
        403,
        'FORBIDDEN',
        'withdraw',
      );
      expectError(await call('bob', 'POST', `${url}/withdraw`), 403, 'FORBIDDEN', 'alice');
      const res = await call('bob', 'POST', `${url}/reject`, { reason: 'not during the freeze' });
      expectStatus(res, 200);
      assert.equal(res.body.status, 'rejected');
      assert.equal(res.body.reason, 'not during the freeze');
      assert.equal((await flag()).environments.prod.on, false);
      expectError(await call('alice', 'POST', `${url}/withdraw`), 409, 'CONFLICT', 'rejected');

      const mine = await request('alice', turnOn('prod', true));
      const withdrawn = await call('alice', 'POST', `${REQUESTS}/${mine.id}/withdraw`);
      expectStatus(withdrawn, 200);
      assert.equal(withdrawn.body.status, 'withdrawn');
      assert.equal((await flag()).environments.prod.on, false);
    });

    test(
      'a conflicting change since the request: 409, marked stale; an unrelated one is fine',
      opts,
      async () => {
        const unrelated = await request('alice', turnOn('prod', true));
        expectStatus(
          await patchFlag(
            api,
            'f',
            [{ op: 'replace', path: '/description', value: 'e' }],
            as('bob'),
          ),
          200,
        );
        expectStatus(await patchFlag(api, 'f', turnOn('test', false), as('bob')), 200);
        expectStatus(await call('bob', 'POST', `${REQUESTS}/${unrelated.id}/approve`), 200);
        assert.equal((await flag()).environments.prod.on, true);

        const stale = await request('alice', [
          { op: 'replace', path: '/environments/prod/fallthrough', value: { variation: 1 } },
        ]);
        // Someone changes prod's targeting in the meantime (with approval off for a moment).
        expectStatus(await requireApproval('prod', false), 200);
        expectStatus(await patchFlag(api, 'f', turnOn('prod', false), as('bob')), 200);
        expectStatus(await requireApproval('prod', true), 200);
        const version = (await flag()).version;
        const res = await call('bob', 'POST', `${REQUESTS}/${stale.id}/approve`);
        expectError(
          res,
          409,
          'CONFLICT',
          'the flag changed since this request was made',
          'targeting in "prod"',
          'ask for a new request',
        );
        assert.equal((await flag()).version, version, 'nothing applied');
        const got = await api.call('GET', `${REQUESTS}/${stale.id}`);
        assert.equal(got.body.status, 'stale');
        assert.match(got.body.reason, /the flag changed since this request was made/);
        expectError(
          await call('bob', 'POST', `${REQUESTS}/${stale.id}/approve`),
          409,
          'CONFLICT',
          'stale',
        );
      },
    );

    test('listing per project, per flag and by status; clear 4xx', opts, async () => {
      await createFlag(api, boolFlag('g'));
      const g = await patchFlag(api, 'g', turnOn('prod', true), { ...as('alice'), ...JSON_PATCH });
      expectStatus(g, 202);
      const all = (await api.call('GET', REQUESTS)).body.items;
      assert.equal(all[0].id, g.body.id, 'newest first');
      assert.ok(all.length >= 7);
      const pending = (await api.call('GET', `${REQUESTS}?status=pending`)).body.items;
      assert.deepEqual(
        pending.map((r: { id: string }) => r.id),
        [g.body.id],
      );
      const forF = (await call('rita', 'GET', '/api/v1/projects/p/flags/f/change-requests')).body;
      assert.ok(forF.items.length >= 6);
      assert.ok(forF.items.every((r: { flagKey: string }) => r.flagKey === 'f'));
      const byQuery = (await api.call('GET', `${REQUESTS}?flag=g&status=pending`)).body.items;
      assert.equal(byQuery.length, 1);
      expectStatus(await call('rita', 'GET', `${REQUESTS}/${g.body.id}`), 200);
      expectError(await api.call('GET', `${REQUESTS}?status=maybe`), 400, 'VALIDATION_FAILED');
      expectError(await api.call('GET', `${REQUESTS}/nope`), 404, 'NOT_FOUND', 'nope');
      expectError(await api.call('GET', '/api/v1/projects/zz/change-requests'), 404, 'NOT_FOUND');
      expectError(
        await api.call('GET', '/api/v1/projects/p/flags/zz/change-requests'),
        404,
        'NOT_FOUND',
      );
      expectError(await call('bob', 'POST', `${REQUESTS}/nope/approve`), 404, 'NOT_FOUND');
      expectError(
        await call('rita', 'POST', `${REQUESTS}/${g.body.id}/withdraw`),
        403,
        'FORBIDDEN',
      );
    });
  });
}

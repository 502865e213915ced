import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChangeRecord } from '@vexil/store';
import { startApiServer, type ApiResponse, type ApiServer } from './support/api-server.js';
import {
  assertWellFormedLog,
  boolFlag,
  changesOf,
  expectStatus,
  seedProject,
} from './support/fixtures.js';
import { storeKinds, type FreshStore, type StoreKind } from './support/stores.js';

// Every write that changes what SDKs see is published: onCommit names exactly the environments
// whose data changed, and each of them got one change-log entry per changed item, in the same
// commit. Writes that change nothing an SDK sees publish nothing.

interface Step {
  readonly name: string;
  readonly send: (api: ApiServer) => Promise<ApiResponse>;
  /** The (environment key, item key) pairs expected to get a change-log entry. */
  readonly changes: readonly [string, string][];
}

const flags = '/api/v1/projects/p/flags';
const data = (env: string) => `/api/v1/projects/p/environments/${env}/data`;
const patch = (key: string, ops: unknown[]) => (api: ApiServer) =>
  api.call('PATCH', `${flags}/${key}`, ops);

// Keys deliberately out of PostgreSQL's JSONB order, which sorts them by length.
const IMPORTED = {
  flags: {
    g: {
      key: 'g',
      version: 4,
      on: true,
      variations: [1, 2],
      fallthrough: { variation: 1 },
      rules: [
        {
          variation: 0,
          id: 'rule-1',
          clauses: [{ contextKind: 'user', attribute: 'country', op: 'in', values: ['fr'] }],
        },
      ],
    },
  },
  segments: {
    s2: { key: 's2', version: 1, salt: 'x', rules: [{ weight: 5, clauses: [] }], included: ['a'] },
  },
};

const STEPS: readonly Step[] = [
  {
    name: 'create a flag',
    send: (api) =>
      api.call(
        'POST',
        flags,
        boolFlag('f', {
          environments: {
            prod: {
              rules: [
                {
                  id: 'r',
                  clauses: [{ contextKind: 'user', attribute: 'email', op: 'in', values: ['a'] }],
                  variation: 0,
                },
              ],
            },
          },
        }),
      ),
    changes: [
      ['prod', 'f'],
      ['test', 'f'],
    ],
  },
  {
    name: 'toggle it in prod',
    send: patch('f', [{ op: 'replace', path: '/environments/prod/on', value: true }]),
    changes: [['prod', 'f']],
  },
  {
    name: 'rename it',
    send: patch('f', [{ op: 'replace', path: '/name', value: 'F' }]),
    changes: [],
  },
  {
    name: 'add a variation',
    send: patch('f', [{ op: 'add', path: '/variations/-', value: { value: 'maybe' } }]),
    changes: [
      ['prod', 'f'],
      ['test', 'f'],
    ],
  },
  {
    name: 'create a segment in test',
    send: (api) => api.call('POST', '/api/v1/projects/p/environments/test/segments', { key: 's' }),
    changes: [['test', 's']],
  },
  {
    name: 'patch the segment',
    send: (api) =>
      api.call('PATCH', '/api/v1/projects/p/environments/test/segments/s', [
        { op: 'add', path: '/included/-', value: 'bob' },
      ]),
    changes: [['test', 's']],
  },
  {
    name: 'import into prod',
    send: (api) => api.call('PUT', data('prod'), IMPORTED),
    changes: [
      ['prod', 'g'],
      ['test', 'g'],
      ['prod', 'f'],
      ['prod', 's2'],
    ],
  },
  {
    name: 'import the same again',
    send: (api) => api.call('PUT', data('prod'), IMPORTED),
    changes: [],
  },
  {
    name: 'archive g',
    send: patch('g', [{ op: 'replace', path: '/archived', value: true }]),
    changes: [
      ['prod', 'g'],
      ['test', 'g'],
    ],
  },
  {
    name: 'delete the segment',
    send: (api) => api.call('DELETE', '/api/v1/projects/p/environments/test/segments/s'),
    changes: [['test', 's']],
  },
  {
    name: 'delete f',
    send: (api) => api.call('DELETE', `${flags}/f`),
    changes: [['test', 'f']],
  },
  {
    name: 'a refused write',
    send: patch('g', [{ op: 'replace', path: '/environments/prod/offVariation', value: 9 }]),
    changes: [],
  },
];

for (const kind of storeKinds) describePublication(kind);

function describePublication(kind: StoreKind) {
  describe(`every change is published (${kind.name} store)`, async () => {
    const skip = await kind.skip();
    let fresh: FreshStore;
    let api: ApiServer;
    let envIds: Record<string, string>;
    const logs = async () => ({
      prod: await changesOf(api, envIds['prod']!),
      test: await changesOf(api, envIds['test']!),
    });
    before(async () => {
      if (skip !== undefined) return;
      fresh = await kind.open();
      api = await startApiServer(fresh.store);
      const project = await seedProject(api, 'p', ['prod', 'test']);
      envIds = { prod: project.envs['prod']!.id, test: project.envs['test']!.id };
    });
    after(async () => {
      if (skip !== undefined) return;
      await api.close();
      await fresh.cleanup();
    });

    test(
      'each write reports its environments and appends one entry per changed item',
      { skip },
      async () => {
        for (const step of STEPS) {
          const before = await logs();
          const commits = api.commits.length;
          const res = await step.send(api);
          assert.ok(res.status < 500, `${step.name}: ${res.status}`);
          const after = await logs();
          const added: [string, string][] = [];
          for (const env of ['prod', 'test'] as const) {
            const fresh = after[env].slice(before[env].length);
            assert.deepEqual(after[env].slice(0, before[env].length), before[env], step.name);
            for (const c of fresh) added.push([env, c.key]);
          }
          const sort = (pairs: readonly [string, string][]) =>
            [...pairs].map((p) => p.join('/')).sort();
          assert.deepEqual(sort(added), sort(step.changes), step.name);
          const expectedEnvs = [...new Set(step.changes.map(([env]) => envIds[env]!))].sort();
          if (expectedEnvs.length === 0) {
            assert.equal(api.commits.length, commits, `${step.name}: published nothing`);
          } else {
            assert.equal(api.commits.length, commits + 1, `${step.name}: one commit`);
            assert.deepEqual([...api.commits.at(-1)!].sort(), expectedEnvs, step.name);
          }
        }
      },
    );

    test(
      'logs are gap-free, versions rise per key, and the export is the log replayed',
      { skip },
      async () => {
        for (const env of ['prod', 'test']) {
          const log = await changesOf(api, envIds[env]!);
          assertWellFormedLog(log);
          const latest = new Map<string, ChangeRecord>();
          for (const c of log) latest.set(`${c.kind}/${c.key}`, c);
          const res = await api.call('GET', data(env));
          expectStatus(res, 200);
          const served = [...latest.values()].filter(
            (c) => (c.item as { deleted?: boolean }).deleted !== true,
          );
          assert.deepEqual(
            Object.keys(res.body.flags).sort(),
            served
              .filter((c) => c.kind === 'flag')
              .map((c) => c.key)
              .sort(),
          );
          for (const c of served.filter((x) => x.kind === 'flag'))
            assert.deepEqual(res.body.flags[c.key], c.item);
          assert.equal(res.headers.get('x-vexil-seq'), String(log.length));
        }
      },
    );
  });
}

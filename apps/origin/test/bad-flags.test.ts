import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer, type ApiServer, type ApiResponse } from './support/api-server.js';
import {
  boolFlag,
  createFlag,
  expectError,
  fingerprint,
  patchFlag,
  seedProject,
} from './support/fixtures.js';

// Flags that are well-formed JSON but wrong: refused with 400 naming the field, both when
// created and when patched into an existing flag, with no change to the state.

const rollout = (...weights: [number, number][]) => ({
  rollout: { variations: weights.map(([variation, weight]) => ({ variation, weight })) },
});
const rule = (fields: Record<string, unknown>) => ({ clauses: [], variation: 0, ...fields });
const clause = (fields: Record<string, unknown>) => ({
  rules: [{ variation: 0, clauses: [{ attribute: 'email', op: 'in', values: ['a'], ...fields }] }],
});

interface BadTargeting {
  readonly name: string;
  /** Targeting fields for environment `prod` of a flag with variations true, false. */
  readonly prod: Record<string, unknown>;
  /** The field path the error must name, and other words it must contain. */
  readonly mentions: readonly string[];
}

const BAD_TARGETING: readonly BadTargeting[] = [
  {
    name: 'offVariation out of range',
    prod: { offVariation: 2 },
    mentions: ['environments.prod.offVariation', 'out of range'],
  },
  {
    name: 'rule variation out of range',
    prod: { rules: [rule({ variation: 5 })] },
    mentions: ['environments.prod.rules[0].variation', 'out of range'],
  },
  {
    name: 'target variation out of range',
    prod: { targets: [{ values: ['alice'], variation: 2 }] },
    mentions: ['environments.prod.targets[0].variation'],
  },
  {
    name: 'rollout variation out of range',
    prod: { fallthrough: rollout([0, 50000], [3, 50000]) },
    mentions: ['environments.prod.fallthrough.rollout.variations[1].variation'],
  },
  {
    name: 'rollout weights summing to 99999',
    prod: { rules: [{ clauses: [], ...rollout([0, 50000], [1, 49999]) }] },
    mentions: ['environments.prod.rules[0].rollout.variations', '99999', '100000'],
  },
  {
    name: 'a rule with neither variation nor rollout',
    prod: { rules: [{ clauses: [] }] },
    mentions: ['environments.prod.rules[0]', 'rollout'],
  },
  {
    name: 'prerequisite on a missing flag',
    prod: { prerequisites: [{ key: 'ghost', variation: 0 }] },
    mentions: ['environments.prod.prerequisites[0].key', '"ghost"'],
  },
  {
    name: 'prerequisite variation the prerequisite does not have',
    prod: { prerequisites: [{ key: 'g', variation: 4 }] },
    mentions: ['environments.prod.prerequisites[0].variation', '"g"'],
  },
  {
    name: 'invalid regex in a matches clause',
    prod: clause({ op: 'matches', values: ['(unclosed'] }),
    mentions: ['environments.prod.rules[0].clauses[0].values[0]', 'RE2'],
  },
  {
    name: 'unknown operator',
    prod: clause({ op: 'like' }),
    mentions: ['environments.prod.rules[0].clauses[0].op', '"like"'],
  },
  {
    name: 'invalid attribute reference',
    prod: clause({ contextKind: 'user', attribute: '/address//city' }),
    mentions: ['environments.prod.rules[0].clauses[0].attribute', 'empty component'],
  },
  {
    name: 'a clause with no values',
    prod: clause({ values: [] }),
    mentions: ['environments.prod.rules[0].clauses[0].values'],
  },
];

describe('semantically invalid flags', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
    await seedProject(api, 'p', ['prod', 'test']);
    await createFlag(api, boolFlag('f'));
    await createFlag(api, boolFlag('g'));
  });
  after(() => api.close());

  const refused = async (send: () => Promise<ApiResponse>, ...mentions: string[]) => {
    const before = await fingerprint(api);
    const res = await send();
    expectError(res, 400, 'VALIDATION_FAILED', ...mentions);
    assert.equal(await fingerprint(api), before, 'the refused write changed the state');
    return res;
  };

  for (const bad of BAD_TARGETING) {
    test(`${bad.name}: refused at creation`, async () => {
      await refused(
        () =>
          api.call(
            'POST',
            '/api/v1/projects/p/flags',
            boolFlag('h', { environments: { prod: bad.prod } }),
          ),
        ...bad.mentions,
      );
    });
    test(`${bad.name}: refused in a patch`, async () => {
      const ops = Object.entries(bad.prod).map(([field, value]) => ({
        op: 'replace',
        path: `/environments/prod/${field}`,
        value,
      }));
      await refused(() => patchFlag(api, 'f', ops), ...bad.mentions);
    });
  }

  test('prerequisite on the flag itself', async () => {
    await refused(
      () =>
        api.call(
          'POST',
          '/api/v1/projects/p/flags',
          boolFlag('h', {
            environments: { prod: { prerequisites: [{ key: 'h', variation: 0 }] } },
          }),
        ),
      'environments.prod.prerequisites[0].key',
      'own prerequisite',
    );
    await refused(
      () =>
        patchFlag(api, 'f', [
          {
            op: 'add',
            path: '/environments/test/prerequisites/-',
            value: { key: 'f', variation: 0 },
          },
        ]),
      'environments.test.prerequisites[0].key',
      'own prerequisite',
    );
  });

  test('prerequisite cycle A -> B -> A', async () => {
    await createFlag(api, boolFlag('a'));
    await createFlag(
      api,
      boolFlag('b', { environments: { prod: { prerequisites: [{ key: 'a', variation: 0 }] } } }),
    );
    await refused(
      () =>
        patchFlag(api, 'a', [
          {
            op: 'add',
            path: '/environments/prod/prerequisites/-',
            value: { key: 'b', variation: 1 },
          },
        ]),
      'environments.prod.prerequisites',
      'cycle',
      'a -> b -> a',
    );
    // The same prerequisite in another environment makes no cycle.
    const ok = await patchFlag(api, 'a', [
      { op: 'add', path: '/environments/test/prerequisites/-', value: { key: 'b', variation: 1 } },
    ]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('an unknown environment key in a create body', async () => {
    await refused(
      () =>
        api.call(
          'POST',
          '/api/v1/projects/p/flags',
          boolFlag('h', { environments: { staging: { on: true } } }),
        ),
      'environments.staging',
      'prod, test',
    );
  });

  test('defaults out of range name the defaults', async () => {
    await refused(
      () =>
        api.call(
          'POST',
          '/api/v1/projects/p/flags',
          boolFlag('h', { defaults: { offVariation: 2 } }),
        ),
      'defaults.offVariation',
    );
    await refused(
      () =>
        api.call(
          'POST',
          '/api/v1/projects/p/flags',
          boolFlag('h', { defaults: { onVariation: 3 } }),
        ),
      'defaults.onVariation',
    );
  });

  test('read-only fields cannot be patched', async () => {
    const cases: [string, unknown, string][] = [
      ['/key', 'other', 'key'],
      ['/version', 7, 'version'],
      ['/createdAt', 1, 'createdAt'],
      ['/environments/prod/version', 9, 'environments.prod.version'],
    ];
    for (const [path, value, field] of cases) {
      const res = await refused(
        () => patchFlag(api, 'f', [{ op: 'replace', path, value }]),
        field,
        'read-only',
      );
      assert.equal(res.body.details[0].path, field);
    }
    await refused(
      () => patchFlag(api, 'f', [{ op: 'add', path: '/environments/staging', value: {} }]),
      'environments.staging',
    );
  });

  test('variations: at least one, and every index in use must stay valid', async () => {
    await refused(
      () => patchFlag(api, 'f', [{ op: 'replace', path: '/variations', value: [] }]),
      'variations',
    );
    // Removing a variation that targeting still serves is a conflict naming where it is used.
    const before = await fingerprint(api);
    expectError(
      await patchFlag(api, 'f', [{ op: 'remove', path: '/variations/1' }]),
      409,
      'CONFLICT',
      'variation 1 (false) is in use',
      'off variation in prod',
    );
    assert.equal(await fingerprint(api), before);
    // Changed in the same patch, the targeting is checked against the new variations.
    await refused(
      () =>
        patchFlag(api, 'f', [
          { op: 'remove', path: '/variations/1' },
          { op: 'replace', path: '/environments/prod/on', value: true },
          { op: 'replace', path: '/environments/test/on', value: true },
        ]),
      'environments.prod.offVariation',
      'out of range',
    );
  });
});

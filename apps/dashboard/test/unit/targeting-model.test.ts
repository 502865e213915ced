import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Targeting } from '../../src/api/types.js';
import {
  individualTargets,
  newRule,
  serveKind,
  targetingProblems,
  toRollout,
  toVariation,
  withIndividualTargets,
  withServe,
} from '../../src/editor/targeting-model.js';

const base: Targeting = {
  on: true,
  offVariation: 1,
  fallthrough: { variation: 0 },
  prerequisites: [],
  targets: [],
  contextTargets: [],
  rules: [],
  salt: 's',
  clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
};
const ctx = { flagKey: 'f', variationCount: 2, flagKeys: ['f', 'other'], segmentKeys: ['beta'] };

describe('targeting model', () => {
  test('switching to a rollout starts at 100% of the served variation, and back', () => {
    const rollout = toRollout({ variation: 1 }, 2);
    assert.equal(serveKind(rollout), 'rollout');
    assert.deepEqual(rollout, {
      rollout: {
        variations: [
          { variation: 0, weight: 0 },
          { variation: 1, weight: 100000 },
        ],
      },
    });
    assert.deepEqual(toVariation(rollout, 2), { variation: 1 });
    assert.deepEqual(toVariation({ variation: 1 }, 2), { variation: 1 });
    assert.equal(toRollout(rollout, 2), rollout);
  });

  test('withServe replaces what a rule serves and keeps the rest of it', () => {
    const rule = newRule('r1');
    assert.deepEqual(withServe(rule, { rollout: { variations: [] } }), {
      id: 'r1',
      clauses: rule.clauses,
      rollout: { variations: [] },
    });
  });

  test('user targets live in targets until another kind is targeted', () => {
    const users = withIndividualTargets(base, [
      { contextKind: 'user', variation: 0, values: ['u1'] },
    ]);
    assert.deepEqual(users.targets, [{ values: ['u1'], variation: 0 }]);
    assert.deepEqual(users.contextTargets, []);
    const mixed = withIndividualTargets(base, [
      { contextKind: 'org', variation: 1, values: ['acme'] },
      { contextKind: 'user', variation: 0, values: ['u1'] },
      { contextKind: 'user', variation: 1, values: [] },
    ]);
    assert.deepEqual(mixed.targets, [{ values: ['u1'], variation: 0 }]);
    // The user entry stays in order as a placeholder, or LaunchDarkly would ignore `targets`.
    assert.deepEqual(mixed.contextTargets, [
      { contextKind: 'org', values: ['acme'], variation: 1 },
      { contextKind: 'user', values: [], variation: 0 },
    ]);
    assert.deepEqual(individualTargets(mixed), [
      { contextKind: 'org', variation: 1, values: ['acme'] },
      { contextKind: 'user', variation: 0, values: ['u1'] },
    ]);
  });

  test('user targets that no placeholder names are still listed', () => {
    const t = {
      ...base,
      targets: [{ values: ['u'], variation: 1 }],
      contextTargets: [{ contextKind: 'org', values: ['o'], variation: 0 }],
    };
    assert.deepEqual(
      individualTargets(t).map((x) => x.contextKind),
      ['org', 'user'],
    );
  });

  test('problems name the part and say what to do', () => {
    assert.deepEqual(targetingProblems(base, ctx), []);
    const bad: Targeting = {
      ...base,
      offVariation: 5,
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 30000 },
            { variation: 1, weight: 60000 },
          ],
        },
      },
      rules: [
        { id: 'a', clauses: [], variation: 0 },
        {
          id: 'b',
          clauses: [{ attribute: '', op: 'segmentMatch', values: ['nope'] }],
          variation: 9,
        },
      ],
      prerequisites: [
        { key: 'f', variation: 0 },
        { key: 'missing', variation: 0 },
      ],
    };
    assert.deepEqual(targetingProblems(bad, ctx), [
      { where: 'Off variation', message: 'choose a variation to serve when off' },
      { where: 'Default rule', message: 'rollout weights add up to 90%, not 100%' },
      { where: 'Rule 1', message: 'add at least one condition' },
      { where: 'Rule 2, condition 1', message: 'no segment "nope" in this environment' },
      { where: 'Rule 2', message: 'choose a variation to serve' },
      { where: 'Prerequisite 1', message: 'a flag cannot require itself' },
      { where: 'Prerequisite 2', message: 'choose a flag (no flag "missing")' },
    ]);
  });
});

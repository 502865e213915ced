import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flag, Targeting } from '../../src/api/types.js';
import {
  allTags,
  describeTargeting,
  filterFlags,
  variationName,
} from '../../src/model/flag-summary.js';
import { keyFromName, parseTags, parseVariationValue } from '../../src/model/variation-input.js';

const targeting = (over: Partial<Targeting>): Targeting => ({
  on: true,
  offVariation: 1,
  fallthrough: { variation: 0 },
  prerequisites: [],
  targets: [],
  contextTargets: [],
  rules: [],
  salt: 's',
  clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: false },
  ...over,
});
const flag = (key: string, over: Partial<Flag> = {}): Flag => ({
  key,
  name: key,
  description: '',
  tags: [],
  variations: [{ value: true, name: 'New' }, { value: false }],
  temporary: true,
  archived: false,
  version: 1,
  createdAt: 0,
  updatedAt: 0,
  environments: { production: targeting({}), test: targeting({ on: false }) },
  ...over,
});

describe('flag summaries', () => {
  test('variations by name, else by value', () => {
    assert.equal(variationName(flag('f'), 0), 'New');
    assert.equal(variationName(flag('f'), 1), 'false');
    assert.equal(variationName(flag('f'), 5), 'variation 5 (missing)');
    assert.equal(variationName(flag('f'), undefined), 'no variation');
  });

  test('what a flag serves, in a few words', () => {
    const f = flag('f');
    assert.equal(describeTargeting(f, targeting({ on: false })), 'off: serves false');
    assert.equal(
      describeTargeting(
        f,
        targeting({
          rules: [{ clauses: [] }],
          fallthrough: {
            rollout: {
              variations: [
                { variation: 0, weight: 30000 },
                { variation: 1, weight: 70000 },
              ],
            },
          },
        }),
      ),
      '1 rule, then 30% New / 70% false',
    );
    assert.equal(describeTargeting(f, undefined), 'not served here');
  });

  test('filters: text in key, name or description; tag; state in the environment', () => {
    const flags = [
      flag('alpha', { tags: ['x'], description: 'Checkout redesign' }),
      flag('beta', { tags: ['y', 'x'], environments: { production: targeting({ on: false }) } }),
    ];
    const keys = (f: Flag[]) => f.map((x) => x.key);
    assert.deepEqual(
      keys(filterFlags(flags, 'production', { text: 'CHECKOUT', tag: '', state: 'all' })),
      ['alpha'],
    );
    assert.deepEqual(keys(filterFlags(flags, 'production', { text: '', tag: 'y', state: 'all' })), [
      'beta',
    ]);
    assert.deepEqual(keys(filterFlags(flags, 'production', { text: '', tag: '', state: 'off' })), [
      'beta',
    ]);
    assert.deepEqual(keys(filterFlags(flags, 'production', { text: '', tag: 'x', state: 'on' })), [
      'alpha',
    ]);
    assert.deepEqual(allTags(flags), ['x', 'y']);
  });
});

describe('creating a flag', () => {
  test('keys come from names', () => {
    assert.equal(keyFromName('New checkout flow!'), 'new-checkout-flow');
    assert.equal(keyFromName('  Crème brûlée v2.1 '), 'creme-brulee-v2.1');
    assert.equal(keyFromName('---'), '');
  });

  test('variation values are typed by the kind of flag', () => {
    assert.deepEqual(parseVariationValue('number', ' 4.5 '), { ok: true, value: 4.5 });
    assert.equal(parseVariationValue('number', 'x').ok, false);
    assert.deepEqual(parseVariationValue('json', '{"a":[1]}'), { ok: true, value: { a: [1] } });
    assert.equal(parseVariationValue('json', '{').ok, false);
    assert.deepEqual(parseVariationValue('string', ' a '), { ok: true, value: ' a ' });
    assert.deepEqual(parseVariationValue('boolean', 'false'), { ok: true, value: false });
  });

  test('tags split on commas and spaces without duplicates', () => {
    assert.deepEqual(parseTags('a, b  c,a,'), ['a', 'b', 'c']);
  });
});

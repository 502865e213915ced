import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFlag, parseSdkData, parseSegment } from '@vexil/protocol';

function errorOf(result: ReturnType<typeof parseFlag> | ReturnType<typeof parseSegment>) {
  assert.ok(!result.ok, 'expected a validation error');
  return result.error;
}

describe('parseFlag', () => {
  test('fills LaunchDarkly defaults, drops nulls and unknown properties', () => {
    const result = parseFlag({
      key: 'f',
      on: true,
      variations: [true, false],
      offVariation: null,
      salt: null,
      _links: { self: '/x' },
      rules: [
        { clauses: [{ attribute: 'email', op: 'endsWith', values: ['@x.com'] }], variation: 0 },
      ],
      fallthrough: { variation: 1 },
      debugEventsUntilDate: null,
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      key: 'f',
      version: 0,
      on: true,
      variations: [true, false],
      rules: [
        { clauses: [{ attribute: 'email', op: 'endsWith', values: ['@x.com'] }], variation: 0 },
      ],
      fallthrough: { variation: 1 },
    });
  });

  test('keeps semantically broken but structurally valid flags (an SDK would accept them)', () => {
    const result = parseFlag({
      key: 'f',
      on: true,
      variations: [1],
      offVariation: 7,
      fallthrough: { variation: 9 },
    });
    assert.ok(result.ok);
    assert.equal(result.value.offVariation, 7);
  });

  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', 42, '', /expected an object, got number 42/],
    ['missing key', { on: true }, 'key', /non-empty flag key is required/],
    [
      'wrong version type',
      { key: 'f', version: 'no' },
      'version',
      /expected a number, got the string "no"/,
    ],
    ['fractional version', { key: 'f', version: 1.5 }, 'version', /expected an integer/],
    ['on as a string', { key: 'f', on: 'yes' }, 'on', /expected true or false/],
    [
      'variations not an array',
      { key: 'f', variations: {} },
      'variations',
      /expected an array, got an object/,
    ],
    [
      'clause op of the wrong type',
      { key: 'f', rules: [{ clauses: [{ attribute: 'a', op: 3, values: [] }] }] },
      'rules[0].clauses[0].op',
      /expected a string/,
    ],
    [
      'rollout weight as a string',
      { key: 'f', fallthrough: { rollout: { variations: [{ variation: 0, weight: '100' }] } } },
      'fallthrough.rollout.variations[0].weight',
      /expected a number/,
    ],
    [
      'target values with a number',
      { key: 'f', targets: [{ values: ['a', 3], variation: 0 }] },
      'targets[0].values[1]',
      /expected a string/,
    ],
  ];
  for (const [name, json, path, message] of cases) {
    test(`rejects ${name}, naming the field`, () => {
      const error = errorOf(parseFlag(json));
      assert.equal(error.code, 'INVALID_FLAG');
      assert.equal(error.path, path);
      assert.match(error.message, message);
      if (path !== '') assert.ok(error.message.startsWith(`${path}: `));
    });
  }
});

describe('parseSegment', () => {
  test('parses included/excluded contexts and weighted rules', () => {
    const result = parseSegment({
      key: 's',
      version: 3,
      included: ['a'],
      includedContexts: [{ contextKind: 'org', values: ['acme'] }],
      rules: [{ id: 'r', clauses: [], weight: 25000, bucketBy: 'key', rolloutContextKind: 'user' }],
      generation: null,
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.rules, [
      { id: 'r', clauses: [], weight: 25000, bucketBy: 'key', rolloutContextKind: 'user' },
    ]);
  });

  test('rejects wrong types with the path', () => {
    const error = errorOf(
      parseSegment({ key: 's', includedContexts: [{ contextKind: 'org', values: 'acme' }] }),
    );
    assert.equal(error.code, 'INVALID_SEGMENT');
    assert.equal(error.path, 'includedContexts[0].values');
  });
});

describe('parseSdkData', () => {
  test('takes keys from the map and rejects a mismatching key', () => {
    const good = parseSdkData({ flags: { f: { version: 2 } }, segments: { s: {} } });
    assert.ok(good.ok);
    assert.equal(good.value.flags['f']?.key, 'f');
    assert.equal(good.value.segments['s']?.key, 's');
    const bad = parseSdkData({ flags: { f: { key: 'g' } } });
    assert.ok(!bad.ok);
    assert.equal(bad.error.path, 'flags.f.key');
    assert.match(bad.error.message, /does not match the key "f"/);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flag, Targeting } from '../../src/api/types.js';
import {
  environmentsServing,
  kindOf,
  moveRow,
  newRow,
  rowsOf,
  sameVariations,
  valueText,
  variationEdits,
} from '../../src/model/variation-edit.js';

const targeting = (over: Partial<Targeting>): Targeting => ({
  on: false,
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

describe('variation editing', () => {
  test('the kind of the values decides how they are typed in', () => {
    assert.equal(kindOf([{ value: true }, { value: false }]), 'boolean');
    assert.equal(kindOf([{ value: 'a' }, { value: 'b' }]), 'string');
    assert.equal(kindOf([{ value: 1 }, { value: 2.5 }]), 'number');
    assert.equal(kindOf([{ value: 'a' }, { value: 1 }]), 'json');
    assert.equal(kindOf([{ value: { a: 1 } }]), 'json');
    assert.equal(valueText('string', 'red'), 'red');
    assert.equal(valueText('json', 'red'), '"red"');
    assert.equal(valueText('json', { a: [1] }), '{"a":[1]}');
  });

  test('rows remember the variation they were, through moves, edits and additions', () => {
    const variations = [{ value: 'red', name: 'Red' }, { value: 'green' }, { value: 'blue' }];
    let rows = rowsOf(variations);
    assert.deepEqual(
      rows.map((r) => [r.from, r.value, r.name]),
      [
        [0, 'red', 'Red'],
        [1, 'green', ''],
        [2, 'blue', ''],
      ],
    );
    rows = moveRow(rows, 2, -1);
    rows = moveRow(rows, 0, -1);
    rows = [...rows.filter((r) => r.from !== 0), { ...newRow(), value: 'pink', name: ' Pink ' }];
    rows[0] = { ...rows[0]!, value: 'lime' };
    const parsed = variationEdits('string', rows);
    assert.deepEqual(parsed, {
      ok: true,
      edits: [
        { value: 'lime', from: 2 },
        { value: 'green', from: 1 },
        { value: 'pink', name: 'Pink' },
      ],
    });
    assert.notEqual(rows[2]!.id, newRow().id, 'each new row has its own key');
  });

  test('unreadable values, repeated values and no variations are reported by row', () => {
    assert.deepEqual(variationEdits('number', [{ ...newRow(), value: 'x' }]), {
      ok: false,
      error: 'Variation 1: "x" is not a number',
    });
    const twice = variationEdits('json', [
      { ...newRow(), value: '{"a":1}' },
      { ...newRow(), value: ' {"a": 1}' },
    ]);
    assert.equal(twice.ok, false);
    assert.match((twice as { error: string }).error, /Variations 1 and 2 have the same value/);
    assert.equal(variationEdits('string', []).ok, false);
  });

  test('unchanged rows are no change', () => {
    const variations = [{ value: 1, name: 'one' }, { value: 2 }];
    const same = variationEdits('number', rowsOf(variations));
    assert.ok(same.ok && sameVariations(variations, same.edits));
    const moved = variationEdits('number', moveRow(rowsOf(variations), 0, 1));
    assert.ok(moved.ok && !sameVariations(variations, moved.edits));
  });

  test('which environments serve a variation: off, default, rules, targets, rollouts above 0%', () => {
    const flag = {
      variations: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
      environments: {
        prod: targeting({
          fallthrough: {
            rollout: {
              variations: [
                { variation: 0, weight: 0 },
                { variation: 2, weight: 100000 },
              ],
            },
          },
        }),
        test: targeting({ rules: [{ clauses: [], variation: 2 }], targets: [] }),
        dev: targeting({ targets: [{ values: ['u'], variation: 2 }], offVariation: 0 }),
      },
    } as unknown as Flag;
    assert.deepEqual(environmentsServing(flag, 0), ['test', 'dev']);
    assert.deepEqual(environmentsServing(flag, 1), ['prod', 'test']);
    assert.deepEqual(environmentsServing(flag, 2), ['prod', 'test', 'dev']);
  });
});

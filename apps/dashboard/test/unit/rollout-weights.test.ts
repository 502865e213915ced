import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  TOTAL_WEIGHT,
  apportion,
  evenWeights,
  percentToWeight,
  rolloutWeights,
  setWeight,
  sumWeights,
  weightToPercent,
  withWeights,
} from '../../src/editor/rollout-weights.js';

describe('rollout weights', () => {
  test('percent text reads as thousandths and prints back without trailing zeros', () => {
    assert.equal(percentToWeight('30'), 30_000);
    assert.equal(percentToWeight(' 33.333 % '), 33_333);
    assert.equal(percentToWeight('12,5'), 12_500);
    assert.equal(percentToWeight('.5'), 500);
    assert.equal(percentToWeight('100'), 100_000);
    assert.equal(percentToWeight('0.0004'), 0);
    for (const bad of ['', 'abc', '-5', '100.1', '1e2', '5.5.5'])
      assert.equal(percentToWeight(bad), undefined, bad);
    assert.equal(weightToPercent(30_000), '30');
    assert.equal(weightToPercent(33_333), '33.333');
    assert.equal(weightToPercent(500), '0.5');
  });

  test('an even split adds up to exactly 100%', () => {
    assert.deepEqual(evenWeights(2), [50_000, 50_000]);
    assert.deepEqual(evenWeights(3), [33_334, 33_333, 33_333]);
    assert.deepEqual(evenWeights(0), []);
  });

  test('setting one of two weights gives the other the rest (30/70)', () => {
    assert.deepEqual(setWeight([100_000, 0], 0, 30_000), [30_000, 70_000]);
    assert.deepEqual(setWeight([30_000, 70_000], 1, 75_000), [25_000, 75_000]);
  });

  test('the others share the rest in proportion to their weights', () => {
    assert.deepEqual(setWeight([50_000, 30_000, 20_000], 0, 60_000), [60_000, 24_000, 16_000]);
    // All others at zero: the rest is split evenly between them.
    assert.deepEqual(setWeight([100_000, 0, 0], 0, 40_000), [40_000, 30_000, 30_000]);
  });

  test('weights are clamped to 0..100% and a single variation always has 100%', () => {
    assert.deepEqual(setWeight([50_000, 50_000], 0, 250_000), [100_000, 0]);
    assert.deepEqual(setWeight([50_000, 50_000], 0, -5), [0, 100_000]);
    assert.deepEqual(setWeight([100_000], 0, 10_000), [100_000]);
    assert.deepEqual(setWeight([50_000, 50_000], 7, 10), [50_000, 50_000]);
  });

  test('property: after any sequence of edits the weights are integers adding up to 100%', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.tuple(fc.nat(n - 1), fc.integer({ min: -10, max: 120_000 })), {
              maxLength: 20,
            }),
          ),
        ),
        ([n, edits]) => {
          let weights = evenWeights(n);
          for (const [index, weight] of edits) {
            weights = setWeight(weights, index, weight);
            assert.equal(sumWeights(weights), TOTAL_WEIGHT);
            assert.ok(weights.every((w) => Number.isInteger(w) && w >= 0));
            const expected = n === 1 ? TOTAL_WEIGHT : Math.min(TOTAL_WEIGHT, Math.max(0, weight));
            assert.equal(weights[index], expected);
          }
        },
      ),
    );
  });

  test('apportion keeps integer parts that add up to the total', () => {
    assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
    assert.deepEqual(apportion(0, [5, 5]), [0, 0]);
    assert.deepEqual(apportion(7, []), []);
  });

  test('a rollout reads as one weight per variation and writes back keeping its settings', () => {
    const rollout = {
      bucketBy: 'email',
      variations: [
        { variation: 1, weight: 70_000, untracked: true },
        { variation: 0, weight: 30_000 },
      ],
    };
    assert.deepEqual(rolloutWeights(rollout, 3), [30_000, 70_000, 0]);
    assert.deepEqual(withWeights(rollout, [10_000, 90_000, 0]), {
      bucketBy: 'email',
      variations: [
        { variation: 0, weight: 10_000 },
        { variation: 1, weight: 90_000, untracked: true },
        { variation: 2, weight: 0 },
      ],
    });
  });
});

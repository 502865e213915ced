import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseContext, parseFlag } from '@vexil/protocol';
import { bucketOf, evaluate } from '@vexil/evaluation';

// Reference values from go-server-sdk-evaluation's bucketing test data (README of the harness
// data, section 4).
const VECTORS: [string, number][] = [
  ['hashKey.saltyA.userKeyA', 0.42157587],
  ['hashKey.saltyA.userKeyB', 0.6708485],
  ['hashKey.saltyA.userKeyC', 0.10343106],
  ['hashKey.saltyA.33333', 0.54771423],
  ['hashKey.saltyA.99999', 0.7309658],
  ['61.userKeyA', 0.09801207],
  ['61.userKeyB', 0.14483777],
  ['61.userKeyC', 0.92426409],
];

/** The JS SDK's formula, on node:crypto. */
function referenceBucket(input: string): number {
  const hex = createHash('sha1').update(input, 'utf8').digest('hex');
  // The SDK's literal 0xFFFFFFFFFFFFFFF evaluates to the double 2^60.
  return parseInt(hex.slice(0, 15), 16) / 2 ** 60;
}

describe('bucketing', () => {
  test('matches the reference evaluator on its test vectors', () => {
    for (const [input, expected] of VECTORS) {
      assert.ok(
        Math.abs(bucketOf(input) - expected) < 1e-8,
        `${input}: ${bucketOf(input)} vs ${expected}`,
      );
    }
  });

  test('equals parseInt(sha1 hex[0:15]) / 0xFFFFFFFFFFFFFFF exactly, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (input) => {
        assert.equal(bucketOf(input), referenceBucket(input));
      }),
      { numRuns: 5000 },
    );
  });

  test('is deterministic', () => {
    fc.assert(
      fc.property(fc.string(), (input) => bucketOf(input) === bucketOf(input)),
      { numRuns: 1000 },
    );
  });

  test('spreads 100k keys uniformly: every decile holds 10% ± 1%', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.string({ maxLength: 10 }),
        (flagKey, salt) => {
          const deciles = new Array<number>(10).fill(0);
          for (let i = 0; i < 100_000; i++) {
            const bucket = bucketOf(`${flagKey}.${salt}.user-${i}`);
            deciles[Math.floor(bucket * 10)]!++;
          }
          for (const count of deciles)
            assert.ok(count >= 9_000 && count <= 11_000, `decile count ${count}`);
        },
      ),
      { numRuns: 5, seed: 20261126 },
    );
  });

  test('a 30/70 rollout serves its weights to within 1% over 100k contexts', () => {
    const parsed = parseFlag({
      key: 'checkout',
      version: 1,
      on: true,
      salt: 's',
      variations: [true, false],
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 30000 },
            { variation: 1, weight: 70000 },
          ],
        },
      },
    });
    assert.ok(parsed.ok);
    const lookup = { getFlag: () => undefined, getSegment: () => undefined };
    let first = 0;
    for (let i = 0; i < 100_000; i++) {
      const context = parseContext({ kind: 'user', key: `u${i}` });
      assert.ok(context.ok);
      if (evaluate(parsed.value, context.value, lookup).variationIndex === 0) first++;
    }
    assert.ok(first >= 29_000 && first <= 31_000, `variation 0 served ${first} times`);
  });
});

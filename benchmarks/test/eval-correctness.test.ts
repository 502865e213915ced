import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRandom, generateDataSet, samplePairs, type DataSet } from '@vexil/testkit';
import { compareEvaluators, formatMismatch } from '../src/eval/compare.js';
import { startLaunchDarkly, type LaunchDarklySide } from '../src/eval/launchdarkly-side.js';
import { createVexilSide } from '../src/eval/vexil-side.js';

// The correctness half of the evaluation benchmark (src/eval/main.ts), small enough for CI:
// Vexil and LaunchDarkly's own evaluator (node-server-sdk, offline) must return the same value,
// variation index and reason for every sampled (flag, context) pair. No timing here.

const SEED = 20240917;
const SAMPLE = 3_000;

describe('evaluation benchmark data', () => {
  let data: DataSet;
  let launchDarkly: LaunchDarklySide;

  before(async () => {
    data = generateDataSet(SEED);
    launchDarkly = await startLaunchDarkly(data);
  });
  after(() => launchDarkly.close());

  test('is the same for the same seed', () => {
    assert.deepEqual(generateDataSet(SEED), data);
  });

  test(`Vexil and LaunchDarkly agree on ${SAMPLE} sampled evaluations`, async () => {
    const pairs = samplePairs(data, SAMPLE, createRandom(SEED));
    const result = await compareEvaluators(pairs, createVexilSide(data), launchDarkly);
    assert.equal(result.compared, SAMPLE);
    assert.equal(
      result.mismatchCount,
      0,
      `${result.mismatchCount} mismatches; first ones:\n${result.mismatches.map(formatMismatch).join('\n')}`,
    );
    // The sample must exercise every way a flag can resolve, or agreeing proves little.
    for (const kind of [
      'OFF',
      'TARGET_MATCH',
      'RULE_MATCH',
      'FALLTHROUGH',
      'PREREQUISITE_FAILED',
    ]) {
      assert.ok((result.reasonCounts[kind] ?? 0) > 0, `no ${kind} result in the sample`);
    }
    assert.ok((result.reasonCounts['FALLTHROUGH+exp'] ?? 0) > 0, 'no experiment in the sample');
  });
});

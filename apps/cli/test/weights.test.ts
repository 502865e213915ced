import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../src/cli-error.js';
import { formatPercent, parseWeights } from '../src/commands/weights.js';

test('percentages become rollout weights in thousandths of a percent', () => {
  assert.deepEqual(parseWeights('30,70'), [30000, 70000]);
  assert.deepEqual(parseWeights('100'), [100000]);
  assert.deepEqual(parseWeights('0, 100, 0'), [0, 100000, 0]);
  assert.deepEqual(parseWeights('33.333,33.333,33.334'), [33333, 33333, 33334]);
  assert.deepEqual(parseWeights('12.5,87.5'), [12500, 87500]);
});

test('weights that are malformed or do not add up to 100 are usage errors', () => {
  for (const [text, message] of [
    ['30,60', /add up to 100 \(they add up to 90\)/],
    ['50,50.0001', /percentages separated by commas/],
    ['-10,110', /percentages separated by commas/],
    ['abc', /percentages separated by commas/],
    ['50,,50', /percentages separated by commas/],
    ['', /percentages separated by commas/],
  ] as const) {
    assert.throws(
      () => parseWeights(text),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && message.test(e.message),
      text,
    );
  }
});

test('weights print back as percentages', () => {
  assert.equal(formatPercent(33333), '33.333');
  assert.equal(formatPercent(70000), '70');
});

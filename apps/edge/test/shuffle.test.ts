import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandom } from '@vexil/testkit';
import { shuffle } from '../src/stream/shuffle.js';

// Fisher–Yates for the drain's order: a permutation, driven only by the random source, and
// every order equally likely (which `sort(() => Math.random() - 0.5)` is not).

test('shuffles in place into a permutation of the same items', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  const out = shuffle(items, createRandom(11).next);
  assert.equal(out, items);
  assert.deepEqual(
    out.slice().sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.notDeepEqual(
    out,
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('picks each position from the random source, from the end down', () => {
  // i = 3 takes j = floor(0.99 * 4) = 3, i = 2 takes 0, i = 1 takes 1.
  const values = [0.99, 0, 0.5];
  let n = 0;
  assert.deepEqual(
    shuffle(['a', 'b', 'c', 'd'], () => values[n++]!),
    ['c', 'b', 'a', 'd'],
  );
  assert.equal(n, 3, 'one draw per position but the first');
  assert.deepEqual(
    shuffle([], () => 0),
    [],
  );
  assert.deepEqual(
    shuffle(['x'], () => 0),
    ['x'],
  );
});

test('gives every order about equally often', () => {
  const random = createRandom(5).next;
  const counts = new Map<string, number>();
  const rounds = 60_000;
  for (let r = 0; r < rounds; r++) {
    const order = shuffle(['a', 'b', 'c'], random).join('');
    counts.set(order, (counts.get(order) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // Each of the 6 orders expects 10,000; 5 % is over 12 standard deviations away.
  for (const [order, count] of counts)
    assert.ok(Math.abs(count - rounds / 6) < rounds / 6 / 20, `${order}: ${count}`);
});

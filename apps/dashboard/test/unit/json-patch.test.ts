import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import type { JsonValue } from '../../src/api/types.js';
import {
  diff,
  escapePointer,
  jsonEqual,
  pointer,
  pointerTokens,
  valueAt,
} from '../../src/editor/json-patch.js';

// The generated patches are checked by applying them with fast-json-patch (the library the
// origin applies them with), so "correct" means what the server will do with them.

function apply(doc: JsonValue, ops: ReturnType<typeof diff>): JsonValue {
  return jsonPatch.applyPatch(structuredClone(doc), ops as jsonPatch.Operation[], true, false)
    .newDocument as JsonValue;
}

describe('JSON Patch generation', () => {
  test('pointers escape "~" and "/" (RFC 6901)', () => {
    assert.equal(escapePointer('a/b~c'), 'a~1b~0c');
    assert.equal(pointer('environments', 'prod/eu', 'on'), '/environments/prod~1eu/on');
    assert.deepEqual(pointerTokens('/environments/prod~1eu/on'), ['environments', 'prod/eu', 'on']);
    assert.deepEqual(pointerTokens(''), []);
    assert.equal(valueAt({ a: [{ b: 1 }] }, '/a/0/b'), 1);
    assert.equal(valueAt({ a: 1 }, '/missing/x'), undefined);
    assert.equal(valueAt({ a: 1 }, '/toString'), undefined);
  });

  test('no change is an empty patch; undefined fields count as absent', () => {
    assert.deepEqual(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), []);
    assert.ok(jsonEqual({ a: 1, b: undefined } as unknown as JsonValue, { a: 1 }));
  });

  test('a toggle is one replace under the prefix', () => {
    assert.deepEqual(
      diff({ on: false, rules: [] }, { on: true, rules: [] }, '/environments/production'),
      [{ op: 'replace', path: '/environments/production/on', value: true }],
    );
  });

  test('an added rule is one add at its index, a removed one a remove', () => {
    const r = (id: string) => ({ id, clauses: [], variation: 0 });
    assert.deepEqual(diff({ rules: [r('a'), r('b')] }, { rules: [r('a'), r('n'), r('b')] }), [
      { op: 'add', path: '/rules/1', value: r('n') },
    ]);
    assert.deepEqual(diff({ rules: [r('a'), r('b'), r('c')] }, { rules: [r('a'), r('c')] }), [
      { op: 'remove', path: '/rules/1' },
    ]);
  });

  test('an edited clause value is a change inside the rule, not a new rule', () => {
    const before = {
      rules: [{ id: 'a', clauses: [{ attribute: 'email', op: 'in', values: ['x'] }] }],
    };
    const after = {
      rules: [{ id: 'a', clauses: [{ attribute: 'email', op: 'in', values: ['y'] }] }],
    };
    assert.deepEqual(diff(before, after), [
      { op: 'replace', path: '/rules/0/clauses/0/values/0', value: 'y' },
    ]);
  });

  test('fields are added and removed; a change of type is a replace', () => {
    assert.deepEqual(diff({ variation: 1 }, { rollout: { variations: [] } }), [
      { op: 'remove', path: '/variation' },
      { op: 'add', path: '/rollout', value: { variations: [] } },
    ]);
    assert.deepEqual(diff({ a: [1] }, { a: { b: 1 } }), [
      { op: 'replace', path: '/a', value: { b: 1 } },
    ]);
  });

  test('keys with "/" and "~" are escaped in paths', () => {
    const ops = diff({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 2 });
    assert.deepEqual(
      ops.map((o) => o.path),
      ['/a~1b', '/c~0d'],
    );
    assert.deepEqual(apply({ 'a/b': 1, 'c~d': 1 }, ops), { 'a/b': 2, 'c~d': 2 });
  });

  test('property: applying diff(a, b) to a gives b', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom<JsonValue>(null, true, false, 0, 1, 'x', 'y', ''),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd/e', 'f~g'), tie('value'), {
          maxKeys: 4,
          noNullPrototype: true,
        }),
      ),
    })).value as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(json, json, (a, b) => {
        assert.deepEqual(apply(a, diff(a, b)), b);
      }),
      { numRuns: 500 },
    );
  });

  test('property: small edits to a list give small patches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 100, max: 200 }),
        (list, at, value) => {
          const i = at % (list.length + 1);
          const inserted = [...list.slice(0, i), value, ...list.slice(i)];
          const ops = diff(list, inserted);
          assert.equal(ops.length, 1);
          assert.deepEqual(apply(list, ops), inserted);
        },
      ),
    );
  });

  test('very large changed lists are replaced whole', () => {
    const a = Array.from({ length: 1000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 1000 }, (_, i) => `b${i}`);
    assert.deepEqual(diff({ values: a }, { values: b }), [
      { op: 'replace', path: '/values', value: b },
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OPERATORS,
  SEGMENT_ATTRIBUTE,
  changeOperator,
  changeScalarType,
  clauseProblems,
  describeClause,
  formatValue,
  newClause,
  operatorInfo,
  parseValue,
  parseValues,
  scalarTypeOf,
} from '../../src/editor/clauses.js';

describe('clause editing', () => {
  test('every LaunchDarkly operator is offered, each with a kind of value', () => {
    assert.deepEqual(OPERATORS.map((o) => o.op).sort(), [
      'after',
      'before',
      'contains',
      'endsWith',
      'greaterThan',
      'greaterThanOrEqual',
      'in',
      'lessThan',
      'lessThanOrEqual',
      'matches',
      'segmentMatch',
      'semVerEqual',
      'semVerGreaterThan',
      'semVerLessThan',
      'startsWith',
    ]);
    assert.equal(operatorInfo('segmentMatch').kind, 'segment');
    assert.equal(operatorInfo('someFutureOp').label, 'someFutureOp');
  });

  test('values parse by kind', () => {
    assert.deepEqual(parseValue('number', ' 42.5 '), { ok: true, value: 42.5 });
    assert.equal(parseValue('number', 'abc').ok, false);
    assert.deepEqual(parseValue('any', '7', 'number'), { ok: true, value: 7 });
    assert.deepEqual(parseValue('any', 'true', 'boolean'), { ok: true, value: true });
    assert.equal(parseValue('any', 'yes', 'boolean').ok, false);
    assert.deepEqual(parseValue('any', ' a b ', 'string'), { ok: true, value: ' a b ' });
    assert.deepEqual(parseValue('date', '1700000000000'), { ok: true, value: 1_700_000_000_000 });
    assert.deepEqual(parseValue('date', '2025-01-31T12:00:00Z'), {
      ok: true,
      value: '2025-01-31T12:00:00Z',
    });
    assert.equal(parseValue('date', 'tomorrow').ok, false);
    assert.equal(parseValue('semver', '1.2.3-beta.1+build').ok, true);
    assert.equal(parseValue('semver', '2').ok, true);
    assert.equal(parseValue('semver', 'v1.2').ok, false);
    assert.equal(parseValue('regex', '^a.*z$').ok, true);
    assert.equal(parseValue('regex', '(unclosed').ok, false);
    assert.equal(parseValue('segment', '  ').ok, false);
  });

  test('parseValues keeps what parses, skips blanks and names the rest', () => {
    assert.deepEqual(parseValues('number', ['1', '', 'x', '3']), {
      values: [1, 3],
      errors: ['"x" is not a number'],
    });
  });

  test('formatValue and scalarTypeOf round-trip typed values', () => {
    assert.equal(formatValue('a'), 'a');
    assert.equal(formatValue(5), '5');
    assert.equal(formatValue(true), 'true');
    assert.equal(scalarTypeOf([3]), 'number');
    assert.equal(scalarTypeOf([false]), 'boolean');
    assert.equal(scalarTypeOf([]), 'string');
  });

  test('changing the operator keeps the values that still make sense', () => {
    const clause = { contextKind: 'user', attribute: 'age', op: 'in', values: ['18', 'x', '21'] };
    assert.deepEqual(changeOperator(clause, 'greaterThan'), {
      contextKind: 'user',
      attribute: 'age',
      op: 'greaterThan',
      values: [18, 21],
      negate: false,
    });
    assert.deepEqual(changeOperator({ ...clause, values: [1, 2] }, 'startsWith').values, [
      '1',
      '2',
    ]);
  });

  test('a segment match drops the attribute and context kind, and gets them back after', () => {
    const clause = { ...newClause(), attribute: 'email', values: ['a'], negate: true };
    const segment = changeOperator(clause, 'segmentMatch');
    assert.deepEqual(segment, {
      attribute: SEGMENT_ATTRIBUTE,
      op: 'segmentMatch',
      values: [],
      negate: true,
    });
    assert.deepEqual(changeOperator({ ...segment, values: ['beta'] }, 'in'), {
      contextKind: 'user',
      attribute: 'key',
      op: 'in',
      values: [],
      negate: true,
    });
  });

  test('changing the scalar type of an "in" clause converts its values', () => {
    const clause = { attribute: 'tier', op: 'in', values: ['1', 'gold', '3'] };
    assert.deepEqual(changeScalarType(clause, 'number').values, [1, 3]);
    assert.deepEqual(changeScalarType({ ...clause, values: [1, 2] }, 'string').values, ['1', '2']);
  });

  test('problems say what to fix', () => {
    assert.deepEqual(clauseProblems(newClause()), ['add a value']);
    assert.deepEqual(clauseProblems({ attribute: ' ', op: 'in', values: ['a'] }), [
      'name the attribute to compare',
    ]);
    assert.deepEqual(clauseProblems({ attribute: 'v', op: 'semVerEqual', values: ['x'] }), [
      '"x" is not a semantic version such as 1.2.3',
    ]);
    assert.deepEqual(clauseProblems({ attribute: 'n', op: 'lessThan', values: ['5'] }), [
      '"5" must be a number',
    ]);
    assert.deepEqual(clauseProblems({ attribute: 'n', op: 'startsWith', values: [5] }), [
      '5 must be a string',
    ]);
    assert.deepEqual(clauseProblems({ attribute: 'n', op: 'lessThan', values: [5] }), []);
    assert.deepEqual(clauseProblems({ attribute: 'n', op: 'bogus', values: [5] }), [
      'unknown operator "bogus"',
    ]);
    assert.deepEqual(
      clauseProblems({ attribute: SEGMENT_ATTRIBUTE, op: 'segmentMatch', values: ['gone'] }, [
        'beta',
      ]),
      ['no segment "gone" in this environment'],
    );
    assert.deepEqual(clauseProblems({ attribute: '', op: 'segmentMatch', values: [] }), [
      'choose at least one segment',
    ]);
  });

  test('describeClause reads as a sentence', () => {
    assert.equal(
      describeClause({
        contextKind: 'user',
        attribute: 'email',
        op: 'endsWith',
        values: ['@x.io'],
      }),
      'user email ends with "@x.io"',
    );
    assert.equal(
      describeClause({
        attribute: SEGMENT_ATTRIBUTE,
        op: 'segmentMatch',
        values: ['beta'],
        negate: true,
      }),
      'context is not in segment "beta"',
    );
  });
});

import type { JsonValue } from '@vexil/protocol';
import { compileRegex } from './regex.js';
import { compareSemVer, parseSemVer, type SemVer } from './semver.js';
import { toTimestamp } from './timestamp.js';

// Clause operators (docs/evaluation.md, "Operators"; upstream: go-server-sdk-evaluation
// ldmodel/operators.go). Each operator is compiled once per clause into a test of one context
// value against all of the clause's values, with the clause values pre-parsed (sets for `in`,
// parsed dates and versions, compiled patterns). A type mismatch is simply no match.

export type ValueTest = (value: JsonValue) => boolean;

const never: ValueTest = () => false;

export function compileOperator(op: string, values: readonly JsonValue[]): ValueTest {
  switch (op) {
    case 'in':
      return compileIn(values);
    case 'startsWith':
      return stringTest(values, (u, c) => u.startsWith(c));
    case 'endsWith':
      return stringTest(values, (u, c) => u.endsWith(c));
    case 'contains':
      return stringTest(values, (u, c) => u.includes(c));
    case 'matches':
      return compileMatches(values);
    case 'lessThan':
      return numberTest(values, (u, c) => u < c);
    case 'lessThanOrEqual':
      return numberTest(values, (u, c) => u <= c);
    case 'greaterThan':
      return numberTest(values, (u, c) => u > c);
    case 'greaterThanOrEqual':
      return numberTest(values, (u, c) => u >= c);
    case 'before':
      return timeTest(values, (u, c) => u < c);
    case 'after':
      return timeTest(values, (u, c) => u > c);
    case 'semVerEqual':
      return semVerTest(values, (cmp) => cmp === 0);
    case 'semVerLessThan':
      return semVerTest(values, (cmp) => cmp < 0);
    case 'semVerGreaterThan':
      return semVerTest(values, (cmp) => cmp > 0);
    default:
      return never;
  }
}

/** Equality on booleans, numbers and strings of the same JSON type; `true` never equals 1. */
function compileIn(values: readonly JsonValue[]): ValueTest {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const booleans = new Set<boolean>();
  for (const v of values) {
    if (typeof v === 'string') strings.add(v);
    else if (typeof v === 'number') numbers.add(v);
    else if (typeof v === 'boolean') booleans.add(v);
  }
  return (u) => {
    switch (typeof u) {
      case 'string':
        return strings.has(u);
      case 'number':
        return numbers.has(u);
      case 'boolean':
        return booleans.has(u);
      default:
        return false;
    }
  };
}

function stringTest(
  values: readonly JsonValue[],
  test: (u: string, c: string) => boolean,
): ValueTest {
  const cs = values.filter((v): v is string => typeof v === 'string');
  if (cs.length === 0) return never;
  return (u) => typeof u === 'string' && cs.some((c) => test(u, c));
}

function compileMatches(values: readonly JsonValue[]): ValueTest {
  const patterns = values.filter((v): v is string => typeof v === 'string');
  if (patterns.length === 0) return never;
  return (u) => {
    if (typeof u !== 'string') return false;
    for (const pattern of patterns) {
      // Compiled on first use so that a flag with many patterns costs nothing until evaluated.
      if (compileRegex(pattern)?.test(u) === true) return true;
    }
    return false;
  };
}

function numberTest(
  values: readonly JsonValue[],
  test: (u: number, c: number) => boolean,
): ValueTest {
  const cs = values.filter((v): v is number => typeof v === 'number');
  if (cs.length === 0) return never;
  return (u) => typeof u === 'number' && cs.some((c) => test(u, c));
}

function timeTest(
  values: readonly JsonValue[],
  test: (u: number, c: number) => boolean,
): ValueTest {
  const cs: number[] = [];
  for (const v of values) {
    const t = toTimestamp(v);
    if (t !== undefined) cs.push(t);
  }
  if (cs.length === 0) return never;
  return (u) => {
    const t = toTimestamp(u);
    return t !== undefined && cs.some((c) => test(t, c));
  };
}

function semVerTest(values: readonly JsonValue[], test: (cmp: number) => boolean): ValueTest {
  const cs: SemVer[] = [];
  for (const v of values) {
    const parsed = typeof v === 'string' ? parseSemVer(v) : undefined;
    if (parsed !== undefined) cs.push(parsed);
  }
  if (cs.length === 0) return never;
  return (u) => {
    const parsed = typeof u === 'string' ? parseSemVer(u) : undefined;
    return parsed !== undefined && cs.some((c) => test(compareSemVer(parsed, c)));
  };
}

import type { Clause, JsonValue } from '../api/types.js';

// Clause editing: LaunchDarkly's operators, what kind of values each compares with, turning
// the text a person types into typed clause values and back, and what is wrong with a clause.

/** What a clause's values are: they decide the input, the parsing and the validation. */
export type ValueKind = 'any' | 'string' | 'regex' | 'number' | 'date' | 'semver' | 'segment';

/** For `in`, which accepts any JSON scalar, the type the values are entered as. */
export type ScalarType = 'string' | 'number' | 'boolean';

export interface OperatorInfo {
  readonly op: string;
  readonly label: string;
  readonly kind: ValueKind;
}

export const OPERATORS: readonly OperatorInfo[] = [
  { op: 'in', label: 'is one of', kind: 'any' },
  { op: 'startsWith', label: 'starts with', kind: 'string' },
  { op: 'endsWith', label: 'ends with', kind: 'string' },
  { op: 'contains', label: 'contains', kind: 'string' },
  { op: 'matches', label: 'matches regex', kind: 'regex' },
  { op: 'lessThan', label: '<', kind: 'number' },
  { op: 'lessThanOrEqual', label: '≤', kind: 'number' },
  { op: 'greaterThan', label: '>', kind: 'number' },
  { op: 'greaterThanOrEqual', label: '≥', kind: 'number' },
  { op: 'before', label: 'is before (date)', kind: 'date' },
  { op: 'after', label: 'is after (date)', kind: 'date' },
  { op: 'semVerEqual', label: 'semver =', kind: 'semver' },
  { op: 'semVerLessThan', label: 'semver <', kind: 'semver' },
  { op: 'semVerGreaterThan', label: 'semver >', kind: 'semver' },
  { op: 'segmentMatch', label: 'is in segment', kind: 'segment' },
];

/** The attribute LaunchDarkly writes for segmentMatch clauses (evaluation ignores it). */
export const SEGMENT_ATTRIBUTE = 'segmentMatch';

export function operatorInfo(op: string): OperatorInfo {
  return OPERATORS.find((o) => o.op === op) ?? { op, label: op, kind: 'any' };
}

export function newClause(): Clause {
  return { contextKind: 'user', attribute: 'key', op: 'in', values: [], negate: false };
}

// LaunchDarkly accepts versions with the minor and patch parts left out ("2" is 2.0.0).
const SEMVER = /^\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export type Parsed = { ok: true; value: JsonValue } | { ok: false; error: string };

/** Reads one value as typed; `scalar` applies to the `in` operator. */
export function parseValue(kind: ValueKind, text: string, scalar: ScalarType = 'string'): Parsed {
  const trimmed = text.trim();
  switch (kind) {
    case 'any':
      return parseScalar(scalar, text);
    case 'number':
      return parseScalar('number', text);
    case 'date':
      if (/^\d+$/.test(trimmed)) return { ok: true, value: Number(trimmed) };
      if (RFC3339.test(trimmed) && !Number.isNaN(Date.parse(trimmed)))
        return { ok: true, value: trimmed };
      return {
        ok: false,
        error: `"${text}" is not a date: use Unix milliseconds or RFC 3339 (2025-01-31T12:00:00Z)`,
      };
    case 'semver':
      return SEMVER.test(trimmed)
        ? { ok: true, value: trimmed }
        : { ok: false, error: `"${text}" is not a semantic version such as 1.2.3` };
    case 'regex':
      try {
        new RegExp(text);
        return { ok: true, value: text };
      } catch {
        return { ok: false, error: `"${text}" is not a valid regular expression` };
      }
    case 'segment':
      return trimmed === ''
        ? { ok: false, error: 'choose a segment' }
        : { ok: true, value: trimmed };
    case 'string':
      return { ok: true, value: text };
  }
}

function parseScalar(type: ScalarType, text: string): Parsed {
  const trimmed = text.trim();
  if (type === 'string') return { ok: true, value: text };
  if (type === 'boolean') {
    if (trimmed === 'true' || trimmed === 'false') return { ok: true, value: trimmed === 'true' };
    return { ok: false, error: `"${text}" is not true or false` };
  }
  const n = Number(trimmed);
  return trimmed !== '' && Number.isFinite(n)
    ? { ok: true, value: n }
    : { ok: false, error: `"${text}" is not a number` };
}

/** The text shown for a value in an input. */
export function formatValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The scalar type `in` values were entered as: that of the first value, string by default. */
export function scalarTypeOf(values: readonly JsonValue[]): ScalarType {
  const first = values[0];
  return typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'string';
}

/**
 * Parses every value; the clause keeps the ones that parse, and the errors name the others.
 * Blank entries are skipped.
 */
export function parseValues(
  kind: ValueKind,
  texts: readonly string[],
  scalar: ScalarType = 'string',
): { values: JsonValue[]; errors: string[] } {
  const values: JsonValue[] = [];
  const errors: string[] = [];
  for (const text of texts) {
    if (text.trim() === '') continue;
    const parsed = parseValue(kind, text, scalar);
    if (parsed.ok) values.push(parsed.value);
    else errors.push(parsed.error);
  }
  return { values, errors };
}

/**
 * The clause with another operator. Values that still make sense are kept (re-read as the new
 * kind), the others dropped; a segment match has no attribute or context kind of its own.
 */
export function changeOperator(clause: Clause, op: string): Clause {
  const from = operatorInfo(clause.op).kind;
  const to = operatorInfo(op).kind;
  const negate = clause.negate ?? false;
  if (to === 'segment') return { attribute: SEGMENT_ATTRIBUTE, op, values: [], negate };
  const base: Clause = {
    contextKind: clause.contextKind ?? 'user',
    attribute:
      from === 'segment' || clause.attribute === SEGMENT_ATTRIBUTE ? 'key' : clause.attribute,
    op,
    values: [],
    negate,
  };
  if (from === 'segment') return base;
  const texts = clause.values.map(formatValue);
  const scalar = to === 'any' ? scalarTypeOf(clause.values) : 'string';
  return { ...base, values: parseValues(to, texts, scalar).values };
}

/** Changes the scalar type of an `in` clause's values, keeping those that convert. */
export function changeScalarType(clause: Clause, scalar: ScalarType): Clause {
  const texts = clause.values.map(formatValue);
  return { ...clause, values: parseValues('any', texts, scalar).values };
}

/** What is wrong with a clause, in words; empty when it is fine. */
export function clauseProblems(clause: Clause, segmentKeys?: readonly string[]): string[] {
  const info = operatorInfo(clause.op);
  const problems: string[] = [];
  if (!OPERATORS.some((o) => o.op === clause.op)) problems.push(`unknown operator "${clause.op}"`);
  if (info.kind !== 'segment' && clause.attribute.trim() === '')
    problems.push('name the attribute to compare');
  if (clause.values.length === 0)
    problems.push(info.kind === 'segment' ? 'choose at least one segment' : 'add a value');
  for (const value of clause.values) {
    const parsed = checkValue(info, value);
    if (!parsed.ok) problems.push(parsed.error);
    if (
      info.kind === 'segment' &&
      segmentKeys !== undefined &&
      typeof value === 'string' &&
      !segmentKeys.includes(value)
    )
      problems.push(`no segment "${value}" in this environment`);
  }
  return problems;
}

/** A stored value against its operator: LaunchDarkly compares types strictly. */
function checkValue(info: OperatorInfo, value: JsonValue): Parsed {
  if (info.kind === 'any') return { ok: true, value };
  if (typeof value === 'number' && (info.kind === 'number' || info.kind === 'date'))
    return { ok: true, value };
  if (typeof value !== 'string' || info.kind === 'number')
    return { ok: false, error: `${JSON.stringify(value)} must be a ${expected(info.kind)}` };
  return parseValue(info.kind, value);
}

function expected(kind: ValueKind): string {
  return kind === 'number' ? 'number' : kind === 'date' ? 'date' : 'string';
}

/** One line for a summary: `user email ends with "@example.com"`. */
export function describeClause(clause: Clause): string {
  const info = operatorInfo(clause.op);
  const values = clause.values.map((v) => JSON.stringify(v)).join(', ');
  const not = clause.negate === true ? 'not ' : '';
  if (info.kind === 'segment') return `context is ${not}in segment ${values}`;
  return `${clause.contextKind ?? 'user'} ${clause.attribute} ${not}${info.label} ${values}`;
}

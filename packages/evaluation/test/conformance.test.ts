import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseContext, parseFlag, parseSegment, type Flag, type Segment } from '@vexil/protocol';
import { evaluate, type EvalResult, type Lookup } from '@vexil/evaluation';
import { loadSuites, type HarnessEvaluation, type HarnessSuite } from './support/harness-data.js';

// Every server-side evaluation case of LaunchDarkly's sdk-test-harness: value, variation index
// and reason must equal the expectation exactly.

const EXPECTED_CASES = 728;

function lookupFor(suite: HarnessSuite): Lookup {
  const flags = new Map<string, Flag>();
  const segments = new Map<string, Segment>();
  // The harness normalises items before serving them: key from the map key, version 0 -> 1.
  for (const [key, json] of Object.entries(suite.sdkData.flags ?? {})) {
    const parsed = parseFlag({ version: 1, ...(json as object), key });
    assert.ok(
      parsed.ok,
      `${suite.name}: flag ${key} must parse: ${parsed.ok ? '' : parsed.error.message}`,
    );
    flags.set(key, parsed.value);
  }
  for (const [key, json] of Object.entries(suite.sdkData.segments ?? {})) {
    const parsed = parseSegment({ version: 1, ...(json as object), key });
    assert.ok(
      parsed.ok,
      `${suite.name}: segment ${key} must parse: ${parsed.ok ? '' : parsed.error.message}`,
    );
    segments.set(key, parsed.value);
  }
  return { getFlag: (k) => flags.get(k), getSegment: (k) => segments.get(k) };
}

function inferDefault(suite: HarnessSuite, c: HarnessEvaluation): unknown {
  if (c.default !== undefined && c.default !== null) return c.default;
  const first = (suite.sdkData.flags?.[c.flagKey] as { variations?: unknown[] } | undefined)
    ?.variations?.[0];
  if (typeof first === 'boolean') return false;
  if (typeof first === 'number') return 0;
  if (typeof first === 'string') return '';
  return null;
}

function valueTypeOf(c: HarnessEvaluation, fallback: unknown): string {
  if (c.valueType !== undefined) return c.valueType;
  if (typeof fallback === 'boolean') return 'bool';
  if (typeof fallback === 'number') return Number.isInteger(fallback) ? 'int' : 'double';
  if (typeof fallback === 'string') return 'string';
  return 'any';
}

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  bool: (v) => typeof v === 'boolean',
  int: (v) => typeof v === 'number',
  double: (v) => typeof v === 'number',
  string: (v) => typeof v === 'string',
  any: () => true,
};

/** What an SDK's typed `variationDetail` returns: the evaluator result plus the SDK's rules. */
function sdkDetail(suite: HarnessSuite, c: HarnessEvaluation, lookup: Lookup): EvalResult {
  const fallback = inferDefault(suite, c);
  const flag = lookup.getFlag(c.flagKey);
  if (flag === undefined)
    return { value: fallback as null, reason: { kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' } };
  const context = parseContext(c.context);
  if (!context.ok)
    return { value: fallback as null, reason: { kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' } };
  const result = evaluate(flag, context.value, lookup);
  if (result.variationIndex === undefined) return { ...result, value: fallback as null };
  if (!TYPE_CHECKS[valueTypeOf(c, fallback)]!(result.value)) {
    return { value: fallback as null, reason: { kind: 'ERROR', errorKind: 'WRONG_TYPE' } };
  }
  return result;
}

/** The reason fields the harness compares (README section 2). */
function comparableReason(reason: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const key of [
    'kind',
    'ruleIndex',
    'ruleId',
    'prerequisiteKey',
    'errorKind',
    'inExperiment',
    'bigSegmentsStatus',
  ]) {
    if (reason[key] !== undefined && reason[key] !== false) out[key] = reason[key];
  }
  return out;
}

const LEGACY_BUILTINS = new Set([
  'name',
  'firstName',
  'lastName',
  'email',
  'avatar',
  'country',
  'ip',
]);

/**
 * The same context in the legacy user format, when it can be expressed in it (harness rule: kind
 * user, string built-ins, private attributes that are plain names); otherwise undefined.
 */
function asLegacyUser(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { kind, key, anonymous, _meta, ...rest } = json as Record<string, unknown>;
  if (kind !== 'user' || typeof key !== 'string') return undefined;
  const privateNames =
    (_meta as { privateAttributes?: string[] } | undefined)?.privateAttributes ?? [];
  if (privateNames.some((n) => n.startsWith('/'))) return undefined;
  const user: Record<string, unknown> = { key, custom: {} };
  if (anonymous !== undefined) user['anonymous'] = anonymous;
  if (privateNames.length > 0) user['privateAttributeNames'] = privateNames;
  for (const [name, value] of Object.entries(rest)) {
    if (LEGACY_BUILTINS.has(name)) {
      if (typeof value !== 'string') return undefined;
      user[name] = value;
    } else {
      (user['custom'] as Record<string, unknown>)[name] = value;
    }
  }
  return user;
}

const suites = loadSuites('server-side-eval');
let cases = 0;

describe('LaunchDarkly sdk-test-harness server-side evaluation', () => {
  for (const suite of suites) {
    const lookup = lookupFor(suite);
    for (const c of suite.evaluations) {
      cases++;
      test(`${suite.file}: ${suite.name} / ${c.name ?? c.flagKey}`, () => {
        const detail = sdkDetail(suite, c, lookup);
        assert.deepEqual(detail.value, c.expect.value, 'value');
        assert.equal(detail.variationIndex, c.expect.variationIndex, 'variationIndex');
        assert.deepEqual(
          comparableReason(detail.reason as unknown as Record<string, unknown>),
          comparableReason(c.expect.reason),
          'reason',
        );
        const legacy = asLegacyUser(c.context);
        if (legacy !== undefined) {
          const again = sdkDetail(suite, { ...c, context: legacy }, lookup);
          assert.deepEqual(
            again,
            detail,
            'the same context as a legacy user gives the same result',
          );
        }
      });
    }
  }
  test(`runs all ${EXPECTED_CASES} cases`, () => assert.equal(cases, EXPECTED_CASES));
});

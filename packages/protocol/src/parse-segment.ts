import { validationError } from './errors.js';
import type { JsonValue } from './json.js';
import { readClause } from './parse-flag.js';
import {
  at,
  Invalid,
  object,
  optArray,
  optBool,
  optInt,
  optString,
  put,
  stringItem,
} from './reader.js';
import type { Result } from './result.js';
import type { Segment, SegmentRule, SegmentTarget } from './segment.js';

/** Parses LaunchDarkly segment JSON with the same tolerance rules as `parseFlag`. */
export function parseSegment(json: unknown, keyHint?: string): Result<Segment> {
  try {
    return { ok: true, value: readSegment(json, '', keyHint) };
  } catch (e) {
    if (e instanceof Invalid) {
      return { ok: false, error: validationError('INVALID_SEGMENT', e.path, e.problem) };
    }
    throw e;
  }
}

export function readSegment(json: unknown, path: string, keyHint?: string): Segment {
  const o = object(json, path);
  const key = optString(o, 'key', path) ?? keyHint;
  if (key === undefined || key === '') {
    throw new Invalid(at(path, 'key'), 'a non-empty segment key is required');
  }
  if (keyHint !== undefined && key !== keyHint) {
    throw new Invalid(
      at(path, 'key'),
      `"${key}" does not match the key "${keyHint}" it is stored under`,
    );
  }
  const segment: Segment = { key, version: optInt(o, 'version', path) ?? 0 };
  put(segment, 'included', optArray(o, 'included', path, stringItem));
  put(segment, 'excluded', optArray(o, 'excluded', path, stringItem));
  put(segment, 'includedContexts', optArray(o, 'includedContexts', path, readSegmentTarget));
  put(segment, 'excludedContexts', optArray(o, 'excludedContexts', path, readSegmentTarget));
  put(segment, 'rules', optArray(o, 'rules', path, readSegmentRule));
  put(segment, 'salt', optString(o, 'salt', path));
  put(segment, 'unbounded', optBool(o, 'unbounded', path));
  put(segment, 'unboundedContextKind', optString(o, 'unboundedContextKind', path));
  put(segment, 'generation', optInt(o, 'generation', path));
  put(segment, 'deleted', optBool(o, 'deleted', path));
  return segment;
}

function readSegmentTarget(json: JsonValue, path: string): SegmentTarget {
  const o = object(json, path);
  return {
    contextKind: optString(o, 'contextKind', path) ?? '',
    values: optArray(o, 'values', path, stringItem) ?? [],
  };
}

function readSegmentRule(json: JsonValue, path: string): SegmentRule {
  const o = object(json, path);
  const rule: SegmentRule = {};
  put(rule, 'id', optString(o, 'id', path));
  put(rule, 'clauses', optArray(o, 'clauses', path, readClause));
  put(rule, 'weight', optInt(o, 'weight', path));
  put(rule, 'bucketBy', optString(o, 'bucketBy', path));
  put(rule, 'rolloutContextKind', optString(o, 'rolloutContextKind', path));
  return rule;
}

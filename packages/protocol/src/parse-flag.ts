import { validationError } from './errors.js';
import type {
  ClientSideAvailability,
  Clause,
  Flag,
  FlagRule,
  Prerequisite,
  Rollout,
  Target,
  VariationOrRollout,
  WeightedVariation,
} from './flag.js';
import type { JsonValue } from './json.js';
import {
  anyItem,
  at,
  Invalid,
  object,
  optArray,
  optBool,
  optInt,
  optNumber,
  optString,
  put,
  stringItem,
} from './reader.js';
import type { Result } from './result.js';

/**
 * Parses LaunchDarkly flag JSON with the tolerance of LaunchDarkly's SDK parsers: unknown
 * properties are dropped, `null` means absent, omitted fields take their defaults, but a field
 * of the wrong JSON type is an error naming the field. Semantic problems (a variation index out
 * of range, weights not summing to 100%) are not rejected here: an SDK accepts such a flag and
 * evaluates it to a MALFORMED_FLAG error; see `checkFlag` for the strict editing checks.
 */
export function parseFlag(json: unknown, keyHint?: string): Result<Flag> {
  try {
    return { ok: true, value: readFlag(json, '', keyHint) };
  } catch (e) {
    if (e instanceof Invalid)
      return { ok: false, error: validationError('INVALID_FLAG', e.path, e.problem) };
    throw e;
  }
}

export function readFlag(json: unknown, path: string, keyHint?: string): Flag {
  const o = object(json, path);
  const key = optString(o, 'key', path) ?? keyHint;
  if (key === undefined || key === '')
    throw new Invalid(at(path, 'key'), 'a non-empty flag key is required');
  if (keyHint !== undefined && key !== keyHint) {
    throw new Invalid(
      at(path, 'key'),
      `"${key}" does not match the key "${keyHint}" it is stored under`,
    );
  }
  const flag: Flag = {
    key,
    version: optInt(o, 'version', path) ?? 0,
    on: optBool(o, 'on', path) ?? false,
    variations: optArray(o, 'variations', path, anyItem) ?? [],
  };
  put(flag, 'prerequisites', optArray(o, 'prerequisites', path, readPrerequisite));
  put(flag, 'targets', optArray(o, 'targets', path, readTarget));
  put(flag, 'contextTargets', optArray(o, 'contextTargets', path, readTarget));
  put(flag, 'rules', optArray(o, 'rules', path, readRule));
  if (o['fallthrough'] !== undefined && o['fallthrough'] !== null) {
    flag.fallthrough = readVariationOrRollout(o['fallthrough'], at(path, 'fallthrough'));
  }
  put(flag, 'offVariation', optInt(o, 'offVariation', path));
  if (o['clientSideAvailability'] !== undefined && o['clientSideAvailability'] !== null) {
    flag.clientSideAvailability = readAvailability(
      o['clientSideAvailability'],
      at(path, 'clientSideAvailability'),
    );
  }
  put(flag, 'clientSide', optBool(o, 'clientSide', path));
  put(flag, 'salt', optString(o, 'salt', path));
  put(flag, 'trackEvents', optBool(o, 'trackEvents', path));
  put(flag, 'trackEventsFallthrough', optBool(o, 'trackEventsFallthrough', path));
  const debugUntil = optNumber(o, 'debugEventsUntilDate', path);
  if (debugUntil !== undefined && debugUntil !== 0) flag.debugEventsUntilDate = debugUntil;
  put(flag, 'deleted', optBool(o, 'deleted', path));
  if (o['migration'] !== undefined && o['migration'] !== null) {
    const m = object(o['migration'], at(path, 'migration'));
    const checkRatio = optInt(m, 'checkRatio', at(path, 'migration'));
    flag.migration = checkRatio === undefined ? {} : { checkRatio };
  }
  put(flag, 'samplingRatio', optInt(o, 'samplingRatio', path));
  put(flag, 'excludeFromSummaries', optBool(o, 'excludeFromSummaries', path));
  return flag;
}

function readPrerequisite(json: JsonValue, path: string): Prerequisite {
  const o = object(json, path);
  const key = optString(o, 'key', path);
  if (key === undefined)
    throw new Invalid(at(path, 'key'), 'a prerequisite needs the key of a flag');
  return { key, variation: optInt(o, 'variation', path) ?? 0 };
}

function readTarget(json: JsonValue, path: string): Target {
  const o = object(json, path);
  const target: Target = {
    values: optArray(o, 'values', path, stringItem) ?? [],
    variation: optInt(o, 'variation', path) ?? 0,
  };
  put(target, 'contextKind', optString(o, 'contextKind', path));
  return target;
}

export function readClause(json: JsonValue, path: string): Clause {
  const o = object(json, path);
  const clause: Clause = {
    attribute: optString(o, 'attribute', path) ?? '',
    op: optString(o, 'op', path) ?? '',
    values: optArray(o, 'values', path, anyItem) ?? [],
  };
  put(clause, 'contextKind', optString(o, 'contextKind', path));
  put(clause, 'negate', optBool(o, 'negate', path));
  return clause;
}

function readRule(json: JsonValue, path: string): FlagRule {
  const rule: FlagRule = readVariationOrRollout(json, path);
  const o = object(json, path);
  put(rule, 'id', optString(o, 'id', path));
  put(rule, 'clauses', optArray(o, 'clauses', path, readClause));
  put(rule, 'trackEvents', optBool(o, 'trackEvents', path));
  return rule;
}

function readVariationOrRollout(json: unknown, path: string): VariationOrRollout {
  const o = object(json, path);
  const vr: VariationOrRollout = {};
  put(vr, 'variation', optInt(o, 'variation', path));
  if (o['rollout'] !== undefined && o['rollout'] !== null) {
    vr.rollout = readRollout(o['rollout'], at(path, 'rollout'));
  }
  return vr;
}

function readRollout(json: JsonValue, path: string): Rollout {
  const o = object(json, path);
  const rollout: Rollout = { variations: optArray(o, 'variations', path, readWeighted) ?? [] };
  put(rollout, 'kind', optString(o, 'kind', path));
  put(rollout, 'contextKind', optString(o, 'contextKind', path));
  put(rollout, 'bucketBy', optString(o, 'bucketBy', path));
  put(rollout, 'seed', optInt(o, 'seed', path));
  return rollout;
}

function readWeighted(json: JsonValue, path: string): WeightedVariation {
  const o = object(json, path);
  const wv: WeightedVariation = {
    variation: optInt(o, 'variation', path) ?? 0,
    weight: optInt(o, 'weight', path) ?? 0,
  };
  put(wv, 'untracked', optBool(o, 'untracked', path));
  return wv;
}

function readAvailability(json: unknown, path: string): ClientSideAvailability {
  const o = object(json, path);
  return {
    usingMobileKey: optBool(o, 'usingMobileKey', path) ?? false,
    usingEnvironmentId: optBool(o, 'usingEnvironmentId', path) ?? false,
  };
}

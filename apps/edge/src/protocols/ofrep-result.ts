import { evaluate, type Reason } from '@vexil/evaluation';
import type { Context, Flag, JsonObject } from '@vexil/protocol';
import type { CountEvaluation } from '../metrics/evaluation-counts.js';
import type { EnvironmentState } from '../state/environment-state.js';
import { availableTo, type Audience } from './client-payload.js';

// One OFREP evaluation result (docs/protocol.md section 4.6; OFREP OpenAPI `evaluationSuccess`,
// `evaluationFailure`, `flagNotFound`): success `{key, value, reason, variant, metadata}`,
// failure `{key, errorCode, errorDetails}`.
//
// LaunchDarkly reason -> OFREP reason, within the values the OFREP OpenAPI lists for
// `evaluationSuccess.reason` (STATIC, TARGETING_MATCH, SPLIT, DISABLED, UNKNOWN; OpenFeature's
// DEFAULT, CACHED, STALE and ERROR are not among them):
//
//   OFF                  DISABLED         the off variation
//   PREREQUISITE_FAILED  DISABLED         also the off variation: the flag is off for this context
//   TARGET_MATCH         TARGETING_MATCH
//   RULE_MATCH           TARGETING_MATCH, or SPLIT when the rule serves a percentage rollout
//   FALLTHROUGH          SPLIT for a rollout; STATIC when the flag has no targeting at all (the
//                        same value for every context); otherwise TARGETING_MATCH: the value is
//                        the flag's "default rule", the last step of the targeting that was
//                        evaluated for the context (OpenFeature's DEFAULT, which is not allowed;
//                        STATIC would claim the value holds for every context, which a cache
//                        could act on, and UNKNOWN would say the reason is not known)
//   ERROR                an evaluation failure instead: MALFORMED_FLAG -> GENERAL
//
// `variant` is the variation index as a string. `metadata` keeps what the mapping loses:
// `reasonKind` (the LaunchDarkly kind), `ldReason` (the whole LaunchDarkly reason as JSON, since
// OFREP metadata values are scalars), `ruleIndex`, `ruleId`, `prerequisiteKey`, `inExperiment`,
// and `flagVersion`; a failure from an ERROR reason carries the same `metadata` (`errorKind`
// too). A result with no variation (off without an off variation) has no `value`: the caller's
// default applies (OFREP ADR 0006, "code default").

/** Every reason an OFREP answer may carry. */
export const OFREP_REASONS = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'UNKNOWN'] as const;

export type OfrepReason = (typeof OFREP_REASONS)[number];

export type OfrepErrorCode =
  'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export interface OfrepFailure {
  readonly ok: false;
  readonly status: 400 | 404;
  readonly body: JsonObject;
}

export type OfrepResult = { readonly ok: true; readonly body: JsonObject } | OfrepFailure;

function hasTargeting(flag: Flag): boolean {
  return (
    (flag.prerequisites?.length ?? 0) > 0 ||
    (flag.targets ?? []).some((t) => t.values.length > 0) ||
    (flag.contextTargets ?? []).some((t) => t.values.length > 0) ||
    (flag.rules?.length ?? 0) > 0
  );
}

export function ofrepReason(flag: Flag, reason: Exclude<Reason, { kind: 'ERROR' }>): OfrepReason {
  switch (reason.kind) {
    case 'OFF':
    case 'PREREQUISITE_FAILED':
      return 'DISABLED';
    case 'TARGET_MATCH':
      return 'TARGETING_MATCH';
    case 'RULE_MATCH':
      return flag.rules?.[reason.ruleIndex]?.variation === undefined ? 'SPLIT' : 'TARGETING_MATCH';
    case 'FALLTHROUGH':
      if (flag.fallthrough?.variation === undefined) return 'SPLIT';
      return hasTargeting(flag) ? 'TARGETING_MATCH' : 'STATIC';
  }
}

export function ofrepFailure(
  key: string,
  errorCode: OfrepErrorCode,
  errorDetails: string,
  meta?: JsonObject,
): OfrepFailure {
  const body: JsonObject = { key, errorCode, errorDetails };
  if (meta !== undefined) body['metadata'] = meta;
  return { ok: false, status: errorCode === 'FLAG_NOT_FOUND' ? 404 : 400, body };
}

function metadata(flag: Flag, reason: Reason): JsonObject {
  const out: JsonObject = {
    flagVersion: flag.version,
    reasonKind: reason.kind,
    ldReason: JSON.stringify(reason),
  };
  if (reason.kind === 'RULE_MATCH') {
    out['ruleIndex'] = reason.ruleIndex;
    if (reason.ruleId !== undefined) out['ruleId'] = reason.ruleId;
  }
  if (reason.kind === 'PREREQUISITE_FAILED') out['prerequisiteKey'] = reason.prerequisiteKey;
  if ((reason.kind === 'RULE_MATCH' || reason.kind === 'FALLTHROUGH') && reason.inExperiment)
    out['inExperiment'] = true;
  if (reason.kind === 'ERROR') out['errorKind'] = reason.errorKind;
  return out;
}

/**
 * Evaluates flag `key` of the environment for an OFREP request. A flag the audience may not see
 * (a client-side ID asking for a flag not available to client-side SDKs) is FLAG_NOT_FOUND, as
 * are the flags that cannot be parsed, whose availability is unknown.
 */
export function ofrepEvaluate(
  state: EnvironmentState,
  key: string,
  context: Context,
  audience: Audience,
  count?: CountEvaluation,
): OfrepResult {
  const item = state.flags.get(key);
  const hidden =
    audience !== 'server' && (item?.flag === undefined || !availableTo(item.flag, audience));
  if (item === undefined || item.deleted || hidden)
    return ofrepFailure(key, 'FLAG_NOT_FOUND', `no flag "${key}" in this environment`);
  const flag = item.flag;
  if (flag === undefined) {
    return ofrepFailure(
      key,
      'PARSE_ERROR',
      `the configuration of flag "${key}" could not be parsed; fix the flag in the control plane`,
    );
  }
  const result = evaluate(flag, context, state.lookup);
  count?.(key, result.variationIndex);
  const { reason } = result;
  if (reason.kind === 'ERROR') {
    return ofrepFailure(
      key,
      'GENERAL',
      `flag "${key}" could not be evaluated (${reason.errorKind}): check its variation indexes, ` +
        'prerequisites, segments and attribute references',
      metadata(flag, reason),
    );
  }
  const body: JsonObject = { key, reason: ofrepReason(flag, reason) };
  if (result.variationIndex !== undefined) {
    body['value'] = result.value;
    body['variant'] = String(result.variationIndex);
  }
  body['metadata'] = metadata(flag, reason);
  return { ok: true, body };
}

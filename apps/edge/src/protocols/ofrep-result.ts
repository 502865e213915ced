import { evaluate } from '@vexil/evaluation';
import { openFeatureReason, reasonMetadata, type Context, type JsonObject } from '@vexil/protocol';
import type { CountEvaluation } from '../metrics/evaluation-counts.js';
import type { EnvironmentState } from '../state/environment-state.js';
import { availableTo, type Audience } from './client-payload.js';

// One OFREP evaluation result (docs/protocol.md section 4.6; OFREP OpenAPI `evaluationSuccess`,
// `evaluationFailure`, `flagNotFound`): success `{key, value, reason, variant, metadata}`,
// failure `{key, errorCode, errorDetails}`.
//
// Reasons and metadata are OpenFeature's mapping of the LaunchDarkly reason, shared with the
// OpenFeature providers (@vexil/protocol openfeature.ts). `variant` is the variation index as a
// string. A failure from an ERROR reason is GENERAL and carries the same `metadata`. A result
// with no variation (off without an off variation) has no `value`: the caller's default
// applies (OFREP ADR 0006, "code default").

export type OfrepErrorCode =
  'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export interface OfrepFailure {
  readonly ok: false;
  readonly status: 400 | 404;
  readonly body: JsonObject;
}

export type OfrepResult = { readonly ok: true; readonly body: JsonObject } | OfrepFailure;

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
      reasonMetadata(reason, flag.version),
    );
  }
  const body: JsonObject = { key, reason: openFeatureReason(reason, flag) };
  if (result.variationIndex !== undefined) {
    body['value'] = result.value;
    body['variant'] = String(result.variationIndex);
  }
  body['metadata'] = reasonMetadata(reason, flag.version);
  return { ok: true, body };
}

import {
  ErrorCode,
  StandardResolutionReasons,
  type FlagValue,
  type FlagValueType,
  type ResolutionDetails,
} from '@openfeature/web-sdk';
import { openFeatureReason, reasonMetadata } from '@vexil/protocol';
import type { EvaluatedFlag } from './evaluated-flags.js';

// An evaluated result as OpenFeature details (docs/protocol.md section 4.6). The page holds
// results, not flags, so `openFeatureReason` cannot tell a rollout or a flag without targeting
// from targeting: RULE_MATCH and FALLTHROUGH are TARGETING_MATCH here, never SPLIT or STATIC, and
// the metadata (`reasonKind`, `ldReason`) keeps the LaunchDarkly reason. Values read from storage
// before the edge answered are CACHED.

function typeOf(value: unknown): FlagValueType | 'null' {
  if (value === null) return 'null';
  const type = typeof value;
  return type === 'boolean' || type === 'string' || type === 'number' ? type : 'object';
}

function failure<T>(
  defaultValue: T,
  errorCode: ErrorCode,
  errorMessage: string,
  flagMetadata?: Record<string, string | number | boolean>,
): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode,
    errorMessage,
    ...(flagMetadata === undefined ? {} : { flagMetadata }),
  };
}

/** The details for `key` when nothing is held for the context; `problem` says why, if known. */
export function unavailable<T>(
  defaultValue: T,
  problem: { readonly code: ErrorCode; readonly message: string },
): ResolutionDetails<T> {
  return failure(defaultValue, problem.code, problem.message);
}

/** The details of one held result, checked against the type the application asked for. */
export function resolveFlag<T extends FlagValue>(
  key: string,
  flag: EvaluatedFlag | undefined,
  defaultValue: T,
  type: FlagValueType,
  cached: boolean,
): ResolutionDetails<T> {
  if (flag === undefined) {
    return failure(
      defaultValue,
      ErrorCode.FLAG_NOT_FOUND,
      `flag "${key}" is not served to client-side SDKs in this environment: it does not exist, or it is not available to the client-side ID (clientSideAvailability.usingEnvironmentId)`,
    );
  }
  const reason = flag.reason ?? { kind: 'UNKNOWN' };
  const flagMetadata = reasonMetadata(reason, flag.flagVersion);
  if (reason.kind === 'ERROR') {
    return failure(
      defaultValue,
      ErrorCode.GENERAL,
      `the edge could not evaluate flag "${key}": ${reason.errorKind ?? 'ERROR'}`,
      flagMetadata,
    );
  }
  // Off (or failed prerequisite) without an off variation: the application's default applies.
  if (flag.variation === undefined)
    return { value: defaultValue, reason: StandardResolutionReasons.DISABLED, flagMetadata };
  const actual = typeOf(flag.value);
  if (actual !== type) {
    return failure(
      defaultValue,
      ErrorCode.TYPE_MISMATCH,
      `flag "${key}" serves ${actual === 'object' ? 'a JSON object or array' : `a ${actual}`}, not a ${type}`,
      flagMetadata,
    );
  }
  return {
    value: flag.value as T,
    variant: String(flag.variation),
    reason: cached ? StandardResolutionReasons.CACHED : openFeatureReason(reason),
    flagMetadata,
  };
}

import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type FlagMetadata,
  type FlagValue,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { evaluate } from '@vexil/evaluation';
import { openFeatureReason, reasonMetadata, type JsonValue } from '@vexil/protocol';
import { launchDarklyContext } from './context-mapping.js';
import type { FlagData } from './flag-data.js';

// One evaluation as OpenFeature resolution details, with the same mapping as the edge's OFREP
// answers (docs/protocol.md section 4.6, @vexil/protocol openfeature.ts): `variant` is the
// variation index, `reason` the OpenFeature reason, `flagMetadata` keeps the LaunchDarkly reason.
// Failures are returned, not thrown, so that the SDK keeps their metadata; it then serves the
// caller's default with reason ERROR.

export type FlagType = 'boolean' | 'string' | 'number' | 'object';

/** What one evaluation counted towards: the flag, its variation and version (no variation: the default). */
export interface Evaluated {
  readonly flagKey: string;
  readonly version: number;
  readonly variation: number | undefined;
  readonly value: JsonValue;
  readonly contextKinds: readonly string[];
}

function ofType(value: JsonValue, type: FlagType): boolean {
  if (type === 'object') return typeof value === 'object' && value !== null;
  return typeof value === type;
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function failure<T>(
  defaultValue: T,
  errorCode: ErrorCode,
  errorMessage: string,
  flagMetadata?: FlagMetadata,
): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode,
    errorMessage,
    ...(flagMetadata === undefined ? {} : { flagMetadata }),
  };
}

export function resolveFlag<T extends FlagValue>(
  data: FlagData,
  flagKey: string,
  type: FlagType,
  defaultValue: T,
  evaluationContext: EvaluationContext,
  counted?: (evaluated: Evaluated) => void,
): ResolutionDetails<T> {
  if (!data.loaded) {
    return failure(
      defaultValue,
      ErrorCode.PROVIDER_NOT_READY,
      'the provider holds no flags yet: the edge has not answered, and there is no snapshot file or bootstrap to start from',
    );
  }
  const context = launchDarklyContext(evaluationContext);
  if (!context.ok) {
    const code =
      context.errorCode === 'TARGETING_KEY_MISSING'
        ? ErrorCode.TARGETING_KEY_MISSING
        : ErrorCode.INVALID_CONTEXT;
    return failure(defaultValue, code, context.details);
  }
  const item = data.flags.get(flagKey);
  if (item === undefined || item.deleted)
    return failure(
      defaultValue,
      ErrorCode.FLAG_NOT_FOUND,
      `no flag "${flagKey}" in this environment`,
    );
  const flag = item.flag;
  if (flag === undefined) {
    return failure(
      defaultValue,
      ErrorCode.PARSE_ERROR,
      `the configuration of flag "${flagKey}" could not be parsed (${item.parseError ?? 'unknown error'}); fix the flag in the control plane`,
    );
  }
  const result = evaluate(flag, context.context, data.lookup);
  const { reason } = result;
  const flagMetadata = reasonMetadata(reason, flag.version);
  const count = (variation: number | undefined, value: JsonValue) =>
    counted?.({
      flagKey,
      version: flag.version,
      variation,
      value,
      contextKinds: context.context.parts.map((p) => p.kind),
    });
  if (reason.kind === 'ERROR') {
    count(undefined, defaultValue);
    return failure(
      defaultValue,
      ErrorCode.GENERAL,
      `flag "${flagKey}" could not be evaluated (${reason.errorKind}): check its variation indexes, prerequisites, segments and attribute references`,
      flagMetadata,
    );
  }
  if (result.variationIndex === undefined) {
    // Off without an off variation: LaunchDarkly serves the caller's default (OFREP ADR 0006).
    count(undefined, defaultValue);
    return { value: defaultValue, reason: openFeatureReason(reason, flag), flagMetadata };
  }
  if (!ofType(result.value, type)) {
    count(undefined, defaultValue);
    return failure(
      defaultValue,
      ErrorCode.TYPE_MISMATCH,
      `flag "${flagKey}" served a ${describe(result.value)} value; it was asked for as ${type === 'object' ? 'an object' : `a ${type}`}`,
      flagMetadata,
    );
  }
  count(result.variationIndex, result.value);
  return {
    value: result.value as T,
    variant: String(result.variationIndex),
    reason: openFeatureReason(reason, flag),
    flagMetadata,
  };
}

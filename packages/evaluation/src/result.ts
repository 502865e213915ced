import type { JsonValue } from '@vexil/protocol';

// Evaluation results and reasons (docs/evaluation.md; upstream: go-sdk-common ldreason).

export type ErrorKind =
  | 'CLIENT_NOT_READY'
  | 'FLAG_NOT_FOUND'
  | 'MALFORMED_FLAG'
  | 'USER_NOT_SPECIFIED'
  | 'WRONG_TYPE'
  | 'EXCEPTION';

export type BigSegmentsStatus = 'HEALTHY' | 'STALE' | 'STORE_ERROR' | 'NOT_CONFIGURED';

interface ReasonBase {
  readonly bigSegmentsStatus?: BigSegmentsStatus;
}

export type Reason =
  | (ReasonBase & { readonly kind: 'OFF' })
  | (ReasonBase & { readonly kind: 'TARGET_MATCH' })
  | (ReasonBase & { readonly kind: 'FALLTHROUGH'; readonly inExperiment?: true })
  | (ReasonBase & {
      readonly kind: 'RULE_MATCH';
      readonly ruleIndex: number;
      readonly ruleId?: string;
      readonly inExperiment?: true;
    })
  | (ReasonBase & { readonly kind: 'PREREQUISITE_FAILED'; readonly prerequisiteKey: string })
  | (ReasonBase & { readonly kind: 'ERROR'; readonly errorKind: ErrorKind });

export type ReasonKind = Reason['kind'];

/**
 * What `evaluate` returns. `value` is null when there is no variation (off without an off
 * variation, or an error); the caller substitutes its default. Results may be shared between
 * calls: treat them as read-only.
 */
export interface EvalResult {
  readonly value: JsonValue;
  readonly variationIndex?: number;
  readonly reason: Reason;
  /** Keys of the flag's direct prerequisites that were evaluated, in order. */
  readonly prerequisites?: readonly string[];
}

export function errorResult(errorKind: ErrorKind): EvalResult {
  return { value: null, reason: { kind: 'ERROR', errorKind } };
}

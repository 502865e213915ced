import type { JsonValue } from './json.js';

// LaunchDarkly's server-side flag JSON (docs/protocol.md section 2; upstream:
// go-server-sdk-evaluation ldmodel). Optional fields take LaunchDarkly's defaults when absent.

/** Every clause operator LaunchDarkly defines. Unknown operators are kept and never match. */
export type Operator =
  | 'in'
  | 'endsWith'
  | 'startsWith'
  | 'matches'
  | 'contains'
  | 'lessThan'
  | 'lessThanOrEqual'
  | 'greaterThan'
  | 'greaterThanOrEqual'
  | 'before'
  | 'after'
  | 'semVerEqual'
  | 'semVerLessThan'
  | 'semVerGreaterThan'
  | 'segmentMatch';

export const OPERATORS: readonly Operator[] = [
  'in',
  'endsWith',
  'startsWith',
  'matches',
  'contains',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'before',
  'after',
  'semVerEqual',
  'semVerLessThan',
  'semVerGreaterThan',
  'segmentMatch',
];

export interface Clause {
  /** Absent means old-style data: `attribute` is then a literal name, not a reference. */
  contextKind?: string;
  attribute: string;
  op: Operator | (string & {});
  values: JsonValue[];
  negate?: boolean;
}

export interface WeightedVariation {
  variation: number;
  /** Out of 100000. */
  weight: number;
  untracked?: boolean;
}

export type RolloutKind = 'rollout' | 'experiment';

export interface Rollout {
  kind?: RolloutKind | (string & {});
  contextKind?: string;
  bucketBy?: string;
  seed?: number;
  variations: WeightedVariation[];
}

/** Either a fixed variation or a percentage rollout (fallthrough, rules). */
export interface VariationOrRollout {
  variation?: number;
  rollout?: Rollout;
}

export interface FlagRule extends VariationOrRollout {
  id?: string;
  clauses?: Clause[];
  trackEvents?: boolean;
}

export interface Prerequisite {
  key: string;
  variation: number;
}

export interface Target {
  contextKind?: string;
  values: string[];
  variation: number;
}

export interface ClientSideAvailability {
  usingMobileKey: boolean;
  usingEnvironmentId: boolean;
}

export interface Flag {
  key: string;
  version: number;
  on: boolean;
  variations: JsonValue[];
  prerequisites?: Prerequisite[];
  targets?: Target[];
  contextTargets?: Target[];
  rules?: FlagRule[];
  fallthrough?: VariationOrRollout;
  offVariation?: number;
  clientSideAvailability?: ClientSideAvailability;
  /** Deprecated form of `clientSideAvailability.usingEnvironmentId`. */
  clientSide?: boolean;
  salt?: string;
  trackEvents?: boolean;
  trackEventsFallthrough?: boolean;
  debugEventsUntilDate?: number;
  deleted?: boolean;
  migration?: { checkRatio?: number };
  samplingRatio?: number;
  excludeFromSummaries?: boolean;
}

/**
 * Which client-side credentials may see this flag. Without `clientSideAvailability`,
 * LaunchDarkly assumes mobile keys may and derives the environment-id case from `clientSide`.
 */
export function clientSideAvailability(flag: Flag): ClientSideAvailability {
  return (
    flag.clientSideAvailability ?? {
      usingMobileKey: true,
      usingEnvironmentId: flag.clientSide === true,
    }
  );
}

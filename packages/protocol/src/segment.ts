import type { Clause } from './flag.js';

// LaunchDarkly's segment JSON (docs/protocol.md section 2; upstream: ldmodel model_segment.go).

export interface SegmentTarget {
  contextKind: string;
  values: string[];
}

export interface SegmentRule {
  id?: string;
  clauses?: Clause[];
  /** Out of 100000; present makes the rule a percentage rule. */
  weight?: number;
  bucketBy?: string;
  rolloutContextKind?: string;
}

export interface Segment {
  key: string;
  version: number;
  included?: string[];
  excluded?: string[];
  includedContexts?: SegmentTarget[];
  excludedContexts?: SegmentTarget[];
  rules?: SegmentRule[];
  salt?: string;
  unbounded?: boolean;
  unboundedContextKind?: string;
  generation?: number;
  deleted?: boolean;
}

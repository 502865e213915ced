import type { Flag, Segment } from '@vexil/protocol';

/**
 * How the evaluator reads other flags (prerequisites) and segments. Items marked `deleted`
 * are treated as absent.
 */
export interface Lookup {
  getFlag(key: string): Flag | undefined;
  getSegment(key: string): Segment | undefined;
  /**
   * Big Segment membership for one context key, keyed by `<segmentKey>.g<generation>`
   * (true = included, false = excluded). Absent when no Big Segment store is configured.
   */
  getBigSegmentMembership?(contextKey: string): BigSegmentMembership;
}

export interface BigSegmentMembership {
  readonly status: 'HEALTHY' | 'STALE' | 'STORE_ERROR';
  readonly membership: Readonly<Record<string, boolean>>;
}

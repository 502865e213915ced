import { attributeValue, contextPart, type Context, type JsonValue } from '@vexil/protocol';
import { compiledSegment, type CompiledClause, type CompiledSegmentRule } from './compile.js';
import type { Lookup } from './lookup.js';
import type { BigSegmentsStatus } from './result.js';
import { contextBucket } from './rollout.js';

// Clause and segment matching (docs/evaluation.md, "Clauses" and "Segments"; upstream:
// go-server-sdk-evaluation evaluator_clause.go, evaluator_segment.go).

/** Thrown to stop a whole evaluation with MALFORMED_FLAG (clause error, cycle). */
export class Malformed extends Error {}

export interface Scope {
  readonly context: Context;
  readonly lookup: Lookup;
  /** Flags on the current prerequisite path, for cycle detection. */
  readonly flagChain: string[];
  /** Segments on the current segment-rule path, for cycle detection. */
  readonly segmentChain: string[];
  /** Worst Big Segment status seen, reported on the final reason. */
  bigSegments: BigSegmentsStatus | undefined;
}

export function matchClauses(clauses: readonly CompiledClause[], scope: Scope): boolean {
  for (let i = 0; i < clauses.length; i++) {
    if (!matchClause(clauses[i]!, scope)) return false;
  }
  return true;
}

function matchClause(clause: CompiledClause, scope: Scope): boolean {
  if (clause.op === 'segmentMatch') {
    for (const key of clause.segmentKeys) {
      if (inSegment(key, scope)) return !clause.negate;
    }
    return clause.negate;
  }
  if (clause.malformed)
    throw new Malformed(`invalid attribute in clause: ${clause.ref.error ?? ''}`);
  const context = scope.context;
  if (clause.matchesKind) {
    let match = false;
    for (const part of context.parts) match ||= clause.test(part.kind);
    return match !== clause.negate;
  }
  const part = contextPart(context, clause.contextKind);
  if (part === undefined) return false;
  const value = attributeValue(part, clause.ref);
  // A missing attribute never matches, whatever `negate` says.
  if (value === undefined || value === null) return false;
  return matchValue(clause, value) !== clause.negate;
}

function matchValue(clause: CompiledClause, value: JsonValue): boolean {
  if (!Array.isArray(value)) return clause.test(value);
  for (const element of value) {
    if (element !== null && typeof element !== 'object' && clause.test(element)) return true;
  }
  return false;
}

function inSegment(key: string, scope: Scope): boolean {
  const segment = scope.lookup.getSegment(key);
  if (segment === undefined || segment.deleted === true) return false;
  if (scope.segmentChain.includes(key)) throw new Malformed(`segment cycle through ${key}`);
  const context = scope.context;
  if (segment.unbounded === true) return inBigSegment(segment.key, segment, scope);
  const compiled = compiledSegment(segment);
  const user = contextPart(context, 'user');
  if (user !== undefined && compiled.included.has(user.key)) return true;
  const plainUser = context.parts.length === 1 && user !== undefined;
  if (!plainUser) {
    for (const target of compiled.includedContexts) {
      const part = contextPart(context, target.kind);
      if (part !== undefined && target.values.has(part.key)) return true;
    }
  }
  if (user !== undefined && compiled.excluded.has(user.key)) return false;
  if (!plainUser) {
    for (const target of compiled.excludedContexts) {
      const part = contextPart(context, target.kind);
      if (part !== undefined && target.values.has(part.key)) return false;
    }
  }
  return matchSegmentRules(key, compiled.rules, compiled.prefix, scope);
}

function matchSegmentRules(
  key: string,
  rules: readonly CompiledSegmentRule[],
  prefix: string,
  scope: Scope,
): boolean {
  scope.segmentChain.push(key);
  try {
    for (const rule of rules) {
      if (!matchClauses(rule.clauses, scope)) continue;
      if (rule.weight === undefined) return true;
      if (rule.bucketBy === undefined) throw new Malformed(`invalid bucketBy in segment ${key}`);
      const bucket = contextBucket(scope.context, rule.contextKind, rule.bucketBy, prefix);
      if (bucket !== undefined && bucket < rule.weight / 100000) return true;
    }
    return false;
  } finally {
    scope.segmentChain.pop();
  }
}

const STATUS_RANK: Record<BigSegmentsStatus, number> = {
  HEALTHY: 0,
  STALE: 1,
  STORE_ERROR: 2,
  NOT_CONFIGURED: 3,
};

function noteStatus(scope: Scope, status: BigSegmentsStatus) {
  if (scope.bigSegments === undefined || STATUS_RANK[status] > STATUS_RANK[scope.bigSegments]) {
    scope.bigSegments = status;
  }
}

/** Big Segments keep membership outside the segment JSON, keyed by `<key>.g<generation>`. */
function inBigSegment(
  key: string,
  segment: NonNullable<ReturnType<Lookup['getSegment']>>,
  scope: Scope,
): boolean {
  if (segment.generation === undefined) {
    noteStatus(scope, 'NOT_CONFIGURED');
    return false;
  }
  const part = contextPart(scope.context, segment.unboundedContextKind || 'user');
  if (part === undefined) return false;
  const membership = scope.lookup.getBigSegmentMembership?.(part.key);
  if (membership === undefined) {
    noteStatus(scope, 'NOT_CONFIGURED');
    return false;
  }
  noteStatus(scope, membership.status);
  const included = membership.membership[`${key}.g${segment.generation}`];
  if (included !== undefined) return included;
  const compiled = compiledSegment(segment);
  return matchSegmentRules(key, compiled.rules, compiled.prefix, scope);
}

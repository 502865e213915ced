import {
  literalAttributeReference,
  parseAttributeReference,
  type AttributeReference,
  type Clause,
  type Flag,
  type Rollout,
  type Segment,
  type VariationOrRollout,
} from '@vexil/protocol';
import { compileOperator, type ValueTest } from './operators.js';

// Flags and segments are compiled once, on first evaluation, into a form that evaluates without
// re-parsing: attribute references parsed, target lists turned into sets, clause values
// pre-parsed. The compiled form is cached per object, so callers must treat a flag or segment
// they have evaluated as immutable (the edge replaces objects, it never edits them).

export interface CompiledClause {
  readonly op: string;
  readonly negate: boolean;
  readonly contextKind: string;
  readonly ref: AttributeReference;
  /** The clause's attribute is unusable: evaluating it is a MALFORMED_FLAG error. */
  readonly malformed: boolean;
  /** The attribute is `kind`, matched against the context's kind(s). */
  readonly matchesKind: boolean;
  readonly test: ValueTest;
  /** For `segmentMatch`: the segment keys among the values. */
  readonly segmentKeys: readonly string[];
}

export interface CompiledRollout {
  readonly experiment: boolean;
  readonly contextKind: string;
  /** Undefined when `bucketBy` is an invalid reference: a MALFORMED_FLAG error. */
  readonly bucketBy: AttributeReference | undefined;
  /** Hash prefix: the seed, or `key.salt`. */
  readonly prefix: string;
  readonly variations: Rollout['variations'];
}

export interface CompiledTarget {
  readonly contextKind: string;
  readonly values: ReadonlySet<string>;
  readonly variation: number;
}

export interface CompiledFlag {
  readonly targets: readonly CompiledTarget[];
  readonly rules: readonly {
    readonly clauses: readonly CompiledClause[];
    readonly rollout?: CompiledRollout;
  }[];
  readonly fallthroughRollout?: CompiledRollout;
}

export interface CompiledSegmentRule {
  readonly clauses: readonly CompiledClause[];
  readonly weight?: number;
  readonly contextKind: string;
  readonly bucketBy: AttributeReference | undefined;
}

export interface CompiledSegment {
  readonly included: ReadonlySet<string>;
  readonly excluded: ReadonlySet<string>;
  readonly includedContexts: readonly { kind: string; values: ReadonlySet<string> }[];
  readonly excludedContexts: readonly { kind: string; values: ReadonlySet<string> }[];
  readonly rules: readonly CompiledSegmentRule[];
  readonly prefix: string;
}

const flags = new WeakMap<Flag, CompiledFlag>();
const segments = new WeakMap<Segment, CompiledSegment>();

export function compiledFlag(flag: Flag): CompiledFlag {
  let compiled = flags.get(flag);
  if (compiled === undefined) {
    compiled = compileFlag(flag);
    flags.set(flag, compiled);
  }
  return compiled;
}

export function compiledSegment(segment: Segment): CompiledSegment {
  let compiled = segments.get(segment);
  if (compiled === undefined) {
    compiled = compileSegment(segment);
    segments.set(segment, compiled);
  }
  return compiled;
}

/** New-style data (with a context kind) uses references; old-style data literal names. */
function reference(
  attribute: string | undefined,
  contextKind: string | undefined,
): AttributeReference {
  const text = attribute ?? '';
  return contextKind === undefined || contextKind === ''
    ? literalAttributeReference(text)
    : parseAttributeReference(text);
}

export function compileClause(clause: Clause): CompiledClause {
  const ref = reference(clause.attribute, clause.contextKind);
  const malformed = clause.op !== 'segmentMatch' && ref.error !== undefined;
  return {
    op: clause.op,
    negate: clause.negate === true,
    contextKind: clause.contextKind || 'user',
    ref,
    malformed,
    matchesKind: !malformed && ref.components.length === 1 && ref.components[0] === 'kind',
    test: compileOperator(clause.op, clause.values),
    segmentKeys:
      clause.op === 'segmentMatch' ? clause.values.filter((v) => typeof v === 'string') : [],
  };
}

function compileRollout(key: string, salt: string | undefined, vr: VariationOrRollout | undefined) {
  const rollout = vr?.variation === undefined ? vr?.rollout : undefined;
  if (rollout === undefined) return undefined;
  const experiment = rollout.kind === 'experiment';
  const bucketBy =
    experiment || rollout.bucketBy === undefined
      ? literalAttributeReference('key')
      : reference(rollout.bucketBy, rollout.contextKind);
  return {
    experiment,
    contextKind: rollout.contextKind || 'user',
    bucketBy: bucketBy.error === undefined ? bucketBy : undefined,
    prefix: rollout.seed !== undefined ? String(rollout.seed) : `${key}.${salt ?? ''}`,
    variations: rollout.variations,
  } satisfies CompiledRollout;
}

function compileFlag(flag: Flag): CompiledFlag {
  const targetsOf = (list: Flag['targets']) =>
    (list ?? []).map((t) => ({
      contextKind: t.contextKind || 'user',
      values: new Set(t.values),
      variation: t.variation,
    }));
  const userTargets = targetsOf(flag.targets);
  // With contextTargets, user-kind entries without values stand for the `targets` entry with
  // the same variation (upstream: evaluator.go anyTargetMatchVariation).
  const targets =
    flag.contextTargets === undefined || flag.contextTargets.length === 0
      ? userTargets
      : targetsOf(flag.contextTargets).map((t) =>
          t.contextKind === 'user' && t.values.size === 0
            ? (userTargets.find((u) => u.variation === t.variation) ?? t)
            : t,
        );
  const compiled: CompiledFlag = {
    targets,
    rules: (flag.rules ?? []).map((rule) => {
      const clauses = (rule.clauses ?? []).map(compileClause);
      const rollout = compileRollout(flag.key, flag.salt, rule);
      return rollout === undefined ? { clauses } : { clauses, rollout };
    }),
  };
  const fallthroughRollout = compileRollout(flag.key, flag.salt, flag.fallthrough);
  return fallthroughRollout === undefined ? compiled : { ...compiled, fallthroughRollout };
}

function compileSegment(segment: Segment): CompiledSegment {
  const contextTargets = (list: Segment['includedContexts']) =>
    (list ?? []).map((t) => ({ kind: t.contextKind || 'user', values: new Set(t.values) }));
  return {
    included: new Set(segment.included),
    excluded: new Set(segment.excluded),
    includedContexts: contextTargets(segment.includedContexts),
    excludedContexts: contextTargets(segment.excludedContexts),
    rules: (segment.rules ?? []).map((rule) => {
      const bucketBy = reference(rule.bucketBy ?? 'key', rule.rolloutContextKind);
      const compiled: CompiledSegmentRule = {
        clauses: (rule.clauses ?? []).map(compileClause),
        contextKind: rule.rolloutContextKind || 'user',
        bucketBy: bucketBy.error === undefined ? bucketBy : undefined,
      };
      return rule.weight === undefined ? compiled : { ...compiled, weight: rule.weight };
    }),
    prefix: `${segment.key}.${segment.salt ?? ''}`,
  };
}

import { contextPart, type Context, type Flag, type VariationOrRollout } from '@vexil/protocol';
import { bucketRollout } from './rollout.js';
import { compiledFlag, type CompiledFlag, type CompiledRollout } from './compile.js';
import { matchClauses, Malformed, type Scope } from './match.js';
import type { Lookup } from './lookup.js';
import { errorResult, type EvalResult, type Reason } from './result.js';

// evaluate(flag, context, lookup): LaunchDarkly's evaluation algorithm (docs/evaluation.md;
// upstream: go-server-sdk-evaluation evaluator.go). Order: off, prerequisites, individual
// targets, rules, fallthrough.
//
// Two kinds of failure, as in the reference evaluator: a bad variation index or rollout gives a
// MALFORMED_FLAG result for this flag only, while a clause error or a prerequisite/segment cycle
// throws `Malformed`, which stops the whole evaluation, through any prerequisite chain, and
// becomes the top-level MALFORMED_FLAG result.

const OFF: Reason = { kind: 'OFF' };
const TARGET_MATCH: Reason = { kind: 'TARGET_MATCH' };
const FALLTHROUGH: Reason = { kind: 'FALLTHROUGH' };
const FALLTHROUGH_EXPERIMENT: Reason = { kind: 'FALLTHROUGH', inExperiment: true };
const MALFORMED = errorResult('MALFORMED_FLAG');

/** Evaluates one flag for one context. Never throws: failures are `reason.kind = 'ERROR'`. */
export function evaluate(flag: Flag, context: Context, lookup: Lookup): EvalResult {
  const scope: Scope = {
    context,
    lookup,
    flagChain: [flag.key],
    segmentChain: [],
    bigSegments: undefined,
  };
  try {
    const result = evaluateFlag(flag, scope);
    return scope.bigSegments === undefined
      ? result
      : withBigSegmentsStatus(result, scope.bigSegments);
  } catch (e) {
    return e instanceof Malformed ? MALFORMED : errorResult('EXCEPTION');
  }
}

function evaluateFlag(flag: Flag, scope: Scope): EvalResult {
  if (!flag.on) return offResult(flag, OFF, undefined);
  const compiled = compiledFlag(flag);

  let prerequisites: string[] | undefined;
  for (const prereq of flag.prerequisites ?? []) {
    (prerequisites ??= []).push(prereq.key);
    const prereqFlag = scope.lookup.getFlag(prereq.key);
    if (prereqFlag === undefined || prereqFlag.deleted === true) {
      return offResult(
        flag,
        { kind: 'PREREQUISITE_FAILED', prerequisiteKey: prereq.key },
        prerequisites,
      );
    }
    if (scope.flagChain.includes(prereq.key))
      throw new Malformed(`prerequisite cycle through ${prereq.key}`);
    scope.flagChain.push(prereq.key);
    const prereqResult = evaluateFlag(prereqFlag, scope);
    scope.flagChain.pop();
    // An off prerequisite fails even when its off variation is the required one.
    if (!prereqFlag.on || prereqResult.variationIndex !== prereq.variation) {
      return offResult(
        flag,
        { kind: 'PREREQUISITE_FAILED', prerequisiteKey: prereq.key },
        prerequisites,
      );
    }
  }

  const targetVariation = matchTargets(compiled, scope.context);
  if (targetVariation !== undefined)
    return variationResult(flag, targetVariation, TARGET_MATCH, prerequisites);

  const rules = flag.rules ?? [];
  for (let i = 0; i < compiled.rules.length; i++) {
    const rule = compiled.rules[i]!;
    if (!matchClauses(rule.clauses, scope)) continue;
    const source = rules[i]!;
    return ruleOrFallthroughResult(
      flag,
      source,
      rule.rollout,
      scope.context,
      prerequisites,
      (inExperiment) => ruleReason(i, source.id, inExperiment),
    );
  }
  return ruleOrFallthroughResult(
    flag,
    flag.fallthrough,
    compiled.fallthroughRollout,
    scope.context,
    prerequisites,
    (inExperiment) => (inExperiment ? FALLTHROUGH_EXPERIMENT : FALLTHROUGH),
  );
}

function ruleReason(ruleIndex: number, ruleId: string | undefined, inExperiment: boolean): Reason {
  const reason: { kind: 'RULE_MATCH'; ruleIndex: number; ruleId?: string; inExperiment?: true } = {
    kind: 'RULE_MATCH',
    ruleIndex,
  };
  if (ruleId !== undefined && ruleId !== '') reason.ruleId = ruleId;
  if (inExperiment) reason.inExperiment = true;
  return reason;
}

function matchTargets(compiled: CompiledFlag, context: Context): number | undefined {
  for (const target of compiled.targets) {
    const part = contextPart(context, target.contextKind);
    if (part !== undefined && target.values.has(part.key)) return target.variation;
  }
  return undefined;
}

function ruleOrFallthroughResult(
  flag: Flag,
  vr: VariationOrRollout | undefined,
  rollout: CompiledRollout | undefined,
  context: Context,
  prerequisites: string[] | undefined,
  reason: (inExperiment: boolean) => Reason,
): EvalResult {
  if (vr?.variation !== undefined)
    return variationResult(flag, vr.variation, reason(false), prerequisites);
  if (rollout === undefined || rollout.variations.length === 0) return MALFORMED;
  const bucketed = bucketRollout(rollout, context);
  if (bucketed === undefined) return MALFORMED;
  return variationResult(flag, bucketed.variation, reason(bucketed.inExperiment), prerequisites);
}

function offResult(flag: Flag, reason: Reason, prerequisites: string[] | undefined): EvalResult {
  if (flag.offVariation === undefined) {
    return prerequisites === undefined
      ? { value: null, reason }
      : { value: null, reason, prerequisites };
  }
  return variationResult(flag, flag.offVariation, reason, prerequisites);
}

function variationResult(
  flag: Flag,
  index: number,
  reason: Reason,
  prerequisites: string[] | undefined,
): EvalResult {
  if (index < 0 || index >= flag.variations.length) return MALFORMED;
  const value = flag.variations[index]!;
  return prerequisites === undefined
    ? { value, variationIndex: index, reason }
    : { value, variationIndex: index, reason, prerequisites };
}

function withBigSegmentsStatus(
  result: EvalResult,
  status: NonNullable<Scope['bigSegments']>,
): EvalResult {
  return { ...result, reason: { ...result.reason, bigSegmentsStatus: status } };
}

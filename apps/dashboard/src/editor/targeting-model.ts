import type { Rule, Target, Targeting, VariationOrRollout } from '../api/types.js';
import { clauseProblems, newClause } from './clauses.js';
import { TOTAL_WEIGHT, rolloutWeights, sumWeights, withWeights } from './rollout-weights.js';

// The targeting editor's model operations: what a rule or the fallthrough serves, individual
// targets per context kind, and what is wrong with a targeting before it is saved.

export type ServeKind = 'variation' | 'rollout';

export function serveKind(serve: VariationOrRollout): ServeKind {
  return serve.rollout !== undefined ? 'rollout' : 'variation';
}

/**
 * A percentage rollout in place of a fixed variation: it starts with that variation at 100%,
 * so switching alone changes nothing that is served.
 */
export function toRollout(serve: VariationOrRollout, variationCount: number): VariationOrRollout {
  if (serve.rollout !== undefined) return serve;
  const weights = new Array<number>(variationCount).fill(0);
  const chosen =
    serve.variation !== undefined && serve.variation < variationCount ? serve.variation : 0;
  weights[chosen] = TOTAL_WEIGHT;
  return { rollout: withWeights({ variations: [] }, weights) };
}

/** A fixed variation in place of a rollout: the variation that had the largest share. */
export function toVariation(serve: VariationOrRollout, variationCount: number): VariationOrRollout {
  if (serve.rollout === undefined) return { variation: serve.variation ?? 0 };
  const weights = rolloutWeights(serve.rollout, variationCount);
  const largest = weights.reduce((best, w, i) => (w > weights[best]! ? i : best), 0);
  return { variation: largest };
}

/** Keeps the kind of serve but replaces a rule's or the fallthrough's serve fields. */
export function withServe<T extends VariationOrRollout>(owner: T, serve: VariationOrRollout): T {
  const { variation: _v, rollout: _r, ...rest } = owner;
  return { ...rest, ...serve } as T;
}

export function newRule(id: string): Rule {
  return { id, clauses: [newClause()], variation: 0 };
}

/** Individual targets: one entry per context kind and variation, in evaluation order. */
export interface IndividualTarget {
  contextKind: string;
  variation: number;
  values: string[];
}

/**
 * LaunchDarkly keeps user targets in `targets` and other kinds in `contextTargets`; once
 * `contextTargets` is non-empty it alone gives the order, and a user entry there with no values
 * stands for the `targets` entry of the same variation.
 */
export function individualTargets(t: Targeting): IndividualTarget[] {
  const users = t.targets.map((x) => ({
    contextKind: 'user',
    variation: x.variation,
    values: x.values,
  }));
  if (t.contextTargets.length === 0) return users;
  const used = new Set<number>();
  const list: IndividualTarget[] = [];
  for (const ct of t.contextTargets) {
    const kind = ct.contextKind ?? 'user';
    if (kind === 'user' && ct.values.length === 0) {
      const i = t.targets.findIndex((x, n) => x.variation === ct.variation && !used.has(n));
      if (i >= 0) {
        used.add(i);
        list.push(users[i]!);
      }
    } else {
      list.push({ contextKind: kind, variation: ct.variation, values: ct.values });
    }
  }
  users.forEach((u, i) => {
    if (!used.has(i)) list.push(u);
  });
  return list;
}

/** The targeting with these individual targets, written the way LaunchDarkly reads them. */
export function withIndividualTargets(t: Targeting, list: readonly IndividualTarget[]): Targeting {
  const kept = list.filter((x) => x.values.length > 0);
  const targets: Target[] = kept
    .filter((x) => x.contextKind === 'user')
    .map((x) => ({ values: x.values, variation: x.variation }));
  const others = kept.some((x) => x.contextKind !== 'user');
  const contextTargets: Target[] = others
    ? kept.map((x) =>
        x.contextKind === 'user'
          ? { contextKind: 'user', values: [], variation: x.variation }
          : { contextKind: x.contextKind, values: x.values, variation: x.variation },
      )
    : [];
  return { ...t, targets, contextTargets };
}

/** A problem with a part of the targeting: `where` names it for a person. */
export interface Problem {
  readonly where: string;
  readonly message: string;
}

function serveProblems(
  serve: VariationOrRollout,
  variationCount: number,
  where: string,
): Problem[] {
  const problems: Problem[] = [];
  const inRange = (i: number | undefined) => i !== undefined && i >= 0 && i < variationCount;
  if (serve.rollout !== undefined) {
    const weights = serve.rollout.variations.map((v) => v.weight);
    if (sumWeights(weights) !== TOTAL_WEIGHT)
      problems.push({
        where,
        message: `rollout weights add up to ${sumWeights(weights) / 1000}%, not 100%`,
      });
    if (serve.rollout.variations.some((v) => !inRange(v.variation)))
      problems.push({ where, message: 'the rollout names a variation the flag does not have' });
  } else if (!inRange(serve.variation)) {
    problems.push({ where, message: 'choose a variation to serve' });
  }
  return problems;
}

export interface TargetingContext {
  readonly flagKey: string;
  readonly variationCount: number;
  /** Keys of the project's other flags (prerequisites must name one of them). */
  readonly flagKeys: readonly string[];
  readonly segmentKeys?: readonly string[];
}

/** Everything that would make the API refuse the targeting, or make it surprising. */
export function targetingProblems(t: Targeting, ctx: TargetingContext): Problem[] {
  const problems: Problem[] = [];
  const n = ctx.variationCount;
  if (t.offVariation !== undefined && (t.offVariation < 0 || t.offVariation >= n))
    problems.push({ where: 'Off variation', message: 'choose a variation to serve when off' });
  problems.push(...serveProblems(t.fallthrough, n, 'Default rule'));
  t.rules.forEach((rule, i) => {
    const where = `Rule ${i + 1}`;
    if (rule.clauses.length === 0) problems.push({ where, message: 'add at least one condition' });
    rule.clauses.forEach((c, j) =>
      clauseProblems(c, ctx.segmentKeys).forEach((message) =>
        problems.push({ where: `${where}, condition ${j + 1}`, message }),
      ),
    );
    problems.push(...serveProblems(rule, n, where));
  });
  t.prerequisites.forEach((p, i) => {
    const where = `Prerequisite ${i + 1}`;
    if (p.key === ctx.flagKey) problems.push({ where, message: 'a flag cannot require itself' });
    else if (!ctx.flagKeys.includes(p.key))
      problems.push({ where, message: `choose a flag (no flag "${p.key}")` });
  });
  individualTargets(t).forEach((x, i) => {
    if (x.variation < 0 || x.variation >= n)
      problems.push({ where: `Target ${i + 1}`, message: 'choose a variation' });
  });
  return problems;
}

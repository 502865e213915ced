import {
  attributeValue,
  contextPart,
  type AttributeReference,
  type Context,
} from '@vexil/protocol';
import { bucketOf } from './bucket.js';
import type { CompiledRollout } from './compile.js';

// Percentage rollouts and experiments (docs/evaluation.md, "Bucketing"; upstream:
// go-server-sdk-evaluation evaluator_bucketing.go).

/**
 * The bucket of a context for `prefix` and attribute `by` in the context part of `kind`:
 * undefined if the context has no such part; 0 if the attribute is neither a string nor an
 * integer (LaunchDarkly's historical behaviour).
 */
export function contextBucket(
  context: Context,
  kind: string,
  by: AttributeReference,
  prefix: string,
): number | undefined {
  const part = contextPart(context, kind);
  if (part === undefined) return undefined;
  const value = attributeValue(part, by);
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isInteger(value)) text = String(value);
  else return 0;
  return bucketOf(`${prefix}.${text}`);
}

/** The rollout's variation for the context, or undefined for an invalid `bucketBy`. */
export function bucketRollout(
  rollout: CompiledRollout,
  context: Context,
): { variation: number; inExperiment: boolean } | undefined {
  if (rollout.bucketBy === undefined) return undefined;
  const bucket = contextBucket(context, rollout.contextKind, rollout.bucketBy, rollout.prefix);
  const hasKind = bucket !== undefined;
  const value = bucket ?? 0;
  const variations = rollout.variations;
  let sum = 0;
  for (const wv of variations) {
    sum += wv.weight / 100000;
    if (value < sum) {
      return {
        variation: wv.variation,
        inExperiment: rollout.experiment && hasKind && wv.untracked !== true,
      };
    }
  }
  // Weights summing to less than 100%: the last bucket takes the rest (the reference evaluator
  // does not check the context kind in this case).
  const last = variations[variations.length - 1]!;
  return { variation: last.variation, inExperiment: rollout.experiment && last.untracked !== true };
}

import type { Rollout, WeightedVariation } from '@vexil/protocol';
import type { Random } from './random.js';

// Percentage rollouts and experiments for rules and fallthroughs. Weights always add up to
// 100000; experiments carry a non-zero seed (LaunchDarkly's JS SDK reads `seed: 0` as "no
// seed", Go as the seed 0) and sometimes an untracked (holdout) variation.

export function rollout(random: Random, variationCount: number): Rollout {
  const variations = weights(random, variationCount);
  if (random.chance(0.25)) {
    const experiment: Rollout = {
      kind: 'experiment',
      seed: random.int(1, 0x7fffffff),
      contextKind: random.chance(0.85) ? 'user' : 'org',
      variations,
    };
    const last = variations[variations.length - 1];
    if (last !== undefined && variations.length > 2 && random.chance(0.4)) last.untracked = true;
    return experiment;
  }
  const r: Rollout = { variations };
  switch (random.int(0, 5)) {
    case 0:
      r.contextKind = 'user';
      r.bucketBy = 'email';
      break;
    case 1:
      r.contextKind = 'user';
      r.bucketBy = '/address/city';
      break;
    case 2:
      // Integer ages bucket by their decimal string, fractional ones to bucket 0.
      r.contextKind = 'user';
      r.bucketBy = 'age';
      break;
    case 3:
      r.contextKind = 'org';
      break;
    default:
      break;
  }
  return r;
}

/** 2-3 weighted variations whose weights add up to 100000. */
function weights(random: Random, variationCount: number): WeightedVariation[] {
  const chosen = random.sample(
    Array.from({ length: variationCount }, (_, v) => v),
    Math.min(variationCount, random.int(2, 3)),
  );
  let left = 100_000;
  return chosen.map((variation, i) => {
    const weight = i === chosen.length - 1 ? left : random.int(0, left);
    left -= weight;
    return { variation, weight };
  });
}

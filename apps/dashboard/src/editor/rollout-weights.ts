import type { Rollout, WeightedVariation } from '../api/types.js';

// Percentage rollouts: weights are stored in thousandths of a percent (LaunchDarkly's unit,
// 100000 = 100%) and edited in percent. Every function here keeps the weights of a rollout
// adding up to exactly 100%: changing one weight rebalances the others.

export const TOTAL_WEIGHT = 100_000;
const PER_PERCENT = 1_000;

/** Parses a percentage typed by a person ("30", "33.333", "12,5 %") into thousandths. */
export function percentToWeight(text: string): number | undefined {
  const cleaned = text.trim().replace('%', '').replace(',', '.').trim();
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(cleaned)) return undefined;
  const percent = Number(cleaned);
  if (!Number.isFinite(percent) || percent > 100) return undefined;
  return Math.round(percent * PER_PERCENT);
}

/** 30000 -> "30", 33333 -> "33.333": at most three decimals, no trailing zeros. */
export function weightToPercent(weight: number): string {
  return String(Math.round(weight) / PER_PERCENT);
}

/** `n` weights as equal as integers allow; the first ones take the remainder. */
export function evenWeights(n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(TOTAL_WEIGHT / n);
  const extra = TOTAL_WEIGHT - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * Splits `total` over `shares` in proportion to them (largest remainder, so the parts are
 * integers that add up to `total` exactly). All-zero shares split it evenly.
 */
export function apportion(total: number, shares: readonly number[]): number[] {
  if (shares.length === 0) return [];
  const sum = shares.reduce((a, b) => a + Math.max(0, b), 0);
  const weights = sum === 0 ? shares.map(() => 1) : shares.map((s) => Math.max(0, s));
  const weightSum = sum === 0 ? shares.length : sum;
  const exact = weights.map((w) => (total * w) / weightSum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, frac: x - Math.floor(x) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/**
 * Sets weight `index` to `weight` (clamped to 0..100%) and gives the rest to the others in
 * proportion to their current weights, so the sum stays 100%. One variation always has 100%.
 */
export function setWeight(weights: readonly number[], index: number, weight: number): number[] {
  if (index < 0 || index >= weights.length) return [...weights];
  if (weights.length === 1) return [TOTAL_WEIGHT];
  const chosen = Math.min(TOTAL_WEIGHT, Math.max(0, Math.round(weight)));
  const others = weights.filter((_, i) => i !== index);
  const rest = apportion(TOTAL_WEIGHT - chosen, others);
  const result: number[] = [];
  let next = 0;
  for (let i = 0; i < weights.length; i++) result.push(i === index ? chosen : rest[next++]!);
  return result;
}

export function sumWeights(weights: readonly number[]): number {
  return weights.reduce((a, b) => a + b, 0);
}

/** One weight per flag variation (missing ones are 0), from a rollout's entries. */
export function rolloutWeights(rollout: Rollout, variationCount: number): number[] {
  const weights = new Array<number>(variationCount).fill(0);
  for (const wv of rollout.variations) {
    if (wv.variation >= 0 && wv.variation < variationCount)
      weights[wv.variation] = (weights[wv.variation] ?? 0) + wv.weight;
  }
  return weights;
}

/** The rollout with these weights, one entry per variation, keeping its other settings. */
export function withWeights(rollout: Rollout, weights: readonly number[]): Rollout {
  const untracked = new Map(rollout.variations.map((v) => [v.variation, v.untracked]));
  const variations: WeightedVariation[] = weights.map((weight, variation) => {
    const entry: WeightedVariation = { variation, weight };
    const flag = untracked.get(variation);
    if (flag !== undefined) entry.untracked = flag;
    return entry;
  });
  return { ...rollout, variations };
}

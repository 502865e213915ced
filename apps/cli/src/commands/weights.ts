import { usageError } from '../cli-error.js';

/** Rollout weights are in thousandths of a percent, as in LaunchDarkly's flag JSON. */
export const WEIGHT_SCALE = 1000;
const EVERYONE = 100 * WEIGHT_SCALE;

/**
 * Parses `--weights 30,70` (percentages with at most three decimals, adding up to 100) into
 * rollout weights: [30000, 70000].
 */
export function parseWeights(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const weights = parts.map((part) => {
    if (!/^\d{1,3}(\.\d{1,3})?$/.test(part)) {
      throw usageError(
        `--weights must be percentages separated by commas, such as 30,70 (got "${part}")`,
      );
    }
    const [whole, fraction = ''] = part.split('.');
    // Integer arithmetic: 33.333 must become exactly 33333, never 33332.99999.
    return Number(whole) * WEIGHT_SCALE + Number(fraction.padEnd(3, '0'));
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (total !== EVERYONE) {
    throw usageError(`--weights must add up to 100 (they add up to ${formatPercent(total)})`);
  }
  return weights;
}

/** 33333 -> "33.333" */
export function formatPercent(weight: number): string {
  return String(weight / WEIGHT_SCALE);
}

/** Nearest-rank percentile of an unsorted sample; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** `p50 120 ms, max 340 ms (n=60)` for a diagnostic line. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  const f = (v: number) => `${Math.round(v)} ms`;
  return `p50 ${f(percentile(values, 50))}, p99 ${f(percentile(values, 99))}, max ${f(Math.max(...values))} (n=${values.length})`;
}

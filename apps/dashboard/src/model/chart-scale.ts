import type { Insights } from '../api/types.js';

// Scales for the SVG charts: round tick values for an axis, and the insights series as one
// stacked band per variation.

/** Round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** A label of a time axis: where it goes across the plot (0 to 1) and how it is anchored. */
export interface AxisLabel {
  readonly value: number;
  readonly position: number;
  readonly anchor: 'start' | 'middle' | 'end';
}

/**
 * The labels of a time axis from `min` to `max`: one at each end, or, when every point has the
 * same time (a single report), one in the middle where the points are drawn.
 */
export function timeAxisLabels(min: number, max: number): AxisLabel[] {
  if (!(max > min)) return [{ value: min, position: 0.5, anchor: 'middle' }];
  return [
    { value: min, position: 0, anchor: 'start' },
    { value: max, position: 1, anchor: 'end' },
  ];
}

export interface StackedSeries {
  /** Bucket start times, one per column. */
  readonly starts: readonly number[];
  /** One band per label ("0", "1", ..., "default"), counts per bucket. */
  readonly bands: readonly { label: string; counts: readonly number[] }[];
  /** The largest column total. */
  readonly max: number;
}

const INTERVAL_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Every bucket of the range (empty ones too, so time runs evenly along the axis), with a band
 * per variation in index order and "default" (the SDK served its fallback) last.
 */
export function stackInsights(insights: Insights): StackedSeries {
  const size = INTERVAL_MS[insights.interval];
  const first = Math.floor(insights.from / size) * size;
  const starts: number[] = [];
  for (let t = first; t < insights.to && starts.length < 2000; t += size) starts.push(t);
  const byStart = new Map(insights.series.map((s) => [s.start, s.counts]));
  const labels = insights.variations.map((v) => String(v.index));
  const extra = new Set<string>();
  for (const s of insights.series)
    for (const label of Object.keys(s.counts)) if (!labels.includes(label)) extra.add(label);
  const all = [...labels, ...[...extra].sort()];
  const bands = all.map((label) => ({
    label,
    counts: starts.map((t) => byStart.get(t)?.[label] ?? 0),
  }));
  const max = Math.max(0, ...starts.map((_, i) => bands.reduce((a, b) => a + b.counts[i]!, 0)));
  return { starts, bands, max };
}

import type { Edge } from '../api/types.js';
import type { PropagationHistory } from './network-history.js';

// The edges table's propagation column. An edge reports percentiles only for the report intervals
// in which a change reached it, so most reports carry none: the table shows the latest figures
// known, from this report or an earlier one (the points the chart draws), and says how old they
// are, instead of a "—" beside a chart full of values.

export interface EdgeLatency {
  readonly p50: number;
  readonly p99: number;
  /** When the edge reported these figures (Unix ms). */
  readonly at: number;
  /** They are from the edge's latest report. */
  readonly latest: boolean;
}

export function edgeLatency(edge: Edge, history: PropagationHistory): EdgeLatency | undefined {
  const p = edge.propagation;
  if (p?.p50 !== undefined && p.p99 !== undefined)
    return { p50: p.p50, p99: p.p99, at: edge.lastReportAt, latest: true };
  const points = history.get(edge.id) ?? [];
  const last = points[points.length - 1];
  if (last === undefined) return undefined;
  return { p50: last.p50, p99: last.p99, at: last.at, latest: last.at === edge.lastReportAt };
}

/** "3 / 12 ms", or "—" when no change has reached the edge while the page was open. */
export function latencyText(latency: EdgeLatency | undefined): string {
  return latency === undefined ? '—' : `${latency.p50} / ${latency.p99} ms`;
}

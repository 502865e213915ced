import type { Edge, Network } from '../api/types.js';

// The delivery view's propagation chart: GET /api/v1/network gives each edge's latest report
// (propagation p50/p99/max over its last report interval); polling it and keeping one point
// per new report draws latency over time.

export interface PropagationPoint {
  /** When the edge reported (Unix ms). */
  readonly at: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Points per edge id, oldest first. */
export type PropagationHistory = ReadonlyMap<string, readonly PropagationPoint[]>;

/** Adds the reports in `network` that are new since the last poll; keeps `limit` per edge. */
export function recordNetwork(
  history: PropagationHistory,
  network: Network,
  limit = 120,
): PropagationHistory {
  const next = new Map(history);
  for (const edge of network.edges) {
    const p = edge.propagation;
    if (p?.p50 === undefined || p.p99 === undefined) continue;
    const points = next.get(edge.id) ?? [];
    if (points[points.length - 1]?.at === edge.lastReportAt) continue;
    const point = { at: edge.lastReportAt, p50: p.p50, p99: p.p99, max: p.max ?? p.p99 };
    next.set(edge.id, [...points, point].slice(-limit));
  }
  return next;
}

/** Edges that need attention first, then by id. */
export function sortEdges(edges: readonly Edge[]): Edge[] {
  const rank = { lost: 0, stale: 1, lagging: 2, ok: 3 } as const;
  return [...edges].sort((a, b) => rank[a.status] - rank[b.status] || a.id.localeCompare(b.id));
}

/** Open streams per environment across every edge, keyed "project/environment". */
export function streamsByEnvironment(edges: readonly Edge[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const edge of edges) {
    for (const env of edge.environments) {
      const name = env.key === '' ? env.id : `${env.projectKey}/${env.key}`;
      const count = Object.values(env.streams).reduce((a, b) => a + b, 0);
      totals.set(name, (totals.get(name) ?? 0) + count);
    }
  }
  return totals;
}

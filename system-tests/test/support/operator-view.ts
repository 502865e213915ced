import type { AdminApi, RoleProcess } from '@vexil/testkit';

// What an operator looks at to tell whether an edge serves current data: the edge's own
// /readyz (`"status":"ready"` or `"stale"`), its `vexil_edge_stale` gauge on /metrics, and its
// row in the origin's network view (`GET /api/v1/network`, `vexil network`), which edges fill
// with a report every 5 s over HTTP, so it still hears from an edge whose NATS is gone.

export interface EdgeView {
  /** `/readyz`'s `status` (`ready`, `stale`, `starting`), or `down` when nothing answers. */
  readonly readyz: string;
  /** `vexil_edge_stale`, or undefined when /metrics does not answer. */
  readonly staleGauge: number | undefined;
  /** The network view's `status` (`ok`, `lagging`, `stale`, `lost`), undefined if absent. */
  readonly network: string | undefined;
}

export async function readyzStatus(edge: RoleProcess): Promise<string> {
  const { status, body } = await edge.readiness(1_000);
  if (status === 0) return 'down';
  const reported = (body as { status?: unknown } | undefined)?.status;
  return typeof reported === 'string' ? reported : `http ${status}`;
}

export async function staleGauge(edge: RoleProcess): Promise<number | undefined> {
  try {
    const res = await fetch(`${edge.url}/metrics`, { signal: AbortSignal.timeout(1_000) });
    if (res.status !== 200) return undefined;
    const line = /^vexil_edge_stale(?:\{[^}]*\})? (\S+)$/m.exec(await res.text());
    return line === null ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

/** Every edge's status in the origin's network view, by edge id. */
export async function networkStatuses(api: AdminApi): Promise<Map<string, string>> {
  const res = await api.expect(200, 'GET', '/api/v1/network');
  const edges = (res.body as { edges: { id: string; status: string }[] }).edges;
  return new Map(edges.map((e) => [e.id, e.status]));
}

/** The three views of each edge, read now. */
export async function operatorView(
  api: AdminApi,
  edges: readonly RoleProcess[],
): Promise<Map<string, EdgeView>> {
  const network = await networkStatuses(api);
  const views = await Promise.all(
    edges.map(async (edge) => {
      const [readyz, gauge] = await Promise.all([readyzStatus(edge), staleGauge(edge)]);
      return [edge.name, { readyz, staleGauge: gauge, network: network.get(edge.name) }] as const;
    }),
  );
  return new Map(views);
}

/** `edge-us-east-1 readyz stale, vexil_edge_stale 1, network stale; ...` for a diagnostic. */
export function describeViews(views: ReadonlyMap<string, EdgeView>): string {
  return [...views]
    .map(
      ([name, v]) =>
        `${name} readyz ${v.readyz}, vexil_edge_stale ${String(v.staleGauge)}, network ${String(v.network)}`,
    )
    .join('; ');
}

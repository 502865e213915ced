import type { EdgeReport } from '@vexil/protocol';
import type { EnvironmentRecord } from '@vexil/store';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';

// The live view of the delivery network (`GET /api/v1/network`, `vexil network`): every edge
// reports itself every few seconds; the view lists them with their streams, how far behind each
// environment they are, and their propagation latency. Reports are stored, so every origin serves
// the whole view.

/** An edge that has not reported for this long is shown as lost. */
const LOST_AFTER_MS = 30_000;
/** Edges silent for longer than this leave the view. */
const FORGET_AFTER_MS = 15 * 60_000;

const reportSchema = {
  type: 'object',
  required: [
    'id',
    'region',
    'version',
    'startedAt',
    'reportedAt',
    'upstream',
    'upstreamConnected',
    'stale',
    'streams',
    'environments',
  ],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    region: { type: 'string', maxLength: 256 },
    version: { type: 'string', maxLength: 64 },
    startedAt: { type: 'integer' },
    reportedAt: { type: 'integer' },
    upstream: { type: 'string', maxLength: 64 },
    upstreamConnected: { type: 'boolean' },
    stale: { type: 'boolean' },
    streams: { type: 'integer', minimum: 0 },
    environments: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['id', 'seq', 'ready', 'streams'],
        properties: {
          id: { type: 'string' },
          seq: { type: 'integer', minimum: 0 },
          ready: { type: 'boolean' },
          streams: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
        },
      },
    },
    propagation: {
      type: 'object',
      properties: {
        samples: { type: 'integer' },
        p50: { type: 'number' },
        p99: { type: 'number' },
        max: { type: 'number' },
      },
    },
  },
};

const EDGE_REPORT = '/api/v1/delivery/edges/{edgeId}/report';

export function networkRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: EDGE_REPORT,
      summary: 'An edge reports its state for the network view (for edges)',
      tag: 'delivery',
      role: 'edge',
      body: { schema: reportSchema, limit: 4 * 1024 * 1024 },
      responses: { 204: { description: 'recorded' } },
      handle: (ctx) => putEdgeReport(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/network',
      summary:
        'The delivery network: every edge with its streams per environment, lag, staleness and propagation latency',
      tag: 'network',
      role: 'reader',
      responses: { 200: { description: '{edges, environments}' } },
      handle: () => getNetwork(deps),
    }),
  ];
}

async function putEdgeReport(
  deps: ApiDeps,
  { params: { edgeId }, body }: RouteContext<typeof EDGE_REPORT>,
): Promise<Reply> {
  // The origin's clock decides liveness, so a skewed edge clock cannot hide a lost edge.
  const report = { ...(body as EdgeReport), id: edgeId, reportedAt: deps.now() };
  await write(deps, (tx) => tx.putEdgeReport(report));
  return { status: 204 };
}

async function getNetwork(deps: ApiDeps): Promise<Reply> {
  const now = deps.now();
  const { reports, environments } = await read(async () => ({
    reports: await deps.store.listEdgeReports(now - FORGET_AFTER_MS),
    environments: await deps.store.listEnvironments(),
  }));
  const byId = new Map(environments.map((e) => [e.id, e]));
  return {
    body: {
      generatedAt: now,
      environments: environments.map((e) => ({
        id: e.id,
        projectKey: e.projectKey,
        key: e.key,
        seq: e.seq,
      })),
      edges: reports.map((r) => edgeView(r, byId, now)),
    },
  };
}

/** An edge as the network view shows it: its status, and how far behind it is per environment. */
function edgeView(r: EdgeReport, byId: ReadonlyMap<string, EnvironmentRecord>, now: number) {
  const lost = now - r.reportedAt > LOST_AFTER_MS;
  const envs = r.environments.map((env) => {
    const known = byId.get(env.id);
    return {
      ...env,
      projectKey: known?.projectKey ?? '',
      key: known?.key ?? '',
      lag: known === undefined ? 0 : Math.max(0, known.seq - env.seq),
    };
  });
  return {
    id: r.id,
    region: r.region,
    version: r.version,
    upstream: r.upstream,
    status: lost ? 'lost' : r.stale ? 'stale' : envs.some((e) => e.lag > 0) ? 'lagging' : 'ok',
    uptimeSeconds: Math.round((r.reportedAt - r.startedAt) / 1000),
    lastReportAt: r.reportedAt,
    upstreamConnected: r.upstreamConnected,
    stale: r.stale,
    streams: r.streams,
    environments: envs,
    ...(r.propagation === undefined ? {} : { propagation: r.propagation }),
  };
}

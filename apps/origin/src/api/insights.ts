import type { InsightCount } from '@vexil/store';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { ApiError, notFound } from '../http/api-error.js';
import { read, requireEnvironment, type ApiDeps } from './deps.js';
import { queryInteger } from './schemas.js';

// Flag insights: evaluation counts per variation over time, summed by the edges from SDK
// analytics events (summary events) and stored per minute.

const INTERVALS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const DAY = 86_400_000;
const FLAG_INSIGHTS = '/api/v1/projects/{projectKey}/flags/{flagKey}/insights';

export function insightsRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: FLAG_INSIGHTS,
      summary: 'Evaluation counts of a flag per variation over time, from SDK analytics events',
      tag: 'flags',
      role: 'reader',
      query: {
        env: { type: 'string', description: 'environment key (required)' },
        from: queryInteger('Unix ms, inclusive (default: 24 hours ago)'),
        to: queryInteger('Unix ms, exclusive (default: now)'),
        interval: { enum: ['minute', 'hour', 'day'], description: 'bucket size (default: hour)' },
      },
      responses: {
        200: {
          description:
            'series of counts keyed by variation index ("default" when the SDK served its default)',
          schema: {
            type: 'object',
            properties: {
              flagKey: { type: 'string' },
              environment: { type: 'string' },
              interval: { type: 'string' },
              from: { type: 'integer' },
              to: { type: 'integer' },
              variations: { type: 'array' },
              series: { type: 'array' },
              totals: { type: 'object' },
            },
          },
        },
      },
      handle: (ctx) => getFlagInsights(deps, ctx),
    }),
  ];
}

async function getFlagInsights(
  deps: ApiDeps,
  { params: { projectKey, flagKey }, query }: RouteContext<typeof FLAG_INSIGHTS>,
): Promise<Reply> {
  const envKey = query['env'];
  if (envKey === undefined) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'query.env: name the environment, e.g. ?env=production',
    );
  }
  const now = deps.now();
  const to = query['to'] === undefined ? now : Number(query['to']);
  const from = query['from'] === undefined ? to - DAY : Number(query['from']);
  const interval = (query['interval'] ?? 'hour') as keyof typeof INTERVALS;
  const { flag, rows, envName } = await read(async () => {
    const env = await requireEnvironment(deps.store, projectKey, envKey);
    const flag = await deps.store.getFlag(projectKey, flagKey);
    if (flag === undefined) throw notFound(`flag "${flagKey}" in project "${projectKey}"`);
    const rows = await deps.store.listInsights({ environmentId: env.id, flagKey, from, to });
    return { flag, rows, envName: env.key };
  });
  const { series, totals } = bucketed(rows, INTERVALS[interval]);
  return {
    body: {
      flagKey,
      environment: envName,
      interval,
      from,
      to,
      variations: flag.variations.map((v, index) => ({ index, ...v })),
      series: [...series].sort((a, b) => a[0] - b[0]).map(([start, counts]) => ({ start, counts })),
      totals,
    },
  };
}

/** The counts summed per bucket of `size` ms and per variation label, and over all buckets. */
function bucketed(rows: readonly InsightCount[], size: number) {
  const series = new Map<number, Record<string, number>>();
  const totals: Record<string, number> = {};
  for (const row of rows) {
    const start = Math.floor(row.bucketStart / size) * size;
    const label = row.variation === null ? 'default' : String(row.variation);
    const bucket = series.get(start) ?? {};
    bucket[label] = (bucket[label] ?? 0) + row.count;
    series.set(start, bucket);
    totals[label] = (totals[label] ?? 0) + row.count;
  }
  return { series, totals };
}

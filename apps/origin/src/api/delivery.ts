import { MAX_INSIGHT_COUNT } from '@vexil/protocol';
import type { InsightCount } from '@vexil/store';
import { InsightCheck } from './insight-check.js';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';

// What edges need from the origin besides the bus (docs/protocol.md section 5): snapshots to
// bootstrap and resync environments from, and a place to send flag insights.
// Edge tokens (role `edge`) may call these and nothing else.

const base = '/api/v1/delivery';
const SNAPSHOT = `${base}/environments/{environmentId}/snapshot` as const;
const INSIGHTS = `${base}/insights` as const;

export function deliveryRoutes(deps: ApiDeps): Route[] {
  const insightCheck = new InsightCheck(deps.store, deps.now);
  return [
    defineRoute({
      method: 'GET',
      path: SNAPSHOT,
      summary:
        "An environment's SDK data and the sequence number it is consistent with (for edges)",
      tag: 'delivery',
      role: 'edge',
      responses: {
        200: { description: '{environmentId, seq, items}' },
        404: { description: 'no such environment' },
      },
      handle: (ctx) => getSnapshot(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: INSIGHTS,
      summary: 'Add flag evaluation counts summed by an edge from SDK analytics events',
      tag: 'delivery',
      role: 'edge',
      body: {
        limit: 8 * 1024 * 1024,
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['counts'],
          properties: {
            counts: {
              type: 'array',
              maxItems: 100_000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['environmentId', 'flagKey', 'variation', 'bucketStart', 'count'],
                properties: {
                  environmentId: { type: 'string', minLength: 1 },
                  flagKey: { type: 'string', minLength: 1, maxLength: 256 },
                  // Bounded so that every accepted value fits the store's INTEGER columns.
                  variation: { type: ['integer', 'null'], minimum: 0, maximum: 100_000 },
                  bucketStart: {
                    type: 'integer',
                    minimum: 0,
                    maximum: 10_000_000_000_000,
                    multipleOf: 60000,
                  },
                  count: { type: 'integer', minimum: 1, maximum: MAX_INSIGHT_COUNT },
                },
              },
            },
          },
        },
      },
      responses: { 204: { description: 'recorded' } },
      handle: (ctx) => addInsights(deps, insightCheck, ctx),
    }),
  ];
}

async function getSnapshot(
  deps: ApiDeps,
  { params: { environmentId } }: RouteContext<typeof SNAPSHOT>,
): Promise<Reply> {
  const snapshot = await read(() => deps.store.getSnapshot(environmentId));
  if (snapshot === undefined) throw notFound(`environment "${environmentId}"`);
  return { body: snapshot };
}

async function addInsights(
  deps: ApiDeps,
  insightCheck: InsightCheck,
  { body }: RouteContext<typeof INSIGHTS>,
): Promise<Reply> {
  const { counts } = body as { counts: InsightCount[] };
  const kept = await read(() => insightCheck.known(counts));
  if (kept.length > 0) await write(deps, (tx) => tx.addInsights(kept));
  return { status: 204 };
}

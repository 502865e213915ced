import { MAX_INSIGHT_COUNT } from '@vexil/protocol';
import type { InsightCount } from '@vexil/store';
import { InsightCheck } from './insight-check.js';
import { notFound } from '../http/api-error.js';
import type { Route } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';

// What edges need from the origin besides the bus (docs/protocol.md section 5): snapshots to
// bootstrap and resync environments from, and a place to send flag insights.
// Edge tokens (role `edge`) may call these and nothing else.

const base = '/api/v1/delivery';

export function deliveryRoutes(deps: ApiDeps): Route[] {
  const insightCheck = new InsightCheck(deps.store, deps.now);
  return [
    {
      method: 'GET',
      path: `${base}/environments/{environmentId}/snapshot`,
      summary:
        "An environment's SDK data and the sequence number it is consistent with (for edges)",
      tag: 'delivery',
      role: 'edge',
      responses: {
        200: { description: '{environmentId, seq, items}' },
        404: { description: 'no such environment' },
      },
      handle: async ({ params }) => {
        const snapshot = await read(() => deps.store.getSnapshot(params['environmentId']!));
        if (snapshot === undefined) throw notFound(`environment "${params['environmentId']!}"`);
        return { body: snapshot };
      },
    },
    {
      method: 'POST',
      path: `${base}/insights`,
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
      handle: async ({ body }) => {
        const { counts } = body as { counts: InsightCount[] };
        const kept = await read(() => insightCheck.known(counts));
        if (kept.length > 0) await write(deps, (tx) => tx.addInsights(kept));
        return { status: 204 };
      },
    },
  ];
}

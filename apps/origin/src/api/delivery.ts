import { MAX_INSIGHT_COUNT } from '@vexil/protocol';
import type { InsightCount, StoreReader } from '@vexil/store';
import { notFound } from '../http/api-error.js';
import type { Route } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';

// What edges need from the origin besides the bus (docs/protocol.md section 5): snapshots to
// bootstrap and resync environments from, and a place to send flag insights.
// Edge tokens (role `edge`) may call these and nothing else.

const base = '/api/v1/delivery';

export function deliveryRoutes(deps: ApiDeps): Route[] {
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
        const kept = await read(() => knownCounts(deps.store, counts));
        if (kept.length > 0) await write(deps, (tx) => tx.addInsights(kept));
        return { status: 204 };
      },
    },
  ];
}

/**
 * The counts of flags and variations that exist. Edges check this against their own state
 * already; the origin checks again because an edge token is a credential like any other, and
 * so an environment's insight rows per minute stay bounded by its flags' variations, whoever
 * reports. Counts for what was deleted meanwhile are dropped, not an error: they are statistics.
 */
async function knownCounts(
  store: StoreReader,
  counts: readonly InsightCount[],
): Promise<InsightCount[]> {
  const projects = new Map<string, string | undefined>();
  const variations = new Map<string, number>();
  const kept: InsightCount[] = [];
  for (const c of counts) {
    if (!projects.has(c.environmentId))
      projects.set(c.environmentId, (await store.getEnvironmentById(c.environmentId))?.projectKey);
    const projectKey = projects.get(c.environmentId);
    if (projectKey === undefined) continue;
    const flagId = `${projectKey}\n${c.flagKey}`;
    if (!variations.has(flagId))
      variations.set(flagId, (await store.getFlag(projectKey, c.flagKey))?.variations.length ?? 0);
    const n = variations.get(flagId)!;
    if (n > 0 && (c.variation === null || c.variation < n)) kept.push(c);
  }
  return kept;
}

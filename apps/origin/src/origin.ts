import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '@vexil/store';
import type { Registry as MetricsRegistry } from 'prom-client';
import { auditRoutes } from './api/audit.js';
import { dataRoutes } from './api/data.js';
import { deliveryRoutes } from './api/delivery.js';
import type { ApiDeps } from './api/deps.js';
import { environmentRoutes } from './api/environments.js';
import { EventHub, eventRoutes, type EventStreamLimits } from './api/events.js';
import { ChangeFeed, type ChangeFeedOptions } from './change-feed.js';
import { filterRoutes } from './api/filters.js';
import { flagSettingsRoutes } from './api/flag-settings.js';
import { flagRoutes } from './api/flags.js';
import { insightsRoutes } from './api/insights.js';
import { networkRoutes } from './api/network.js';
import { projectRoutes } from './api/projects.js';
import { changeRequestRoutes } from './api/change-requests.js';
import { components } from './api/schemas.js';
import { segmentRoutes } from './api/segments.js';
import { staleFlagRoutes } from './api/stale-flags.js';
import { scheduleRoutes } from './api/schedules.js';
import { tokenRoutes } from './api/tokens.js';
import { sha256Hex } from './domain/secrets.js';
import { ApiError } from './http/api-error.js';
import { assertRole, createApiHandler, sendJson } from './http/api-handler.js';
import { assertStorable } from './http/body.js';
import { openApiDocument } from './http/openapi.js';
import { Router, type Actor } from './http/router.js';
import { SchemaRegistry } from './http/validation.js';
import { silentLogger, type Logger } from '@vexil/protocol';
import { countStoreErrors } from './metrics/counted-store.js';
import { tokenUseRecorder } from './token-use.js';
import { OriginMetrics } from './metrics/origin-metrics.js';

export interface OriginOptions {
  readonly store: Store;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Called after each commit that appended changes, with the environments concerned. */
  readonly onCommit?: (environmentIds: readonly string[]) => void;
  /** Called after environments, their keys, or edge tokens changed. */
  readonly onDirectoryChange?: () => void;
  readonly version?: string;
  /** Where the API's Prometheus metrics go; without it none are kept. */
  readonly metrics?: MetricsRegistry;
  /**
   * How many days flag insights are kept (the retention given to startInsightRetention): the
   * longest window the stale-flags report can judge. Default 90.
   */
  readonly insightRetentionDays?: number;
  /** The dashboard's event streams: their limits, and how the change feed reads the audit log. */
  readonly events?: Partial<EventStreamLimits> &
    Pick<ChangeFeedOptions, 'pollMs' | 'lookbackMs' | 'settleMs'>;
}

export interface Origin {
  /** Serves `/api/v1/...`; answers 404 for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /**
   * Calls a route in-process as `actor` (validation and all), for work the server does itself,
   * such as seeding the demo project. Throws ApiError on failure.
   */
  invoke(method: string, path: string, body?: unknown, actor?: Actor): Promise<unknown>;
  /** Ends the event streams (their clients reconnect) and stops the change feed: shutdown. */
  close(): void;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'system', role: 'admin' };

export function createOrigin(options: OriginOptions): Origin {
  const metrics = options.metrics === undefined ? undefined : OriginMetrics.of(options.metrics);
  const store =
    metrics === undefined
      ? options.store
      : countStoreErrors(options.store, (operation) => metrics.storeError(operation));
  const logger = options.logger ?? silentLogger;
  const { pollMs, lookbackMs, settleMs, ...streamLimits } = options.events ?? {};
  const feed = new ChangeFeed({
    store,
    logger,
    now: options.now ?? Date.now,
    ...(pollMs === undefined ? {} : { pollMs }),
    ...(lookbackMs === undefined ? {} : { lookbackMs }),
    ...(settleMs === undefined ? {} : { settleMs }),
  });
  const hub = new EventHub({
    feed,
    store,
    logger,
    authenticate: (authorization) => authenticate(authorization),
    limits: streamLimits,
  });
  const deps: ApiDeps = {
    store,
    now: options.now ?? Date.now,
    committed: options.onCommit ?? (() => undefined),
    directoryChanged: options.onDirectoryChange ?? (() => undefined),
    wrote: () => feed.wake(),
  };
  const schemas = new SchemaRegistry(components);
  const routes = [
    ...projectRoutes(deps),
    ...environmentRoutes(deps, schemas),
    ...flagRoutes(deps, schemas),
    ...changeRequestRoutes(deps, schemas),
    ...scheduleRoutes(deps, schemas),
    ...flagSettingsRoutes(deps),
    ...filterRoutes(deps),
    ...insightsRoutes(deps),
    ...staleFlagRoutes(deps, options.insightRetentionDays ?? 90),
    ...segmentRoutes(deps, schemas),
    ...dataRoutes(deps, schemas),
    ...auditRoutes(deps),
    ...tokenRoutes(deps),
    ...eventRoutes(deps, hub),
    ...deliveryRoutes(deps),
    ...networkRoutes(deps),
  ];
  const router = new Router(routes);
  const openApi = JSON.stringify(openApiDocument(routes, components, options.version ?? '0.1.0'));

  const tokenUse = tokenUseRecorder({ store, now: deps.now, logger });
  const authenticate = async (authorization: string | undefined): Promise<Actor | undefined> => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (m === null) return undefined;
    const token = await store.getTokenByHash(sha256Hex(m[1]!));
    if (token === undefined || token.revokedAt !== undefined) return undefined;
    tokenUse.used(token);
    return { id: token.id, name: token.name, role: token.role };
  };
  const handleApi = createApiHandler({
    router,
    schemas,
    authenticate,
    logger,
    ...(metrics === undefined
      ? {}
      : {
          observe: (route, method, status, seconds) =>
            metrics.request(route, method, status, seconds),
        }),
  });

  return {
    async handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/api/v1/openapi.json' && (req.method === 'GET' || req.method === 'HEAD')) {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.setHeader('cache-control', 'no-cache');
        res.end(openApi);
        return;
      }
      await handleApi(req, res);
    },

    async invoke(method, path, body, actor = SYSTEM_ACTOR) {
      const match = router.match(method, path);
      if (match === undefined || !('route' in match))
        throw new ApiError('NOT_FOUND', `no route ${method} ${path}`);
      assertRole(match.route, actor);
      if (match.route.body !== undefined) {
        if (body !== undefined) {
          // The same checks as a body that came over HTTP (parseJsonBody): one entry rule.
          assertStorable(body, 'the request body');
          schemas.check(match.route.body.schema, body, '');
        } else if (match.route.body.optional !== true)
          throw new ApiError('INVALID_JSON', `${method} ${path} needs a body`);
      }
      const reply = await match.route.handle({
        req: { headers: {} } as IncomingMessage,
        params: match.params,
        query: {},
        body,
        actor,
        requestId: 'internal',
      });
      return reply.body;
    },

    close() {
      hub.close();
      feed.close();
    },
  };
}

export { sendJson };

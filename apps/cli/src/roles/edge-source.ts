import { createNatsBus, type NatsBus } from '@vexil/bus/nats';
import {
  busUpstream,
  httpInsightsSink,
  httpSnapshotSource,
  redisPersistence,
  redisPrefix,
  relayUpstream,
  type Edge,
  type EdgeDependencies,
  type RedisPersistence,
} from '@vexil/edge';
import type { Logger } from 'pino';
import type { EdgeConfig } from './edge-config.js';

/**
 * Where an edge node's data comes from and goes to, as configured: the upstream (NATS + origin
 * snapshots, or a relay feed), Redis persistence, and flag insights. In a multi-process edge
 * only the primary builds this; workers are fed by the primary.
 */
export interface EdgeSource {
  readonly deps: Pick<EdgeDependencies, 'upstream' | 'observers' | 'insights'>;
  /** Redis prefixes name environments by key: the edge to ask, once it exists. */
  attach(edge: Edge): void;
  close(): Promise<void>;
}

export function edgeSource(config: EdgeConfig, logger: Logger): EdgeSource {
  let bus: NatsBus | undefined;
  let edge: Edge | undefined;
  const upstream =
    config.upstream.kind === 'relay'
      ? relayUpstream({ url: config.upstream.url, token: config.token, logger })
      : busUpstream({
          bus: (bus = createNatsBus({
            servers: [...config.upstream.servers],
            logger,
            name: config.edge.edgeId ?? 'edge',
          })),
          snapshots: httpSnapshotSource({ url: config.upstream.origin, token: config.token }),
          logger,
        });
  const persistence: RedisPersistence | undefined =
    config.redis === undefined
      ? undefined
      : redisPersistence({
          url: config.redis.url,
          logger,
          prefix: redisPrefix(config.redis.prefixTemplate, (id) => edge?.environment(id)),
        });
  return {
    deps: {
      upstream,
      observers: persistence === undefined ? [] : [persistence.observer],
      ...(config.upstream.kind === 'bus'
        ? { insights: httpInsightsSink({ url: config.upstream.origin, token: config.token }) }
        : {}),
    },
    attach(e) {
      edge = e;
    },
    async close() {
      await persistence?.close();
      await bus?.close();
    },
  };
}

/** Flag insights from a worker go straight to the origin (bus mode); relays drop them. */
export function workerInsights(config: EdgeConfig): Pick<EdgeDependencies, 'insights'> {
  return config.upstream.kind === 'bus'
    ? { insights: httpInsightsSink({ url: config.upstream.origin, token: config.token }) }
    : {};
}

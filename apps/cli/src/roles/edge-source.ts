import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createNatsBus, type NatsBus } from '@vexil/bus/nats';
import {
  busUpstream,
  httpEdgeReportSink,
  httpInsightsSink,
  httpSnapshotSource,
  redisPersistence,
  redisPrefix,
  relayUpstream,
  startReporting,
  type Edge,
  type EdgeDependencies,
  type RedisPersistence,
} from '@vexil/edge';
import { startConfiguredPurger } from '../server/cdn-config.js';
import { REPORT_INTERVAL_MS } from '../server/reporting.js';
import type { EdgeConfig } from './edge-config.js';
import { natsConnectionOptions } from './nats-options.js';

/**
 * Where an edge node's data comes from and goes to, as configured: the upstream (NATS + origin
 * snapshots, or a relay feed), Redis persistence, and flag insights. In a multi-process edge
 * only the primary builds this; workers are fed by the primary.
 */
export interface EdgeSource {
  readonly deps: Pick<EdgeDependencies, 'upstream' | 'observers' | 'insights'>;
  /** Redis prefixes name environments by key: the edge to ask, once it exists. */
  attach(edge: Edge): void;
  /** Why the upstream bus is not connected (for /readyz), if the edge has one and it is not. */
  problem(): string | undefined;
  close(): Promise<void>;
}

export function edgeSource(config: EdgeConfig, logger: Logger, metrics: Registry): EdgeSource {
  let bus: NatsBus | undefined;
  let edge: Edge | undefined;
  const upstream =
    config.upstream.kind === 'relay'
      ? relayUpstream({ url: config.upstream.url, token: config.token, logger })
      : busUpstream({
          bus: (bus = createNatsBus({
            ...natsConnectionOptions(config.upstream.connection),
            ...config.upstream.names,
            logger,
            name: config.edge.edgeId ?? 'edge',
            // Edges only read: the origin owns the streams and their settings. An edge managing
            // them would reset a 3-replica stream to the default of 1 replica on every connect.
            manageStreams: false,
          })),
          snapshots: httpSnapshotSource({ url: config.upstream.origin, token: config.token }),
          logger,
        });
  const purger =
    bus === undefined
      ? undefined
      : startConfiguredPurger(config.cdnPurgeTargets, bus, logger, metrics);
  const persistence: RedisPersistence | undefined =
    config.redis === undefined
      ? undefined
      : redisPersistence({
          url: config.redis.url,
          ...(config.redis.tls === undefined ? {} : { tls: config.redis.tls }),
          logger,
          prefix: redisPrefix(config.redis.prefixTemplate, (id) => edge?.environment(id)),
        });
  return {
    deps: {
      upstream,
      observers: persistence === undefined ? [] : [persistence.observer],
      ...workerInsights(config),
    },
    attach(e) {
      edge = e;
    },
    problem: () => bus?.problem,
    async close() {
      await purger?.close();
      await persistence?.close();
      await bus?.close();
    },
  };
}

/** Flag insights go straight to the origin when the edge knows it; otherwise they are dropped. */
export function workerInsights(config: EdgeConfig): Pick<EdgeDependencies, 'insights'> {
  const origin = config.upstream.origin;
  return origin === undefined
    ? {}
    : { insights: httpInsightsSink({ url: origin, token: config.token }) };
}

/** Sends the node's report to the origin every few seconds, when the edge knows the origin. */
export function reportToOrigin(config: EdgeConfig, edge: Edge, logger: Logger): () => void {
  const origin = config.upstream.origin;
  if (origin === undefined) return () => undefined;
  const send = httpEdgeReportSink({ url: origin, token: config.token });
  return startReporting(() => edge.report(), send, REPORT_INTERVAL_MS, logger);
}

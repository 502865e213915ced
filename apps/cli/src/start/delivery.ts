import type { Server } from 'node:http';
import { createInProcessBus, type ChangeBus } from '@vexil/bus';
import { hostname } from 'node:os';
import { busUpstream, createEdge, type Edge, type RateLimiter } from '@vexil/edge';
import { startPublisher, type ChangePublisher, type Logger } from '@vexil/origin';
import type { Store } from '@vexil/store';
import type { Registry } from 'prom-client';
import { startConfiguredPurger, type CdnConfig } from '../server/cdn-config.js';
import { reportIntoStore } from '../server/reporting.js';

/**
 * The delivery side of `vexil start`: an in-process bus fed by the origin's outbox publisher,
 * and an edge that bootstraps from the store's snapshots and serves every SDK protocol on the
 * same port as the API. Origin and edge still only talk through the bus and snapshots, exactly
 * as in the distributed deployment.
 */
export interface Delivery {
  readonly bus: ChangeBus;
  readonly publisher: ChangePublisher;
  readonly edge: Edge;
  /** Closes streams spread over `windowMs`, then stops everything. */
  stop(windowMs: number): Promise<void>;
}

export async function startDelivery(
  store: Store,
  server: Server,
  logger: Logger,
  version: string,
  maxStreams: number,
  extras: {
    readonly metrics?: Registry;
    /** The port's rate limits (none: nothing is limited). */
    readonly limiter?: RateLimiter;
    /** Cache headers, and the caches to purge (none: defaults, no purges). */
    readonly cdn?: CdnConfig;
  } = {},
): Promise<Delivery> {
  const { metrics, limiter, cdn } = extras;
  const bus = createInProcessBus();
  const publisher = startPublisher({
    store,
    bus,
    logger,
    ...(metrics === undefined ? {} : { metrics }),
  });
  const edge = createEdge({
    upstream: busUpstream({ bus, snapshots: { snapshot: (id) => store.getSnapshot(id) }, logger }),
    insights: { record: (counts) => store.transaction((tx) => tx.addInsights(counts)) },
    logger,
    options: {
      edgeId: `start-${hostname()}`,
      upstreamKind: 'embedded',
      version,
      maxStreams,
      ...cdn?.edge,
    },
    ...(metrics === undefined ? {} : { metrics }),
    ...(limiter === undefined ? {} : { limiter }),
  });
  await edge.start();
  const purger =
    cdn === undefined ? undefined : startConfiguredPurger(cdn.purgeTargets, bus, logger, metrics);
  const stopReporting = reportIntoStore(edge, store, logger);
  server.on('upgrade', (req, socket, head) => {
    if (!edge.handleUpgrade(req, socket, head)) socket.destroy();
  });
  return {
    bus,
    publisher,
    edge,
    async stop(windowMs) {
      stopReporting();
      await edge.drain(windowMs);
      await edge.close();
      await purger?.close();
      await publisher.close();
      await bus.close();
    },
  };
}

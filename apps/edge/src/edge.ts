import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  type DirectoryRecord,
  type EdgeReport,
  type EnvironmentDescriptor,
  type EnvironmentSnapshot,
  type Logger,
  silentLogger,
} from '@vexil/protocol';
import { defaultEdgeOptions, type EdgeOptions } from './config.js';
import { EdgeContext } from './edge-context.js';
import { createDispatch, createStreamClaim } from './http/dispatch.js';
import type { StreamClaim } from './http/front-door.js';
import { EdgeRouter } from './http/routes.js';
import { EdgeMetrics } from './metrics/edge-metrics.js';
import { clientSideRoutes } from './protocols/client-side.js';
import { eventsRoutes } from './protocols/events.js';
import { fdv1Routes } from './protocols/fdv1.js';
import { fdv2Routes } from './protocols/fdv2.js';
import { ofrepRoutes } from './protocols/ofrep.js';
import { pollingRoutes } from './protocols/polling.js';
import { RELAY_ALL, relayFeedRoutes } from './protocols/relay-feed.js';
import { vexilStreamRoutes, vexilStreamUpgrade } from './protocols/vexil-stream.js';
import type { EnvironmentState, StateEvent } from './state/environment-state.js';
import { Registry } from './state/registry.js';
import type { FeedMessage } from './cluster/feed.js';
import { InsightsCollector, type InsightsSink } from './insights/insights-collector.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { edgeReport } from './report/edge-report.js';
import { UpstreamFeed } from './state/upstream-feed.js';
import { realScheduler, type RandomSource, type Scheduler } from './stream/scheduler.js';
import { StreamHub, type StreamCount } from './stream/stream-hub.js';
import type { Upstream } from './upstream/upstream.js';

/** Sees every environment state event: `state` is the environment after the event. */
export type StateObserver = (state: EnvironmentState, event: StateEvent) => void;

export interface EdgeDependencies {
  readonly upstream: Upstream;
  /** Where flag insights from SDK analytics events go; without one, events are accepted and dropped. */
  readonly insights?: InsightsSink;
  /**
   * Called for every snapshot and change applied to any environment, after the SDK streams got
   * theirs: persistence (Redis for daemon-mode SDKs), metrics. Must not throw or block.
   */
  readonly observers?: readonly StateObserver[];
  readonly logger?: Logger;
  readonly now?: () => number;
  /**
   * The shared clock's and the stream hub's timers (Node's by default): with `now`, lets tests
   * drive heartbeats, lifetimes and drains without waiting.
   */
  readonly scheduler?: Scheduler;
  /** Stream lifetime jitter and drain order; Math.random by default. */
  readonly random?: RandomSource;
  readonly options?: Partial<EdgeOptions>;
  /** Where the edge's Prometheus metrics go (one edge per registry); without it none are kept. */
  readonly metrics?: MetricsRegistry;
  /**
   * The port's rate limits, shared with its other handlers (the REST API, /metrics): every SDK,
   * event and stream request is admitted by it, and refused credentials are counted. Without
   * one nothing is limited.
   */
  readonly limiter?: RateLimiter;
}

export interface EdgeStatus {
  /** Can resolve credentials (its directory watch is live) and is not draining. */
  readonly ready: boolean;
  /** The upstream is unreachable: serving the last state it had. */
  readonly stale: boolean;
  readonly reason?: string;
  readonly streams: number;
  readonly environments: {
    id: string;
    key: string;
    seq: number;
    ready: boolean;
    updatedAt: number;
  }[];
}

export interface Edge {
  /** Serves an SDK-facing request; returns false (untouched) when no edge route matches the path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * The lean path for a port's front door (attachFrontDoor): takes a GET for an SSE stream on
   * the raw socket; false for any other request, which node:http then brings to `handle`.
   */
  readonly claimStream: StreamClaim;
  /** WebSocket upgrades for the Vexil stream; false when the path is not the edge's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  status(): EdgeStatus;
  /**
   * Mirrors this edge: `listener` gets a snapshot of every environment with data now, then every
   * directory update, snapshot, change, eviction and upstream status as they happen. The primary
   * of a multi-process edge feeds its workers with it. Returns the unsubscribe function.
   */
  follow(listener: (message: FeedMessage) => void): () => void;
  /** A directory key's record, from the edge's cache or its upstream (a worker's lookups). */
  lookup(key: string, minRevision?: number): Promise<DirectoryRecord>;
  /** Loads an environment a client asked for (a worker's client). */
  want(environmentId: string): void;
  /** Clients used these environments now (a worker's report): they are not evicted. */
  touch(environmentIds: readonly string[]): void;
  /** The environments clients used since `since` (Unix ms), for a worker's report. */
  usedSince(since: number): string[];
  /** The node's report for the network view (propagation percentiles since the last call). */
  report(): EdgeReport;
  /** Streams held elsewhere (a multi-process edge's workers), counted in `report()`. */
  setExternalStreams(counts: readonly StreamCount[]): void;
  /** The streams this process holds, by environment and protocol. */
  streamCounts(): StreamCount[];
  /** The current snapshot of an environment, if the edge has data for it. */
  snapshot(environmentId: string): EnvironmentSnapshot | undefined;
  /** An environment the edge holds (project and environment keys, for naming things). */
  environment(id: string): EnvironmentDescriptor | undefined;
  start(): Promise<void>;
  /** Refuses new streams and closes existing ones spread over `windowMs` (graceful shutdown). */
  drain(windowMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Wires the edge: registry and state, stream hub, protocol routes, upstream, one shared clock. */
export function createEdge(deps: EdgeDependencies): Edge {
  const options: EdgeOptions = { ...defaultEdgeOptions, ...deps.options };
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const scheduler = deps.scheduler ?? realScheduler;
  const { upstream } = deps;
  const metrics =
    deps.metrics === undefined
      ? undefined
      : new EdgeMetrics(deps.metrics, {
          flagLabelLimit: options.metricsFlagLabels,
          busLagIntervalMs: options.busLagIntervalMs,
          now,
        });
  const registry = new Registry({
    historySize: options.historySize,
    now,
    cacheSize: options.directoryCacheSize,
    maxLookups: options.maxDirectoryLookups,
    ...(metrics === undefined ? {} : { onLookup: (result) => metrics.looked(result) }),
  });
  const hub = new StreamHub({
    maxBufferBytes: options.maxBufferBytes,
    heartbeatMs: options.heartbeatMs,
    maxLifetimeMs: options.maxStreamLifetimeMs,
    lifetimeJitter: options.lifetimeJitter,
    now,
    scheduler,
    random: deps.random ?? Math.random,
    meter: metrics?.streams,
  });
  /**
   * Loads an environment a client asked for. One asked for by id alone (a worker's client, a
   * relay edge) is looked up first: Redis keys and the network view use its name.
   */
  const want = (environmentId: string) => {
    registry.touch(environmentId);
    if (registry.environment(environmentId) !== undefined) return upstream.want(environmentId);
    registry.resolveClientSideId(environmentId).then(
      (credential) => credential !== undefined && upstream.want(environmentId),
      (err: unknown) => logger.warn({ err, environmentId }, 'cannot load an environment'),
    );
  };
  const collector = new InsightsCollector(deps.insights, options.insightsFlushMs, logger);
  const ctx = new EdgeContext(registry, hub, options, logger, now, want, metrics, deps.limiter);
  const router = new EdgeRouter([
    ...fdv1Routes(ctx),
    ...fdv2Routes(ctx),
    ...pollingRoutes(ctx),
    ...clientSideRoutes(ctx),
    ...eventsRoutes(ctx, collector),
    ...ofrepRoutes(ctx),
    ...vexilStreamRoutes(ctx),
    ...relayFeedRoutes(ctx),
  ]);
  const handle = createDispatch(router, logger, deps.limiter);
  const upgrade = vexilStreamUpgrade(ctx);
  const feed = new UpstreamFeed(
    registry,
    ctx,
    hub,
    upstream,
    logger,
    now,
    options.pinnedEnvironments,
  );
  // After the protocol modules: SDK streams get each change before persistence sees it.
  for (const observer of deps.observers ?? []) ctx.onStateEvent(observer);
  metrics?.bind({
    streamCounts: () => hub.countBy(),
    payloadsInFlight: () => ctx.payloadsInFlight,
    environments: () => registry.allStates(),
    upstreamUp: () => feed.upstreamUp,
    head: upstream.head?.bind(upstream),
  });
  const startedAt = now();
  /** Streams held by other processes of the node (workers), by environment and protocol. */
  let externalStreams: readonly StreamCount[] = [];
  let stopClock: (() => void) | undefined;
  let evictedAt = now();

  /**
   * Evicts the environments no client used for environmentIdleMs and no stream holds, checked
   * every tenth of that (at most every 10 s). An edge that relay edges follow keeps everything:
   * their streams are not counted per environment.
   */
  const evictIdle = () => {
    const at = now();
    if (at - evictedAt < Math.min(options.environmentIdleMs / 10, 10_000)) return;
    evictedAt = at;
    const counts = [...hub.countBy(), ...externalStreams];
    if (counts.some((c) => c.environmentId === RELAY_ALL)) return;
    const held = new Set([...counts.map((c) => c.environmentId), ...options.pinnedEnvironments]);
    for (const id of registry.unusedSince(at - options.environmentIdleMs)) {
      if (held.has(id)) continue;
      feed.evict(id);
      metrics?.evicted();
    }
  };

  const status = (): EdgeStatus => {
    const environments = [...registry.allStates()].map((s) => ({
      id: s.id,
      key: registry.environment(s.id)?.key ?? '',
      seq: s.seq,
      ready: s.ready,
      updatedAt: s.updatedAt,
    }));
    const base = { streams: hub.size, environments, stale: !feed.upstreamUp };
    if (!registry.ready)
      return { ...base, ready: false, reason: 'the directory watch is not live yet' };
    if (ctx.draining) return { ...base, ready: false, reason: 'draining' };
    return { ...base, ready: true };
  };

  return {
    handle,
    claimStream: createStreamClaim(router, logger, now, deps.limiter),
    handleUpgrade: upgrade,
    status,
    follow: (listener) => feed.follow(listener),
    report: () =>
      edgeReport({
        options,
        startedAt,
        now: now(),
        upstreamUp: feed.upstreamUp,
        environments: status().environments,
        streams: [...hub.countBy(), ...externalStreams],
        propagation: feed.propagation,
      }),
    setExternalStreams(counts) {
      externalStreams = counts;
    },
    streamCounts: () => hub.countBy(),
    snapshot(environmentId) {
      const state = registry.state(environmentId);
      return state?.ready === true ? state.snapshot() : undefined;
    },
    environment: (id) => registry.environment(id),
    lookup: (key, minRevision) => registry.record(key, minRevision),
    want,
    touch(environmentIds) {
      for (const id of environmentIds) registry.touch(id);
    },
    usedSince: (since) => registry.usedSince(since),
    async start() {
      stopClock = scheduler.every(1000, () => {
        hub.tick();
        const expired = registry.expiredCredentials();
        if (expired.length > 0) hub.revoke(expired);
        evictIdle();
      });
      collector.start();
      metrics?.start();
      await upstream.start(feed);
    },
    async drain(windowMs = 10_000) {
      ctx.draining = true;
      await hub.drain(windowMs);
    },
    async close() {
      stopClock?.();
      metrics?.stop();
      ctx.draining = true;
      hub.closeWhere(() => true, 'shutdown');
      await collector.close();
      await upstream.close();
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry as MetricsRegistry } from 'prom-client';
import type {
  Change,
  Directory,
  EdgeReport,
  EnvironmentDescriptor,
  EnvironmentSnapshot,
} from '@vexil/protocol';
import { defaultEdgeOptions, type EdgeOptions } from './config.js';
import { EdgeContext } from './edge-context.js';
import { EdgeError, sendError, sendJson } from './http/respond.js';
import { EdgeRouter, type EdgeRoute } from './http/routes.js';
import { silentLogger, type Logger } from './logger.js';
import { EdgeMetrics } from './metrics/edge-metrics.js';
import { clientSideRoutes } from './protocols/client-side.js';
import { eventsRoutes } from './protocols/events.js';
import { fdv1Routes } from './protocols/fdv1.js';
import { fdv2Routes } from './protocols/fdv2.js';
import { ofrepRoutes } from './protocols/ofrep.js';
import { pollingRoutes } from './protocols/polling.js';
import { relayFeedRoutes } from './protocols/relay-feed.js';
import { vexilStreamRoutes, vexilStreamUpgrade } from './protocols/vexil-stream.js';
import type { EnvironmentState, StateEvent } from './state/environment-state.js';
import { Registry } from './state/registry.js';
import type { FeedMessage } from './cluster/feed.js';
import { PropagationSamples } from './report/propagation-samples.js';
import { traceApply } from './tracing.js';
import type { StreamCount } from './stream/stream-hub.js';
import { InsightsCollector, type InsightsSink } from './insights/insights-collector.js';
import { StreamHub } from './stream/stream-hub.js';
import type { Upstream, UpstreamSink } from './upstream/upstream.js';

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
  readonly options?: Partial<EdgeOptions>;
  /** Where the edge's Prometheus metrics go (one edge per registry); without it none are kept. */
  readonly metrics?: MetricsRegistry;
}

export interface EdgeStatus {
  /** Has a directory and every environment it syncs has data. */
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
  /** WebSocket upgrades for the Vexil stream; false when the path is not the edge's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  status(): EdgeStatus;
  /**
   * Mirrors this edge: `listener` gets the directory and a snapshot of every environment with
   * data now, then every directory, snapshot, change and upstream status as they happen. The
   * primary of a multi-process edge feeds its workers with it. Returns the unsubscribe function.
   */
  follow(listener: (message: FeedMessage) => void): () => void;
  /** The node's report for the network view (propagation percentiles since the last call). */
  report(): EdgeReport;
  /** Streams held elsewhere (a multi-process edge's workers), counted in `report()`. */
  setExternalStreams(counts: readonly StreamCount[]): void;
  /** The streams this process holds, by environment and protocol. */
  streamCounts(): StreamCount[];
  /** The current snapshot of an environment, if the edge has data for it. */
  snapshot(environmentId: string): EnvironmentSnapshot | undefined;
  /** An environment of the directory (project and environment keys, for naming things). */
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
  const { upstream } = deps;
  const registry = new Registry(options.historySize, now);
  const metrics =
    deps.metrics === undefined
      ? undefined
      : new EdgeMetrics(deps.metrics, {
          flagLabelLimit: options.metricsFlagLabels,
          busLagIntervalMs: options.busLagIntervalMs,
          now,
        });
  const hub = new StreamHub({
    maxBufferBytes: options.maxBufferBytes,
    heartbeatMs: options.heartbeatMs,
    maxLifetimeMs: options.maxStreamLifetimeMs,
    lifetimeJitter: options.lifetimeJitter,
    now,
    meter: metrics?.streams,
  });
  const collector = new InsightsCollector(deps.insights, options.insightsFlushMs, logger);
  const ctx = new EdgeContext(
    registry,
    hub,
    options,
    logger,
    now,
    (id) => upstream.want(id),
    metrics,
  );
  const routes: EdgeRoute[] = [
    ...fdv1Routes(ctx),
    ...fdv2Routes(ctx),
    ...pollingRoutes(ctx),
    ...clientSideRoutes(ctx),
    ...eventsRoutes(ctx, collector),
    ...ofrepRoutes(ctx),
    ...vexilStreamRoutes(ctx),
    ...relayFeedRoutes(ctx),
  ];
  const router = new EdgeRouter(routes);
  const followers = new Set<(message: FeedMessage) => void>();
  ctx.onStateEvent((state, event) => {
    if (followers.size === 0) return;
    const message: FeedMessage =
      event.type === 'reset'
        ? { type: 'put', snapshot: state.snapshot() }
        : { type: 'change', change: event.change };
    for (const follower of followers) follower(message);
  });
  // After the protocol modules: SDK streams get each change before persistence sees it.
  for (const observer of deps.observers ?? []) ctx.onStateEvent(observer);
  const upgrade = vexilStreamUpgrade(ctx);
  let upstreamUp = false;
  let everConnected = false;
  metrics?.bind({
    streamCounts: () => hub.countBy(),
    payloadsInFlight: () => ctx.payloadsInFlight,
    environments: () => registry.allStates(),
    upstreamUp: () => upstreamUp,
    head: upstream.head?.bind(upstream),
  });
  const startedAt = now();
  const propagation = new PropagationSamples();
  /** Streams held by other processes of the node (workers), by environment and protocol. */
  let externalStreams: readonly StreamCount[] = [];
  let clock: NodeJS.Timeout | undefined;

  const attached = new Set<string>();
  const attach = (environmentId: string) => {
    const state = registry.stateFor(environmentId);
    if (!attached.has(state.id)) {
      attached.add(state.id);
      state.onEvent((event) => ctx.emit(state, event));
    }
    return state;
  };

  const sink: UpstreamSink = {
    directory(directory: Directory) {
      const revoked = registry.applyDirectory(directory);
      ctx.emitDirectory(registry.directory!);
      for (const follower of followers)
        follower({ type: 'directory', directory: registry.directory! });
      if (revoked.length > 0)
        logger.info({ streams: hub.revoke(revoked) }, 'closed streams of revoked credentials');
      const known = new Set(directory.environments.map((e) => e.id));
      for (const id of attached) {
        if (!known.has(id)) {
          attached.delete(id);
          upstream.drop(id);
          hub.closeWhere((c) => c.credentialId === id, 'revoked');
        }
      }
      if (options.eagerEnvironments)
        for (const env of directory.environments) upstream.want(env.id);
    },
    snapshot(snapshot: EnvironmentSnapshot) {
      attach(snapshot.environmentId).applySnapshot(snapshot, now());
    },
    change(change: Change) {
      const applied = now();
      const result = traceApply(change, () =>
        attach(change.environmentId).applyChange(change, applied),
      );
      if (result === 'applied') propagation.add(applied - change.committedAt);
      return result;
    },
    connected(up: boolean, error?: unknown) {
      const was = upstreamUp;
      upstreamUp = up;
      for (const follower of followers) follower({ type: 'status', up });
      // Log transitions only: not the initial "not yet connected".
      // The first connection is routine; a reconnection after an outage is news.
      if (up && !was) logger[everConnected ? 'info' : 'debug']({}, 'upstream connected');
      if (up) everConnected = true;
      else if (!up && was)
        logger.warn({ err: error }, 'upstream unreachable; serving the last known state');
    },
  };

  async function dispatch(
    handle: EdgeRoute['handle'],
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, string>,
    url: URL,
  ) {
    try {
      await handle({ req, res, params, url });
    } catch (e) {
      if (e instanceof EdgeError) {
        sendError(res, e);
      } else {
        logger.error({ err: e, path: url.pathname }, 'unhandled error in an SDK request');
        if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL', message: 'internal error' });
        else res.destroy();
      }
    }
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://edge');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match === undefined) return false;
      if ('methods' in match) {
        sendError(
          res,
          new EdgeError(
            'METHOD_NOT_ALLOWED',
            `${req.method ?? ''} is not allowed here; use ${match.methods.join(' or ')}`,
          ),
          {
            allow: match.methods.join(', '),
          },
        );
        return true;
      }
      void dispatch(match.handle, req, res, match.params, url);
      return true;
    },
    handleUpgrade(req, socket, head) {
      return upgrade(req, socket, head);
    },
    status() {
      const environments = [...registry.allStates()].map((s) => ({
        id: s.id,
        key: registry.environment(s.id)?.key ?? '',
        seq: s.seq,
        ready: s.ready,
        updatedAt: s.updatedAt,
      }));
      const base = { streams: hub.size, environments, stale: !upstreamUp };
      if (registry.directory === undefined)
        return { ...base, ready: false, reason: 'no directory from the upstream yet' };
      const syncing = options.eagerEnvironments
        ? registry.directory.environments.filter((e) => registry.state(e.id)?.ready !== true)
        : [];
      if (syncing.length > 0)
        return { ...base, ready: false, reason: `${syncing.length} environment(s) still syncing` };
      if (ctx.draining) return { ...base, ready: false, reason: 'draining' };
      return { ...base, ready: true };
    },
    follow(listener) {
      if (registry.directory !== undefined)
        listener({ type: 'directory', directory: registry.directory });
      for (const state of registry.allStates())
        if (state.ready) listener({ type: 'put', snapshot: state.snapshot() });
      listener({ type: 'status', up: upstreamUp });
      followers.add(listener);
      return () => followers.delete(listener);
    },
    report() {
      const counts = [...hub.countBy(), ...externalStreams];
      const status = this.status();
      const taken = propagation.take();
      return {
        id: options.edgeId,
        region: options.region,
        version: options.version,
        startedAt,
        reportedAt: now(),
        upstream: options.upstreamKind,
        upstreamConnected: upstreamUp,
        stale: !upstreamUp,
        streams: counts.reduce((n, c) => n + c.streams, 0),
        environments: status.environments.map((env) => {
          const streams: Record<string, number> = {};
          for (const c of counts)
            if (c.environmentId === env.id)
              streams[c.format] = (streams[c.format] ?? 0) + c.streams;
          return { id: env.id, seq: env.seq, ready: env.ready, streams };
        }),
        ...(taken === undefined ? {} : { propagation: taken }),
      };
    },
    setExternalStreams(counts) {
      externalStreams = counts;
    },
    streamCounts() {
      return hub.countBy();
    },
    snapshot(environmentId) {
      const state = registry.state(environmentId);
      return state?.ready === true ? state.snapshot() : undefined;
    },
    environment(id) {
      return registry.environment(id);
    },
    async start() {
      clock = setInterval(() => {
        hub.tick();
        const expired = registry.expiredCredentials();
        if (expired.length > 0) hub.revoke(expired);
      }, 1000);
      clock.unref();
      collector.start();
      metrics?.start();
      await upstream.start(sink);
    },
    async drain(windowMs = 10_000) {
      ctx.draining = true;
      await hub.drain(windowMs);
    },
    async close() {
      clearInterval(clock);
      metrics?.stop();
      ctx.draining = true;
      hub.closeWhere(() => true, 'shutdown');
      await collector.close();
      await upstream.close();
    },
  };
}

export { defaultEdgeOptions, type EdgeOptions } from './config.js';
export {
  createEdge,
  type Edge,
  type EdgeDependencies,
  type EdgeStatus,
  type StateObserver,
} from './edge.js';
export type { EnvironmentState, StateEvent, StoredItem } from './state/environment-state.js';
export {
  attachFrontDoor,
  frontDoorServerOptions,
  type FrontDoor,
  type FrontDoorOptions,
  type FrontDoorRefusal,
  type StreamClaim,
} from './http/front-door.js';
export { acceptModeMetric, frontDoorMetrics } from './metrics/front-door-metrics.js';
export { defaultRequestLimits, type RequestLimits } from './http/request-reader.js';
export { RateLimiter, type Admission, type Peer } from './limits/rate-limiter.js';
export {
  defaultRateLimitOptions,
  parseProxyBlock,
  type EndpointClass,
  type ProxyBlock,
  type Rate,
  type RateLimitKind,
  type RateLimitOptions,
} from './limits/rate-limit-options.js';
export { TokenBuckets } from './limits/token-buckets.js';
export type { InsightCount, InsightsSink } from './insights/insights-collector.js';
export { silentLogger, type Logger } from '@vexil/protocol';
export {
  defaultRedisPersistenceOptions,
  defaultRedisPrefixTemplate,
  redisPersistence,
  redisPrefix,
  RedisPrefixError,
  type EnvironmentKeys,
  type RedisPersistence,
  type RedisPersistenceOptions,
} from './persistence/redis-persistence.js';
export { busUpstream, type BusUpstreamOptions } from './upstream/bus-upstream.js';
export {
  httpEdgeReportSink,
  httpInsightsSink,
  httpSnapshotSource,
  type OriginEndpoint,
} from './upstream/http-delivery.js';
export { relayUpstream, type RelayUpstreamOptions } from './upstream/relay-upstream.js';
export type { SnapshotSource, Upstream, UpstreamSink } from './upstream/upstream.js';
export type { FeedMessage, FeedRequest } from './cluster/feed.js';
export { ipcUpstream, reportWorkerStreams, type IpcChannel } from './cluster/ipc-upstream.js';
export { feedWorker, type WorkerChannel } from './cluster/primary-feed.js';
export { startReporting } from './report/reporter.js';
export type { StreamCount } from './stream/stream-hub.js';
export { startProbe, type Probe, type ProbeOptions } from './probe/probe.js';
export { EDGE_METRICS } from './metrics/edge-metric-catalogue.js';
export {
  ClusterMetrics,
  workerMetrics,
  type ClusterMetricsOptions,
  type PrimaryChannel,
  type WorkerMetrics,
  type WorkerPort,
} from './metrics/cluster-metrics.js';
export { probeMetrics } from './probe/probe-metrics.js';
export { startCdnPurger, type CdnPurger, type CdnPurgerOptions } from './cdn/purger.js';

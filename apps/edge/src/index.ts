export { defaultEdgeOptions, type EdgeOptions } from './config.js';
export { createEdge, type Edge, type EdgeDependencies, type EdgeStatus } from './edge.js';
export type { InsightCount, InsightsSink } from './insights/insights-collector.js';
export { silentLogger, type Logger } from './logger.js';
export { busUpstream, type BusUpstreamOptions } from './upstream/bus-upstream.js';
export type { SnapshotSource, Upstream, UpstreamSink } from './upstream/upstream.js';

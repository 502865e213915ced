// Every metric the edge exports: names, help texts, labels and buckets in one place. Dashboards
// and alert rules (deploy/) use these names; docs/metrics.md explains each one. `aggregator` says
// how a multi-process edge sums its processes' values (prom-client's AggregatorRegistry).

type Aggregator = 'sum' | 'max' | 'min';

interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator: Aggregator;
}

interface HistogramSpec extends MetricSpec<never> {
  readonly buckets: readonly number[];
}

/** Network propagation: a few ms within a region, seconds across regions or during catch-up. */
const PROPAGATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Writing one change to every local stream: from tens of microseconds to a second at 100k streams. */
const FANOUT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export const EDGE_METRICS = {
  streams: {
    name: 'vexil_edge_streams',
    help: 'Open SDK streams (SSE and WebSocket), by environment id and protocol.',
    labelNames: ['environment', 'protocol'],
    aggregator: 'sum',
  },
  connects: {
    name: 'vexil_edge_stream_connects_total',
    help: 'Streams opened, by protocol.',
    labelNames: ['protocol'],
    aggregator: 'sum',
  },
  disconnects: {
    name: 'vexil_edge_stream_disconnects_total',
    help: 'Streams closed, by reason: client, slow-consumer, drain, lifetime, revoked, shutdown, resync, error.',
    labelNames: ['reason'],
    aggregator: 'sum',
  },
  refusals: {
    name: 'vexil_edge_stream_refusals_total',
    help: 'Stream requests refused, by reason: auth, cap, not_ready, draining, overloaded.',
    labelNames: ['reason'],
    aggregator: 'sum',
  },
  connectionsRefused: {
    name: 'vexil_edge_connections_refused_total',
    help: 'Connections answered and closed before any request was served, by reason: budget (503: the process holds its maximum of connections), head_timeout (408), head_too_large (431), handshake_timeout (HTTPS: the TLS handshake did not finish in time; closed).',
    labelNames: ['reason'],
    aggregator: 'sum',
  },
  rateLimited: {
    name: 'vexil_rate_limited_total',
    help: 'Requests answered 429 by a rate limit, by limit (auth_failures, api_token, api_address, sdk_address) and endpoint (api, delivery: what edges ask of their upstream, metrics, sdk, events, stream).',
    labelNames: ['limit', 'endpoint'],
    aggregator: 'sum',
  },
  acceptMode: {
    name: 'vexil_edge_accept_mode',
    help: 'How the processes of the node accept connections (value 1): reuseport (a listening socket per worker), shared (workers accept from one socket), round-robin (the primary accepts and hands over), single (one process).',
    labelNames: ['mode'],
    aggregator: 'max',
  },
  payloadsInFlight: {
    name: 'vexil_edge_initial_payloads_in_flight',
    help: 'Initial stream payloads still being written (admission control for reconnect storms).',
    labelNames: [],
    aggregator: 'sum',
  },
  messagesSent: {
    name: 'vexil_edge_messages_sent_total',
    help: 'Live messages written to streams (one per stream per message), by protocol.',
    labelNames: ['protocol'],
    aggregator: 'sum',
  },
  bytesSent: {
    name: 'vexil_edge_bytes_sent_total',
    help: 'Bytes of live messages written to streams, by protocol.',
    labelNames: ['protocol'],
    aggregator: 'sum',
  },
  fanoutDuration: {
    name: 'vexil_edge_fanout_duration_seconds',
    help: 'From a change or resync being applied to the last stream write that carried it.',
    labelNames: [],
    aggregator: 'sum',
    buckets: FANOUT_BUCKETS,
  },
  commitToApply: {
    name: 'vexil_propagation_commit_to_apply_seconds',
    help: 'From a change being committed at the origin to this edge applying it.',
    labelNames: [],
    aggregator: 'sum',
    buckets: PROPAGATION_BUCKETS,
  },
  applyToWritten: {
    name: 'vexil_propagation_apply_to_written_seconds',
    help: 'From this edge applying a change to the change being written to all of its streams.',
    labelNames: [],
    aggregator: 'sum',
    buckets: PROPAGATION_BUCKETS,
  },
  environments: {
    name: 'vexil_edge_environments',
    help: 'Environments the edge holds now (loaded for its clients, or pinned).',
    labelNames: [],
    aggregator: 'max',
  },
  evictions: {
    name: 'vexil_edge_environment_evictions_total',
    help: 'Environments evicted because no client used them for --environment-idle.',
    labelNames: [],
    aggregator: 'max',
  },
  lookups: {
    name: 'vexil_edge_directory_lookups_total',
    help: 'Directory lookups sent upstream (cache misses), by result: found, not_found or failed.',
    labelNames: ['result'],
    aggregator: 'sum',
  },
  busLag: {
    name: 'vexil_edge_bus_lag_changes',
    help: 'How many changes the edge is behind its upstream, by environment id.',
    labelNames: ['environment'],
    aggregator: 'max',
  },
  snapshotAge: {
    name: 'vexil_edge_snapshot_age_seconds',
    help: 'Seconds since the environment last changed on this edge (snapshot or change).',
    labelNames: ['environment'],
    aggregator: 'max',
  },
  upstreamConnected: {
    name: 'vexil_edge_upstream_connected',
    help: '1 while the upstream (bus or relay feed) is reachable, else 0.',
    labelNames: [],
    aggregator: 'min',
  },
  stale: {
    name: 'vexil_edge_stale',
    help: '1 while the edge serves its last known state because the upstream is unreachable.',
    labelNames: [],
    aggregator: 'max',
  },
  evaluations: {
    name: 'vexil_edge_evaluations_total',
    help: 'Flag evaluations made by the edge (client-side and OFREP), by flag key and variation index; flags beyond the label limit are counted as "_other".',
    labelNames: ['flag', 'variation'],
    aggregator: 'sum',
  },
  probePropagation: {
    name: 'vexil_probe_propagation_seconds',
    help: 'Synthetic probe: from its write through the REST API to its own stream on this edge receiving it (the propagation SLI).',
    labelNames: [],
    aggregator: 'sum',
    buckets: PROPAGATION_BUCKETS,
  },
  probeFailures: {
    name: 'vexil_probe_failures_total',
    help: 'Synthetic probe measurements that failed, by reason: timeout, write, setup.',
    labelNames: ['reason'],
    aggregator: 'sum',
  },
  cdnPurgeLag: {
    name: 'vexil_cdn_purge_lag_seconds',
    help: "CDN purges of environment changes: from the change's commit to the cache's acknowledgement of its purge, by target (docs/cdn.md).",
    labelNames: ['target'],
    aggregator: 'max',
    buckets: PROPAGATION_BUCKETS,
  },
  cdnPurges: {
    name: 'vexil_cdn_purges_total',
    help: 'CDN purge requests sent, by target and result: ok, failed (retried with backoff).',
    labelNames: ['target', 'result'],
    aggregator: 'sum',
  },
  cdnPurgesPending: {
    name: 'vexil_cdn_purges_pending',
    help: 'CDN purges waiting or in flight, by target: grows while a cache is unreachable.',
    labelNames: ['target'],
    aggregator: 'sum',
  },
} as const satisfies Record<string, MetricSpec<string> | HistogramSpec>;

/** The flag label of evaluations beyond the limit of distinct flag keys. */
export const OTHER_FLAGS = '_other';

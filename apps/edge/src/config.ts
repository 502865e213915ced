/** The edge's tunables, with the defaults of a production delivery node. */
export interface EdgeOptions {
  /** Heartbeat comment on every stream; below common load-balancer idle timeouts (60 s). */
  readonly heartbeatMs: number;
  /** Unsent bytes a stream may hold beyond its initial payload before it is cut (slow consumer). */
  readonly maxBufferBytes: number;
  /** Maximum stream lifetime for load-balancer rebalancing; 0 = unlimited. */
  readonly maxStreamLifetimeMs: number;
  /** Lifetimes are shortened by up to this fraction at random, so streams do not expire together. */
  readonly lifetimeJitter: number;
  /** Streams beyond this get 503 + Retry-After (file-descriptor budget). */
  readonly maxStreams: number;
  /** Initial payloads being written at once; beyond it new streams and polls get 503 + Retry-After. */
  readonly maxInitialPayloadsInFlight: number;
  /** How long a request waits for its environment's first snapshot before 503. */
  readonly readyWaitMs: number;
  /** Changes kept per environment for resuming clients without a full payload. */
  readonly historySize: number;
  /** Largest REPORT / OFREP request body. */
  readonly maxContextBodyBytes: number;
  /** Largest analytics events body. */
  readonly maxEventsBodyBytes: number;
  /**
   * An environment no client used (no stream, no request) for this long is evicted: its state
   * and bus subscription go, and the next client loads it again.
   */
  readonly environmentIdleMs: number;
  /**
   * Environments (client-side IDs) held from the start and never evicted: those written to Redis
   * for daemon-mode SDKs, which never ask the edge themselves.
   */
  readonly pinnedEnvironments: readonly string[];
  /** Directory entries (credentials, client-side IDs) cached, found and not found each. */
  readonly directoryCacheSize: number;
  /** Directory lookups in flight at once; beyond it unknown credentials get 503 + Retry-After. */
  readonly maxDirectoryLookups: number;
  /** How often summed evaluation counts are shipped to the insights sink. */
  readonly insightsFlushMs: number;
  /** Reported in /readyz and the network view. */
  readonly edgeId: string;
  /** Region label in the network view. */
  readonly region: string;
  /** Program version in the network view. */
  readonly version: string;
  /** How the node gets its data, for the network view: `bus`, `relay`, `embedded`. */
  readonly upstreamKind: string;
  /** Distinct flag keys with their own label in `vexil_edge_evaluations_total`; the rest are `_other`. */
  readonly metricsFlagLabels: number;
  /** How often the upstream head is read for `vexil_edge_bus_lag_changes`. */
  readonly busLagIntervalMs: number;
  /**
   * How long a surrogate cache (docs/cdn.md) keeps a cacheable answer: purges keep it fresh, this
   * only bounds how long a purge that never arrived can leave it stale.
   */
  readonly cdnTtlSeconds: number;
  /** How long a surrogate cache may serve an answer past its TTL while no edge is reachable. */
  readonly cdnGraceSeconds: number;
  /** The header that carries a cacheable answer's purge tags: `xkey`, `Surrogate-Key` (Fastly). */
  readonly cdnKeyHeader: string;
}

export const defaultEdgeOptions: EdgeOptions = {
  heartbeatMs: 30_000,
  maxBufferBytes: 512 * 1024,
  maxStreamLifetimeMs: 0,
  lifetimeJitter: 0.2,
  maxStreams: Number.POSITIVE_INFINITY,
  maxInitialPayloadsInFlight: 256,
  readyWaitMs: 5_000,
  historySize: 1_000,
  maxContextBodyBytes: 64 * 1024,
  maxEventsBodyBytes: 4 * 1024 * 1024,
  environmentIdleMs: 10 * 60_000,
  pinnedEnvironments: [],
  directoryCacheSize: 100_000,
  maxDirectoryLookups: 1_024,
  insightsFlushMs: 10_000,
  edgeId: 'edge',
  region: 'default',
  version: '0.0.0',
  upstreamKind: 'bus',
  metricsFlagLabels: 200,
  busLagIntervalMs: 5_000,
  cdnTtlSeconds: 300,
  cdnGraceSeconds: 3_600,
  cdnKeyHeader: 'xkey',
};

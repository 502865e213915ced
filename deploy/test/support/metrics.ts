// The metrics Vexil exports (the contract of issue 7 / docs/operations.md), with their labels:
// rules and dashboards may name only these, and only with these labels.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly type: MetricType;
  readonly labels: readonly string[];
  /** Closed sets of label values, where the exporter promises one. */
  readonly values?: Readonly<Record<string, readonly string[]>>;
}

export const DISCONNECT_REASONS = [
  'client',
  'slow-consumer',
  'drain',
  'lifetime',
  'revoked',
  'shutdown',
  'error',
  'resync',
] as const;
export const REFUSAL_REASONS = ['auth', 'cap', 'not_ready', 'draining', 'overloaded'] as const;

export const VEXIL_METRICS: Readonly<Record<string, MetricSpec>> = {
  // edge
  vexil_edge_streams: { type: 'gauge', labels: ['environment', 'protocol'] },
  vexil_edge_stream_connects_total: { type: 'counter', labels: ['protocol'] },
  vexil_edge_stream_disconnects_total: {
    type: 'counter',
    labels: ['reason'],
    values: { reason: DISCONNECT_REASONS },
  },
  vexil_edge_stream_refusals_total: {
    type: 'counter',
    labels: ['reason'],
    values: { reason: REFUSAL_REASONS },
  },
  vexil_edge_initial_payloads_in_flight: { type: 'gauge', labels: [] },
  vexil_edge_messages_sent_total: { type: 'counter', labels: ['protocol'] },
  vexil_edge_bytes_sent_total: { type: 'counter', labels: ['protocol'] },
  vexil_edge_fanout_duration_seconds: { type: 'histogram', labels: [] },
  vexil_propagation_commit_to_apply_seconds: { type: 'histogram', labels: [] },
  vexil_propagation_apply_to_written_seconds: { type: 'histogram', labels: [] },
  vexil_edge_bus_lag_changes: { type: 'gauge', labels: ['environment'] },
  vexil_edge_snapshot_age_seconds: { type: 'gauge', labels: ['environment'] },
  vexil_edge_upstream_connected: { type: 'gauge', labels: [] },
  vexil_edge_stale: { type: 'gauge', labels: [] },
  vexil_edge_evaluations_total: { type: 'counter', labels: ['flag', 'variation'] },
  vexil_probe_propagation_seconds: { type: 'histogram', labels: [] },
  vexil_probe_failures_total: { type: 'counter', labels: [] },
  // origin
  vexil_api_requests_total: { type: 'counter', labels: ['route', 'method', 'status'] },
  vexil_api_request_duration_seconds: { type: 'histogram', labels: ['route', 'method'] },
  vexil_store_errors_total: { type: 'counter', labels: ['operation'] },
  vexil_bus_publish_errors_total: { type: 'counter', labels: [] },
  vexil_outbox_lag_changes: { type: 'gauge', labels: [] },
  // prom-client's default metrics, on every role
  process_cpu_seconds_total: { type: 'counter', labels: [] },
  process_resident_memory_bytes: { type: 'gauge', labels: [] },
  nodejs_eventloop_lag_p99_seconds: { type: 'gauge', labels: [] },
  // Prometheus' own per target
  up: { type: 'gauge', labels: [] },
};

/** Labels every scraped series carries: Prometheus' and the ServiceMonitor's (monitoring.yaml). */
export const TARGET_LABELS = [
  'job',
  'instance',
  'namespace',
  'pod',
  'service',
  'endpoint',
  'container',
  'ready',
];

export interface ResolvedMetric {
  readonly base: string;
  readonly spec: MetricSpec;
  /** Labels a selector on this series may use. */
  readonly labels: ReadonlySet<string>;
}

/** A series name as exported (histograms as _bucket, _sum, _count), or undefined if unknown. */
export function resolveMetric(name: string): ResolvedMetric | undefined {
  const direct = VEXIL_METRICS[name];
  if (direct !== undefined && direct.type !== 'histogram') {
    return { base: name, spec: direct, labels: new Set([...direct.labels, ...TARGET_LABELS]) };
  }
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m?.[1];
  const spec = base === undefined ? undefined : VEXIL_METRICS[base];
  if (m === null || base === undefined || spec?.type !== 'histogram') return undefined;
  const labels = new Set([...spec.labels, ...TARGET_LABELS]);
  if (m[2] === 'bucket') labels.add('le');
  return { base, spec, labels };
}

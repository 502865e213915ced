// Every metric the origin exports: names, help texts and labels in one place. Dashboards and
// alert rules (deploy/) use these names; docs/metrics.md explains each one.

export const ORIGIN_METRICS = {
  requests: {
    name: 'vexil_api_requests_total',
    help: 'REST API requests, by route template (never the raw path), method and status.',
    labelNames: ['route', 'method', 'status'],
  },
  requestDuration: {
    name: 'vexil_api_request_duration_seconds',
    help: 'REST API request duration, by route template and method.',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  storeErrors: {
    name: 'vexil_store_errors_total',
    help: 'Store operations that failed (database unreachable or failing; not conflicts or missing rows), by operation.',
    labelNames: ['operation'],
  },
  busPublishErrors: {
    name: 'vexil_bus_publish_errors_total',
    help: 'Failed calls to the bus by the outbox publisher (publish, directory, last published seq).',
    labelNames: [],
  },
  outboxLag: {
    name: 'vexil_outbox_lag_changes',
    help: 'Committed changes not yet published to the bus, summed over environments.',
    labelNames: [],
  },
} as const;

import { apiPath } from '../client/api-client.js';
import { formatTable, formatTime, type Column } from '../table.js';
import { apiClient, apiOptions, output, type Command } from './command.js';

interface NetworkEdge {
  id: string;
  region: string;
  version: string;
  upstream: string;
  status: string;
  uptimeSeconds: number;
  lastReportAt: number;
  streams: number;
  environments: { projectKey: string; key: string; seq: number; lag: number }[];
  propagation?: { p50: number; p99: number };
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

const columns: readonly Column<NetworkEdge>[] = [
  { header: 'EDGE', value: (e) => e.id, maxWidth: 40 },
  { header: 'REGION', value: (e) => e.region },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'UPSTREAM', value: (e) => e.upstream },
  { header: 'STREAMS', value: (e) => String(e.streams) },
  { header: 'MAX LAG', value: (e) => String(Math.max(0, ...e.environments.map((env) => env.lag))) },
  {
    header: 'PROPAGATION p50/p99',
    value: (e) =>
      e.propagation === undefined ? '' : `${e.propagation.p50}/${e.propagation.p99} ms`,
  },
  { header: 'UPTIME', value: (e) => duration(e.uptimeSeconds) },
  { header: 'LAST REPORT', value: (e) => formatTime(e.lastReportAt) },
];

export const networkCommand: Command = {
  name: 'network',
  summary: 'Show the delivery network: edges, their streams, lag and propagation latency',
  options: apiOptions(),
  async run(ctx) {
    const view = await apiClient(ctx).get<{ edges: NetworkEdge[] }>(apiPath('network'), {});
    output(ctx, view, () =>
      view.edges.length === 0
        ? 'No edge has reported in the last 15 minutes.\n'
        : formatTable(columns, view.edges),
    );
  },
};

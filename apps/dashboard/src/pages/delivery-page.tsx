import { useEffect, useState } from 'react';
import type { Network } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { LineChart, type LineSeries } from '../components/line-chart.js';
import { seriesColor } from '../components/chart-palette.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { StatusBadge } from '../components/status-badge.js';
import { edgeLatency, latencyText, type EdgeLatency } from '../model/edge-latency.js';
import {
  recordNetwork,
  sortEdges,
  streamsByEnvironment,
  type PropagationHistory,
} from '../model/network-history.js';

const POLL_MS = 2000;

/**
 * The live delivery network from GET /api/v1/network, polled: edges and their streams per
 * environment, propagation latency over time, and edges that are lagging, stale or lost.
 */
export function DeliveryPage() {
  const api = useApi();
  const [network, setNetwork] = useState<Network | undefined>();
  const [history, setHistory] = useState<PropagationHistory>(new Map());
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      if (document.visibilityState === 'visible') {
        try {
          const next = await api.get<Network>('/network', controller.signal);
          setNetwork(next);
          setHistory((h) => recordNetwork(h, next));
          setError(undefined);
        } catch (e) {
          if (controller.signal.aborted) return;
          setError(e);
        }
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api]);

  if (network === undefined)
    return error === undefined ? (
      <Loading what="the delivery network" />
    ) : (
      <ErrorNotice error={error} />
    );
  const edges = sortEdges(network.edges);
  const byStatus = (s: string) => edges.filter((e) => e.status === s).length;
  const totalStreams = edges.reduce((a, e) => a + e.streams, 0);
  const series: LineSeries[] = edges.flatMap((edge, i) => {
    const points = history.get(edge.id) ?? [];
    return [
      {
        name: `${edge.id} p50`,
        color: seriesColor(i),
        points: points.map((p) => ({ x: p.at, y: p.p50 })),
      },
      {
        name: `${edge.id} p99`,
        color: seriesColor(i),
        dashed: true,
        points: points.map((p) => ({ x: p.at, y: p.p99 })),
      },
    ];
  });
  const perEnv = streamsByEnvironment(edges);

  return (
    <section aria-labelledby="delivery-title">
      <div className="page-header">
        <h1 id="delivery-title">Delivery network</h1>
        <p className="muted" aria-live="polite">
          Updated <RelativeTime at={network.generatedAt} /> (every {POLL_MS / 1000} s)
        </p>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      <ul className="stats" aria-label="Summary">
        <li>
          <strong>{edges.length}</strong> edge{edges.length === 1 ? '' : 's'}
        </li>
        <li>
          <strong>{totalStreams}</strong> open stream{totalStreams === 1 ? '' : 's'}
        </li>
        <li className={byStatus('lagging') > 0 ? 'stat-warn' : ''}>
          <strong>{byStatus('lagging')}</strong> lagging
        </li>
        <li className={byStatus('stale') > 0 ? 'stat-warn' : ''}>
          <strong>{byStatus('stale')}</strong> stale
        </li>
        <li className={byStatus('lost') > 0 ? 'stat-bad' : ''}>
          <strong>{byStatus('lost')}</strong> lost
        </li>
      </ul>
      <div className="card">
        <h2>Propagation latency</h2>
        <p className="muted">
          Commit to SDK-visible, per report interval: p50 (solid) and p99 (dashed) per edge.
        </p>
        <LineChart
          series={series}
          unit="ms"
          label="Propagation latency p50 and p99 per edge over time, in milliseconds"
          formatX={(t) => new Date(t).toLocaleTimeString()}
        />
      </div>
      <h2>Edges</h2>
      <div className="table-scroll">
        <table className="table edges">
          <thead>
            <tr>
              <th scope="col">Edge</th>
              <th scope="col">Status</th>
              <th scope="col">Upstream</th>
              <th scope="col">Streams</th>
              <th scope="col">Max lag</th>
              <th scope="col">p50 / p99</th>
              <th scope="col">Last report</th>
              <th scope="col">Uptime</th>
            </tr>
          </thead>
          <tbody>
            {edges.map((edge) => (
              <tr key={edge.id} className={`edge-${edge.status}`}>
                <th scope="row">
                  {edge.id}
                  <div className="muted">
                    {edge.region} · v{edge.version}
                  </div>
                </th>
                <td>
                  <StatusBadge status={edge.status} />
                </td>
                <td>
                  {edge.upstream}{' '}
                  {edge.upstreamConnected ? (
                    ''
                  ) : (
                    <span className="field-error">(disconnected)</span>
                  )}
                </td>
                <td>{edge.streams}</td>
                <td>{Math.max(0, ...edge.environments.map((e) => e.lag))} changes</td>
                <td>
                  <LatencyCell latency={edgeLatency(edge, history)} now={network.generatedAt} />
                </td>
                <td>
                  <RelativeTime at={edge.lastReportAt} now={network.generatedAt} />
                </td>
                <td>{formatDuration(edge.uptimeSeconds)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {edges.length === 0 && <p className="empty">No edge has reported yet.</p>}
      <h2>Streams per environment</h2>
      <p className="muted">
        Open streams: {[...perEnv].map(([name, n]) => `${name} ${n}`).join(' · ') || 'none'}
      </p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Edge</th>
              <th scope="col">Seq</th>
              <th scope="col">Lag</th>
              <th scope="col">Streams by protocol</th>
            </tr>
          </thead>
          <tbody>
            {edges.flatMap((edge) =>
              edge.environments.map((env) => (
                <tr
                  key={`${edge.id}:${env.id}`}
                  className={env.lag > 0 || !env.ready ? 'edge-lagging' : ''}
                >
                  <td>{env.key === '' ? env.id : `${env.projectKey} / ${env.key}`}</td>
                  <td>{edge.id}</td>
                  <td>{env.seq}</td>
                  <td>{env.ready ? env.lag : 'not ready'}</td>
                  <td>
                    {Object.entries(env.streams)
                      .filter(([, n]) => n > 0)
                      .map(([protocol, n]) => `${protocol} ${n}`)
                      .join(', ') || '0'}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The latest propagation figures known for an edge, with their age when not from this report. */
function LatencyCell({ latency, now }: { latency: EdgeLatency | undefined; now: number }) {
  if (latency === undefined)
    return <span title="No change has reached this edge since the page opened">—</span>;
  return (
    <>
      {latencyText(latency)}
      {!latency.latest && (
        <div className="muted">
          last change <RelativeTime at={latency.at} now={now} />
        </div>
      )}
    </>
  );
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

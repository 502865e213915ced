import { useState } from 'react';
import { enc } from '../api/client.js';
import type { Flag, Insights, InsightsInterval } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StackedBarChart, bandColor } from '../components/stacked-bar-chart.js';
import { stackInsights } from '../model/chart-scale.js';
import { variationName } from '../model/flag-summary.js';

interface Props {
  project: string;
  env: string;
  flagKey: string;
}

const RANGES = [
  { label: 'Last hour', ms: 3_600_000, interval: 'minute' },
  { label: 'Last 24 hours', ms: 86_400_000, interval: 'hour' },
  { label: 'Last 7 days', ms: 7 * 86_400_000, interval: 'day' },
  { label: 'Last 30 days', ms: 30 * 86_400_000, interval: 'day' },
] as const satisfies readonly { label: string; ms: number; interval: InsightsInterval }[];

/** Evaluation counts of a flag by variation over time, from the SDKs' analytics events. */
export function InsightsPage({ project, env, flagKey }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const [range, setRange] = useState(0);
  const [refreshedAt, setRefreshedAt] = useState(() => Date.now());
  const chosen = RANGES[range]!;
  const flag = useResource(`flag:${project}:${flagKey}`, (signal) =>
    api.get<Flag>(`/projects/${enc(project)}/flags/${enc(flagKey)}`, signal),
  );
  const to = refreshedAt;
  const insights = useResource(`insights:${project}:${env}:${flagKey}:${range}:${to}`, (signal) =>
    api.get<Insights>(
      `/projects/${enc(project)}/flags/${enc(flagKey)}/insights?env=${enc(env)}&interval=${chosen.interval}&from=${to - chosen.ms}&to=${to}`,
      signal,
    ),
  );
  const envName = environments.find((e) => e.key === env)?.name ?? env;
  const f = flag.data;
  const nameOf = (label: string) =>
    label === 'default'
      ? 'SDK default (error or missing flag)'
      : f === undefined
        ? label
        : variationName(f, Number(label));
  const formatX = (t: number) =>
    chosen.interval === 'day'
      ? new Date(t).toLocaleDateString()
      : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const data = insights.data === undefined ? undefined : stackInsights(insights.data);
  const total = Object.values(insights.data?.totals ?? {}).reduce((a, b) => a + b, 0);

  return (
    <section aria-labelledby="insights-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={routePath({ page: 'flags', project, env })}>Flags</Link>{' '}
        <span aria-hidden="true">/</span>{' '}
        <Link to={routePath({ page: 'flag', project, env, flag: flagKey })}>{flagKey}</Link>{' '}
        <span aria-hidden="true">/</span> <span>Insights</span>
      </nav>
      <div className="page-header">
        <h1 id="insights-title">Insights: {f?.name ?? flagKey}</h1>
        <p className="muted">
          Evaluations in <strong>{envName}</strong>, by variation, as SDKs report them.
        </p>
      </div>
      <div className="toolbar">
        <label className="field-inline">
          <span>Range</span>
          <select value={range} onChange={(e) => setRange(Number(e.target.value))}>
            {RANGES.map((r, i) => (
              <option key={r.label} value={i}>
                {r.label} (per {r.interval})
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button" onClick={() => setRefreshedAt(Date.now())}>
          Refresh
        </button>
      </div>
      {(flag.error ?? insights.error) !== undefined && (
        <ErrorNotice error={flag.error ?? insights.error} />
      )}
      {data === undefined ? (
        insights.error === undefined && <Loading what="insights" />
      ) : (
        <>
          <div className="card">
            {total === 0 ? (
              <p className="chart-empty">
                No evaluations reported in this range. SDKs send analytics events every few seconds
                to <code>/bulk</code> (server SDKs) or <code>/events/bulk/…</code> (browser SDKs).
              </p>
            ) : (
              <StackedBarChart
                data={data}
                nameOf={nameOf}
                label={`Evaluations of ${flagKey} in ${envName} by variation, ${chosen.label.toLowerCase()}`}
                formatX={formatX}
              />
            )}
          </div>
          <table className="table">
            <caption>Totals, {chosen.label.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">Variation</th>
                <th scope="col">Evaluations</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {data.bands.map((band, b) => {
                const count = insights.data?.totals[band.label] ?? 0;
                return (
                  <tr key={band.label}>
                    <td>
                      <span
                        className="swatch swatch-fill"
                        style={{ background: bandColor(band.label, b) }}
                        aria-hidden="true"
                      />{' '}
                      {nameOf(band.label)}
                    </td>
                    <td>{count.toLocaleString()}</td>
                    <td>{total === 0 ? '—' : `${((count / total) * 100).toFixed(1)}%`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

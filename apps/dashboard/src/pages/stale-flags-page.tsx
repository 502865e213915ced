import { useState } from 'react';
import { enc } from '../api/client.js';
import { useApi, useSession } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading, Notice } from '../components/notice.js';
import { RelativeTime, formatTime } from '../components/relative-time.js';
import {
  staleReasonText,
  staleSummary,
  type StaleFlag,
  type StaleFlagReport,
} from '../model/stale-flags.js';

interface Props {
  project: string;
  env: string;
}

const ALL = '';

/**
 * Flags that look done, from the evaluation counts the SDKs report: not evaluated for N days,
 * or serving one variation to every context for N days, most removable first, with the
 * evidence. The window and the environment are in the URL (?days=&environment=).
 */
export function StaleFlagsPage({ project, env }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const query = new URLSearchParams(location.search);
  const [days, setDays] = useState(query.get('days') ?? '30');
  const [environment, setEnvironment] = useState(query.get('environment') ?? ALL);
  const params = new URLSearchParams();
  if (days !== '') params.set('days', days);
  if (environment !== ALL) params.set('environment', environment);
  const search = params.toString();
  const report = useResource(`stale-flags:${project}:${search}`, (signal) =>
    api.get<StaleFlagReport>(
      `/projects/${enc(project)}/stale-flags${search === '' ? '' : `?${search}`}`,
      signal,
    ),
  );
  const choose = (nextDays: string, nextEnvironment: string) => {
    setDays(nextDays);
    setEnvironment(nextEnvironment);
    const next = new URLSearchParams();
    if (nextDays !== '30') next.set('days', nextDays);
    if (nextEnvironment !== ALL) next.set('environment', nextEnvironment);
    const text = next.toString();
    navigate(
      `${routePath({ page: 'stale-flags', project, env })}${text === '' ? '' : `?${text}`}`,
      {
        replace: true,
      },
    );
  };
  const envName = (key: string) => environments.find((e) => e.key === key)?.name ?? key;
  const data = report.data;

  return (
    <section aria-labelledby="stale-title">
      <div className="page-header">
        <h1 id="stale-title">Stale flags</h1>
        <p className="muted">
          Flags that look done, from the evaluation counts SDKs report: remove the most removable
          first.
        </p>
      </div>
      <div className="toolbar">
        <label className="field-inline">
          <span>Days</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={data?.retentionDays}
            value={days}
            className="input-days"
            onChange={(e) => choose(e.target.value, environment)}
          />
        </label>
        <label className="field-inline">
          <span>Environment</span>
          <select value={environment} onChange={(e) => choose(days, e.target.value)}>
            <option value={ALL}>Any environment</option>
            {environments.map((e) => (
              <option key={e.key} value={e.key}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.error !== undefined && <ErrorNotice error={report.error} />}
      {data === undefined ? (
        report.error === undefined && <Loading what="the stale flags" />
      ) : (
        <>
          <p>{staleSummary(data, envName)}</p>
          <p className="muted stale-window">
            Counted from{' '}
            <time dateTime={new Date(data.windowStart).toISOString()}>
              {formatTime(data.windowStart)}
            </time>{' '}
            (the window starts on the hour). Insights are kept {data.retentionDays} days, so no flag
            can be shown as unevaluated for longer.
          </p>
          {data.warnings.map((w) => (
            <Notice key={w} tone="warning">
              <p>{capitalized(w)}</p>
            </Notice>
          ))}
          {data.flags.length === 0 ? (
            <p className="empty">
              No stale flags: every flag older than the window was evaluated, with more than one
              variation served.
            </p>
          ) : (
            <div className="table-scroll">
              <table className="table stale-table">
                <caption className="visually-hidden">Stale flags, most removable first</caption>
                <thead>
                  <tr>
                    <th scope="col">Flag</th>
                    <th scope="col">Verdict</th>
                    <th scope="col">Last evaluated</th>
                    <th scope="col">Last changed</th>
                    <th scope="col">Created</th>
                    <th scope="col">Lifecycle</th>
                    <th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {data.flags.map((f) => (
                    <StaleRow key={f.key} flag={f} project={project} env={env} now={data.now} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function StaleRow({
  flag,
  project,
  env,
  now,
}: {
  flag: StaleFlag;
  project: string;
  env: string;
  now: number;
}) {
  return (
    <tr>
      <th scope="row">
        <Link to={routePath({ page: 'flag', project, env, flag: flag.key })}>{flag.name}</Link>
        <div>
          <code className="key">{flag.key}</code>
        </div>
      </th>
      <td>
        <span className={flag.readyToRemove ? 'badge badge-on' : 'badge badge-stale'}>
          {flag.readyToRemove ? 'Ready to remove' : 'Check first'}
        </span>
        <div>{staleReasonText(flag)}</div>
      </td>
      <td>
        {flag.lastEvaluatedAt === null ? (
          <span className="muted">Not in the insights kept</span>
        ) : (
          <RelativeTime at={flag.lastEvaluatedAt} now={now} />
        )}
      </td>
      <td>
        <RelativeTime at={flag.lastChange?.at ?? flag.updatedAt} now={now} />
        {flag.lastChange !== null && <div className="muted">by {flag.lastChange.actor}</div>}
      </td>
      <td>
        <RelativeTime at={flag.createdAt} now={now} />
      </td>
      <td>
        <span className="tag">{flag.temporary ? 'Temporary' : 'Permanent'}</span>
        {flag.archived && <span className="tag">Archived</span>}
      </td>
      <td>
        <ul className="evidence" aria-label={`Evidence for ${flag.key}`}>
          {flag.evidence.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import { useState } from 'react';
import { enc } from '../api/client.js';
import type { AuditEntry, AuditPage as Page, Flag } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { useKeepPushedOut } from '../app/live-audit.js';
import { useResource } from '../app/use-resource.js';
import { JsonText } from '../components/json-text.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { actionVerb, concernsEnvironment, diffRows } from '../model/audit-diff.js';
import { ScheduledMarkNote } from '../components/scheduled-mark.js';
import { describeAuditEntry } from '../model/change-description.js';

interface Props {
  project: string;
  env: string;
}

const PAGE = 50;

/**
 * The audit log as a timeline, newest first, with each change's before/after. Flag entries
 * are project-wide, so the environment filter keeps those that changed that environment.
 */
export function AuditPage({ project, env }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const query = new URLSearchParams(location.search);
  const [flag, setFlag] = useState(query.get('flag') ?? '');
  const [envFilter, setEnvFilter] = useState(query.get('env') ?? env);
  const [older, setOlder] = useState<{ items: AuditEntry[]; nextBefore?: number }>({ items: [] });
  const flags = useResource(`flags:${project}`, (signal) =>
    api
      .get<{ items: Flag[] }>(`/projects/${enc(project)}/flags?archived=all`, signal)
      .then((r) => r.items),
  );
  const url = (before?: number) =>
    `/audit?project=${enc(project)}&limit=${PAGE}${flag === '' ? '' : `&flag=${enc(flag)}`}${before === undefined ? '' : `&before=${before}`}`;
  const first = useResource(`audit:${project}:${flag}`, (signal) => api.get<Page>(url(), signal));
  useKeepPushedOut(first.data, setOlder);

  const setFilters = (nextFlag: string, nextEnv: string) => {
    setFlag(nextFlag);
    setEnvFilter(nextEnv);
    setOlder({ items: [] });
    const params = new URLSearchParams();
    if (nextFlag !== '') params.set('flag', nextFlag);
    if (nextEnv !== env) params.set('env', nextEnv);
    const search = params.toString();
    navigate(`${routePath({ page: 'audit', project, env })}${search === '' ? '' : `?${search}`}`, {
      replace: true,
    });
  };
  const loadOlder = async (before: number) => {
    const page = await api.get<Page>(url(before));
    setOlder((o) => ({
      items: [...o.items, ...page.items],
      ...(page.nextBefore === undefined ? {} : { nextBefore: page.nextBefore }),
    }));
  };

  const all = [...(first.data?.items ?? []), ...older.items];
  const shown = envFilter === '' ? all : all.filter((e) => concernsEnvironment(e, envFilter));
  const nextBefore = older.items.length > 0 ? older.nextBefore : first.data?.nextBefore;

  return (
    <section aria-labelledby="audit-title">
      <div className="page-header">
        <h1 id="audit-title">Audit log</h1>
        <p className="muted">Who changed what, when, with the before and after of each change.</p>
      </div>
      <div className="toolbar">
        <label className="field-inline">
          <span>Flag</span>
          <select value={flag} onChange={(e) => setFilters(e.target.value, envFilter)}>
            <option value="">All changes</option>
            {(flags.data ?? []).map((f) => (
              <option key={f.key} value={f.key}>
                {f.name} ({f.key})
              </option>
            ))}
            {flag !== '' && !(flags.data ?? []).some((f) => f.key === flag) && (
              <option value={flag}>{flag}</option>
            )}
          </select>
        </label>
        <label className="field-inline">
          <span>Environment</span>
          <select value={envFilter} onChange={(e) => setFilters(flag, e.target.value)}>
            <option value="">All environments</option>
            {environments.map((e) => (
              <option key={e.key} value={e.key}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {first.error !== undefined && <ErrorNotice error={first.error} />}
      {first.data === undefined ? (
        first.error === undefined && <Loading what="the audit log" />
      ) : (
        <>
          <ol className="timeline" aria-label="Changes, newest first">
            {shown.map((entry) => (
              <AuditItem
                key={entry.id}
                entry={entry}
                project={project}
                env={env}
                envName={(key) => environments.find((e) => e.key === key)?.name ?? key}
              />
            ))}
          </ol>
          {shown.length === 0 && <p className="empty">No changes match these filters.</p>}
          {nextBefore !== undefined && (
            <button type="button" className="button" onClick={() => void loadOlder(nextBefore)}>
              Load older changes
            </button>
          )}
        </>
      )}
    </section>
  );
}

interface AuditItemProps {
  entry: AuditEntry;
  project: string;
  env: string;
  envName(key: string): string;
}

function AuditItem({ entry, project, env, envName }: AuditItemProps) {
  const rows = diffRows(entry);
  const sentences = describeAuditEntry(entry, envName);
  const resource =
    entry.resourceKind === 'flag' && entry.after !== null ? (
      <Link to={routePath({ page: 'flag', project, env, flag: entry.resourceKey })}>
        {entry.resourceKey}
      </Link>
    ) : (
      <code>{entry.resourceKey}</code>
    );
  return (
    <li className="timeline-item">
      <div className="timeline-head">
        <RelativeTime at={entry.at} />
        <span>
          <strong>{entry.actor}</strong> {actionVerb(entry.action)} {entry.resourceKind} {resource}
          {entry.environmentKey !== undefined && entry.resourceKind !== 'environment' && (
            <>
              {' '}
              in <span className="tag">{entry.environmentKey}</span>
            </>
          )}
        </span>
      </div>
      <ScheduledMarkNote entry={entry} />
      {entry.comment !== undefined && (
        <blockquote className="audit-comment">
          <span className="visually-hidden">Comment: </span>
          {entry.comment}
        </blockquote>
      )}
      {sentences.length > 0 && (
        <ul className="change-list" aria-label="What changed">
          {sentences.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <details className="audit-diff">
          <summary>
            Before and after: {rows.length} field{rows.length === 1 ? '' : 's'}
          </summary>
          <div className="table-scroll">
            <table className="table diff-table">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => (
                  <tr key={i}>
                    <td>
                      <code>{row.path}</code>
                    </td>
                    <td className="diff-before">
                      <JsonText value={row.before} />
                    </td>
                    <td className="diff-after">
                      <JsonText value={row.after} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </li>
  );
}

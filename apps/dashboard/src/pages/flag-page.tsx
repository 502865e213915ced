import { enc } from '../api/client.js';
import type { Flag, Segment } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { CopyButton } from '../components/copy-button.js';
import { JsonText } from '../components/json-text.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { TargetingEditor } from '../targeting/targeting-editor.js';
import { FlagLifecycle } from './flag-lifecycle.js';
import { FlagEnvironments } from './flag-environments.js';
import { FlagSchedules } from './flag-schedules.js';

interface Props {
  project: string;
  env: string;
  flagKey: string;
}

/** A flag: its definition and variations, and its targeting in the current environment. */
export function FlagPage({ project, env, flagKey }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const path = `/projects/${enc(project)}/flags/${enc(flagKey)}`;
  const flag = useResource(`flag:${project}:${flagKey}`, (signal) => api.get<Flag>(path, signal));
  const flags = useResource(`flags:${project}`, (signal) =>
    api
      .get<{ items: Flag[] }>(`/projects/${enc(project)}/flags?archived=all`, signal)
      .then((r) => r.items),
  );
  const segments = useResource(`segments:${project}:${env}`, (signal) =>
    api
      .get<{ items: Segment[] }>(
        `/projects/${enc(project)}/environments/${enc(env)}/segments`,
        signal,
      )
      .then((r) => r.items.map((s) => s.key)),
  );
  const envName = environments.find((e) => e.key === env)?.name ?? env;

  if (flag.error !== undefined) return <ErrorNotice error={flag.error} />;
  if (flag.data === undefined || flags.data === undefined || segments.data === undefined)
    return <Loading what="the flag" />;
  const f = flag.data;
  const targeting = f.environments[env];
  return (
    <article aria-labelledby="flag-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={routePath({ page: 'flags', project, env })}>Flags</Link>{' '}
        <span aria-hidden="true">/</span> <span>{f.key}</span>
      </nav>
      <div className="page-header">
        <h1 id="flag-title">{f.name}</h1>
        <code className="key">{f.key}</code>
        <CopyButton text={f.key} label="Copy flag key" />
        {f.temporary && <span className="tag">temporary</span>}
        {f.archived && <span className="badge badge-off">Archived</span>}
      </div>
      {f.description !== '' && <p>{f.description}</p>}
      <p className="muted">
        {f.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}{' '}
        Version {f.version}, changed <RelativeTime at={f.updatedAt} />.{' '}
        <Link to={routePath({ page: 'insights', project, env, flag: f.key })}>Insights</Link> ·{' '}
        <Link to={`${routePath({ page: 'audit', project, env })}?flag=${enc(f.key)}`}>History</Link>
      </p>
      <section aria-labelledby="variations-title" className="card">
        <h2 id="variations-title">Variations</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {f.variations.map((v, i) => (
              <tr key={i}>
                <td>{i}</td>
                <td>{v.name ?? <span className="muted">—</span>}</td>
                <td>
                  <JsonText value={v.value} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <FlagEnvironments project={project} env={env} flag={f} />
      {targeting === undefined ? (
        <p>This flag is not served in {envName}.</p>
      ) : (
        <TargetingEditor
          // New variation indices (a reorder in Settings) start the editor again.
          key={`${env}:${f.key}:${JSON.stringify(f.variations.map((v) => v.value))}`}
          flag={f}
          env={env}
          envName={envName}
          project={project}
          flags={flags.data}
          segmentKeys={segments.data}
          onSaved={(saved) => flag.set(saved)}
        />
      )}
      <FlagSchedules project={project} flag={f} flags={flags.data} />
      <FlagLifecycle project={project} env={env} flag={f} onChanged={(saved) => flag.set(saved)} />
    </article>
  );
}

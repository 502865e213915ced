import { useState } from 'react';
import { enc } from '../api/client.js';
import type { Flag } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { FlagToggle } from './flag-toggle.js';
import { allTags, describeTargeting, filterFlags, type FlagFilter } from '../model/flag-summary.js';
import { CreateFlagDialog } from './create-flag-dialog.js';
import { ClientSideHint } from '../components/client-side-hint.js';

interface Props {
  project: string;
  env: string;
}

/** The project's flags with their state in one environment: search, tag and state filters. */
export function FlagsPage({ project, env }: Props) {
  const api = useApi();
  const { environments } = useSession();
  // Archived flags are listed on their own: open one to restore or delete it.
  const [archived, setArchived] = useState(false);
  const flags = useResource(`flags:${project}${archived ? ':archived' : ''}`, (signal) =>
    api
      .get<{ items: Flag[] }>(
        `/projects/${enc(project)}/flags${archived ? '?archived=true' : ''}`,
        signal,
      )
      .then((r) => r.items),
  );
  const [filter, setFilter] = useState<FlagFilter>({ text: '', tag: '', state: 'all' });
  const [creating, setCreating] = useState(false);
  const envName = environments.find((e) => e.key === env)?.name ?? env;
  const shown = filterFlags(flags.data ?? [], env, filter);

  return (
    <section aria-labelledby="flags-title">
      <div className="page-header">
        <h1 id="flags-title">Flags</h1>
        <p className="muted">
          in <strong>{envName}</strong>
        </p>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          Create flag
        </button>
      </div>
      <div className="toolbar" role="search">
        <label className="field-inline">
          <span>Search</span>
          <input
            type="search"
            placeholder="Key, name or description"
            value={filter.text}
            onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          />
        </label>
        <label className="field-inline">
          <span>Tag</span>
          <select
            value={filter.tag}
            onChange={(e) => setFilter({ ...filter, tag: e.target.value })}
          >
            <option value="">All tags</option>
            {allTags(flags.data ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span>State</span>
          <select
            value={filter.state}
            onChange={(e) => setFilter({ ...filter, state: e.target.value as FlagFilter['state'] })}
          >
            <option value="all">On and off</option>
            <option value="on">On</option>
            <option value="off">Off</option>
          </select>
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={archived}
            onChange={(e) => setArchived(e.target.checked)}
          />
          Archived flags
        </label>
      </div>
      {flags.error !== undefined && <ErrorNotice error={flags.error} />}
      {flags.data === undefined ? (
        flags.error === undefined && <Loading what="flags" />
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">
              {shown.length} of {flags.data.length} flags in {envName}
            </caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Tags</th>
                <th scope="col">State</th>
                <th scope="col">Serves</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => (
                <tr key={f.key}>
                  <td>
                    <Link
                      to={routePath({ page: 'flag', project, env, flag: f.key })}
                      className="strong"
                    >
                      {f.name}
                    </Link>
                    <div>
                      <code className="key">{f.key}</code>
                    </div>
                    <ClientSideHint targeting={f.environments[env]} />
                  </td>
                  <td>
                    {f.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td>
                    <FlagToggle
                      project={project}
                      env={env}
                      envName={envName}
                      flag={f}
                      onChanged={(saved) =>
                        flags.set((flags.data ?? []).map((x) => (x.key === saved.key ? saved : x)))
                      }
                    />
                  </td>
                  <td className="muted">{describeTargeting(f, f.environments[env])}</td>
                  <td>
                    <RelativeTime at={f.updatedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && (
            <p className="empty">
              {flags.data.length === 0
                ? 'No flags yet: create the first one.'
                : 'No flag matches these filters.'}
            </p>
          )}
        </div>
      )}
      <CreateFlagDialog
        open={creating}
        project={project}
        onClose={() => setCreating(false)}
        onCreated={(flag) => {
          setCreating(false);
          flags.reload();
          navigate(routePath({ page: 'flag', project, env, flag: flag.key }));
        }}
      />
    </section>
  );
}

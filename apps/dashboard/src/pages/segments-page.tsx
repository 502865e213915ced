import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Segment } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { useResource } from '../app/use-resource.js';
import { Link } from '../components/link.js';
import { ErrorNotice, FieldError, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { KEY_PATTERN, keyFromName } from '../model/variation-input.js';

interface Props {
  project: string;
  env: string;
}

/** An environment's segments, and a form to create one. */
export function SegmentsPage({ project, env }: Props) {
  const api = useApi();
  const { environments } = useSession();
  const base = `/projects/${enc(project)}/environments/${enc(env)}/segments`;
  const segments = useResource(`segments-full:${project}:${env}`, (signal) =>
    api.get<{ items: Segment[] }>(base, signal).then((r) => r.items),
  );
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const envName = environments.find((e) => e.key === env)?.name ?? env;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const key = keyFromName(name);
    if (!KEY_PATTERN.test(key)) {
      setError('Give the segment a name with at least one letter or digit.');
      return;
    }
    try {
      await api.post<Segment>(base, { key, name: name.trim() });
      navigate(routePath({ page: 'segment', project, env, segment: key }));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <section aria-labelledby="segments-title">
      <div className="page-header">
        <h1 id="segments-title">Segments</h1>
        <p className="muted">
          in <strong>{envName}</strong>: groups of contexts that rules can target with “is in
          segment”.
        </p>
      </div>
      <form className="toolbar" onSubmit={(e) => void create(e)}>
        <label className="field-inline">
          <span>New segment</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Beta testers"
          />
        </label>
        <button type="submit" className="button button-primary" disabled={name.trim() === ''}>
          Create segment
        </button>
        <FieldError error={error} />
      </form>
      {segments.error !== undefined && <ErrorNotice error={segments.error} />}
      {segments.data === undefined ? (
        segments.error === undefined && <Loading what="segments" />
      ) : segments.data.length === 0 ? (
        <p className="empty">No segments in {envName} yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col">Included</th>
                <th scope="col">Excluded</th>
                <th scope="col">Rules</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {segments.data.map((s) => (
                <tr key={s.key}>
                  <td>
                    <Link
                      to={routePath({ page: 'segment', project, env, segment: s.key })}
                      className="strong"
                    >
                      {s.name}
                    </Link>
                    <div>
                      <code className="key">{s.key}</code>
                    </div>
                  </td>
                  <td>
                    {s.included.length +
                      s.includedContexts.reduce((a, c) => a + c.values.length, 0)}
                  </td>
                  <td>
                    {s.excluded.length +
                      s.excludedContexts.reduce((a, c) => a + c.values.length, 0)}
                  </td>
                  <td>{s.rules.length}</td>
                  <td>{s.updatedAt === undefined ? '—' : <RelativeTime at={s.updatedAt} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

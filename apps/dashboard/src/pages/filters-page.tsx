import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { PayloadFilter } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { useResource } from '../app/use-resource.js';
import { ErrorNotice, FieldError, Loading } from '../components/notice.js';
import { RelativeTime } from '../components/relative-time.js';
import { KEY_PATTERN, keyFromName, parseTags } from '../model/variation-input.js';

interface Definition {
  name: string;
  flags: string;
  tags: string;
}

const EMPTY: Definition = { name: '', flags: '', tags: '' };
const listText = (values: readonly string[]) => values.join(', ');
const body = (d: Definition) => ({
  name: d.name.trim(),
  flagKeys: parseTags(d.flags),
  tags: parseTags(d.tags),
});

/** The name, flag keys and tags of a filter, as the create and edit forms take them. */
function DefinitionFields({
  value,
  onChange,
}: {
  value: Definition;
  onChange(value: Definition): void;
}) {
  return (
    <>
      <label className="field-inline">
        <span>Name</span>
        <input
          value={value.name}
          onChange={(e) => onChange({ ...value, name: e.target.value })}
          placeholder="Checkout service"
        />
      </label>
      <label className="field-inline">
        <span>Flags by key</span>
        <input
          value={value.flags}
          onChange={(e) => onChange({ ...value, flags: e.target.value })}
          placeholder="new-checkout, banner-text"
        />
      </label>
      <label className="field-inline">
        <span>Flags by tag</span>
        <input
          value={value.tags}
          onChange={(e) => onChange({ ...value, tags: e.target.value })}
          placeholder="checkout"
        />
      </label>
    </>
  );
}

/**
 * A project's payload filters: the subsets of its flags that SDKs configured with
 * `payloadFilterKey` are served. Created, edited and deleted here; each row shows what it
 * serves now.
 */
export function FiltersPage({ project }: { project: string }) {
  const api = useApi();
  const base = `/projects/${enc(project)}/filters`;
  const filters = useResource(`filters:${project}`, (signal) =>
    api.get<{ items: PayloadFilter[] }>(base, signal).then((r) => r.items),
  );
  const [draft, setDraft] = useState<Definition>(EMPTY);
  const [editing, setEditing] = useState<{ key: string; value: Definition } | undefined>();
  const [error, setError] = useState<string | undefined>();

  const run = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      filters.reload();
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    }
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const key = keyFromName(draft.name);
    if (!KEY_PATTERN.test(key)) {
      setError('Give the filter a name with at least one letter or digit.');
      return;
    }
    if (await run(() => api.post(base, { key, ...body(draft) }))) setDraft(EMPTY);
  };
  const save = async (filter: PayloadFilter, value: Definition) => {
    const path = `${base}/${enc(filter.key)}`;
    if (await run(() => api.put(path, body(value), filter.version))) setEditing(undefined);
  };
  const remove = (filter: PayloadFilter) =>
    void run(() => api.delete(`${base}/${enc(filter.key)}`, filter.version));

  return (
    <section aria-labelledby="filters-title">
      <div className="page-header">
        <h1 id="filters-title">Payload filters</h1>
        <p className="muted">
          of this project: an SDK started with <code>payloadFilterKey</code> set to a filter’s key
          is served only that filter’s flags (and every segment).
        </p>
      </div>
      <form className="toolbar" onSubmit={(e) => void create(e)} aria-label="New payload filter">
        <DefinitionFields value={draft} onChange={setDraft} />
        <button type="submit" className="button button-primary" disabled={draft.name.trim() === ''}>
          Create filter
        </button>
      </form>
      <FieldError error={error} />
      {filters.error !== undefined && <ErrorNotice error={filters.error} />}
      {filters.data === undefined ? (
        filters.error === undefined && <Loading what="payload filters" />
      ) : filters.data.length === 0 ? (
        <p className="empty">No payload filters yet: every SDK is served every flag.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Filter</th>
                <th scope="col">By key</th>
                <th scope="col">By tag</th>
                <th scope="col">Serves now</th>
                <th scope="col">Last change</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {filters.data.map((f) =>
                editing?.key === f.key ? (
                  <tr key={f.key}>
                    <td colSpan={6}>
                      <form
                        className="toolbar"
                        aria-label={`Edit ${f.key}`}
                        onSubmit={(e) => {
                          e.preventDefault();
                          void save(f, editing.value);
                        }}
                      >
                        <code className="key">{f.key}</code>
                        <DefinitionFields
                          value={editing.value}
                          onChange={(value) => setEditing({ key: f.key, value })}
                        />
                        <button type="submit" className="button button-primary">
                          Save
                        </button>
                        <button
                          type="button"
                          className="button"
                          onClick={() => setEditing(undefined)}
                        >
                          Cancel
                        </button>
                      </form>
                    </td>
                  </tr>
                ) : (
                  <tr key={f.key}>
                    <td>
                      <span className="strong">{f.name}</span>
                      <div>
                        <code className="key">{f.key}</code>
                      </div>
                    </td>
                    <td>{listText(f.flagKeys) || '—'}</td>
                    <td>{listText(f.tags) || '—'}</td>
                    <td data-testid={`serves-${f.key}`}>{listText(f.flags) || 'no flags'}</td>
                    <td>
                      <RelativeTime at={f.updatedAt} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() =>
                          setEditing({
                            key: f.key,
                            value: {
                              name: f.name,
                              flags: listText(f.flagKeys),
                              tags: listText(f.tags),
                            },
                          })
                        }
                      >
                        Edit
                      </button>{' '}
                      <button
                        type="button"
                        className="button button-small button-danger"
                        aria-label={`Delete filter ${f.key}`}
                        onClick={() => remove(f)}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

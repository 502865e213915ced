import { useState } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Flag } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { navigate } from '../app/navigation.js';
import { routePath } from '../app/routes.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';
import { FlagSettingsDialog } from './flag-settings-dialog.js';

interface Props {
  project: string;
  env: string;
  flag: Flag;
  /** The flag as a write returned it. */
  onChanged(flag: Flag): void;
}

type Open = 'settings' | 'archive' | 'delete' | undefined;

/**
 * The flag page's "Settings" section: edit the name, description, tags and variations; archive
 * (SDKs stop getting the flag, everything is kept) or restore it; delete it for good. Archiving
 * and deleting are confirmed first; deleting asks for the flag's key to be typed.
 */
export function FlagLifecycle({ project, env, flag, onChanged }: Props) {
  const api = useApi();
  const [open, setOpen] = useState<Open>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const settingsPath = `/projects/${enc(project)}/flags/${enc(flag.key)}/settings`;

  const close = () => {
    setOpen(undefined);
    setError(undefined);
  };
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const setArchived = (archived: boolean) =>
    run(async () => {
      onChanged(await api.patchJson<Flag>(settingsPath, { archived }, flag.version));
      close();
    });
  const remove = () =>
    run(async () => {
      await api.delete(`/projects/${enc(project)}/flags/${enc(flag.key)}`, flag.version);
      navigate(routePath({ page: 'flags', project, env }));
    });

  return (
    <section aria-labelledby="flag-settings-title" className="card">
      <h2 id="flag-settings-title">Settings</h2>
      {flag.archived ? (
        <p>
          This flag is archived: SDKs do not get it in any environment and serve their fallback
          value. Its settings and targeting are kept; restore it to serve it again.
        </p>
      ) : (
        <p className="muted">
          Name, description, tags and variations. Archive a flag that is no longer used: SDKs stop
          getting it, and it can be restored.
        </p>
      )}
      <div className="button-group">
        <button type="button" className="button" onClick={() => setOpen('settings')}>
          Edit settings…
        </button>
        {flag.archived ? (
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => void setArchived(false)}
          >
            Restore flag
          </button>
        ) : (
          <button type="button" className="button" onClick={() => setOpen('archive')}>
            Archive flag…
          </button>
        )}
        <button type="button" className="button button-danger" onClick={() => setOpen('delete')}>
          Delete flag…
        </button>
      </div>
      {open === undefined && <FieldError error={error} preLine />}
      {open === 'settings' && (
        <FlagSettingsDialog
          project={project}
          flag={flag}
          onClose={close}
          onSaved={(saved) => {
            onChanged(saved);
            close();
          }}
        />
      )}
      {open === 'archive' && (
        <ConfirmDialog
          title={`Archive ${flag.name}?`}
          onClose={close}
          confirm="Archive flag"
          tone="danger"
          disabled={busy}
          onConfirm={() => void setArchived(true)}
        >
          <p>
            SDKs stop getting <code className="key">{flag.key}</code> in every environment at once
            and serve the fallback value their code gives. Its settings and targeting are kept, and
            it can be restored.
          </p>
          <FieldError error={error} preLine />
        </ConfirmDialog>
      )}
      {open === 'delete' && (
        <DeleteDialog flag={flag} busy={busy} error={error} onClose={close} onDelete={remove} />
      )}
    </section>
  );
}

function DeleteDialog({
  flag,
  busy,
  error,
  onClose,
  onDelete,
}: {
  flag: Flag;
  busy: boolean;
  error: string | undefined;
  onClose(): void;
  onDelete(): Promise<void>;
}) {
  const [typed, setTyped] = useState('');
  return (
    <ConfirmDialog
      title={`Delete ${flag.name}?`}
      onClose={onClose}
      confirm="Delete flag"
      tone="danger"
      disabled={busy || typed !== flag.key}
      onConfirm={() => void onDelete()}
    >
      <p>
        The flag, its targeting in every environment and its settings are deleted; SDKs serve the
        fallback value. This cannot be undone: to keep them, archive the flag instead.
      </p>
      <label>
        Type <code className="key">{flag.key}</code> to confirm
        <input value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} />
      </label>
      <FieldError error={error} preLine />
    </ConfirmDialog>
  );
}

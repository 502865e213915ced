import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { ApiToken, TokenRole } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { useResource } from '../app/use-resource.js';
import { CopyButton } from '../components/copy-button.js';
import { ConfirmDialog } from '../components/dialog.js';
import { ErrorNotice, FieldError, Loading, Notice } from '../components/notice.js';
import { formatTime, RelativeTime } from '../components/relative-time.js';

const ROLES: readonly { role: TokenRole; label: string; does: string }[] = [
  { role: 'reader', label: 'Reader', does: 'reads everything; SDK keys are masked' },
  { role: 'writer', label: 'Writer', does: 'also changes flags, segments and their data' },
  {
    role: 'admin',
    label: 'Admin',
    does: 'also manages projects, environments, keys and API tokens',
  },
  { role: 'edge', label: 'Edge', does: 'for edge servers: the delivery API only' },
];

/**
 * The API tokens: create one with a role (its secret is shown once), see each one's role,
 * creation and last use, and revoke one (confirmed first). Needs an admin token.
 */
export function TokensPage() {
  const api = useApi();
  const tokens = useResource('tokens', (signal) =>
    api.get<{ items: ApiToken[] }>('/tokens', signal).then((r) => r.items),
  );
  const [created, setCreated] = useState<ApiToken | undefined>();
  const [revoking, setRevoking] = useState<ApiToken | undefined>();
  const [showRevoked, setShowRevoked] = useState(false);

  if (tokens.error !== undefined) return <ErrorNotice error={tokens.error} />;
  if (tokens.data === undefined) return <Loading what="API tokens" />;
  const revokedCount = tokens.data.filter((t) => t.revokedAt !== undefined).length;
  const shown = tokens.data.filter((t) => showRevoked || t.revokedAt === undefined);
  const now = Date.now();
  return (
    <section aria-labelledby="tokens-title">
      <div className="page-header">
        <h1 id="tokens-title">API tokens</h1>
        <p className="muted">
          For the REST API, the <code>vexil</code> CLI, CI jobs and edge servers. Send one as{' '}
          <code>Authorization: Bearer &lt;token&gt;</code>.
        </p>
      </div>
      <CreateToken
        onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }}
      />
      {created?.token !== undefined && (
        <Notice tone="success">
          <p>
            Created <strong>{created.name}</strong> ({created.role}). Copy its secret now: it is not
            shown again.
          </p>
          <p className="secret">
            <code className="key" aria-label={`Secret of ${created.name}`}>
              {created.token}
            </code>{' '}
            <CopyButton text={created.token} label={`Copy the secret of ${created.name}`} />{' '}
            <button
              type="button"
              className="button button-small"
              onClick={() => setCreated(undefined)}
            >
              Done
            </button>
          </p>
        </Notice>
      )}
      <div className="toolbar">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={showRevoked}
            onChange={(e) => setShowRevoked(e.target.checked)}
          />
          Show revoked tokens ({revokedCount})
        </label>
      </div>
      <div className="table-scroll">
        <table className="table" aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr key={t.id}>
                <th scope="row">
                  {t.name}
                  <br />
                  <code className="key muted">{t.id}</code>
                </th>
                <td>{t.role}</td>
                <td title={formatTime(t.createdAt)}>
                  <RelativeTime at={t.createdAt} now={now} />
                </td>
                <td>
                  {t.lastUsedAt === undefined ? (
                    <span className="muted">Never</span>
                  ) : (
                    <RelativeTime at={t.lastUsedAt} now={Math.max(now, t.lastUsedAt)} />
                  )}
                </td>
                <td>
                  {t.revokedAt === undefined ? (
                    <span className="badge badge-on">Active</span>
                  ) : (
                    <span className="badge badge-off">
                      Revoked <RelativeTime at={t.revokedAt} now={Math.max(now, t.revokedAt)} />
                    </span>
                  )}
                </td>
                <td>
                  {t.revokedAt === undefined && (
                    <button
                      type="button"
                      className="button button-small button-danger"
                      aria-label={`Revoke ${t.name}`}
                      onClick={() => setRevoking(t)}
                    >
                      Revoke…
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No tokens.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {revoking !== undefined && (
        <RevokeDialog
          token={revoking}
          onClose={() => setRevoking(undefined)}
          onRevoked={() => {
            setRevoking(undefined);
            tokens.reload();
          }}
        />
      )}
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated(token: ApiToken): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('reader');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const token = await api.post<ApiToken>('/tokens', { name: name.trim(), role });
      setName('');
      setError(undefined);
      onCreated(token);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const chosen = ROLES.find((r) => r.role === role);
  return (
    <form className="card form" aria-label="New API token" onSubmit={(e) => void submit(e)}>
      <h2>New API token</h2>
      <div className="row">
        <label className="grow">
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="ci-deploy"
            maxLength={256}
            required
          />
        </label>
        <label>
          Role
          <select
            value={role}
            onChange={(e) => setRole(e.target.value as TokenRole)}
            aria-describedby="token-role-hint"
          >
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p id="token-role-hint" className="hint">
        {chosen === undefined ? '' : `${chosen.label}: ${chosen.does}.`}
      </p>
      <div>
        <button
          type="submit"
          className="button button-primary"
          disabled={busy || name.trim() === ''}
        >
          Create token
        </button>
      </div>
      <FieldError error={error} />
    </form>
  );
}

function RevokeDialog({
  token,
  onClose,
  onRevoked,
}: {
  token: ApiToken;
  onClose(): void;
  onRevoked(): void;
}) {
  const api = useApi();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    try {
      await api.delete(`/tokens/${enc(token.id)}`);
      onRevoked();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Revoke ${token.name}?`}
      onClose={onClose}
      confirm="Revoke token"
      tone="danger"
      disabled={busy}
      onConfirm={() => void revoke()}
    >
      <p>
        Every request with this {token.role} token is refused (401) from now on
        {token.role === 'edge' ? ', and edge servers using it lose their connection' : ''}. This
        cannot be undone: create a new token to give access again.
      </p>
      <p className="muted">
        Last used: {token.lastUsedAt === undefined ? 'never' : formatTime(token.lastUsedAt)}.
      </p>
      <FieldError error={error} />
    </ConfirmDialog>
  );
}

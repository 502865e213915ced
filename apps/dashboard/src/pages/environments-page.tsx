import { useState, type FormEvent } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Environment, Flag } from '../api/types.js';
import { useApi, useSession } from '../app/api-context.js';
import { useResource } from '../app/use-resource.js';
import { CopyButton } from '../components/copy-button.js';
import { ErrorNotice, FieldError, Loading } from '../components/notice.js';
import { formatTime } from '../components/relative-time.js';
import { SecretValue } from '../components/secret-value.js';
import { Tabs } from '../components/tabs.js';
import { flagValueType, snippets } from '../model/snippets.js';
import { KEY_PATTERN, keyFromName } from '../model/variation-input.js';
import { RotateKeyDialog, type KeyKind } from './rotate-key-dialog.js';
import { RequireApprovalSetting, SecureModeSetting } from './environment-settings.js';

interface Props {
  project: string;
  env: string;
}

/** The project's environments with their keys, rotation, and SDK snippets for each. */
export function EnvironmentsPage({ project, env }: Props) {
  const api = useApi();
  const { refreshScope } = useSession();
  const base = `/projects/${enc(project)}/environments`;
  const envs = useResource(`envs-page:${project}`, (signal) =>
    api.get<{ items: Environment[] }>(base, signal).then((r) => r.items),
  );
  const flags = useResource(`flags:${project}`, (signal) =>
    api.get<{ items: Flag[] }>(`/projects/${enc(project)}/flags`, signal).then((r) => r.items),
  );
  const [rotating, setRotating] = useState<{ env: Environment; kind: KeyKind } | undefined>();
  const changed = () => {
    envs.reload();
    refreshScope();
  };
  if (envs.error !== undefined) return <ErrorNotice error={envs.error} />;
  if (envs.data === undefined) return <Loading what="environments" />;
  const example = flags.data?.[0];
  return (
    <section aria-labelledby="envs-title">
      <div className="page-header">
        <h1 id="envs-title">Environments</h1>
        <p className="muted">Each environment has its own targeting and its own keys.</p>
      </div>
      {envs.data.map((e) => (
        <article
          key={e.key}
          className={e.key === env ? 'card env env-current' : 'card env'}
          aria-labelledby={`env-${e.key}`}
        >
          <h2 id={`env-${e.key}`}>
            {e.name} <code className="key">{e.key}</code>
          </h2>
          <dl className="keys">
            <dt>SDK key (server-side, secret)</dt>
            <dd>
              <SecretValue value={e.sdkKey} label={`${e.name} SDK key`} />
              <button
                type="button"
                className="button button-small"
                onClick={() => setRotating({ env: e, kind: 'sdk' })}
              >
                Rotate…
              </button>
              {e.expiringSdkKey !== undefined && (
                <p className="hint">
                  The previous SDK key works until {formatTime(e.expiringSdkKey.expiresAt)}.
                </p>
              )}
            </dd>
            <dt>Mobile key (secret)</dt>
            <dd>
              <SecretValue value={e.mobileKey} label={`${e.name} mobile key`} />
              <button
                type="button"
                className="button button-small"
                onClick={() => setRotating({ env: e, kind: 'mobile' })}
              >
                Rotate…
              </button>
              {e.expiringMobileKey !== undefined && (
                <p className="hint">
                  The previous mobile key works until {formatTime(e.expiringMobileKey.expiresAt)}.
                </p>
              )}
            </dd>
            <dt>Client-side ID (public)</dt>
            <dd>
              <code className="key">{e.clientSideId}</code>{' '}
              <CopyButton text={e.clientSideId} label={`Copy ${e.name} client-side ID`} />
            </dd>
            <dt>Secure mode (browser SDKs)</dt>
            <dd>
              <SecureModeSetting path={`${base}/${enc(e.key)}`} env={e} onChanged={changed} />
            </dd>
            <dt>Approvals</dt>
            <dd>
              <RequireApprovalSetting path={`${base}/${enc(e.key)}`} env={e} onChanged={changed} />
            </dd>
          </dl>
          <details>
            <summary>Connect an SDK to {e.name}</summary>
            <Tabs
              label={`SDK snippets for ${e.name}`}
              tabs={snippets({
                baseUrl: location.origin,
                sdkKey: e.sdkKey,
                clientSideId: e.clientSideId,
                secureMode: e.secureMode,
                ...(example === undefined
                  ? {}
                  : { flagKey: example.key, flagType: flagValueType(example.variations) }),
              }).map((s) => ({
                id: s.kind,
                label: s.title,
                content: (
                  <>
                    <p>
                      <code>{s.install}</code>
                    </p>
                    <pre className="code">
                      <code>{s.code}</code>
                    </pre>
                    <CopyButton text={s.code} label={`Copy the ${s.title} snippet`} />
                  </>
                ),
              }))}
            />
          </details>
        </article>
      ))}
      <CreateEnvironment base={base} onCreated={changed} />
      {rotating !== undefined && (
        <RotateKeyDialog
          path={`${base}/${enc(rotating.env.key)}/keys/${rotating.kind}/rotate`}
          envName={rotating.env.name}
          kind={rotating.kind}
          onClose={() => setRotating(undefined)}
          onRotated={() => {
            setRotating(undefined);
            changed();
          }}
        />
      )}
    </section>
  );
}

function CreateEnvironment({ base, onCreated }: { base: string; onCreated(): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const key = keyFromName(name);
    if (!KEY_PATTERN.test(key)) {
      setError('Name the environment with at least one letter or digit.');
      return;
    }
    try {
      await api.post(base, { key, name: name.trim() });
      setName('');
      setError(undefined);
      onCreated();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <form className="toolbar" onSubmit={(e) => void submit(e)}>
      <label className="field-inline">
        <span>New environment</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Staging" />
      </label>
      <button type="submit" className="button" disabled={name.trim() === ''}>
        Create environment
      </button>
      <FieldError error={error} />
    </form>
  );
}

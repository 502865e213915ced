import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client.js';
import type { Environment } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';

interface Props {
  /** The environment's API path, which a JSON Patch of the setting changes. */
  path: string;
  env: Environment;
  onChanged(): void;
}

interface ToggleProps {
  path: string;
  /** The environment field a JSON Patch replaces, e.g. `/secureMode`. */
  field: string;
  on: boolean;
  label: string;
  /** What it means, on and off. */
  hint: { on: string; off: string };
  /** Turning it on is confirmed first in this dialog. */
  confirmOn?: { title: string; button: string; text: ReactNode };
  onChanged(): void;
}

/** An environment's on/off setting: a checkbox, what it means, and the API's error if refused. */
function EnvironmentToggle({ path, field, on, label, hint, confirmOn, onChanged }: ToggleProps) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const set = async (value: boolean) => {
    setBusy(true);
    try {
      await api.patch(path, [{ op: 'replace', path: field, value }]);
      setConfirming(false);
      setError(undefined);
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={on}
          disabled={busy}
          onChange={(e) =>
            e.target.checked && confirmOn !== undefined
              ? setConfirming(true)
              : void set(e.target.checked)
          }
        />
        {label}
      </label>
      <p className="hint">{on ? hint.on : hint.off}</p>
      <FieldError error={error} />
      {confirming && confirmOn !== undefined && (
        <ConfirmDialog
          title={confirmOn.title}
          onClose={() => setConfirming(false)}
          confirm={confirmOn.button}
          tone="danger"
          disabled={busy}
          onConfirm={() => void set(true)}
        >
          <p>{confirmOn.text}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/**
 * An environment's secure mode. Turning it on is asked twice: browser pages that do not send the
 * hash stop getting flags at once (their open streams are closed), so it must not be a misclick.
 */
export function SecureModeSetting({ path, env, onChanged }: Props) {
  return (
    <EnvironmentToggle
      path={path}
      field="/secureMode"
      on={env.secureMode}
      label={`Secure mode for ${env.name}`}
      hint={{
        on: "On: browser SDKs must send the hash of their context (the JavaScript SDK's hash option), which your server computes with its server SDK's secureModeHash(context).",
        off: 'Off: a browser may ask for the flags of any context.',
      }}
      confirmOn={{
        title: `Turn on secure mode in ${env.name}`,
        button: 'Turn on secure mode',
        text: "Browser SDKs will get flags only for contexts your server signed: each must be initialized with the hash option, computed by your server SDK's secureModeHash(context). Pages that do not send it stop getting flags now, and their open streams are closed.",
      }}
      onChanged={onChanged}
    />
  );
}

/**
 * Whether flag targeting changes in the environment need an approval: saved changes there become
 * change requests that another member approves. Only admin tokens may change it (the API says so
 * when another tries).
 */
export function RequireApprovalSetting({ path, env, onChanged }: Props) {
  return (
    <EnvironmentToggle
      path={path}
      field="/requireApproval"
      on={env.requireApproval === true}
      label={`Require approval in ${env.name}`}
      hint={{
        on: 'On: a change to flag targeting here is submitted as a change request; another member with the writer role approves it before it applies.',
        off: 'Off: saved targeting changes apply at once.',
      }}
      onChanged={onChanged}
    />
  );
}

import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import type { Environment } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { Dialog } from '../components/dialog.js';

interface Props {
  /** The environment's API path, which a JSON Patch of `/secureMode` changes. */
  path: string;
  env: Environment;
  onChanged(): void;
}

/**
 * An environment's secure mode. Turning it on is asked twice: browser pages that do not send the
 * hash stop getting flags at once (their open streams are closed), so it must not be a misclick.
 */
export function SecureModeSetting({ path, env, onChanged }: Props) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const set = async (on: boolean) => {
    setBusy(true);
    try {
      await api.patch(path, [{ op: 'replace', path: '/secureMode', value: on }]);
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
          checked={env.secureMode}
          disabled={busy}
          onChange={(e) => (e.target.checked ? setConfirming(true) : void set(false))}
        />
        Secure mode for {env.name}
      </label>
      <p className="hint">
        {env.secureMode
          ? "On: browser SDKs must send the hash of their context (the JavaScript SDK's hash option), which your server computes with its server SDK's secureModeHash(context)."
          : 'Off: a browser may ask for the flags of any context.'}
      </p>
      {error !== undefined && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <Dialog
          open
          title={`Turn on secure mode in ${env.name}`}
          onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
              <button
                type="button"
                className="button button-danger"
                disabled={busy}
                onClick={() => void set(true)}
              >
                Turn on secure mode
              </button>
            </>
          }
        >
          <p>
            Browser SDKs will get flags only for contexts your server signed: each must be
            initialized with the hash option, computed by your server SDK's secureModeHash(context).
            Pages that do not send it stop getting flags now, and their open streams are closed.
          </p>
        </Dialog>
      )}
    </>
  );
}

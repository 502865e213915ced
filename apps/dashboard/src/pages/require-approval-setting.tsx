import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import type { Environment } from '../api/types.js';
import { useApi } from '../app/api-context.js';

interface Props {
  /** The environment's API path, which a JSON Patch of `/requireApproval` changes. */
  path: string;
  env: Environment;
  onChanged(): void;
}

/**
 * Whether flag targeting changes in the environment need an approval: saved changes there become
 * change requests that another member approves. Only admin tokens may change it (the API says so
 * when another tries).
 */
export function RequireApprovalSetting({ path, env, onChanged }: Props) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const on = env.requireApproval === true;
  const set = async (value: boolean) => {
    setBusy(true);
    try {
      await api.patch(path, [{ op: 'replace', path: '/requireApproval', value }]);
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
          onChange={(e) => void set(e.target.checked)}
        />
        Require approval in {env.name}
      </label>
      <p className="hint">
        {on
          ? 'On: a change to flag targeting here is submitted as a change request; another member with the writer role approves it before it applies.'
          : 'Off: saved targeting changes apply at once.'}
      </p>
      {error !== undefined && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

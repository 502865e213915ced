import { useState } from 'react';
import { enc, errorMessage } from '../api/client.js';
import type { Flag } from '../api/types.js';
import { useApi } from '../app/api-context.js';
import { Switch } from '../components/switch.js';
import { escapePointer } from '../editor/json-patch.js';
import { isChangeRequest } from '../model/change-requests.js';

interface Props {
  project: string;
  env: string;
  envName: string;
  flag: Flag;
  /** The flag as the server returned it after the toggle. */
  onChanged(flag: Flag): void;
}

/**
 * On/off for one flag in one environment, straight from a list: one JSON Patch that sets `on`
 * (what the user sees is what is set, so it needs no If-Match: a concurrent edit of anything else
 * is kept). Everyone else's dashboard shows it within a second through the change stream.
 */
export function FlagToggle({ project, env, envName, flag, onChanged }: Props) {
  const api = useApi();
  const [sending, setSending] = useState<boolean>();
  const [error, setError] = useState<unknown>();
  const [submitted, setSubmitted] = useState(false);
  const targeting = flag.environments[env];
  if (targeting === undefined) return <span className="muted">not served</span>;
  const toggle = async (on: boolean) => {
    setSending(on);
    setError(undefined);
    try {
      const saved = await api.patch<unknown>(`/projects/${enc(project)}/flags/${enc(flag.key)}`, [
        { op: 'replace', path: `/environments/${escapePointer(env)}/on`, value: on },
      ]);
      // In an environment that requires approval the toggle becomes a change request.
      setSubmitted(isChangeRequest(saved));
      if (!isChangeRequest(saved)) onChanged(saved as Flag);
    } catch (e) {
      setError(e);
    } finally {
      setSending(undefined);
    }
  };
  return (
    <span className="flag-toggle">
      <Switch
        checked={sending ?? targeting.on}
        label={`${flag.name} in ${envName}`}
        disabled={sending !== undefined}
        onChange={(on) => void toggle(on)}
      />
      {submitted && (
        <span className="muted" role="status">
          submitted for approval
        </span>
      )}
      {error !== undefined && (
        <span className="field-error" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </span>
  );
}

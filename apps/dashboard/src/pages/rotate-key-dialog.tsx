import { useState } from 'react';
import { errorMessage } from '../api/client.js';
import { useApi } from '../app/api-context.js';
import { ConfirmDialog } from '../components/dialog.js';
import { FieldError } from '../components/notice.js';

export type KeyKind = 'sdk' | 'mobile';

interface Props {
  path: string;
  envName: string;
  kind: KeyKind;
  onClose(): void;
  onRotated(): void;
}

const GRACE = [
  { label: 'Stop working now', seconds: 0 },
  { label: '1 hour', seconds: 3600 },
  { label: '24 hours', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
] as const;

/** Rotates a key; the old one keeps working for a while so services can move over. */
export function RotateKeyDialog({ path, envName, kind, onClose, onRotated }: Props) {
  const api = useApi();
  const [seconds, setSeconds] = useState<number>(86_400);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const what = kind === 'sdk' ? 'SDK key' : 'mobile key';
  const rotate = async () => {
    setBusy(true);
    try {
      await api.post(path, { expiresInSeconds: seconds });
      onRotated();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Rotate the ${what} of ${envName}`}
      onClose={onClose}
      confirm={`Rotate ${what}`}
      tone="danger"
      disabled={busy}
      onConfirm={() => void rotate()}
    >
      <p>
        A new {what} is made at once. Connections that use the old key are closed when it expires.
      </p>
      <label>
        The old key keeps working for
        <select value={seconds} onChange={(e) => setSeconds(Number(e.target.value))}>
          {GRACE.map((g) => (
            <option key={g.seconds} value={g.seconds}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <FieldError error={error} />
    </ConfirmDialog>
  );
}

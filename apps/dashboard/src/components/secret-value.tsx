import { useState } from 'react';
import { CopyButton } from './copy-button.js';

/** "sdk-1234…abcd" until revealed. */
export function mask(secret: string): string {
  const dash = secret.indexOf('-');
  const prefix = dash > 0 && dash < 6 ? secret.slice(0, dash + 1) : '';
  return `${prefix}${'•'.repeat(12)}${secret.slice(-4)}`;
}

/** A secret key: masked, with Reveal/Hide and Copy (copying does not need revealing). */
export function SecretValue({ value, label }: { value: string; label: string }) {
  const [shown, setShown] = useState(false);
  return (
    <span className="secret">
      <code className="key" aria-label={shown ? label : `${label} (hidden)`}>
        {shown ? value : mask(value)}
      </code>
      <button
        type="button"
        className="button button-small"
        aria-pressed={shown}
        aria-label={`${shown ? 'Hide' : 'Reveal'} ${label}`}
        onClick={() => setShown(!shown)}
      >
        {shown ? 'Hide' : 'Reveal'}
      </button>
      <CopyButton text={value} label={`Copy ${label}`} />
    </span>
  );
}

import { useId, useState, type FormEvent } from 'react';
import { ApiError, checkToken, errorMessage } from '../api/client.js';

/** Asks for an API token and checks it against the API before keeping it. */
export function SignInPage({ onSignedIn }: { onSignedIn(token: string): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Enter an API token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await checkToken(value);
      onSignedIn(value);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That token was not accepted: check it, or create one with `vexil tokens create`.'
          : errorMessage(err),
      );
      setBusy(false);
    }
  };
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={(e) => void submit(e)} noValidate>
        <h1 className="brand-title">
          <span className="brand-mark" aria-hidden="true">
            ⚑
          </span>{' '}
          Vexil
        </h1>
        <p className="muted">Sign in with an API token.</p>
        <label htmlFor={id}>API token</label>
        <input
          id={id}
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error !== undefined}
          aria-describedby={`${id}-hint ${id}-error`}
          autoFocus
        />
        <p id={`${id}-hint`} className="hint">
          <code>npm start</code> prints the admin token when it starts; it is also kept in{' '}
          <code>.vexil/admin-token</code> (in the <code>--data</code> directory for{' '}
          <code>vexil start</code>). This browser keeps you signed in, in every tab, until you sign
          out.
        </p>
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

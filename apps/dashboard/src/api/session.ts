// The API token lives in this browser's localStorage: every tab of the dashboard is signed in
// with it (a new tab does not ask again) until "Sign out", which removes it from every tab. It
// is never written to a cookie, so no request carries it unless the dashboard's own code sends
// it. Like sessionStorage before, it is readable by any script running on this origin: the
// defence is that none but the dashboard's does (docs/security.md, "The dashboard's token").

const KEY = 'vexil.apiToken';

export function storedToken(): string | undefined {
  try {
    const kept = localStorage.getItem(KEY);
    if (kept !== null && kept !== '') return kept;
    // Signed in by an older dashboard, which kept the token in this tab only: keep it for the
    // browser from now on.
    const tab = sessionStorage.getItem(KEY);
    if (tab !== null && tab !== '') {
      localStorage.setItem(KEY, tab);
      sessionStorage.removeItem(KEY);
      return tab;
    }
  } catch {
    // Storage refused (a locked-down browser): signed out, and sign-in works for this page.
  }
  return undefined;
}

export function storeToken(token: string): void {
  try {
    localStorage.setItem(KEY, token);
  } catch {
    sessionStorage.setItem(KEY, token);
  }
}

/** Signs out everywhere in this browser: the other tabs hear of it (onTokenChange). */
export function forgetToken(): void {
  try {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored, nothing to remove
  }
}

/**
 * Calls `listener` with the token when another tab signs in or out (the browser's storage
 * event fires in the other tabs of the origin, not in the one that made the change). Returns
 * the unsubscribe function.
 */
export function onTokenChange(listener: (token: string | undefined) => void): () => void {
  const changed = (e: StorageEvent) => {
    if (e.key === KEY || e.key === null) listener(storedToken());
  };
  addEventListener('storage', changed);
  return () => removeEventListener('storage', changed);
}

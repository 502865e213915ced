// The API token lives in sessionStorage: it survives reloads of the tab and is gone when the
// tab closes; it is never written to localStorage or a cookie.

const KEY = 'vexil.apiToken';

export function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

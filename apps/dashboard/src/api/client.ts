import type { JsonValue, PatchOp } from './types.js';

// The REST API under /api/v1 of the page's own origin, with the bearer token from sign-in.
// Failures become ApiError with the API's stable `code` (VERSION_MISMATCH, NOT_FOUND, ...),
// its message (which says what to do), and the HTTP status.

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /**
   * JSON Patch; `version` goes in If-Match so a concurrent change is a 409, not lost (resources
   * without versions, such as environments, take none). `comment` (why) goes in the audit log.
   */
  patch<T>(path: string, ops: readonly PatchOp[], version?: number, comment?: string): Promise<T>;
  delete(path: string, version?: number): Promise<void>;
  /** Replaces a resource; `version` goes in If-Match as for `patch`. */
  put<T>(path: string, body: unknown, version: number): Promise<T>;
  /** A PATCH with a JSON body (such as a flag's settings); `version` goes in If-Match. */
  patchJson<T>(path: string, body: unknown, version?: number): Promise<T>;
}

export function createApiClient(token: string, onUnauthorized: () => void): ApiClient {
  async function call<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    headers.set('accept', 'application/json');
    let res: Response;
    try {
      res = await fetch(`/api/v1${path}`, { ...init, method, headers });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', 'the server cannot be reached; check that Vexil is running');
    }
    const text = await res.text();
    const body = text === '' ? undefined : (JSON.parse(text) as JsonValue);
    if (res.ok) return body as T;
    if (res.status === 401) onUnauthorized();
    const err = (body ?? {}) as { code?: string; message?: string; details?: ErrorDetail[] };
    throw new ApiError(
      res.status,
      err.code ?? `HTTP_${res.status}`,
      err.message ?? `${method} ${path} failed with HTTP ${res.status}`,
      err.details ?? [],
    );
  }
  const json = (body: unknown): RequestInit => ({
    body: JSON.stringify(body ?? {}),
    headers: { 'content-type': 'application/json' },
  });
  return {
    get: (path, signal) => call('GET', path, signal === undefined ? {} : { signal }),
    post: (path, body) => call('POST', path, json(body)),
    patch: (path, ops, version, comment) =>
      call('PATCH', path, {
        body: JSON.stringify(ops),
        headers: {
          'content-type': 'application/json-patch+json',
          ...(version === undefined ? {} : { 'if-match': `"${version}"` }),
          ...commentHeader(comment),
        },
      }),
    delete: (path, version) =>
      call(
        'DELETE',
        path,
        version === undefined ? {} : { headers: { 'if-match': `"${version}"` } },
      ),
    patchJson: (path, body, version) =>
      call('PATCH', path, {
        body: JSON.stringify(body),
        headers: {
          'content-type': 'application/json',
          ...(version === undefined ? {} : { 'if-match': `"${version}"` }),
        },
      }),
    put: (path, body, version) =>
      call('PUT', path, {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
      }),
  };
}

/** Why a change is made: kept in its audit entry (X-Vexil-Comment, percent-encoded UTF-8). */
export function commentHeader(comment: string | undefined): Record<string, string> {
  const text = comment?.replace(/\s+/g, ' ').trim() ?? '';
  return text === '' ? {} : { 'x-vexil-comment': encodeURIComponent(text) };
}

/** A token check at sign-in: the cheapest read every role may do. */
export async function checkToken(token: string): Promise<void> {
  await createApiClient(token, () => undefined).get('/projects');
}

/** The message to show for any failure. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    // The message often is the first detail already: each is shown once.
    const details = e.details
      .filter((d) => !e.message.includes(d.message))
      .map((d) => `${d.path ? `${d.path}: ` : ''}${d.message}`);
    return [e.message, ...details].join('\n');
  }
  return e instanceof Error ? e.message : String(e);
}

export const enc = encodeURIComponent;

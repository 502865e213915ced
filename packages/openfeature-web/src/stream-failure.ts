import { retryAfterMs } from './backoff.js';

// Why a stream attempt ended, by what a client should do next (docs/protocol.md sections 1 and
// 4): an unknown client-side ID never becomes known by retrying (401 and 404, as LaunchDarkly's
// SDKs stop on them); a 400 refuses this context (a missing or wrong secure-mode hash, a context
// the edge rejects), which only another context or hash can fix; a 408, a 429, a 5xx, a network
// error or a dropped stream are retried with backoff.

export type StreamFailure =
  | { readonly kind: 'unknown-id'; readonly status: number; readonly message: string }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      /** The edge's error code, e.g. `SECURE_MODE_HASH`. */
      readonly code: string | undefined;
      readonly message: string;
    }
  | { readonly kind: 'transient'; readonly message: string; readonly retryAfterMs?: number };

export function transient(message: string, retryAfter?: number): StreamFailure {
  return retryAfter === undefined
    ? { kind: 'transient', message }
    : { kind: 'transient', message, retryAfterMs: retryAfter };
}

/** The edge's `{"code", "message"}` error body, when it sent one. */
async function errorBody(res: Response): Promise<{ code?: string; message?: string }> {
  try {
    const body: unknown = JSON.parse(await res.text());
    if (typeof body !== 'object' || body === null) return {};
    const { code, message } = body as Record<string, unknown>;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return {};
  }
}

export async function failureOf(
  res: Response,
  where: { readonly baseUrl: string; readonly clientSideId: string },
): Promise<StreamFailure> {
  const { status } = res;
  const { code, message } = await errorBody(res);
  const said = message === undefined ? `HTTP ${status}` : `HTTP ${status}: ${message}`;
  if (status === 401 || status === 403 || status === 404) {
    return {
      kind: 'unknown-id',
      status,
      message: `the client-side ID "${where.clientSideId}" is unknown to ${where.baseUrl} (${said}): use the client-side ID of one of its environments`,
    };
  }
  if (status === 408 || status === 429 || status >= 500 || status < 400) {
    return transient(
      `${where.baseUrl} cannot serve the stream now (${said})`,
      retryAfterMs(res.headers.get('retry-after'), Date.now()),
    );
  }
  if (code === 'SECURE_MODE_HASH') {
    return {
      kind: 'rejected',
      status,
      code,
      message: `the environment is in secure mode and the hash sent for this context is missing or wrong (${said}); give the provider the hash option, a function of the context to follow context changes`,
    };
  }
  return {
    kind: 'rejected',
    status,
    code,
    message: `the edge refused the stream for this context (${said})`,
  };
}

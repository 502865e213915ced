import { usageError } from '../cli-error.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_TIMEOUT_MS = 60_000;

/** Where the admin commands send their requests, and as whom. */
export interface ClientConfig {
  /** Base URL without a trailing slash, such as http://127.0.0.1:8080. */
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** `--url`/`--token` win over VEXIL_URL/VEXIL_TOKEN; an empty variable counts as unset. */
export function loadClientConfig(
  flags: { readonly url: string | undefined; readonly token: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): ClientConfig {
  const rawUrl = flags.url ?? nonEmpty(env['VEXIL_URL']) ?? DEFAULT_URL;
  const source = flags.url !== undefined ? '--url' : 'VEXIL_URL';
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw usageError(`${source} must be a URL such as ${DEFAULT_URL} (got "${rawUrl}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${source} must be an http:// or https:// URL (got "${rawUrl}")`);
  }
  const token = flags.token ?? nonEmpty(env['VEXIL_TOKEN']);
  if (token === undefined || token === '') {
    throw usageError(
      'no API token: set VEXIL_TOKEN or pass --token (vexil start prints the admin token)',
    );
  }
  return Object.freeze({
    url: url.href.replace(/\/+$/, ''),
    token,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

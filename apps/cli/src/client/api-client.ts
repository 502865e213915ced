import { CliError, oneLine } from '../cli-error.js';
import type { ClientConfig } from './client-config.js';

export interface ApiResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Content type of the body; default application/json. */
  readonly contentType?: string;
}

/** `/api/v1/` + the segments, each URL-encoded. */
export function apiPath(...segments: readonly string[]): string {
  return `/api/v1/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * A thin fetch wrapper for the REST API: bearer token, JSON in and out, and every failure
 * turned into a CliError with a one-line message (the API's own message when it sent one).
 */
export class ApiClient {
  /** `writeHeaders` go with every request but GET (such as the --comment header). */
  constructor(
    private readonly config: ClientConfig,
    private readonly writeHeaders: Readonly<Record<string, string>> = {},
  ) {}

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const url = new URL(this.config.url + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.config.token}`,
      ...(method === 'GET' ? {} : this.writeHeaders),
      ...options.headers,
    };
    const init: RequestInit = {
      method,
      headers,
      signal: AbortSignal.timeout(this.config.timeoutMs),
    };
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, init);
      text = await res.text();
    } catch (e) {
      throw this.unreachable(e);
    }
    if (!res.ok) throw this.refused(res, text);
    return { status: res.status, headers: res.headers, body: this.parse(res, text) as T };
  }

  async get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return (await this.request<T>('GET', path, query === undefined ? {} : { query })).body;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, body === undefined ? {} : { body })).body;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('PUT', path, { body })).body;
  }

  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  private parse(res: Response, text: string): unknown {
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(
        'API',
        `the server at ${this.config.url} answered ${res.status} with something other than JSON; is it a Vexil server?`,
      );
    }
  }

  private refused(res: Response, text: string): CliError {
    let message: string | undefined;
    let code: string | undefined;
    try {
      const body = JSON.parse(text) as { message?: unknown; code?: unknown };
      if (typeof body.message === 'string') message = body.message;
      if (typeof body.code === 'string') code = body.code;
    } catch {
      // not a Vexil error body; described below
    }
    if (message === undefined) {
      return new CliError(
        'API',
        `the server at ${this.config.url} answered ${res.status} ${res.statusText} without an error message; is it a Vexil server?`,
      );
    }
    const hint = code === 'UNAUTHORIZED' ? ' (check VEXIL_TOKEN or --token)' : '';
    return new CliError('API', oneLine(message) + hint);
  }

  private unreachable(e: unknown): CliError {
    const error = e as {
      name?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    const reason =
      error.name === 'TimeoutError'
        ? `no answer within ${this.config.timeoutMs / 1000} s`
        : (describeCause(error.cause?.code) ??
          oneLine(error.cause?.message ?? error.message ?? String(e)));
    return new CliError(
      'UNREACHABLE',
      `cannot reach the Vexil API at ${this.config.url}: ${reason} (is "vexil start" running? set VEXIL_URL or --url)`,
    );
  }
}

function describeCause(code: string | undefined): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    default:
      return code;
  }
}

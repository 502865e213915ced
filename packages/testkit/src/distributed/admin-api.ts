// A thin client of the origin's REST API (/api/v1) with a bearer token: enough to set up a
// project and write flags from tests and benchmarks, with nothing hidden about statuses.

export interface ApiResult {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary API JSON
  readonly body: any;
  readonly headers: Headers;
}

export class AdminApi {
  constructor(
    private readonly baseUrl: () => string,
    private readonly token: string,
  ) {}

  /**
   * One request; network errors reject (the caller decides whether to retry writes). A GET is
   * tried once more on a network error: a pooled keep-alive connection that the server closed
   * as the request went out fails without having been processed, and a read can be repeated.
   */
  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<ApiResult> {
    try {
      return await this.once(method, path, body, options);
    } catch (e) {
      if (method !== 'GET' || !(e instanceof TypeError)) throw e;
      return this.once(method, path, body, options);
    }
  }

  private async once(
    method: string,
    path: string,
    body: unknown,
    options: { headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<ApiResult> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      ...options.headers,
    };
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl()}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** Like `call`, but any status other than `expected` throws with the response body. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<ApiResult> {
    const result = await this.call(method, path, body);
    if (result.status !== expected) {
      throw new Error(
        `${method} ${path}: expected ${expected}, got ${result.status} ${JSON.stringify(result.body)}`,
      );
    }
    return result;
  }
}

import { rawRequest, type RawResponse } from '@vexil/testkit';

// The admin's client of the REST API for the hostile-input suite: requests as they should be,
// to read what the server holds and to check that it is still editable.

export interface ApiAnswer extends RawResponse {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  readonly body: any;
}

export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const res = await rawRequest(this.url, {
      method,
      path,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { ...res, body: res.text === '' ? undefined : JSON.parse(res.text) };
  }

  /** A call that must answer `status`; anything else throws with the answer. */
  async expect(status: number | readonly number[], method: string, path: string, body?: unknown) {
    const res = await this.call(method, path, body);
    const wanted = typeof status === 'number' ? [status] : status;
    if (!wanted.includes(res.status))
      throw new Error(
        `${method} ${path}: expected ${wanted.join('/')}, got ${res.status} ${res.text.slice(0, 300)}`,
      );
    return res;
  }
}

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openMemoryStore, type Store } from '@vexil/store';
import { createOrigin, ensureAdminToken, type Origin } from '@vexil/origin';
import type { Registry } from 'prom-client';

export const ADMIN_TOKEN = 'vxl_test-admin-token';

export interface ApiServer {
  readonly url: string;
  readonly store: Store;
  readonly origin: Origin;
  /** Environment ids reported by each commit, in order. */
  readonly commits: (readonly string[])[];
  /** fetch with the admin token (or `token`) and JSON handling. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
}

export interface ApiServerOptions {
  /** The origin's clock (audit times, key expiry); default Date.now. */
  readonly now?: () => number;
  /** Where the origin's metrics go. */
  readonly metrics?: Registry;
  /** Also told of every commit (e.g. an outbox publisher's kick). */
  readonly onCommit?: (environmentIds: readonly string[]) => void;
  /** Told when environments or credentials changed (an outbox publisher's directoryChanged). */
  readonly onDirectoryChange?: () => void;
}

/** An origin on a real socket (port 0) over the given store (default: in-memory). */
export async function startApiServer(
  store?: Store,
  options: ApiServerOptions = {},
): Promise<ApiServer> {
  const s = store ?? (await openMemoryStore());
  const commits: (readonly string[])[] = [];
  const origin = createOrigin({
    store: s,
    onCommit: (ids) => {
      commits.push(ids);
      options.onCommit?.(ids);
    },
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.onDirectoryChange === undefined
      ? {}
      : { onDirectoryChange: options.onDirectoryChange }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  await ensureAdminToken(s, ADMIN_TOKEN, 'test admin', options.now?.());
  const server: Server = createServer((req, res) => void origin.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store: s,
    origin,
    commits,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, init);
      const text = await res.text();
      return {
        status: res.status,
        headers: res.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await s.close();
    },
  };
}

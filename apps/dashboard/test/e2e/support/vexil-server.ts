import { startVexil as startVexilProcess, type RoleProcess } from '@vexil/testkit';

// A real `vexil start` (testkit's `startVexil`), exactly what a person reads after `npm start`,
// with the REST API called the way the e2e tests write it: paths under /api/v1, a typed body.

export interface VexilServer {
  readonly url: string;
  readonly adminToken: string;
  readonly role: RoleProcess;
  /** The data directory (`<dataDir>/vexil.db` is the SQLite store), removed by `stop`. */
  readonly dataDir: string;
  /** The REST API with the admin token; the body parsed as JSON. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startVexil(): Promise<VexilServer> {
  const server = await startVexilProcess();
  return {
    url: server.url,
    adminToken: server.adminToken,
    role: server.role,
    dataDir: server.dataDir,
    async api<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
      const { status, body: answer } = await server.api.call(method, `/api/v1${path}`, body, {
        ...(headers === undefined ? {} : { headers }),
      });
      return { status, body: answer as T };
    },
    stop: () => server.stop(),
  };
}

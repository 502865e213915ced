import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoleProcess } from '@vexil/testkit';

// A real `vexil start` (the built CLI) on port 0 with a fresh data directory: the banner gives
// the URL and the generated admin token, exactly what a person reads after `npm start`.

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
  const dataDir = await mkdtemp(join(tmpdir(), 'vexil-dashboard-'));
  const role = await RoleProcess.start({ name: 'vexil-start', args: ['start', '--data', dataDir] });
  await role.waitReady();
  const adminToken = /^\s*Admin token\s+(\S+)/m.exec(role.output())?.[1];
  if (adminToken === undefined) throw new Error(`no admin token in the banner:\n${role.output()}`);
  const url = role.url;
  return {
    url,
    adminToken,
    role,
    dataDir,
    async api<T>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          'content-type': 'application/json',
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async stop() {
      await role.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApi, services, type ApiResult } from '@vexil/testkit';
import { startRole, type RoleProcess } from './role-process.js';

// `vexil origin` for the tests of `vexil edge`: a temporary SQLite store, the test's NATS, a
// known admin token and a client of its REST API.

const ADMIN = 'admin-token-for-cli-role-tests';

export interface TestOrigin {
  readonly role: RoleProcess;
  readonly url: string;
  /** One request to `/api/v1<path>` as the admin. */
  api(method: string, path: string, body?: unknown): Promise<ApiResult>;
  /** Stops the origin and removes its store. */
  stop(): Promise<void>;
}

export async function startTestOrigin(): Promise<TestOrigin> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-origin-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  let role: RoleProcess;
  try {
    role = await startRole(
      ['origin', '--store', `sqlite:${join(dir, 'o.db')}`, '--bus', services.nats, '--port', '0'],
      { VEXIL_ADMIN_TOKEN: ADMIN },
    );
  } catch (e) {
    await remove();
    throw e;
  }
  const admin = new AdminApi(() => `${role.url}/api/v1`, ADMIN);
  return {
    role,
    url: role.url,
    api: (method, path, body) => admin.call(method, path, body),
    async stop() {
      await role.stop();
      await remove();
    },
  };
}

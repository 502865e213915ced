import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApi } from '../distributed/admin-api.js';
import { RoleProcess } from './role-process.js';

// A real `vexil start` (the built CLI) on port 0 with a fresh data directory, as a person runs
// it: the banner gives the URL and the generated admin token, and the REST API does the rest.
// `role.restart()` keeps the port and the data directory, so a client that lost the server
// finds it again, with its projects, at the same address.

export interface VexilStartOptions {
  /** More `vexil start` options, after `start --data <dataDir>`; e.g. `NO_RATE_LIMITS`. */
  readonly args?: readonly string[];
  /** Added to the process's environment (the test's own VEXIL_* variables are not passed on). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface VexilServer {
  /** The base URL from the banner, the same across `role.restart()`. */
  readonly url: string;
  readonly role: RoleProcess;
  /** The admin token the banner showed once. */
  readonly adminToken: string;
  /** The data directory (`<dataDir>/vexil.db` is the SQLite store), removed by `stop`. */
  readonly dataDir: string;
  /** The REST API with the admin token; paths start with `/api/v1`. */
  readonly api: AdminApi;
  /** Stops the process (SIGTERM) and removes the data directory. */
  stop(): Promise<void>;
}

/** Starts `vexil start` and resolves once `/readyz` answers 200. */
export async function startVexil(options: VexilStartOptions = {}): Promise<VexilServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vexil-start-'));
  const removeData = () => rm(dataDir, { recursive: true, force: true });
  const role = await RoleProcess.start({
    name: 'vexil-start',
    args: ['start', '--data', dataDir, ...(options.args ?? [])],
    ...(options.env === undefined ? {} : { env: options.env }),
  }).catch(async (e: unknown) => {
    await removeData();
    throw e;
  });
  let adminToken: string | undefined;
  try {
    await role.waitReady();
    adminToken = /^\s*Admin token\s+(\S+)/m.exec(role.output())?.[1];
    if (adminToken === undefined)
      throw new Error(`no admin token in the banner:\n${role.output()}`);
  } catch (e) {
    await role.stop('SIGKILL');
    await removeData();
    throw e;
  }
  return {
    url: role.url,
    role,
    adminToken,
    dataDir,
    api: new AdminApi(() => role.url, adminToken),
    async stop() {
      try {
        await role.stop();
      } finally {
        await removeData();
      }
    },
  };
}

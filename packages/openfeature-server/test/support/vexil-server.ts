import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApi, RoleProcess } from '@vexil/testkit';

// A real `vexil start` (the built CLI) on port 0 with a fresh data directory, as a person runs
// it: the banner gives the URL and the generated admin token. `restart` keeps the port and the
// data, so a provider that lost it finds it again at the same address.

export interface VexilServer {
  readonly url: string;
  readonly role: RoleProcess;
  readonly api: AdminApi;
  stop(): Promise<void>;
}

export interface TestEnvironment {
  readonly projectKey: string;
  readonly environmentKey: string;
  readonly sdkKey: string;
}

let projects = 0;

export async function startVexil(): Promise<VexilServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vexil-openfeature-'));
  const role = await RoleProcess.start({ name: 'vexil-start', args: ['start', '--data', dataDir] });
  await role.waitReady();
  const adminToken = /^\s*Admin token\s+(\S+)/m.exec(role.output())?.[1];
  if (adminToken === undefined) throw new Error(`no admin token in the banner:\n${role.output()}`);
  return {
    url: role.url,
    role,
    api: new AdminApi(() => role.url, adminToken),
    async stop() {
      await role.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new project with one environment, holding `data` (LaunchDarkly SDK JSON) when given. */
export async function createEnvironment(
  server: VexilServer,
  data?: { flags?: object; segments?: object },
): Promise<TestEnvironment> {
  const projectKey = `of-${process.pid}-${++projects}`;
  const environmentKey = 'production';
  await server.api.expect(201, 'POST', '/api/v1/projects', { key: projectKey, name: projectKey });
  const env = await server.api.expect(201, 'POST', `/api/v1/projects/${projectKey}/environments`, {
    key: environmentKey,
    name: 'Production',
  });
  const environment = { projectKey, environmentKey, sdkKey: env.body.sdkKey as string };
  if (data !== undefined) await importData(server, environment, data);
  return environment;
}

/** Replaces the environment's flags and segments (`PUT .../data`, LaunchDarkly SDK JSON). */
export async function importData(
  server: VexilServer,
  env: TestEnvironment,
  data: { flags?: object; segments?: object },
): Promise<void> {
  await server.api.expect(
    200,
    'PUT',
    `/api/v1/projects/${env.projectKey}/environments/${env.environmentKey}/data`,
    { flags: data.flags ?? {}, segments: data.segments ?? {} },
  );
}

/** A JSON Patch of one flag's targeting in the environment (`PATCH .../flags/{key}`). */
export async function patchFlag(
  server: VexilServer,
  env: TestEnvironment,
  flagKey: string,
  operations: { op: string; path: string; value?: unknown }[],
): Promise<void> {
  await server.api.expect(
    200,
    'PATCH',
    `/api/v1/projects/${env.projectKey}/flags/${flagKey}`,
    operations.map((o) => ({ ...o, path: o.path.replace('{env}', env.environmentKey) })),
  );
}

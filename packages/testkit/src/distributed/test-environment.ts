import type { AdminApi } from './admin-api.js';

// Setting up a project, an environment and its flags through the REST API, as a customer
// would: against `startVexil()`, a topology's origin, or anything else with an `AdminApi`.

/** Whatever holds an `AdminApi` (`VexilServer`, `Topology`). */
export interface HasAdminApi {
  readonly api: AdminApi;
}

/** Flags and segments keyed by their keys, in LaunchDarkly's SDK JSON (`PUT .../data`). */
export interface EnvironmentData {
  readonly flags?: Readonly<Record<string, object>>;
  readonly segments?: Readonly<Record<string, object>>;
}

export interface TestEnvironmentOptions {
  /** The project key (default: one not used before by this test process). */
  readonly project?: string;
  /** The environment key (default `production`). */
  readonly environment?: string;
  /** Flags and segments imported into the environment once it exists. */
  readonly data?: EnvironmentData;
  /** More of the environment's settings at creation (`POST .../environments`). */
  readonly settings?: { readonly name?: string; readonly secureMode?: boolean };
}

export interface TestEnvironment {
  readonly projectKey: string;
  readonly environmentKey: string;
  readonly sdkKey: string;
  readonly clientSideId: string;
}

let projects = 0;

/** A new project with one environment, holding `data` when given. */
export async function createEnvironment(
  server: HasAdminApi,
  options: TestEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const projectKey = options.project ?? `test-${process.pid}-${++projects}`;
  const environmentKey = options.environment ?? 'production';
  await server.api.expect(201, 'POST', '/api/v1/projects', { key: projectKey, name: projectKey });
  const created = await server.api.expect(
    201,
    'POST',
    `/api/v1/projects/${projectKey}/environments`,
    {
      key: environmentKey,
      name: environmentKey.charAt(0).toUpperCase() + environmentKey.slice(1),
      ...options.settings,
    },
  );
  const env: TestEnvironment = {
    projectKey,
    environmentKey,
    sdkKey: created.body.sdkKey as string,
    clientSideId: created.body.clientSideId as string,
  };
  if (options.data !== undefined) await importData(server, env, options.data);
  return env;
}

/** Replaces the environment's flags and segments (`PUT .../environments/{env}/data`). */
export async function importData(
  server: HasAdminApi,
  env: TestEnvironment,
  data: EnvironmentData,
): Promise<void> {
  await server.api.expect(
    200,
    'PUT',
    `/api/v1/projects/${env.projectKey}/environments/${env.environmentKey}/data`,
    { flags: data.flags ?? {}, segments: data.segments ?? {} },
  );
}

/**
 * A JSON Patch of one flag (`PATCH .../flags/{key}`); `{env}` in a path stands for the
 * environment's key, e.g. `/environments/{env}/fallthrough`.
 */
export async function patchFlag(
  server: HasAdminApi,
  env: TestEnvironment,
  flagKey: string,
  operations: readonly { op: string; path: string; value?: unknown }[],
): Promise<void> {
  await server.api.expect(
    200,
    'PATCH',
    `/api/v1/projects/${env.projectKey}/flags/${flagKey}`,
    operations.map((o) => ({ ...o, path: o.path.replaceAll('{env}', env.environmentKey) })),
  );
}

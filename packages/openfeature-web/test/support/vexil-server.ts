import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metric, RoleProcess, scrape } from '@vexil/testkit';

// A real `vexil start` (the built CLI) on a free port with a fresh data directory, as a person
// runs it: the banner gives the URL and the generated admin token. Projects, environments and
// flags are made through the REST API, as a customer would.

export interface VexilServer {
  readonly url: string;
  readonly role: RoleProcess;
  /** The REST API with the admin token; the body parsed as JSON. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Open client-side streams of the environment, from the edge's /metrics. */
  streams(environment: TestEnvironment): Promise<number>;
  stop(): Promise<void>;
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export interface TestEnvironment {
  readonly project: string;
  readonly key: string;
  readonly clientSideId: string;
  readonly sdkKey: string;
}

export async function startVexil(): Promise<VexilServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vexil-openfeature-web-'));
  const role = await RoleProcess.start({ name: 'vexil-start', args: ['start', '--data', dataDir] });
  await role.waitReady();
  const adminToken = /^\s*Admin token\s+(\S+)/m.exec(role.output())?.[1];
  if (adminToken === undefined) throw new Error(`no admin token in the banner:\n${role.output()}`);
  return {
    url: role.url,
    role,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${role.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async streams(environment) {
      return metric(await scrape(role.url), 'vexil_edge_streams', {
        environment: environment.clientSideId,
        protocol: 'client',
      });
    },
    async stop() {
      await role.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A project with one environment holding `flags` (LaunchDarkly JSON), created through the API. */
export async function createEnvironment(
  server: VexilServer,
  project: string,
  flags: Record<string, object>,
  settings: { secureMode?: boolean } = {},
): Promise<TestEnvironment> {
  const created = await server.api('POST', '/projects', { key: project, name: project });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const env = await server.api<{ clientSideId: string; sdkKey: string }>(
    'POST',
    `/projects/${project}/environments`,
    { key: 'production', name: 'Production', ...settings },
  );
  assert.equal(env.status, 201, JSON.stringify(env.body));
  const loaded = await server.api('PUT', `/projects/${project}/environments/production/data`, {
    flags,
    segments: {},
  });
  assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
  return { project, key: 'production', ...env.body };
}

/** A JSON Patch of a flag, in the environment's targeting unless the path says otherwise. */
export async function patchFlag(
  server: VexilServer,
  env: TestEnvironment,
  flag: string,
  operations: readonly { op: string; path: string; value?: unknown }[],
): Promise<void> {
  const answer = await server.api('PATCH', `/projects/${env.project}/flags/${flag}`, operations);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

/** Serves `variation` to everyone (the flag's default rule). */
export function serve(server: VexilServer, env: TestEnvironment, flag: string, variation: number) {
  return patchFlag(server, env, flag, [
    { op: 'replace', path: `/environments/${env.key}/fallthrough`, value: { variation } },
  ]);
}

/** The secure-mode hash a customer's backend computes (LaunchDarkly's `secureModeHash`). */
export function secureModeHash(env: TestEnvironment, canonicalKey: string): string {
  return createHmac('sha256', env.sdkKey).update(canonicalKey, 'utf8').digest('hex');
}

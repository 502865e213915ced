import assert from 'node:assert/strict';
import type { ChangeRecord } from '@vexil/store';
import type { ApiResponse, ApiServer } from './api-server.js';

// Builders and probes shared by the route tests: a project with environments, flag bodies, and
// a fingerprint of everything a failed write must leave untouched.

export interface SeededProject {
  readonly projectKey: string;
  /** Environment representations by key, as POST returned them. */
  readonly envs: Readonly<Record<string, { id: string; sdkKey: string; [k: string]: unknown }>>;
}

/** Creates project `projectKey` with the given environments through the API. */
export async function seedProject(
  api: ApiServer,
  projectKey = 'p',
  envKeys: readonly string[] = ['prod', 'test'],
): Promise<SeededProject> {
  expectStatus(await api.call('POST', '/api/v1/projects', { key: projectKey, name: 'P' }), 201);
  const envs: Record<string, { id: string; sdkKey: string }> = {};
  for (const key of envKeys) {
    const res = await api.call('POST', `/api/v1/projects/${projectKey}/environments`, {
      key,
      name: key.toUpperCase(),
    });
    expectStatus(res, 201);
    envs[key] = { ...res.body, id: res.body.clientSideId };
  }
  return { projectKey, envs };
}

/** A two-variation boolean flag body (true, false), with extra fields merged in. */
export function boolFlag(key: string, extra: Record<string, unknown> = {}) {
  return { key, variations: [{ value: true }, { value: false }], ...extra };
}

/** Creates a flag and returns its representation. */
export async function createFlag(
  api: ApiServer,
  body: Record<string, unknown>,
  projectKey = 'p',
): Promise<ApiResponse['body']> {
  const res = await api.call('POST', `/api/v1/projects/${projectKey}/flags`, body);
  expectStatus(res, 201);
  return res.body;
}

/** PATCH a flag with JSON Patch operations. */
export function patchFlag(
  api: ApiServer,
  flagKey: string,
  operations: unknown,
  headers: Record<string, string> = {},
  projectKey = 'p',
): Promise<ApiResponse> {
  return api.call('PATCH', `/api/v1/projects/${projectKey}/flags/${flagKey}`, operations, headers);
}

export function expectStatus(res: ApiResponse, status: number): void {
  assert.equal(
    res.status,
    status,
    `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`,
  );
}

/** Asserts a 4xx error body with `code` and a message mentioning each of `mentions`. */
export function expectError(
  res: ApiResponse,
  status: number,
  code: string,
  ...mentions: string[]
): void {
  expectStatus(res, status);
  assert.equal(res.body?.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.message, 'string');
  for (const m of mentions) {
    assert.ok(
      res.body.message.includes(m),
      `message ${JSON.stringify(res.body.message)} should mention ${JSON.stringify(m)}`,
    );
  }
}

/**
 * Everything a refused write must leave as it was: the audit log size, every environment's
 * seq, and the project's flags and segments as the API returns them.
 */
export async function fingerprint(api: ApiServer, projectKey = 'p'): Promise<string> {
  const audit = (await api.store.listAudit({ limit: 1000 })).length;
  const envs = (await api.store.listEnvironments(projectKey)).map((e) => [e.key, e.seq, e.sdkKey]);
  const flags = await api.call('GET', `/api/v1/projects/${projectKey}/flags?archived=all`);
  const segments = await Promise.all(
    envs.map(async ([key]) =>
      api.call('GET', `/api/v1/projects/${projectKey}/environments/${String(key)}/segments`),
    ),
  );
  const projects = await api.call('GET', '/api/v1/projects');
  // When a token was last used is no change a refused write could have made (token-use.ts).
  const tokens = (await api.store.listTokens()).map(({ lastUsedAt: _used, ...t }) => t);
  return JSON.stringify({
    audit,
    envs,
    projects: projects.body,
    flags: flags.body,
    segments: segments.map((s) => s.body),
    tokens,
  });
}

/** Every change of an environment's log, in seq order. */
export function changesOf(api: ApiServer, environmentId: string): Promise<ChangeRecord[]> {
  return api.store.listChanges(environmentId, 0, 100_000);
}

/** Asserts seqs 1..n without gaps and versions strictly increasing per (kind, key). */
export function assertWellFormedLog(changes: readonly ChangeRecord[]): void {
  changes.forEach((c, i) => assert.equal(c.seq, i + 1, `seq ${c.seq} at position ${i}`));
  const last = new Map<string, number>();
  for (const c of changes) {
    const id = `${c.kind}:${c.key}`;
    const previous = last.get(id) ?? 0;
    assert.ok(c.version > previous, `${id}: version ${c.version} after ${previous}`);
    last.set(id, c.version);
  }
}

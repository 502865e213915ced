import type { ApiClient } from './api-client.js';

// What the hostile-input suite knows of the server between requests: the projects,
// environments, flags, segments, filters and tokens it holds (the vocabulary requests are built
// from), and how to put the reference data back when a request deleted it.

export interface WorldEnvironment {
  readonly projectKey: string;
  readonly key: string;
  readonly id: string;
  readonly sdkKey: string;
  /** As the API represents it. */
  readonly doc: Record<string, unknown>;
}

export interface World {
  readonly projects: readonly string[];
  readonly environments: readonly WorldEnvironment[];
  /** Flag representations (archived included), by project. */
  readonly flags: readonly { projectKey: string; doc: Record<string, unknown> }[];
  readonly segments: readonly {
    projectKey: string;
    envKey: string;
    doc: Record<string, unknown>;
  }[];
  readonly filters: readonly { projectKey: string; doc: Record<string, unknown> }[];
  /** Each environment's export (`{flags, segments}`), keyed `project/env`. */
  readonly exports: ReadonlyMap<string, Record<string, unknown>>;
  /** Token ids the suite may revoke: every one but the admin's it works with. */
  readonly tokenIds: readonly string[];
}

export const v1 = '/api/v1';
export const seg = encodeURIComponent;

/** What the server holds: every project, or only `project` (when it exists). */
export async function readWorld(
  api: ApiClient,
  adminName: string,
  project?: string,
): Promise<World> {
  const listed = (await api.expect(200, 'GET', `${v1}/projects`)).body.items as { key: string }[];
  const projects = listed.map((p) => p.key).filter((p) => project === undefined || p === project);
  const environments: WorldEnvironment[] = [];
  const flags: World['flags'][number][] = [];
  const segments: World['segments'][number][] = [];
  const filters: World['filters'][number][] = [];
  const exports = new Map<string, Record<string, unknown>>();
  for (const p of projects) {
    const base = `${v1}/projects/${seg(p)}`;
    const envs = (await api.expect(200, 'GET', `${base}/environments`)).body.items as {
      key: string;
      clientSideId: string;
      sdkKey: string;
    }[];
    for (const e of envs) {
      const doc = e as unknown as Record<string, unknown>;
      environments.push({ projectKey: p, key: e.key, id: e.clientSideId, sdkKey: e.sdkKey, doc });
      const envBase = `${base}/environments/${seg(e.key)}`;
      for (const doc of (await api.expect(200, 'GET', `${envBase}/segments`)).body.items)
        segments.push({ projectKey: p, envKey: e.key, doc });
      exports.set(`${p}/${e.key}`, (await api.expect(200, 'GET', `${envBase}/data`)).body);
    }
    for (const doc of (await api.expect(200, 'GET', `${base}/flags?archived=all`)).body.items)
      flags.push({ projectKey: p, doc });
    for (const doc of (await api.expect(200, 'GET', `${base}/filters`)).body.items)
      filters.push({ projectKey: p, doc });
  }
  const tokens = (await api.expect(200, 'GET', `${v1}/tokens`)).body.items as {
    id: string;
    name: string;
  }[];
  const tokenIds = tokens.filter((t) => t.name !== adminName).map((t) => t.id);
  return { projects, environments, flags, segments, filters, exports, tokenIds };
}

export const REFERENCE_PROJECT = 'default';

/**
 * Puts the reference data back where a request removed it (every create answers 201, or 409 when
 * the item is still there): project `default` with environments `production` and `test`, flags
 * with rules, a rollout, a prerequisite and a segment reference, a segment with rules, a filter.
 */
export async function restoreReference(api: ApiClient): Promise<void> {
  const ok = [201, 409];
  const base = `${v1}/projects/${REFERENCE_PROJECT}`;
  await api.expect(ok, 'POST', `${v1}/projects`, { key: REFERENCE_PROJECT, name: 'Default' });
  for (const key of ['production', 'test'])
    await api.expect(ok, 'POST', `${base}/environments`, { key, name: key });
  await api.expect(ok, 'POST', `${base}/environments/production/segments`, {
    key: 'beta',
    included: ['u-1'],
    rules: [
      { id: 'r', clauses: [{ attribute: 'plan', op: 'in', values: ['gold'] }], weight: 50000 },
    ],
  });
  const on = {
    on: true,
    clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
  };
  await api.expect(ok, 'POST', `${base}/flags`, {
    key: 'checkout',
    tags: ['web'],
    variations: [{ value: true }, { value: false }],
    environments: {
      production: {
        ...on,
        rules: [
          {
            id: 'staff',
            clauses: [{ attribute: 'email', op: 'endsWith', values: ['@example.com'] }],
            variation: 0,
          },
          {
            id: 'beta',
            clauses: [{ attribute: 'key', op: 'segmentMatch', values: ['beta'] }],
            variation: 0,
          },
        ],
        fallthrough: { variation: 1 },
      },
      test: {
        ...on,
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 30000 },
              { variation: 1, weight: 70000 },
            ],
          },
        },
      },
    },
  });
  await api.expect(ok, 'POST', `${base}/flags`, {
    key: 'banner',
    variations: [{ value: 'Welcome!' }, { value: { text: 'Sale', n: [1, 2] } }, { value: 3.5 }],
    environments: {
      production: {
        ...on,
        prerequisites: [{ key: 'checkout', variation: 0 }],
        targets: [{ values: ['u-1'], variation: 1 }],
        contextTargets: [{ contextKind: 'org', values: ['acme'], variation: 2 }],
      },
    },
  });
  await api.expect(ok, 'POST', `${base}/filters`, {
    key: 'web',
    tags: ['web'],
    flagKeys: ['banner'],
  });
}

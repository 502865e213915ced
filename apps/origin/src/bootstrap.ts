import { randomUUID } from 'node:crypto';
import type { Store } from '@vexil/store';
import { newApiToken, sha256Hex } from './domain/secrets.js';
import type { Origin } from './origin.js';

/**
 * Makes `secret` a valid admin token (idempotent: an existing token with the same secret is
 * kept). Returns whether a token was created.
 */
export async function ensureAdminToken(
  store: Store,
  secret: string,
  name: string,
  now = Date.now(),
): Promise<boolean> {
  const hash = sha256Hex(secret);
  return store.transaction(async (tx) => {
    const existing = await tx.getTokenByHash(hash);
    if (existing !== undefined && existing.revokedAt === undefined) return false;
    const id = existing?.id ?? randomUUID();
    await tx.putToken({
      id,
      name,
      role: 'admin',
      hash,
      createdAt: existing?.createdAt ?? now,
    });
    await tx.appendAudit({
      at: now,
      actor: 'system',
      action: 'token.create',
      resourceKind: 'token',
      resourceKey: id,
      before: null,
      after: { id, name, role: 'admin' },
    });
    return true;
  });
}

export { newApiToken };

export interface DemoProject {
  readonly projectKey: string;
  readonly environments: readonly {
    key: string;
    sdkKey: string;
    mobileKey: string;
    clientSideId: string;
  }[];
}

/**
 * On an empty store, creates the demo project `default` with environments `production` and
 * `test` and two example flags, through the same API routes a user would call. Returns
 * undefined when the store already has projects.
 */
export async function seedDemoProject(
  store: Store,
  origin: Origin,
): Promise<DemoProject | undefined> {
  if ((await store.listProjects()).length > 0) return undefined;
  await origin.invoke('POST', '/api/v1/projects', { key: 'default', name: 'Default project' });
  const environments = [];
  for (const [key, name] of [
    ['production', 'Production'],
    ['test', 'Test'],
  ] as const) {
    const env = (await origin.invoke('POST', '/api/v1/projects/default/environments', {
      key,
      name,
    })) as DemoProject['environments'][number];
    environments.push({
      key: env.key,
      sdkKey: env.sdkKey,
      mobileKey: env.mobileKey,
      clientSideId: env.clientSideId,
    });
  }
  await origin.invoke('POST', '/api/v1/projects/default/flags', {
    key: 'new-checkout',
    name: 'New checkout',
    description: 'Serve the redesigned checkout flow; a 30/70 rollout in test.',
    tags: ['checkout', 'example'],
    variations: [
      { value: true, name: 'New checkout' },
      { value: false, name: 'Old checkout' },
    ],
    temporary: true,
    environments: {
      production: {
        on: true,
        clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
        rules: [
          {
            id: 'internal-users',
            description: 'Employees see it first',
            clauses: [
              { contextKind: 'user', attribute: 'email', op: 'endsWith', values: ['@example.com'] },
            ],
            variation: 0,
          },
        ],
        fallthrough: { variation: 1 },
      },
      test: {
        on: true,
        clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
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
  await origin.invoke('POST', '/api/v1/projects/default/flags', {
    key: 'banner-text',
    name: 'Banner text',
    description: 'The text of the site banner.',
    tags: ['example'],
    variations: [{ value: 'Welcome!' }, { value: 'Spring sale: 20% off' }, { value: '' }],
    temporary: false,
    defaults: { onVariation: 0, offVariation: 2 },
    environments: {
      production: {
        on: true,
        clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
      },
      test: {
        on: true,
        clientSideAvailability: { usingMobileKey: true, usingEnvironmentId: true },
      },
    },
  });
  return { projectKey: 'default', environments };
}

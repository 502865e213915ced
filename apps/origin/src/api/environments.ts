import type { EnvironmentRecord, ExpiringKey, StoreTransaction, TokenRole } from '@vexil/store';
import { ApiError, validationFailed } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import { seedFilters } from '../domain/commit.js';
import { defaultTargeting, sdkFlag } from '../domain/flag-model.js';
import { newClientSideId, newMobileKey, newSdkKey } from '../domain/secrets.js';
import {
  lockEnvironments,
  lockFlags,
  read,
  requireEnvironment,
  requireEnvironmentForUpdate,
  requireProject,
  write,
  type ApiDeps,
} from './deps.js';
import { applyJsonPatch, type Operation } from './json-patch.js';
import { ref } from './schemas.js';

interface EnvironmentInput {
  key: string;
  name: string;
  secureMode?: boolean;
}

/** What a PATCH may change; the rest of the view is read-only (keys rotate on their own route). */
const SETTINGS = ['name', 'secureMode', 'requireApproval'] as const;
type EnvironmentSettings = Required<Pick<EnvironmentRecord, (typeof SETTINGS)[number]>>;
const settingsOf = (env: EnvironmentRecord): EnvironmentSettings => ({
  name: env.name,
  secureMode: env.secureMode,
  requireApproval: env.requireApproval === true,
});

/** A key as a `reader` token sees it: enough to tell keys apart, not enough to use one. */
export function maskKey(key: string): string {
  return `${key.slice(0, 4)}…${key.slice(-4)}`;
}

/**
 * The API view; an old key past its expiry no longer works, so it is no longer listed. Keys are
 * secrets: a `reader` token (dashboards, reporting) sees them masked.
 */
export function environmentView(env: EnvironmentRecord, now: number, role: TokenRole = 'admin') {
  const shown = role === 'reader' ? maskKey : (key: string) => key;
  const live = (k: ExpiringKey | undefined) =>
    k !== undefined && k.expiresAt > now ? { ...k, key: shown(k.key) } : undefined;
  const expiringSdkKey = live(env.expiringSdkKey);
  const expiringMobileKey = live(env.expiringMobileKey);
  return {
    key: env.key,
    name: env.name,
    projectKey: env.projectKey,
    sdkKey: shown(env.sdkKey),
    mobileKey: shown(env.mobileKey),
    clientSideId: env.id,
    secureMode: env.secureMode,
    requireApproval: env.requireApproval === true,
    ...(expiringSdkKey === undefined ? {} : { expiringSdkKey }),
    ...(expiringMobileKey === undefined ? {} : { expiringMobileKey }),
    seq: env.seq,
    createdAt: env.createdAt,
  };
}

/** A new environment serves every flag of its project, off, from its first sequence number. */
async function seedFlags(tx: StoreTransaction, env: EnvironmentRecord, now: number): Promise<void> {
  for (const flag of await lockFlags(tx, env.projectKey)) {
    const targeting = defaultTargeting(flag.variations.length);
    if (!flag.archived) {
      targeting.version = (await tx.getItemVersion(env.id, 'flag', flag.key)) + 1;
      const item = sdkFlag(flag, targeting, targeting.version);
      await tx.appendChange(env.id, {
        kind: 'flag',
        key: flag.key,
        version: targeting.version,
        item,
      });
    }
    flag.environments[env.key] = targeting;
    flag.updatedAt = now;
    await tx.putFlag(flag);
  }
}

const ENVIRONMENTS = '/api/v1/projects/{projectKey}/environments';
const ENVIRONMENT = `${ENVIRONMENTS}/{environmentKey}` as const;
const ROTATE_KEY = `${ENVIRONMENT}/keys/{keyKind}/rotate` as const;

export function environmentRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: ENVIRONMENTS,
      summary: "List a project's environments with their keys (masked for reader tokens)",
      tag: 'environments',
      role: 'reader',
      responses: {
        200: {
          description: 'environments',
          schema: {
            type: 'object',
            properties: { items: { type: 'array', items: ref('Environment') } },
          },
        },
      },
      handle: (ctx) => listEnvironments(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: ENVIRONMENTS,
      summary: 'Create an environment with new SDK key, mobile key and client-side ID',
      tag: 'environments',
      role: 'admin',
      body: { schema: ref('EnvironmentInput') },
      responses: {
        201: { description: 'created', schema: ref('Environment') },
        409: { description: 'the key is taken' },
      },
      handle: (ctx) => createEnvironment(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: ENVIRONMENT,
      summary: 'Get an environment with its keys (masked for reader tokens)',
      tag: 'environments',
      role: 'reader',
      responses: {
        200: { description: 'the environment', schema: ref('Environment') },
        404: { description: 'not found' },
      },
      handle: (ctx) => getEnvironment(deps, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: ENVIRONMENT,
      summary: 'Delete an environment, its segments and its targeting of every flag',
      tag: 'environments',
      role: 'admin',
      responses: { 204: { description: 'deleted' }, 404: { description: 'not found' } },
      handle: (ctx) => deleteEnvironment(deps, ctx),
    }),
    defineRoute({
      method: 'PATCH',
      path: ENVIRONMENT,
      summary:
        'Change an environment\'s name or secure mode with a JSON Patch, e.g. [{"op":"replace","path":"/secureMode","value":true}]',
      tag: 'environments',
      role: 'admin',
      body: {
        schema: ref('JsonPatch'),
        mediaTypes: ['application/json-patch+json', 'application/json'],
      },
      responses: {
        200: { description: 'the updated environment', schema: ref('Environment') },
        400: {
          description: 'the patch changes a read-only field or gives a setting a wrong value',
          schema: ref('Error'),
        },
        404: { description: 'not found' },
      },
      handle: (ctx) => patchEnvironment(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: ROTATE_KEY,
      summary:
        'Rotate the SDK key (keyKind sdk) or mobile key (keyKind mobile); the old key may keep working until an expiry',
      tag: 'environments',
      role: 'admin',
      body: { schema: ref('RotateKeyInput'), optional: true },
      responses: {
        200: { description: 'the environment with its new key', schema: ref('Environment') },
      },
      handle: (ctx) => rotateKey(deps, ctx),
    }),
  ];
}

async function listEnvironments(
  deps: ApiDeps,
  { params: { projectKey }, actor }: RouteContext<typeof ENVIRONMENTS>,
): Promise<Reply> {
  const items = await read(async () => {
    await requireProject(deps.store, projectKey);
    return deps.store.listEnvironments(projectKey);
  });
  return {
    body: { items: items.map((e) => environmentView(e, deps.now(), actor.role)) },
  };
}

async function createEnvironment(
  deps: ApiDeps,
  { params: { projectKey }, body, actor }: RouteContext<typeof ENVIRONMENTS>,
): Promise<Reply> {
  const input = body as EnvironmentInput;
  const taken = () =>
    new ApiError(
      'CONFLICT',
      `environment "${input.key}" already exists in project "${projectKey}"`,
    );
  const created = await write(deps, async (tx, changed) => {
    const project = await requireProject(tx, projectKey);
    await lockEnvironments(tx, project.key);
    if ((await tx.getEnvironment(project.key, input.key)) !== undefined) throw taken();
    const now = deps.now();
    const env: EnvironmentRecord = {
      id: newClientSideId(),
      projectKey: project.key,
      key: input.key,
      name: input.name,
      sdkKey: newSdkKey(),
      mobileKey: newMobileKey(),
      secureMode: input.secureMode ?? false,
      seq: 0,
      createdAt: now,
    };
    await tx.putEnvironment(env);
    await seedFlags(tx, env, now);
    await seedFilters(tx, env);
    changed.add(env.id);
    await tx.appendAudit({
      at: now,
      actor: actor.name,
      action: 'environment.create',
      projectKey: project.key,
      environmentKey: env.key,
      resourceKind: 'environment',
      resourceKey: env.key,
      before: null,
      after: {
        key: env.key,
        name: env.name,
        clientSideId: env.id,
        secureMode: env.secureMode,
      },
    });
    return (await tx.getEnvironment(project.key, env.key)) ?? env;
  }).catch((e: unknown) => {
    // The store's unique key catches a concurrent create that the locks could not (the
    // project's first environment): the same conflict, said the same way.
    throw e instanceof ApiError && e.code === 'CONFLICT' ? taken() : e;
  });
  deps.directoryChanged();
  return { status: 201, body: environmentView(created, deps.now()) };
}

async function getEnvironment(
  deps: ApiDeps,
  { params: { projectKey, environmentKey }, actor }: RouteContext<typeof ENVIRONMENT>,
): Promise<Reply> {
  return {
    body: environmentView(
      await read(() => requireEnvironment(deps.store, projectKey, environmentKey)),
      deps.now(),
      actor.role,
    ),
  };
}

async function deleteEnvironment(
  deps: ApiDeps,
  { params: { projectKey, environmentKey }, actor }: RouteContext<typeof ENVIRONMENT>,
): Promise<Reply> {
  await write(deps, async (tx) => {
    const env = await requireEnvironment(tx, projectKey, environmentKey);
    // Environments first, then flags: the order of every write that locks both.
    await lockEnvironments(tx, env.projectKey);
    for (const flag of await lockFlags(tx, env.projectKey)) {
      if (flag.environments[env.key] === undefined) continue;
      delete flag.environments[env.key];
      await tx.putFlag(flag);
    }
    await tx.deleteEnvironment(env.projectKey, env.key);
    await tx.appendAudit({
      at: deps.now(),
      actor: actor.name,
      action: 'environment.delete',
      projectKey: env.projectKey,
      environmentKey: env.key,
      resourceKind: 'environment',
      resourceKey: env.key,
      before: { key: env.key, name: env.name, clientSideId: env.id },
      after: null,
    });
  });
  deps.directoryChanged();
  return { status: 204 };
}

/** The settings a JSON Patch of the environment's view asks for; 400 if it touches anything else. */
function patchedSettings(
  view: ReturnType<typeof environmentView>,
  operations: readonly Operation[],
  schemas: SchemaRegistry,
): EnvironmentSettings {
  const current = view as Record<string, unknown>;
  const patched = applyJsonPatch(current, operations);
  const readOnly = [...new Set([...Object.keys(current), ...Object.keys(patched)])].filter(
    (f) =>
      !(SETTINGS as readonly string[]).includes(f) &&
      JSON.stringify(patched[f]) !== JSON.stringify(current[f]),
  );
  if (readOnly.length > 0) {
    const rotate = ' (rotate keys with POST .../keys/{sdk|mobile}/rotate)';
    throw validationFailed(
      readOnly.map((path) => ({
        path,
        message: `is read-only: a PATCH changes only ${SETTINGS.join(' and ')}${path.endsWith('Key') ? rotate : ''}`,
      })),
    );
  }
  const settings = {
    name: patched['name'],
    secureMode: patched['secureMode'],
    requireApproval: patched['requireApproval'],
  };
  schemas.check(ref('EnvironmentSettings'), settings, '');
  return settings as EnvironmentSettings;
}

/**
 * Changes an environment's settings (its name, secure mode) with a JSON Patch of its view, as
 * LaunchDarkly's API does. Both reach the edges through the directory: the name is in the
 * environment's descriptor, secure mode decides whether its entry carries the verification keys.
 */
/** Settings as the audit log shows them: requireApproval only when it is, or was, on. */
function auditedSettings(settings: EnvironmentSettings, other: EnvironmentSettings) {
  const { requireApproval, ...rest } = settings;
  return requireApproval || other.requireApproval ? { ...rest, requireApproval } : rest;
}

async function patchEnvironment(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, environmentKey }, body, actor }: RouteContext<typeof ENVIRONMENT>,
): Promise<Reply> {
  let changed = false;
  const updated = await write(deps, async (tx) => {
    const env = await requireEnvironmentForUpdate(tx, projectKey, environmentKey);
    const now = deps.now();
    const before = settingsOf(env);
    const after = patchedSettings(environmentView(env, now), body as Operation[], schemas);
    if (
      before.name === after.name &&
      before.secureMode === after.secureMode &&
      before.requireApproval === after.requireApproval
    )
      return env;
    const next: EnvironmentRecord = { ...env, ...after };
    await tx.putEnvironment(next);
    await tx.appendAudit({
      at: now,
      actor: actor.name,
      action: 'environment.update',
      projectKey: env.projectKey,
      environmentKey: env.key,
      resourceKind: 'environment',
      resourceKey: env.key,
      before: auditedSettings(before, after),
      after: auditedSettings(after, before),
    });
    changed = true;
    return next;
  });
  if (changed) deps.directoryChanged();
  return { body: environmentView(updated, deps.now()) };
}

async function rotateKey(
  deps: ApiDeps,
  { params, body, actor }: RouteContext<typeof ROTATE_KEY>,
): Promise<Reply> {
  const kind = params.keyKind;
  if (kind !== 'sdk' && kind !== 'mobile') {
    throw new ApiError('NOT_FOUND', `unknown key kind "${kind}": rotate "sdk" or "mobile"`);
  }
  const expiresIn = (body as { expiresInSeconds?: number } | undefined)?.expiresInSeconds ?? 0;
  const updated = await write(deps, async (tx) => {
    const env = await requireEnvironmentForUpdate(tx, params.projectKey, params.environmentKey);
    const now = deps.now();
    const old = kind === 'sdk' ? env.sdkKey : env.mobileKey;
    const expiring = expiresIn > 0 ? { key: old, expiresAt: now + expiresIn * 1000 } : undefined;
    const next: EnvironmentRecord = { ...env };
    if (kind === 'sdk') {
      next.sdkKey = newSdkKey();
      delete next.expiringSdkKey;
      if (expiring !== undefined) next.expiringSdkKey = expiring;
    } else {
      next.mobileKey = newMobileKey();
      delete next.expiringMobileKey;
      if (expiring !== undefined) next.expiringMobileKey = expiring;
    }
    await tx.putEnvironment(next);
    await tx.appendAudit({
      at: now,
      actor: actor.name,
      action: `environment.rotate-${kind}-key`,
      projectKey: env.projectKey,
      environmentKey: env.key,
      resourceKind: 'environment',
      resourceKey: env.key,
      before: null,
      after: { keyKind: kind, oldKeyExpiresAt: expiring?.expiresAt ?? now },
    });
    return next;
  });
  deps.directoryChanged();
  return { body: environmentView(updated, deps.now()) };
}

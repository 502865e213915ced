import type { FlagRecord, StoreTransaction } from '@vexil/store';
import { commitFlag } from '../domain/commit.js';
import { defaultTargeting, flagRepresentation } from '../domain/flag-model.js';
import {
  assertNotPrerequisite,
  assertNotPrerequisiteIn,
  assertValidFlag,
} from '../domain/flag-validation.js';
import { ApiError, notFound } from '../http/api-error.js';
import {
  defineRoute,
  type Actor,
  type Reply,
  type Route,
  type RouteContext,
} from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import { assertPatchKeepsVariationsInUse } from '../domain/variation-usage.js';
import {
  etag,
  ifMatchVersion,
  loadForWrite,
  lockEnvironments,
  read,
  requireProject,
  write,
  type ApiDeps,
} from './deps.js';
import {
  assertDefaultsInRange,
  assertKnownEnvironments,
  recordFromRepresentation,
  type FlagInput,
} from './flag-input.js';
import { applyJsonPatch, type Operation } from './json-patch.js';
import { requestApprovalIfRequired } from './change-requests.js';
import { ref } from './schemas.js';

const FLAGS = '/api/v1/projects/{projectKey}/flags';
const FLAG = `${FLAGS}/{flagKey}` as const;

export function flagRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: FLAGS,
      summary: 'List flags, filtered by tag and searched by text',
      tag: 'flags',
      role: 'reader',
      query: {
        tag: { type: 'string', description: 'only flags with this tag' },
        q: {
          type: 'string',
          description: 'text to find in key, name or description (case-insensitive)',
        },
        archived: {
          enum: ['true', 'false', 'all'],
          description: 'archived flags: false (default), true or all',
        },
      },
      responses: { 200: { description: 'flags', schema: ref('FlagList') } },
      handle: (ctx) => listFlags(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: FLAGS,
      summary: 'Create a flag (definition and, optionally, targeting per environment)',
      tag: 'flags',
      role: 'writer',
      body: { schema: ref('FlagInput') },
      responses: {
        201: { description: 'created', schema: ref('Flag') },
        400: { description: 'invalid flag', schema: ref('Error') },
        409: { description: 'the key is taken' },
      },
      handle: (ctx) => createFlag(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: FLAG,
      summary: 'Get a flag with its targeting in every environment',
      tag: 'flags',
      role: 'reader',
      responses: {
        200: { description: 'the flag; ETag is its version', schema: ref('Flag') },
        404: { description: 'not found' },
      },
      handle: (ctx) => getFlag(deps, ctx),
    }),
    defineRoute({
      method: 'PATCH',
      path: FLAG,
      summary: 'Change a flag with a JSON Patch; If-Match: "<version>" makes the write conditional',
      tag: 'flags',
      role: 'writer',
      body: {
        schema: ref('JsonPatch'),
        mediaTypes: ['application/json-patch+json', 'application/json'],
      },
      responses: {
        200: { description: 'the updated flag', schema: ref('Flag') },
        202: {
          description:
            'not applied: it changes targeting in an environment that requires approval, so it became a change request (approve it with POST .../change-requests/{id}/approve)',
          schema: ref('ChangeRequest'),
        },
        400: { description: 'the patch or the resulting flag is invalid', schema: ref('Error') },
        409: {
          description:
            "If-Match version mismatch, a failed test operation, archiving a flag that other flags have as a prerequisite, or removing or moving a variation that targeting left unchanged (or another flag's prerequisite) still uses; PATCH /settings moves targeting with the variations",
          schema: ref('Error'),
        },
      },
      handle: (ctx) => patchFlag(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: FLAG,
      summary: 'Delete a flag from every environment',
      tag: 'flags',
      role: 'writer',
      responses: {
        204: { description: 'deleted' },
        404: { description: 'not found' },
        409: {
          description: 'another flag has it as a prerequisite, or If-Match version mismatch',
          schema: ref('Error'),
        },
      },
      handle: (ctx) => deleteFlag(deps, ctx),
    }),
  ];
}

async function listFlags(
  deps: ApiDeps,
  { params: { projectKey }, query }: RouteContext<typeof FLAGS>,
): Promise<Reply> {
  const { flags, envKeys } = await read(async () => {
    await requireProject(deps.store, projectKey);
    const [flags, envs] = await Promise.all([
      deps.store.listFlags(projectKey),
      deps.store.listEnvironments(projectKey),
    ]);
    return { flags, envKeys: envs.map((e) => e.key) };
  });
  const items = flags.filter(listed(query)).map((f) => flagRepresentation(f, envKeys));
  return { body: { items, totalCount: items.length } };
}

/** Whether a flag is in the list that the query's `archived`, `tag` and `q` ask for. */
function listed(query: Readonly<Record<string, string>>): (flag: FlagRecord) => boolean {
  const text = query['q']?.toLowerCase();
  const archived = query['archived'] ?? 'false';
  const tag = query['tag'];
  return (f) =>
    (archived === 'all' || f.archived === (archived === 'true')) &&
    (tag === undefined || f.tags.includes(tag)) &&
    (text === undefined ||
      [f.key, f.name, f.description].some((s) => s.toLowerCase().includes(text)));
}

async function createFlag(
  deps: ApiDeps,
  { params: { projectKey }, body, actor }: RouteContext<typeof FLAGS>,
): Promise<Reply> {
  const input = body as FlagInput;
  assertDefaultsInRange(input);
  const representation = await write(deps, async (tx, changed) => {
    await requireProject(tx, projectKey);
    await lockEnvironments(tx, projectKey);
    if ((await tx.getFlag(projectKey, input.key)) !== undefined) {
      throw new ApiError(
        'CONFLICT',
        `flag "${input.key}" already exists in project "${projectKey}"`,
      );
    }
    const envKeys = await envKeysOf(tx, projectKey);
    assertKnownEnvironments(input, envKeys);
    const now = deps.now();
    const record = newFlag(projectKey, input, envKeys, now);
    assertValidFlag(record, await tx.listFlags(projectKey));
    const result = await commitFlag(
      tx,
      projectKey,
      undefined,
      record,
      meta(actor, 'flag.create', now),
    );
    result.environmentIds.forEach((id) => changed.add(id));
    return flagRepresentation(record, envKeys);
  });
  return {
    status: 201,
    body: representation,
    headers: etag(representation['version'] as number),
  };
}

/** A new flag's record: the input's targeting, or the defaults, in every environment. */
function newFlag(
  projectKey: string,
  input: FlagInput,
  envKeys: readonly string[],
  now: number,
): FlagRecord {
  const record: FlagRecord = {
    projectKey,
    key: input.key,
    name: input.name ?? input.key,
    description: input.description ?? '',
    tags: input.tags ?? [],
    variations: input.variations,
    temporary: input.temporary ?? true,
    archived: false,
    environments: {},
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
  for (const envKey of envKeys) {
    record.environments[envKey] = {
      ...defaultTargeting(input.variations.length, input.defaults),
      // LaunchDarkly's flag-level setting, for every environment (one's own targeting wins).
      ...(input.clientSideAvailability === undefined
        ? {}
        : { clientSideAvailability: { ...input.clientSideAvailability } }),
      ...input.environments?.[envKey],
      version: 0,
    };
  }
  return record;
}

async function getFlag(
  deps: ApiDeps,
  { params: { projectKey, flagKey } }: RouteContext<typeof FLAG>,
): Promise<Reply> {
  const { flag, envs } = await read(async () => {
    await requireProject(deps.store, projectKey);
    const [flag, envs] = await Promise.all([
      deps.store.getFlag(projectKey, flagKey),
      deps.store.listEnvironments(projectKey),
    ]);
    return { flag, envs };
  });
  if (flag === undefined) throw notFound(`flag "${flagKey}" in project "${projectKey}"`);
  return {
    body: flagRepresentation(
      flag,
      envs.map((e) => e.key),
    ),
    headers: etag(flag.version),
  };
}

async function patchFlag(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, flagKey }, body, actor, req }: RouteContext<typeof FLAG>,
): Promise<Reply> {
  const operations = body as Operation[];
  const expected = ifMatchVersion(req);
  const requested = await requestApprovalIfRequired(
    deps,
    schemas,
    projectKey,
    flagKey,
    operations,
    expected,
    actor,
  );
  if (requested !== undefined) return requested;
  const representation = await write(deps, async (tx, changed) => {
    await requireProject(tx, projectKey);
    // It can move the flag into or out of a payload filter: see commitFilter in commit.ts.
    if (touchesFilterMembership(operations)) await lockEnvironments(tx, projectKey);
    const before = await loadForWrite(
      tx.getFlagForUpdate(projectKey, flagKey),
      flagName(projectKey, flagKey),
      expected,
    );
    const envKeys = await envKeysOf(tx, projectKey);
    const current = flagRepresentation(before, envKeys);
    const patched = applyJsonPatch(current, operations);
    schemas.check(ref('Flag'), patched, '');
    const after = recordFromRepresentation(before, current, patched, envKeys);
    assertAllowedChange(before, after, await tx.listFlags(projectKey));
    const result = await commitFlag(
      tx,
      projectKey,
      before,
      after,
      meta(actor, patchAction(before, after), deps.now()),
    );
    result.environmentIds.forEach((id) => changed.add(id));
    return flagRepresentation(after, envKeys);
  });
  return { body: representation, headers: etag(representation['version'] as number) };
}

/** Whether a patch can change a flag's tags or `archived`, and so its payload filters. */
export function touchesFilterMembership(operations: readonly Operation[]): boolean {
  const touches = (pointer: unknown) =>
    typeof pointer === 'string' && (pointer === '' || /^\/(tags|archived)(\/|$)/.test(pointer));
  return operations.some((op) => touches(op.path) || touches((op as { from?: unknown }).from));
}

/**
 * Refuses a patched flag that is invalid, or that leaves other flags with a prerequisite it no
 * longer serves: archived, or gone from an environment.
 */
export function assertAllowedChange(
  before: FlagRecord,
  after: FlagRecord,
  projectFlags: readonly FlagRecord[],
): void {
  assertPatchKeepsVariationsInUse(before, after, projectFlags);
  if (after.archived && !before.archived) {
    assertNotPrerequisite(
      before.key,
      projectFlags.filter((f) => !f.archived),
      'archive',
    );
  }
  assertValidFlag(after, projectFlags, before);
  for (const envKey of Object.keys(before.environments))
    if (after.environments[envKey] === undefined)
      assertNotPrerequisiteIn(before.key, projectFlags, envKey);
}

/** The audit action of a patch: archiving and restoring are told apart from other changes. */
export function patchAction(before: FlagRecord, after: FlagRecord): string {
  if (after.archived === before.archived) return 'flag.update';
  return after.archived ? 'flag.archive' : 'flag.restore';
}

async function deleteFlag(
  deps: ApiDeps,
  { params: { projectKey, flagKey }, actor, req }: RouteContext<typeof FLAG>,
): Promise<Reply> {
  const expected = ifMatchVersion(req);
  await write(deps, async (tx, changed) => {
    await requireProject(tx, projectKey);
    await lockEnvironments(tx, projectKey);
    const before = await loadForWrite(
      tx.getFlagForUpdate(projectKey, flagKey),
      flagName(projectKey, flagKey),
      expected,
    );
    // Archived dependents count too: restoring one must not bring back a dangling
    // prerequisite.
    assertNotPrerequisite(before.key, await tx.listFlags(projectKey), 'delete');
    const result = await commitFlag(
      tx,
      projectKey,
      before,
      undefined,
      meta(actor, 'flag.delete', deps.now()),
    );
    result.environmentIds.forEach((id) => changed.add(id));
  });
  return { status: 204 };
}

const flagName = (projectKey: string, flagKey: string) => ({
  what: `flag "${flagKey}"`,
  in: `project "${projectKey}"`,
});

const envKeysOf = async (tx: StoreTransaction, projectKey: string) =>
  (await tx.listEnvironments(projectKey)).map((e) => e.key);

function meta(actor: Actor, action: string, now: number) {
  return { actor: actor.name, action, now };
}

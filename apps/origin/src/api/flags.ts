import type { FlagRecord, StoreTransaction } from '@vexil/store';
import { commitFlag } from '../domain/commit.js';
import { defaultTargeting, flagRepresentation } from '../domain/flag-model.js';
import {
  assertNotPrerequisite,
  assertNotPrerequisiteIn,
  assertValidFlag,
} from '../domain/flag-validation.js';
import { ApiError, notFound } from '../http/api-error.js';
import type { Actor, Route } from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import {
  checkVersion,
  etag,
  ifMatchVersion,
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
import { ref } from './schemas.js';

/** Whether a patch can change a flag's tags or `archived`, and so its payload filters. */
function touchesFilterMembership(operations: readonly Operation[]): boolean {
  const touches = (pointer: unknown) =>
    typeof pointer === 'string' && (pointer === '' || /^\/(tags|archived)(\/|$)/.test(pointer));
  return operations.some((op) => touches(op.path) || touches((op as { from?: unknown }).from));
}

export function flagRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  const base = '/api/v1/projects/{projectKey}/flags';
  const envKeysOf = async (tx: StoreTransaction, projectKey: string) =>
    (await tx.listEnvironments(projectKey)).map((e) => e.key);

  return [
    {
      method: 'GET',
      path: base,
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
      handle: async ({ params, query }) => {
        const projectKey = params['projectKey']!;
        const { flags, envKeys } = await read(async () => {
          await requireProject(deps.store, projectKey);
          const [flags, envs] = await Promise.all([
            deps.store.listFlags(projectKey),
            deps.store.listEnvironments(projectKey),
          ]);
          return { flags, envKeys: envs.map((e) => e.key) };
        });
        const text = query['q']?.toLowerCase();
        const archived = query['archived'] ?? 'false';
        const items = flags
          .filter((f) => archived === 'all' || f.archived === (archived === 'true'))
          .filter((f) => query['tag'] === undefined || f.tags.includes(query['tag']))
          .filter(
            (f) =>
              text === undefined ||
              [f.key, f.name, f.description].some((s) => s.toLowerCase().includes(text)),
          )
          .map((f) => flagRepresentation(f, envKeys));
        return { body: { items, totalCount: items.length } };
      },
    },
    {
      method: 'POST',
      path: base,
      summary: 'Create a flag (definition and, optionally, targeting per environment)',
      tag: 'flags',
      role: 'writer',
      body: { schema: ref('FlagInput') },
      responses: {
        201: { description: 'created', schema: ref('Flag') },
        400: { description: 'invalid flag', schema: ref('Error') },
        409: { description: 'the key is taken' },
      },
      handle: async ({ params, body, actor }) => {
        const input = body as FlagInput;
        const projectKey = params['projectKey']!;
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
              ...input.environments?.[envKey],
              version: 0,
            };
          }
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
      },
    },
    {
      method: 'GET',
      path: `${base}/{flagKey}`,
      summary: 'Get a flag with its targeting in every environment',
      tag: 'flags',
      role: 'reader',
      responses: {
        200: { description: 'the flag; ETag is its version', schema: ref('Flag') },
        404: { description: 'not found' },
      },
      handle: async ({ params }) => {
        const projectKey = params['projectKey']!;
        const { flag, envs } = await read(async () => {
          await requireProject(deps.store, projectKey);
          const [flag, envs] = await Promise.all([
            deps.store.getFlag(projectKey, params['flagKey']!),
            deps.store.listEnvironments(projectKey),
          ]);
          return { flag, envs };
        });
        if (flag === undefined)
          throw notFound(`flag "${params['flagKey']!}" in project "${projectKey}"`);
        return {
          body: flagRepresentation(
            flag,
            envs.map((e) => e.key),
          ),
          headers: etag(flag.version),
        };
      },
    },
    {
      method: 'PATCH',
      path: `${base}/{flagKey}`,
      summary: 'Change a flag with a JSON Patch; If-Match: "<version>" makes the write conditional',
      tag: 'flags',
      role: 'writer',
      body: {
        schema: ref('JsonPatch'),
        mediaTypes: ['application/json-patch+json', 'application/json'],
      },
      responses: {
        200: { description: 'the updated flag', schema: ref('Flag') },
        400: { description: 'the patch or the resulting flag is invalid', schema: ref('Error') },
        409: {
          description:
            'If-Match version mismatch, a failed test operation, or archiving a flag that other flags have as a prerequisite',
          schema: ref('Error'),
        },
      },
      handle: async ({ params, body, actor, req }) => {
        const projectKey = params['projectKey']!;
        const expected = ifMatchVersion(req);
        const representation = await write(deps, async (tx, changed) => {
          await requireProject(tx, projectKey);
          // It can move the flag into or out of a payload filter: see commitFilter in commit.ts.
          if (touchesFilterMembership(body as Operation[])) await lockEnvironments(tx, projectKey);
          const before = await tx.getFlagForUpdate(projectKey, params['flagKey']!);
          if (before === undefined)
            throw notFound(`flag "${params['flagKey']!}" in project "${projectKey}"`);
          checkVersion(`flag "${before.key}"`, before.version, expected);
          const envKeys = await envKeysOf(tx, projectKey);
          const current = flagRepresentation(before, envKeys);
          const patched = applyJsonPatch(current, body as Operation[]);
          schemas.check(ref('Flag'), patched, '');
          const after = recordFromRepresentation(before, current, patched, envKeys);
          const projectFlags = await tx.listFlags(projectKey);
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
          const action =
            after.archived !== before.archived
              ? after.archived
                ? 'flag.archive'
                : 'flag.restore'
              : 'flag.update';
          const result = await commitFlag(
            tx,
            projectKey,
            before,
            after,
            meta(actor, action, deps.now()),
          );
          result.environmentIds.forEach((id) => changed.add(id));
          return flagRepresentation(after, envKeys);
        });
        return { body: representation, headers: etag(representation['version'] as number) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{flagKey}`,
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
      handle: async ({ params, actor, req }) => {
        const projectKey = params['projectKey']!;
        const expected = ifMatchVersion(req);
        await write(deps, async (tx, changed) => {
          await requireProject(tx, projectKey);
          await lockEnvironments(tx, projectKey);
          const before = await tx.getFlagForUpdate(projectKey, params['flagKey']!);
          if (before === undefined)
            throw notFound(`flag "${params['flagKey']!}" in project "${projectKey}"`);
          checkVersion(`flag "${before.key}"`, before.version, expected);
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
      },
    },
  ];
}

function meta(actor: Actor, action: string, now: number) {
  return { actor: actor.name, action, now };
}

import type { FilterRecord } from '@vexil/store';
import { commitFilter, type CommitMeta } from '../domain/commit.js';
import { filterRepresentation } from '../domain/filter-model.js';
import { ApiError, notFound, validationFailed } from '../http/api-error.js';
import type { Actor, Route } from '../http/router.js';
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
import { ref } from './schemas.js';

// Payload filters (docs/api.md): a project's named subsets of flags, which SDKs ask for with
// LaunchDarkly's `filter` parameter (`payloadFilterKey`). A filter names flags by key and by tag;
// PUT replaces its definition.

interface FilterInput {
  readonly key?: string;
  readonly name?: string;
  readonly description?: string;
  readonly flagKeys?: string[];
  readonly tags?: string[];
}

export function filterRoutes(deps: ApiDeps): Route[] {
  const base = '/api/v1/projects/{projectKey}/filters';
  const meta = (actor: Actor, action: string): CommitMeta => ({
    actor: actor.name,
    action,
    now: deps.now(),
  });
  const unique = (values: readonly string[] | undefined) => [...new Set(values ?? [])].sort();

  return [
    {
      method: 'GET',
      path: base,
      summary: "List a project's payload filters, each with the flags it serves now",
      tag: 'filters',
      role: 'reader',
      responses: { 200: { description: 'payload filters', schema: ref('FilterList') } },
      handle: async ({ params }) => {
        const projectKey = params['projectKey']!;
        const { filters, flags } = await read(async () => {
          await requireProject(deps.store, projectKey);
          const [filters, flags] = await Promise.all([
            deps.store.listFilters(projectKey),
            deps.store.listFlags(projectKey),
          ]);
          return { filters, flags };
        });
        return { body: { items: filters.map((f) => filterRepresentation(f, flags)) } };
      },
    },
    {
      method: 'POST',
      path: base,
      summary: 'Create a payload filter',
      tag: 'filters',
      role: 'writer',
      body: { schema: ref('FilterInput') },
      responses: {
        201: { description: 'created', schema: ref('Filter') },
        409: { description: 'the key is taken' },
      },
      handle: async ({ params, body, actor }) => {
        const input = body as FilterInput;
        if (input.key === undefined)
          throw validationFailed([{ path: '/key', message: 'is required to create a filter' }]);
        const filterKey = input.key;
        const projectKey = params['projectKey']!;
        const representation = await write(deps, async (tx, changed) => {
          await requireProject(tx, projectKey);
          // Locked first, so that a concurrent create of the same key waits and then sees it.
          await lockEnvironments(tx, projectKey);
          if ((await tx.getFilter(projectKey, filterKey)) !== undefined) {
            throw new ApiError(
              'CONFLICT',
              `payload filter "${filterKey}" already exists in project "${projectKey}"`,
            );
          }
          const now = deps.now();
          const record: FilterRecord = {
            projectKey,
            key: filterKey,
            name: input.name ?? filterKey,
            description: input.description ?? '',
            flagKeys: unique(input.flagKeys),
            tags: unique(input.tags),
            version: 0,
            createdAt: now,
            updatedAt: now,
          };
          const result = await commitFilter(tx, projectKey, undefined, record, {
            ...meta(actor, 'filter.create'),
            now,
          });
          result.environmentIds.forEach((id) => changed.add(id));
          return filterRepresentation(record, await tx.listFlags(projectKey));
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
      path: `${base}/{filterKey}`,
      summary: 'Get a payload filter and the flags it serves now',
      tag: 'filters',
      role: 'reader',
      responses: {
        200: { description: 'the filter; ETag is its version', schema: ref('Filter') },
        404: { description: 'not found' },
      },
      handle: async ({ params }) => {
        const projectKey = params['projectKey']!;
        const { filter, flags } = await read(async () => {
          await requireProject(deps.store, projectKey);
          const [filter, flags] = await Promise.all([
            deps.store.getFilter(projectKey, params['filterKey']!),
            deps.store.listFlags(projectKey),
          ]);
          return { filter, flags };
        });
        if (filter === undefined)
          throw notFound(`payload filter "${params['filterKey']!}" in project "${projectKey}"`);
        return { body: filterRepresentation(filter, flags), headers: etag(filter.version) };
      },
    },
    {
      method: 'PUT',
      path: `${base}/{filterKey}`,
      summary: 'Replace a payload filter\'s definition; If-Match: "<version>" makes it conditional',
      tag: 'filters',
      role: 'writer',
      body: { schema: ref('FilterInput') },
      responses: {
        200: { description: 'the updated filter', schema: ref('Filter') },
        400: { description: 'the body names another key', schema: ref('Error') },
        404: { description: 'not found' },
        409: { description: 'If-Match version mismatch', schema: ref('Error') },
      },
      handle: async ({ params, body, actor, req }) => {
        const input = body as FilterInput;
        const projectKey = params['projectKey']!;
        const filterKey = params['filterKey']!;
        if (input.key !== undefined && input.key !== filterKey) {
          throw validationFailed([
            {
              path: '/key',
              message: `is "${input.key}", not the filter's key "${filterKey}"; a filter's key cannot change`,
            },
          ]);
        }
        const expected = ifMatchVersion(req);
        const representation = await write(deps, async (tx, changed) => {
          await requireProject(tx, projectKey);
          const before = await tx.getFilterForUpdate(projectKey, filterKey);
          if (before === undefined)
            throw notFound(`payload filter "${filterKey}" in project "${projectKey}"`);
          checkVersion(`payload filter "${filterKey}"`, before.version, expected);
          const after: FilterRecord = {
            ...before,
            name: input.name ?? before.name,
            description: input.description ?? before.description,
            flagKeys: unique(input.flagKeys),
            tags: unique(input.tags),
          };
          const result = await commitFilter(
            tx,
            projectKey,
            before,
            after,
            meta(actor, 'filter.update'),
          );
          result.environmentIds.forEach((id) => changed.add(id));
          return filterRepresentation(after, await tx.listFlags(projectKey));
        });
        return { body: representation, headers: etag(representation['version'] as number) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{filterKey}`,
      summary: 'Delete a payload filter; SDKs that ask for it are refused from then on',
      tag: 'filters',
      role: 'writer',
      responses: { 204: { description: 'deleted' }, 404: { description: 'not found' } },
      handle: async ({ params, actor, req }) => {
        const projectKey = params['projectKey']!;
        const filterKey = params['filterKey']!;
        const expected = ifMatchVersion(req);
        await write(deps, async (tx, changed) => {
          await requireProject(tx, projectKey);
          const before = await tx.getFilterForUpdate(projectKey, filterKey);
          if (before === undefined)
            throw notFound(`payload filter "${filterKey}" in project "${projectKey}"`);
          checkVersion(`payload filter "${filterKey}"`, before.version, expected);
          const result = await commitFilter(
            tx,
            projectKey,
            before,
            undefined,
            meta(actor, 'filter.delete'),
          );
          result.environmentIds.forEach((id) => changed.add(id));
        });
        return { status: 204 };
      },
    },
  ];
}

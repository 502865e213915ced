import type { FilterRecord } from '@vexil/store';
import { commitFilter, type CommitMeta } from '../domain/commit.js';
import { filterRepresentation } from '../domain/filter-model.js';
import { ApiError, notFound, validationFailed } from '../http/api-error.js';
import {
  defineRoute,
  type Actor,
  type Reply,
  type Route,
  type RouteContext,
} from '../http/router.js';
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
import { ref } from './schemas.js';

// Payload filters (docs/protocol.md section 4.7): a project's named subsets of flags, which SDKs
// ask for with LaunchDarkly's `filter` parameter (`payloadFilterKey`). A filter names flags by key
// and by tag; PUT replaces its definition.

interface FilterInput {
  readonly key?: string;
  readonly name?: string;
  readonly description?: string;
  readonly flagKeys?: string[];
  readonly tags?: string[];
}

const FILTERS = '/api/v1/projects/{projectKey}/filters';
const FILTER = `${FILTERS}/{filterKey}` as const;

export function filterRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: FILTERS,
      summary: "List a project's payload filters, each with the flags it serves now",
      tag: 'filters',
      role: 'reader',
      responses: { 200: { description: 'payload filters', schema: ref('FilterList') } },
      handle: (ctx) => listFilters(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: FILTERS,
      summary: 'Create a payload filter',
      tag: 'filters',
      role: 'writer',
      body: { schema: ref('FilterInput') },
      responses: {
        201: { description: 'created', schema: ref('Filter') },
        409: { description: 'the key is taken' },
      },
      handle: (ctx) => createFilter(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: FILTER,
      summary: 'Get a payload filter and the flags it serves now',
      tag: 'filters',
      role: 'reader',
      responses: {
        200: { description: 'the filter; ETag is its version', schema: ref('Filter') },
        404: { description: 'not found' },
      },
      handle: (ctx) => getFilter(deps, ctx),
    }),
    defineRoute({
      method: 'PUT',
      path: FILTER,
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
      handle: (ctx) => putFilter(deps, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: FILTER,
      summary: 'Delete a payload filter; SDKs that ask for it are refused from then on',
      tag: 'filters',
      role: 'writer',
      responses: { 204: { description: 'deleted' }, 404: { description: 'not found' } },
      handle: (ctx) => deleteFilter(deps, ctx),
    }),
  ];
}

async function listFilters(
  deps: ApiDeps,
  { params: { projectKey } }: RouteContext<typeof FILTERS>,
): Promise<Reply> {
  const { filters, flags } = await read(async () => {
    await requireProject(deps.store, projectKey);
    const [filters, flags] = await Promise.all([
      deps.store.listFilters(projectKey),
      deps.store.listFlags(projectKey),
    ]);
    return { filters, flags };
  });
  return { body: { items: filters.map((f) => filterRepresentation(f, flags)) } };
}

async function createFilter(
  deps: ApiDeps,
  { params: { projectKey }, body, actor }: RouteContext<typeof FILTERS>,
): Promise<Reply> {
  const input = body as FilterInput;
  if (input.key === undefined)
    throw validationFailed([{ path: '/key', message: 'is required to create a filter' }]);
  const filterKey = input.key;
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
      ...meta(deps, actor, 'filter.create'),
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
}

async function getFilter(
  deps: ApiDeps,
  { params: { projectKey, filterKey } }: RouteContext<typeof FILTER>,
): Promise<Reply> {
  const { filter, flags } = await read(async () => {
    await requireProject(deps.store, projectKey);
    const [filter, flags] = await Promise.all([
      deps.store.getFilter(projectKey, filterKey),
      deps.store.listFlags(projectKey),
    ]);
    return { filter, flags };
  });
  if (filter === undefined)
    throw notFound(`payload filter "${filterKey}" in project "${projectKey}"`);
  return { body: filterRepresentation(filter, flags), headers: etag(filter.version) };
}

async function putFilter(
  deps: ApiDeps,
  { params: { projectKey, filterKey }, body, actor, req }: RouteContext<typeof FILTER>,
): Promise<Reply> {
  const input = body as FilterInput;
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
    const before = await loadForWrite(
      tx.getFilterForUpdate(projectKey, filterKey),
      filterName(projectKey, filterKey),
      expected,
    );
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
      meta(deps, actor, 'filter.update'),
    );
    result.environmentIds.forEach((id) => changed.add(id));
    return filterRepresentation(after, await tx.listFlags(projectKey));
  });
  return { body: representation, headers: etag(representation['version'] as number) };
}

async function deleteFilter(
  deps: ApiDeps,
  { params: { projectKey, filterKey }, actor, req }: RouteContext<typeof FILTER>,
): Promise<Reply> {
  const expected = ifMatchVersion(req);
  await write(deps, async (tx, changed) => {
    await requireProject(tx, projectKey);
    const before = await loadForWrite(
      tx.getFilterForUpdate(projectKey, filterKey),
      filterName(projectKey, filterKey),
      expected,
    );
    const result = await commitFilter(
      tx,
      projectKey,
      before,
      undefined,
      meta(deps, actor, 'filter.delete'),
    );
    result.environmentIds.forEach((id) => changed.add(id));
  });
  return { status: 204 };
}

const filterName = (projectKey: string, filterKey: string) => ({
  what: `payload filter "${filterKey}"`,
  in: `project "${projectKey}"`,
});

const unique = (values: readonly string[] | undefined) => [...new Set(values ?? [])].sort();

function meta(deps: ApiDeps, actor: Actor, action: string): CommitMeta {
  return { actor: actor.name, action, now: deps.now() };
}

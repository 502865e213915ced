import { checkSegment } from '@vexil/evaluation';
import { parseSegment } from '@vexil/protocol';
import type { EnvironmentRecord, SegmentRecord, StoreTransaction } from '@vexil/store';
import { commitSegment } from '../domain/commit.js';
import { newSalt } from '../domain/secrets.js';
import { sdkSegment, segmentRepresentation } from '../domain/segment-model.js';
import { ApiError, notFound, validationFailed } from '../http/api-error.js';
import {
  defineRoute,
  type Actor,
  type Reply,
  type Route,
  type RouteContext,
} from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import {
  etag,
  ifMatchVersion,
  loadForWrite,
  read,
  requireEnvironment,
  requireEnvironmentForUpdate,
  write,
  type ApiDeps,
} from './deps.js';
import { applyJsonPatch, type Operation } from './json-patch.js';
import { ref } from './schemas.js';

type SegmentInput = Partial<Omit<SegmentRecord, 'projectKey' | 'environmentKey'>> & { key: string };

const READ_ONLY = ['key', 'version', 'createdAt', 'updatedAt'] as const;

const SEGMENTS = '/api/v1/projects/{projectKey}/environments/{environmentKey}/segments';
const SEGMENT = `${SEGMENTS}/{segmentKey}` as const;

export function segmentRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: SEGMENTS,
      summary: "List an environment's segments",
      tag: 'segments',
      role: 'reader',
      responses: { 200: { description: 'segments', schema: ref('SegmentList') } },
      handle: (ctx) => listSegments(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: SEGMENTS,
      summary: 'Create a segment',
      tag: 'segments',
      role: 'writer',
      body: { schema: ref('SegmentInput') },
      responses: {
        201: { description: 'created', schema: ref('Segment') },
        409: { description: 'the key is taken' },
      },
      handle: (ctx) => createSegment(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: SEGMENT,
      summary: 'Get a segment',
      tag: 'segments',
      role: 'reader',
      responses: {
        200: { description: 'the segment; ETag is its version', schema: ref('Segment') },
        404: { description: 'not found' },
      },
      handle: (ctx) => getSegment(deps, ctx),
    }),
    defineRoute({
      method: 'PATCH',
      path: SEGMENT,
      summary:
        'Change a segment with a JSON Patch; If-Match: "<version>" makes the write conditional',
      tag: 'segments',
      role: 'writer',
      body: {
        schema: ref('JsonPatch'),
        mediaTypes: ['application/json-patch+json', 'application/json'],
      },
      responses: {
        200: { description: 'the updated segment', schema: ref('Segment') },
        409: { description: 'version mismatch' },
      },
      handle: (ctx) => patchSegment(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: SEGMENT,
      summary: 'Delete a segment',
      tag: 'segments',
      role: 'writer',
      responses: { 204: { description: 'deleted' }, 404: { description: 'not found' } },
      handle: (ctx) => deleteSegment(deps, ctx),
    }),
  ];
}

async function listSegments(
  deps: ApiDeps,
  { params: { projectKey, environmentKey } }: RouteContext<typeof SEGMENTS>,
): Promise<Reply> {
  const items = await read(async () => {
    const env = await requireEnvironment(deps.store, projectKey, environmentKey);
    return deps.store.listSegments(env.projectKey, env.key);
  });
  return { body: { items: items.map(segmentRepresentation) } };
}

async function createSegment(
  deps: ApiDeps,
  { params: { projectKey, environmentKey }, body, actor }: RouteContext<typeof SEGMENTS>,
): Promise<Reply> {
  const input = body as SegmentInput;
  const created = await write(deps, async (tx, changed) => {
    // Locked first, so that a concurrent create of the same key waits and then sees it.
    const env = await requireEnvironmentForUpdate(tx, projectKey, environmentKey);
    if ((await tx.getSegment(env.projectKey, env.key, input.key)) !== undefined) {
      throw new ApiError(
        'CONFLICT',
        `segment "${input.key}" already exists in environment "${env.key}"`,
      );
    }
    const record = newSegment(env, input, deps.now());
    assertValidSegment(record);
    (
      await commitSegment(tx, env, undefined, record, meta(deps, actor, 'segment.create'))
    ).environmentIds.forEach((id) => changed.add(id));
    return record;
  });
  return {
    status: 201,
    body: segmentRepresentation(created),
    headers: etag(created.version),
  };
}

/** The record of a created segment: the input over empty lists and a new salt. */
function newSegment(env: EnvironmentRecord, input: SegmentInput, now: number): SegmentRecord {
  return {
    name: input.key,
    description: '',
    tags: [],
    included: [],
    excluded: [],
    includedContexts: [],
    excludedContexts: [],
    rules: [],
    salt: newSalt(),
    unbounded: false,
    ...input,
    projectKey: env.projectKey,
    environmentKey: env.key,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}

async function getSegment(
  deps: ApiDeps,
  { params: { projectKey, environmentKey, segmentKey } }: RouteContext<typeof SEGMENT>,
): Promise<Reply> {
  const segment = await read(async () => {
    const env = await requireEnvironment(deps.store, projectKey, environmentKey);
    return deps.store.getSegment(env.projectKey, env.key, segmentKey);
  });
  if (segment === undefined) throw notFound(`segment "${segmentKey}"`);
  return { body: segmentRepresentation(segment), headers: etag(segment.version) };
}

async function patchSegment(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params, body, actor, req }: RouteContext<typeof SEGMENT>,
): Promise<Reply> {
  const expected = ifMatchVersion(req);
  const updated = await write(deps, async (tx, changed) => {
    const env = await requireEnvironment(tx, params.projectKey, params.environmentKey);
    const before = await loadSegmentForWrite(tx, env, params.segmentKey, expected);
    const after = patchedSegment(env, before, body as Operation[], schemas);
    assertValidSegment(after);
    (
      await commitSegment(tx, env, before, after, meta(deps, actor, 'segment.update'))
    ).environmentIds.forEach((id) => changed.add(id));
    return after;
  });
  return { body: segmentRepresentation(updated), headers: etag(updated.version) };
}

/** The segment a JSON Patch of its representation makes; 400 if it touches a read-only field. */
function patchedSegment(
  env: EnvironmentRecord,
  before: SegmentRecord,
  operations: readonly Operation[],
  schemas: SchemaRegistry,
): SegmentRecord {
  const current = segmentRepresentation(before);
  const patched = applyJsonPatch(current, operations);
  schemas.check(ref('Segment'), patched, '');
  const readOnly = READ_ONLY.filter(
    (f) => JSON.stringify(patched[f]) !== JSON.stringify(current[f]),
  );
  if (readOnly.length > 0)
    throw validationFailed(readOnly.map((path) => ({ path, message: 'is read-only' })));
  return {
    ...(patched as unknown as SegmentRecord),
    projectKey: env.projectKey,
    environmentKey: env.key,
  };
}

async function deleteSegment(
  deps: ApiDeps,
  { params, actor, req }: RouteContext<typeof SEGMENT>,
): Promise<Reply> {
  const expected = ifMatchVersion(req);
  await write(deps, async (tx, changed) => {
    const env = await requireEnvironment(tx, params.projectKey, params.environmentKey);
    const before = await loadSegmentForWrite(tx, env, params.segmentKey, expected);
    (
      await commitSegment(tx, env, before, undefined, meta(deps, actor, 'segment.delete'))
    ).environmentIds.forEach((id) => changed.add(id));
  });
  return { status: 204 };
}

function loadSegmentForWrite(
  tx: StoreTransaction,
  env: EnvironmentRecord,
  segmentKey: string,
  expected: number | undefined,
): Promise<SegmentRecord> {
  return loadForWrite(
    tx.getSegmentForUpdate(env.projectKey, env.key, segmentKey),
    { what: `segment "${segmentKey}"` },
    expected,
  );
}

function assertValidSegment(record: SegmentRecord): void {
  const parsed = parseSegment(sdkSegment(record, 1));
  if (!parsed.ok)
    throw validationFailed([{ path: parsed.error.path, message: parsed.error.message }]);
  const issues = checkSegment(parsed.value);
  if (issues.length > 0) throw validationFailed(issues);
}

function meta(deps: ApiDeps, actor: Actor, action: string) {
  return { actor: actor.name, action, now: deps.now() };
}

import { checkSegment } from '@vexil/evaluation';
import { parseSegment } from '@vexil/protocol';
import type { SegmentRecord } from '@vexil/store';
import { commitSegment } from '../domain/commit.js';
import { newSalt } from '../domain/secrets.js';
import { sdkSegment, segmentRepresentation } from '../domain/segment-model.js';
import { ApiError, notFound, validationFailed } from '../http/api-error.js';
import type { Route } from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import {
  checkVersion,
  etag,
  ifMatchVersion,
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

function assertValidSegment(record: SegmentRecord): void {
  const parsed = parseSegment(sdkSegment(record, 1));
  if (!parsed.ok)
    throw validationFailed([{ path: parsed.error.path, message: parsed.error.message }]);
  const issues = checkSegment(parsed.value);
  if (issues.length > 0) throw validationFailed(issues);
}

export function segmentRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  const base = '/api/v1/projects/{projectKey}/environments/{environmentKey}/segments';
  const meta = (actor: { name: string }, action: string) => ({
    actor: actor.name,
    action,
    now: deps.now(),
  });

  return [
    {
      method: 'GET',
      path: base,
      summary: "List an environment's segments",
      tag: 'segments',
      role: 'reader',
      responses: { 200: { description: 'segments', schema: ref('SegmentList') } },
      handle: async ({ params }) => {
        const items = await read(async () => {
          const env = await requireEnvironment(
            deps.store,
            params['projectKey']!,
            params['environmentKey']!,
          );
          return deps.store.listSegments(env.projectKey, env.key);
        });
        return { body: { items: items.map(segmentRepresentation) } };
      },
    },
    {
      method: 'POST',
      path: base,
      summary: 'Create a segment',
      tag: 'segments',
      role: 'writer',
      body: { schema: ref('SegmentInput') },
      responses: {
        201: { description: 'created', schema: ref('Segment') },
        409: { description: 'the key is taken' },
      },
      handle: async ({ params, body, actor }) => {
        const input = body as SegmentInput;
        const created = await write(deps, async (tx, changed) => {
          // Locked first, so that a concurrent create of the same key waits and then sees it.
          const env = await requireEnvironmentForUpdate(
            tx,
            params['projectKey']!,
            params['environmentKey']!,
          );
          if ((await tx.getSegment(env.projectKey, env.key, input.key)) !== undefined) {
            throw new ApiError(
              'CONFLICT',
              `segment "${input.key}" already exists in environment "${env.key}"`,
            );
          }
          const now = deps.now();
          const record: SegmentRecord = {
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
          assertValidSegment(record);
          (
            await commitSegment(tx, env, undefined, record, meta(actor, 'segment.create'))
          ).environmentIds.forEach((id) => changed.add(id));
          return record;
        });
        return {
          status: 201,
          body: segmentRepresentation(created),
          headers: etag(created.version),
        };
      },
    },
    {
      method: 'GET',
      path: `${base}/{segmentKey}`,
      summary: 'Get a segment',
      tag: 'segments',
      role: 'reader',
      responses: {
        200: { description: 'the segment; ETag is its version', schema: ref('Segment') },
        404: { description: 'not found' },
      },
      handle: async ({ params }) => {
        const segment = await read(async () => {
          const env = await requireEnvironment(
            deps.store,
            params['projectKey']!,
            params['environmentKey']!,
          );
          return deps.store.getSegment(env.projectKey, env.key, params['segmentKey']!);
        });
        if (segment === undefined) throw notFound(`segment "${params['segmentKey']!}"`);
        return { body: segmentRepresentation(segment), headers: etag(segment.version) };
      },
    },
    {
      method: 'PATCH',
      path: `${base}/{segmentKey}`,
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
      handle: async ({ params, body, actor, req }) => {
        const expected = ifMatchVersion(req);
        const updated = await write(deps, async (tx, changed) => {
          const env = await requireEnvironment(
            tx,
            params['projectKey']!,
            params['environmentKey']!,
          );
          const before = await tx.getSegmentForUpdate(
            env.projectKey,
            env.key,
            params['segmentKey']!,
          );
          if (before === undefined) throw notFound(`segment "${params['segmentKey']!}"`);
          checkVersion(`segment "${before.key}"`, before.version, expected);
          const current = segmentRepresentation(before);
          const patched = applyJsonPatch(current, body as Operation[]);
          schemas.check(ref('Segment'), patched, '');
          const readOnly = READ_ONLY.filter(
            (f) => JSON.stringify(patched[f]) !== JSON.stringify(current[f]),
          );
          if (readOnly.length > 0)
            throw validationFailed(readOnly.map((path) => ({ path, message: 'is read-only' })));
          const after: SegmentRecord = {
            ...(patched as unknown as SegmentRecord),
            projectKey: env.projectKey,
            environmentKey: env.key,
          };
          assertValidSegment(after);
          (
            await commitSegment(tx, env, before, after, meta(actor, 'segment.update'))
          ).environmentIds.forEach((id) => changed.add(id));
          return after;
        });
        return { body: segmentRepresentation(updated), headers: etag(updated.version) };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{segmentKey}`,
      summary: 'Delete a segment',
      tag: 'segments',
      role: 'writer',
      responses: { 204: { description: 'deleted' }, 404: { description: 'not found' } },
      handle: async ({ params, actor, req }) => {
        const expected = ifMatchVersion(req);
        await write(deps, async (tx, changed) => {
          const env = await requireEnvironment(
            tx,
            params['projectKey']!,
            params['environmentKey']!,
          );
          const before = await tx.getSegmentForUpdate(
            env.projectKey,
            env.key,
            params['segmentKey']!,
          );
          if (before === undefined) throw notFound(`segment "${params['segmentKey']!}"`);
          checkVersion(`segment "${before.key}"`, before.version, expected);
          (
            await commitSegment(tx, env, before, undefined, meta(actor, 'segment.delete'))
          ).environmentIds.forEach((id) => changed.add(id));
        });
        return { status: 204 };
      },
    },
  ];
}

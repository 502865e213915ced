import { randomBytes } from 'node:crypto';
import type { JsonValue } from '@vexil/protocol';
import type { ScheduledMark, ScheduleRecord, ScheduleStatus, StoreTransaction } from '@vexil/store';
import { ApiError, notFound } from '../http/api-error.js';
import { currentComment, parseComment } from '../http/audit-comment.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import {
  etag,
  ifMatchVersion,
  loadForWrite,
  read,
  requireProject,
  write,
  type ApiDeps,
} from './deps.js';
import { refuseWhereApprovalRequired } from '../domain/change-request-policy.js';
import { prepareFlagPatch } from './flag-patch.js';
import type { Operation } from './json-patch.js';
import { ref } from './schemas.js';

// Scheduled flag changes: a JSON Patch of a flag, checked now as PATCH would check it, stored,
// and applied when due by the schedule runner (schedule-runner.ts), exactly once.

const FLAG_SCHEDULES = '/api/v1/projects/{projectKey}/flags/{flagKey}/schedules';
const SCHEDULES = '/api/v1/projects/{projectKey}/schedules';
const SCHEDULE = `${SCHEDULES}/{scheduleId}` as const;

/** A change may be scheduled this far in the past (it then runs at once)... */
export const SCHEDULE_PAST_GRACE_MS = 60_000;
/** ...and at most this far ahead. */
export const SCHEDULE_HORIZON_MS = 366 * 86_400_000;

const statusQuery = {
  status: {
    enum: ['pending', 'done', 'failed', 'cancelled'],
    description: 'only schedules in this status',
  },
};

export function scheduleRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: FLAG_SCHEDULES,
      summary:
        'Schedule a change of a flag (a JSON Patch, as PATCH takes) for a time; If-Match: "<flag version>" makes it conditional',
      tag: 'schedules',
      role: 'writer',
      body: { schema: ref('ScheduleInput') },
      responses: {
        201: { description: 'scheduled', schema: ref('Schedule') },
        400: {
          description:
            'the time is more than a minute past or more than a year ahead, or the patch does not apply to the flag as it is now',
          schema: ref('Error'),
        },
        404: { description: 'no such project or flag' },
        409: { description: 'If-Match is not the flag version', schema: ref('Error') },
      },
      handle: (ctx) => createSchedule(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: FLAG_SCHEDULES,
      summary: "A flag's scheduled changes, by time",
      tag: 'schedules',
      role: 'reader',
      query: statusQuery,
      responses: {
        200: { description: 'schedules', schema: ref('ScheduleList') },
        404: { description: 'no such project or flag' },
      },
      handle: (ctx) => listFlagSchedules(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: SCHEDULES,
      summary: "A project's scheduled changes, by time",
      tag: 'schedules',
      role: 'reader',
      query: { ...statusQuery, flag: { type: 'string', description: "only this flag's" } },
      responses: {
        200: { description: 'schedules', schema: ref('ScheduleList') },
        404: { description: 'no such project' },
      },
      handle: (ctx) => listProjectSchedules(deps, ctx),
    }),
    defineRoute({
      method: 'GET',
      path: SCHEDULE,
      summary: 'Get a scheduled change',
      tag: 'schedules',
      role: 'reader',
      responses: {
        200: {
          description: "the schedule; ETag is the schedule's version",
          schema: ref('Schedule'),
        },
        404: { description: 'not found' },
      },
      handle: (ctx) => getSchedule(deps, ctx),
    }),
    defineRoute({
      method: 'PATCH',
      path: SCHEDULE,
      summary:
        'Edit a pending scheduled change: its time, its patch or its comment; If-Match: "<schedule version>" makes it conditional',
      tag: 'schedules',
      role: 'writer',
      body: { schema: ref('ScheduleEdit') },
      responses: {
        200: { description: 'the edited schedule', schema: ref('Schedule') },
        400: { description: 'invalid time or patch', schema: ref('Error') },
        404: { description: 'not found' },
        409: {
          description: 'If-Match mismatch, or the schedule is no longer pending',
          schema: ref('Error'),
        },
      },
      handle: (ctx) => editSchedule(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: SCHEDULE,
      summary: 'Cancel a pending scheduled change (it stays listed, as cancelled)',
      tag: 'schedules',
      role: 'writer',
      responses: {
        200: { description: 'the cancelled schedule', schema: ref('Schedule') },
        404: { description: 'not found' },
        409: {
          description: 'If-Match mismatch, or the schedule is no longer pending',
          schema: ref('Error'),
        },
      },
      handle: (ctx) => cancelSchedule(deps, ctx),
    }),
  ];
}

interface ScheduleBody {
  readonly at?: string | number;
  readonly patch?: Operation[];
  readonly comment?: string;
}

async function createSchedule(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, flagKey }, body, actor, req }: RouteContext<typeof FLAG_SCHEDULES>,
): Promise<Reply> {
  const input = body as ScheduleBody;
  const now = deps.now();
  const runAt = parseRunAt(input.at!, now);
  const comment = bodyComment(input.comment) ?? currentComment();
  const expected = ifMatchVersion(req);
  const schedule = await write(deps, async (tx) => {
    await requireProject(tx, projectKey);
    const { before } = await checkPatch(tx, schemas, projectKey, flagKey, input.patch!);
    if (expected !== undefined && expected !== before.version) {
      throw new ApiError(
        'VERSION_MISMATCH',
        `flag "${flagKey}" is at version ${before.version} but If-Match says ${expected}: GET it again and reschedule your change`,
      );
    }
    const record: ScheduleRecord = {
      id: randomBytes(12).toString('hex'),
      projectKey,
      flagKey,
      runAt,
      patch: input.patch as unknown as JsonValue[],
      ...(comment === undefined ? {} : { comment }),
      createdBy: actor.name,
      createdAt: now,
      flagVersion: before.version,
      status: 'pending',
      version: 1,
      updatedAt: now,
    };
    await tx.putSchedule(record);
    await auditSchedule(tx, 'flag.schedule', actor.name, now, undefined, record);
    return record;
  });
  return { status: 201, body: schedule, headers: etag(schedule.version) };
}

async function listFlagSchedules(
  deps: ApiDeps,
  { params: { projectKey, flagKey }, query }: RouteContext<typeof FLAG_SCHEDULES>,
): Promise<Reply> {
  const items = await read(async () => {
    await requireProject(deps.store, projectKey);
    if ((await deps.store.getFlag(projectKey, flagKey)) === undefined)
      throw notFound(`flag "${flagKey}" in project "${projectKey}"`);
    return deps.store.listSchedules({ projectKey, flagKey, ...statusOf(query) });
  });
  return { body: { items } };
}

async function listProjectSchedules(
  deps: ApiDeps,
  { params: { projectKey }, query }: RouteContext<typeof SCHEDULES>,
): Promise<Reply> {
  const items = await read(async () => {
    await requireProject(deps.store, projectKey);
    const flag = query['flag'];
    return deps.store.listSchedules({
      projectKey,
      ...(flag === undefined ? {} : { flagKey: flag }),
      ...statusOf(query),
    });
  });
  return { body: { items } };
}

async function getSchedule(
  deps: ApiDeps,
  { params: { projectKey, scheduleId } }: RouteContext<typeof SCHEDULE>,
): Promise<Reply> {
  const schedule = await read(async () => {
    await requireProject(deps.store, projectKey);
    return deps.store.getSchedule(projectKey, scheduleId);
  });
  if (schedule === undefined) throw notFound(scheduleName(projectKey, scheduleId).what);
  return { body: schedule, headers: etag(schedule.version) };
}

async function editSchedule(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, scheduleId }, body, actor, req }: RouteContext<typeof SCHEDULE>,
): Promise<Reply> {
  const input = body as ScheduleBody;
  const now = deps.now();
  const runAt = input.at === undefined ? undefined : parseRunAt(input.at, now);
  const comment = bodyComment(input.comment);
  const expected = ifMatchVersion(req);
  const schedule = await write(deps, async (tx) => {
    await requireProject(tx, projectKey);
    const before = await loadPending(tx, projectKey, scheduleId, expected);
    const after: ScheduleRecord = { ...before, version: before.version + 1, updatedAt: now };
    if (runAt !== undefined) after.runAt = runAt;
    if (comment !== undefined) after.comment = comment;
    if (input.patch !== undefined) {
      const prepared = await checkPatch(tx, schemas, projectKey, before.flagKey, input.patch);
      after.patch = input.patch as unknown as JsonValue[];
      after.flagVersion = prepared.before.version;
    }
    await tx.putSchedule(after);
    await auditSchedule(tx, 'flag.schedule-edit', actor.name, now, before, after);
    return after;
  });
  return { body: schedule, headers: etag(schedule.version) };
}

async function cancelSchedule(
  deps: ApiDeps,
  { params: { projectKey, scheduleId }, actor, req }: RouteContext<typeof SCHEDULE>,
): Promise<Reply> {
  const expected = ifMatchVersion(req);
  const now = deps.now();
  const schedule = await write(deps, async (tx) => {
    await requireProject(tx, projectKey);
    const before = await loadPending(tx, projectKey, scheduleId, expected);
    const after: ScheduleRecord = {
      ...before,
      status: 'cancelled',
      cancelledBy: actor.name,
      version: before.version + 1,
      updatedAt: now,
    };
    await tx.putSchedule(after);
    await auditSchedule(tx, 'flag.schedule-cancel', actor.name, now, before, after);
    return after;
  });
  return { body: schedule, headers: etag(schedule.version) };
}

/** The schedule, locked; 404, 409 on an If-Match mismatch, 409 once it is no longer pending. */
async function loadPending(
  tx: StoreTransaction,
  projectKey: string,
  scheduleId: string,
  expected: number | undefined,
): Promise<ScheduleRecord> {
  const found = await loadForWrite(
    tx.getScheduleForUpdate(projectKey, scheduleId),
    scheduleName(projectKey, scheduleId),
    expected,
  );
  if (found.status !== 'pending') {
    throw new ApiError(
      'CONFLICT',
      `schedule "${scheduleId}" is ${found.status}: only a pending schedule can be edited or cancelled`,
    );
  }
  return found;
}

/** The patch checked against the flag as it is now; any refusal but a 404 is a 400 here. */
async function checkPatch(
  tx: StoreTransaction,
  schemas: SchemaRegistry,
  projectKey: string,
  flagKey: string,
  patch: readonly Operation[],
) {
  let prepared;
  try {
    prepared = await prepareFlagPatch(tx, schemas, projectKey, flagKey, patch);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code === 'NOT_FOUND') throw e;
    throw new ApiError(
      'VALIDATION_FAILED',
      `the patch does not apply to flag "${flagKey}" as it is now: ${e.message}`,
      e.details,
    );
  }
  await refuseWhereApprovalRequired(tx, projectKey, patch);
  return prepared;
}

/** Unix ms from an ISO 8601 time with an offset, or Unix ms; 400 outside the allowed window. */
export function parseRunAt(at: string | number, now: number): number {
  let runAt: number;
  if (typeof at === 'number') {
    runAt = at;
  } else {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
    runAt = iso.test(at.trim()) ? Date.parse(at.trim()) : NaN;
    if (Number.isNaN(runAt)) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `at: ${JSON.stringify(at)} is not an ISO 8601 time with an offset, such as 2030-01-31T09:00:00Z`,
      );
    }
  }
  if (runAt < now - SCHEDULE_PAST_GRACE_MS) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `at: ${new Date(runAt).toISOString()} is in the past (now is ${new Date(now).toISOString()}); schedule a change for later, or PATCH the flag now`,
    );
  }
  if (runAt > now + SCHEDULE_HORIZON_MS) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `at: ${new Date(runAt).toISOString()} is more than a year ahead; a change can be scheduled at most a year ahead`,
    );
  }
  return runAt;
}

function bodyComment(comment: string | undefined): string | undefined {
  if (comment === undefined) return undefined;
  try {
    return parseComment(encodeURIComponent(comment));
  } catch (e) {
    if (e instanceof ApiError)
      throw new ApiError('VALIDATION_FAILED', e.message.replace('X-Vexil-Comment', 'comment'));
    throw e;
  }
}

function statusOf(query: Readonly<Record<string, string>>): { status?: ScheduleStatus } {
  const status = query['status'] as ScheduleStatus | undefined;
  return status === undefined ? {} : { status };
}

const scheduleName = (projectKey: string, id: string) => ({
  what: `schedule "${id}"`,
  in: `project "${projectKey}"`,
});

/** The audit entry of a schedule's creation, edit or cancellation (filed under its flag). */
export async function auditSchedule(
  tx: StoreTransaction,
  action: string,
  actor: string,
  at: number,
  before: ScheduleRecord | undefined,
  after: ScheduleRecord,
  extra: { readonly scheduled?: ScheduledMark } = {},
): Promise<number> {
  return tx.appendAudit({
    at,
    actor,
    action,
    projectKey: after.projectKey,
    resourceKind: 'flag',
    resourceKey: after.flagKey,
    // Wrapped, so that nothing reads the schedule's version as the flag's.
    before: before === undefined ? null : { schedule: before as unknown as JsonValue },
    after: { schedule: after as unknown as JsonValue },
    ...(after.comment === undefined ? {} : { comment: after.comment }),
    ...extra,
  });
}

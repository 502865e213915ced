import type { JsonSchema } from '../http/validation.js';

// Scheduled flag changes' shapes for the OpenAPI document and request validation, kept apart
// from schemas.ts, which spreads them into `components`.

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const at: JsonSchema = {
  description:
    'when to apply it: an ISO 8601 time with its offset (2030-01-31T09:00:00Z) or Unix ms; at most a minute in the past (then it runs at once) and at most a year ahead',
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 64 },
    { type: 'integer', minimum: 0 },
  ],
};
const comment: JsonSchema = {
  type: 'string',
  maxLength: 500,
  description: 'why (else the X-Vexil-Comment header); recorded in the audit entry when it runs',
};

export const scheduleSchemas: Record<string, JsonSchema> = {
  ScheduleInput: {
    type: 'object',
    additionalProperties: false,
    required: ['at', 'patch'],
    properties: {
      at,
      patch: {
        ...ref('JsonPatch'),
        description:
          'the change: a JSON Patch of the flag, as PATCH /flags/{flagKey} takes; checked against the flag now, and applied to the flag as it is when due',
      },
      comment,
    },
  },
  ScheduleEdit: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { at, patch: ref('JsonPatch'), comment },
  },
  Schedule: {
    type: 'object',
    required: [
      'id',
      'projectKey',
      'flagKey',
      'runAt',
      'patch',
      'createdBy',
      'createdAt',
      'flagVersion',
      'status',
      'version',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      projectKey: { type: 'string' },
      flagKey: { type: 'string' },
      runAt: { type: 'integer', description: 'Unix ms at which it is due' },
      patch: ref('JsonPatch'),
      comment: { type: 'string' },
      createdBy: { type: 'string', description: 'who scheduled it (the token name)' },
      createdAt: { type: 'integer' },
      flagVersion: {
        type: 'integer',
        description: 'the flag version it was scheduled (or last edited) against',
      },
      status: { enum: ['pending', 'done', 'failed', 'cancelled'] },
      version: { type: 'integer', description: "the schedule's version: what If-Match compares" },
      updatedAt: { type: 'integer' },
      cancelledBy: { type: 'string' },
      ranAt: { type: 'integer', description: 'when it ran (done or failed)' },
      lateness: {
        type: 'integer',
        description: 'ms between runAt and ranAt (an origin down when it was due runs it on start)',
      },
      error: { type: 'string', description: 'why it failed: the patch no longer applied' },
      appliedVersion: { type: 'integer', description: 'the flag version it made' },
      auditId: { type: 'integer', description: 'the audit entry of the change it made' },
    },
  },
  ScheduleList: {
    type: 'object',
    properties: { items: { type: 'array', items: ref('Schedule') } },
  },
};

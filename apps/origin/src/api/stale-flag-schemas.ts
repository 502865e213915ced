import type { JsonSchema } from '../http/validation.js';

// The stale-flags report's shapes for the OpenAPI document (components/schemas), kept apart from
// schemas.ts, which spreads them into `components`. They describe responses only.

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const int = (description: string): JsonSchema => ({ type: 'integer', description });
const time = (description: string): JsonSchema => ({ type: ['integer', 'null'], description });
const counts: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'integer' },
  description:
    'evaluations in the window by variation index, or "default" (the SDK served its default)',
};

export const staleFlagSchemas: Record<string, JsonSchema> = {
  StaleFlag: {
    type: 'object',
    required: [
      'key',
      'name',
      'temporary',
      'archived',
      'createdAt',
      'updatedAt',
      'lastChange',
      'reason',
      'readyToRemove',
      'lastEvaluatedAt',
      'evaluations',
      'environments',
      'evidence',
    ],
    properties: {
      key: { type: 'string' },
      name: { type: 'string' },
      temporary: { type: 'boolean' },
      archived: { type: 'boolean' },
      createdAt: { type: 'integer' },
      updatedAt: int('when the flag record was last written (an environment added too)'),
      lastChange: {
        type: ['object', 'null'],
        description: "the flag's newest audit entry; null if it has none",
        properties: {
          at: { type: 'integer' },
          actor: { type: 'string' },
          action: { type: 'string' },
          comment: { type: 'string' },
        },
      },
      reason: {
        enum: ['not-evaluated', 'single-variation'],
        description:
          'not-evaluated: no evaluation in the window; single-variation: every evaluation in the window was served the same variation (an SDK default served counts as something else)',
      },
      readyToRemove: {
        type: 'boolean',
        description: 'temporary or archived; false: a permanent flag, check before removing it',
      },
      lastEvaluatedAt: time('start of the newest insight bucket kept; null if none'),
      evaluations: int('evaluations in the window'),
      variation: {
        type: 'object',
        description: 'single-variation: the variation served',
        properties: { index: { type: 'integer' }, value: {}, name: { type: 'string' } },
      },
      otherOutcomeLastAt: time(
        'single-variation: start of the newest bucket kept in which anything else was served; null if none',
      ),
      environments: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            key: { type: 'string' },
            lastEvaluatedAt: time('start of the newest bucket kept; null if none'),
            evaluations: int('evaluations in the window'),
            counts,
          },
        },
      },
      evidence: { type: 'array', items: { type: 'string' } },
    },
  },
  StaleFlagReport: {
    type: 'object',
    required: [
      'projectKey',
      'environment',
      'days',
      'retentionDays',
      'now',
      'windowStart',
      'insightsSince',
      'environments',
      'totals',
      'warnings',
      'flags',
    ],
    properties: {
      projectKey: { type: 'string' },
      environment: {
        type: ['string', 'null'],
        description: 'the environment looked at; null: all (evaluated in any counts)',
      },
      days: { type: 'integer' },
      retentionDays: int('how long the origin keeps insights (VEXIL_INSIGHTS_RETENTION_DAYS)'),
      now: int('Unix ms of the report'),
      windowStart: int(
        'Unix ms: buckets starting at or after it are the window (now - days, rounded down to the hour, not before insightsSince)',
      ),
      insightsSince: int('Unix ms: now - retention; older buckets are not read'),
      environments: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            key: { type: 'string' },
            name: { type: 'string' },
            evaluations: int('evaluations of any flag in the window'),
            lastEvaluatedAt: time('start of the newest bucket kept; null if none'),
          },
        },
      },
      totals: {
        type: 'object',
        properties: {
          flags: int('flags in the project, archived included'),
          tooNew: int('flags created after windowStart: not judged'),
          notEvaluated: { type: 'integer' },
          singleVariation: { type: 'integer' },
        },
      },
      warnings: { type: 'array', items: { type: 'string' } },
      flags: { type: 'array', items: ref('StaleFlag'), description: 'most removable first' },
    },
  },
};

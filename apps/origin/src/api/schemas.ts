import type { JsonSchema } from '../http/validation.js';
import { staleFlagSchemas } from './stale-flag-schemas.js';
import { scheduleSchemas } from './schedule-schemas.js';
import { changeRequestSchemas } from './change-request-schemas.js';

// JSON Schemas of the API's bodies: published in the OpenAPI document as components/schemas
// and enforced by request validation. Field names follow LaunchDarkly's flag JSON.

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
const KEY_MAX_LENGTH = 256;

/** Whether `text` is a key the API accepts for flags, segments, filters and environments. */
export function isValidKey(text: string): boolean {
  return text.length <= KEY_MAX_LENGTH && new RegExp(KEY_PATTERN).test(text);
}
const key = (what: string): JsonSchema => ({
  type: 'string',
  pattern: KEY_PATTERN,
  maxLength: KEY_MAX_LENGTH,
  description: `${what}: letters, digits, ".", "_" or "-", starting with a letter or digit`,
});
const strings: JsonSchema = { type: 'array', items: { type: 'string' } };

/**
 * A whole number in a query string (times, ids): at most 15 digits, so that it is exact as a
 * double and fits the store's BIGINT columns (PostgreSQL refuses a larger one, which was a 500).
 */
export function queryInteger(description: string, pattern = '^[0-9]{1,15}$') {
  return { type: 'string', pattern, description: `${description}; at most 15 digits` };
}
const index = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});

const clause = object(
  {
    contextKind: {
      type: 'string',
      description: 'context kind the attribute belongs to (default user)',
    },
    attribute: { type: 'string', description: 'attribute name or reference such as /address/city' },
    op: {
      type: 'string',
      description: 'operator, e.g. in, startsWith, matches, lessThan, semVerEqual, segmentMatch',
    },
    values: { type: 'array', description: 'values to compare with' },
    negate: { type: 'boolean' },
  },
  ['attribute', 'op', 'values'],
);

const rollout = object(
  {
    kind: { enum: ['rollout', 'experiment'] },
    contextKind: { type: 'string' },
    bucketBy: { type: 'string' },
    seed: { type: 'integer' },
    variations: {
      type: 'array',
      minItems: 1,
      items: object(
        {
          variation: index('variation index'),
          weight: {
            type: 'integer',
            minimum: 0,
            maximum: 100000,
            description: 'thousandths of a percent',
          },
          untracked: { type: 'boolean' },
        },
        ['variation', 'weight'],
      ),
    },
  },
  ['variations'],
);

const variationOrRollout = object({ variation: index('variation index'), rollout: ref('Rollout') });

const rule = object({
  id: { type: 'string' },
  description: { type: 'string' },
  clauses: { type: 'array', items: ref('Clause') },
  variation: index('variation index'),
  rollout: ref('Rollout'),
  trackEvents: { type: 'boolean' },
});

const target = object(
  { contextKind: { type: 'string' }, values: strings, variation: index('variation index') },
  ['values', 'variation'],
);

const targetingProperties: Record<string, JsonSchema> = {
  on: { type: 'boolean' },
  offVariation: index('variation served when off'),
  fallthrough: ref('VariationOrRollout'),
  prerequisites: {
    type: 'array',
    items: object({ key: key('flag key'), variation: index('required variation index') }, [
      'key',
      'variation',
    ]),
  },
  targets: { type: 'array', items: ref('Target') },
  contextTargets: { type: 'array', items: ref('Target') },
  rules: { type: 'array', items: ref('Rule') },
  salt: { type: 'string' },
  clientSideAvailability: ref('ClientSideAvailability'),
  trackEvents: { type: 'boolean' },
  trackEventsFallthrough: { type: 'boolean' },
  debugEventsUntilDate: { type: 'integer' },
};

const variation = object({ value: {}, name: { type: 'string' }, description: { type: 'string' } }, [
  'value',
]);

const flagDefinition: Record<string, JsonSchema> = {
  key: key('flag key'),
  name: { type: 'string', minLength: 1, maxLength: 256 },
  description: { type: 'string', maxLength: 10000 },
  tags: { type: 'array', items: { type: 'string', pattern: KEY_PATTERN }, uniqueItems: true },
  variations: { type: 'array', minItems: 1, items: ref('Variation') },
  temporary: { type: 'boolean' },
};

const segmentRule = object({
  id: { type: 'string' },
  clauses: { type: 'array', items: ref('Clause') },
  weight: { type: 'integer', minimum: 0, maximum: 100000 },
  bucketBy: { type: 'string' },
  rolloutContextKind: { type: 'string' },
});

const segmentTarget = object({ contextKind: { type: 'string', minLength: 1 }, values: strings }, [
  'contextKind',
  'values',
]);

const segmentProperties: Record<string, JsonSchema> = {
  key: key('segment key'),
  name: { type: 'string', minLength: 1, maxLength: 256 },
  description: { type: 'string', maxLength: 10000 },
  tags: { type: 'array', items: { type: 'string', pattern: KEY_PATTERN }, uniqueItems: true },
  included: strings,
  excluded: strings,
  includedContexts: { type: 'array', items: ref('SegmentTarget') },
  excludedContexts: { type: 'array', items: ref('SegmentTarget') },
  rules: { type: 'array', items: ref('SegmentRule') },
  salt: { type: 'string' },
  unbounded: { type: 'boolean' },
  unboundedContextKind: { type: 'string' },
  generation: { type: 'integer' },
};

const secureModeDescription =
  "client-side (browser) requests must carry h, the hex HMAC-SHA256 of the context's canonical key keyed by the SDK key (server SDKs: secureModeHash(context)); without it, or with a wrong one, the edge answers 400. Default false";

const requireApprovalDescription =
  'a PATCH of flag targeting in this environment becomes a change request that another member (writer role or above) approves; changing it needs the admin role. Default false';

const readOnly = (properties: Record<string, JsonSchema>): Record<string, JsonSchema> => ({
  ...properties,
  version: { type: 'integer', readOnly: true },
  createdAt: { type: 'integer', readOnly: true },
  updatedAt: { type: 'integer', readOnly: true },
});

export const components: Record<string, JsonSchema> = {
  ...staleFlagSchemas,
  ...scheduleSchemas,
  ...changeRequestSchemas,
  Error: {
    type: 'object',
    properties: {
      code: { type: 'string' },
      message: { type: 'string' },
      details: {
        type: 'array',
        items: {
          type: 'object',
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
    required: ['code', 'message'],
  },
  ProjectInput: object(
    { key: key('project key'), name: { type: 'string', minLength: 1, maxLength: 256 } },
    ['key', 'name'],
  ),
  Project: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      name: { type: 'string' },
      createdAt: { type: 'integer' },
    },
  },
  EnvironmentInput: object(
    {
      key: key('environment key'),
      name: { type: 'string', minLength: 1, maxLength: 256 },
      secureMode: { type: 'boolean', description: secureModeDescription },
    },
    ['key', 'name'],
  ),
  EnvironmentSettings: object(
    {
      name: { type: 'string', minLength: 1, maxLength: 256 },
      secureMode: { type: 'boolean', description: secureModeDescription },
      requireApproval: { type: 'boolean', description: requireApprovalDescription },
    },
    ['name', 'secureMode', 'requireApproval'],
  ),
  Environment: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      name: { type: 'string' },
      projectKey: { type: 'string' },
      sdkKey: { type: 'string' },
      mobileKey: { type: 'string' },
      clientSideId: { type: 'string' },
      secureMode: { type: 'boolean', description: secureModeDescription },
      requireApproval: { type: 'boolean', description: requireApprovalDescription },
      expiringSdkKey: ref('ExpiringKey'),
      expiringMobileKey: ref('ExpiringKey'),
      seq: { type: 'integer', description: 'sequence number of the last change' },
      createdAt: { type: 'integer' },
    },
  },
  ExpiringKey: {
    type: 'object',
    properties: { key: { type: 'string' }, expiresAt: { type: 'integer' } },
  },
  RotateKeyInput: object({
    expiresInSeconds: {
      type: 'integer',
      minimum: 0,
      maximum: 2592000,
      description:
        'how long the old key keeps working, at most 30 days; 0 or absent revokes it now',
    },
  }),
  Clause: clause,
  Rollout: rollout,
  VariationOrRollout: variationOrRollout,
  Rule: rule,
  Target: target,
  ClientSideAvailability: object(
    { usingMobileKey: { type: 'boolean' }, usingEnvironmentId: { type: 'boolean' } },
    ['usingMobileKey', 'usingEnvironmentId'],
  ),
  Variation: variation,
  FlagTargetingInput: object(targetingProperties),
  FlagTargeting: object({ ...targetingProperties, version: { type: 'integer', readOnly: true } }, [
    'on',
    'fallthrough',
    'prerequisites',
    'targets',
    'contextTargets',
    'rules',
    'salt',
    'clientSideAvailability',
  ]),
  FlagInput: object(
    {
      ...flagDefinition,
      defaults: object({
        onVariation: index('fallthrough variation for new environments'),
        offVariation: index('off variation'),
      }),
      clientSideAvailability: {
        ...ref('ClientSideAvailability'),
        description:
          'browser (usingEnvironmentId) and mobile (usingMobileKey) SDKs get the flag, in every environment; default: mobile only',
      },
      environments: { type: 'object', additionalProperties: ref('FlagTargetingInput') },
    },
    ['key', 'variations'],
  ),
  Flag: object(
    {
      ...readOnly(flagDefinition),
      archived: { type: 'boolean' },
      environments: { type: 'object', additionalProperties: ref('FlagTargeting') },
    },
    ['key', 'name', 'description', 'tags', 'variations', 'temporary', 'archived', 'environments'],
  ),
  VariationEdit: object(
    {
      value: {},
      name: { type: 'string' },
      description: { type: 'string' },
      from: index(
        'index of the existing variation this one is: it keeps serving wherever that one did, at its new place. Absent: the existing variation with an equal value, or else a new variation',
      ),
    },
    ['value'],
  ),
  FlagSettingsInput: object({
    name: flagDefinition['name']!,
    description: flagDefinition['description']!,
    tags: flagDefinition['tags']!,
    temporary: { type: 'boolean' },
    archived: {
      type: 'boolean',
      description: 'true archives the flag (SDKs stop getting it), false restores it',
    },
    variations: {
      type: 'array',
      minItems: 1,
      items: ref('VariationEdit'),
      description:
        'the new list, in order; an existing variation left out is removed, refused (409) while something serves or requires it',
    },
  }),
  FlagList: {
    type: 'object',
    properties: { items: { type: 'array', items: ref('Flag') }, totalCount: { type: 'integer' } },
  },
  JsonPatch: {
    type: 'array',
    minItems: 1,
    description: 'RFC 6902 JSON Patch: a list of operations',
    items: {
      type: 'object',
      additionalProperties: false,
      properties: {
        op: { enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
        path: { type: 'string', description: 'JSON Pointer such as /environments/production/on' },
        from: { type: 'string' },
        value: {},
      },
      required: ['op', 'path'],
    },
  },
  FilterInput: object(
    {
      key: key('filter key, as SDKs send it in `filter` (payloadFilterKey)'),
      name: { type: 'string', maxLength: 256 },
      description: { type: 'string', maxLength: 4096 },
      flagKeys: {
        type: 'array',
        maxItems: 10000,
        items: key('flag key'),
        description: 'flags served by key (they need not exist yet)',
      },
      tags: {
        type: 'array',
        maxItems: 1000,
        items: { type: 'string', minLength: 1, maxLength: 256 },
        description: 'flags served when they carry any of these tags',
      },
    },
    [],
  ),
  Filter: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      flagKeys: strings,
      tags: strings,
      flags: { ...strings, description: 'the flags it serves now (not archived), sorted' },
      version: { type: 'integer' },
      createdAt: { type: 'integer' },
      updatedAt: { type: 'integer' },
    },
  },
  FilterList: { type: 'object', properties: { items: { type: 'array', items: ref('Filter') } } },
  SegmentRule: segmentRule,
  SegmentTarget: segmentTarget,
  SegmentInput: object(segmentProperties, ['key']),
  // Every field a stored segment has: a PATCH that removed one (its salt, its rules) would
  // store a segment the API could no longer describe or edit as documented.
  Segment: object(readOnly(segmentProperties), [
    'key',
    'name',
    'description',
    'tags',
    'included',
    'excluded',
    'includedContexts',
    'excludedContexts',
    'rules',
    'salt',
    'unbounded',
  ]),
  SegmentList: { type: 'object', properties: { items: { type: 'array', items: ref('Segment') } } },
  SdkData: {
    type: 'object',
    description: "LaunchDarkly's SDK data format, as in /sdk/latest-all and stream put events",
    properties: { flags: { type: 'object' }, segments: { type: 'object' } },
    additionalProperties: false,
  },
  ImportResult: {
    type: 'object',
    properties: {
      flags: { type: 'integer' },
      segments: { type: 'integer' },
      changes: { type: 'integer', description: 'changes published to SDKs' },
      warnings: {
        type: 'array',
        items: {
          type: 'object',
          properties: { path: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
  AuditEntry: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      at: { type: 'integer' },
      actor: { type: 'string' },
      action: { type: 'string' },
      projectKey: { type: 'string' },
      environmentKey: { type: 'string' },
      resourceKind: { type: 'string' },
      resourceKey: { type: 'string' },
      before: {},
      after: {},
      diff: ref('JsonPatch'),
      comment: { type: 'string', description: 'why: the X-Vexil-Comment of the write' },
      scheduled: {
        type: 'object',
        description:
          'set when a scheduled change made the entry (actor: who scheduled it); lateness in ms',
        properties: {
          scheduleId: { type: 'string' },
          scheduledBy: { type: 'string' },
          scheduledAt: { type: 'integer' },
          runAt: { type: 'integer' },
          lateness: { type: 'integer' },
        },
      },
    },
  },
  AuditPage: {
    type: 'object',
    properties: {
      items: { type: 'array', items: ref('AuditEntry') },
      nextBefore: { type: 'integer' },
    },
  },
  TokenInput: object(
    {
      name: { type: 'string', minLength: 1, maxLength: 256 },
      role: { enum: ['reader', 'writer', 'admin', 'edge'] },
    },
    ['name', 'role'],
  ),
  Token: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      createdAt: { type: 'integer' },
      revokedAt: { type: 'integer' },
      lastUsedAt: {
        type: 'integer',
        description:
          'when the token last authenticated a request (recorded at most once a minute); absent if never',
      },
      token: { type: 'string', description: 'the secret, returned once at creation' },
    },
  },
};

export { ref };

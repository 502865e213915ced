import type { JsonSchema } from '../http/validation.js';

// Change requests' shapes for the OpenAPI document (components/schemas), kept apart from
// schemas.ts, which spreads them into `components`.

const actor: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: "the API token's id" },
    name: { type: 'string', description: "the API token's name" },
  },
};

export const changeRequestSchemas: Record<string, JsonSchema> = {
  ChangeRequest: {
    type: 'object',
    description:
      'A flag change waiting for approval: the JSON Patch a PATCH of the flag was given, in an environment that requires approval',
    properties: {
      id: { type: 'string' },
      projectKey: { type: 'string' },
      flagKey: { type: 'string' },
      environmentKeys: {
        type: 'array',
        items: { type: 'string' },
        description: 'the environments whose targeting it changes',
      },
      patch: { type: 'array', items: { type: 'object' }, description: 'the JSON Patch' },
      baseVersion: { type: 'integer', description: "the flag's version it was made against" },
      requestedBy: actor,
      comment: { type: 'string', description: "the requester's X-Vexil-Comment" },
      status: { enum: ['pending', 'approved', 'rejected', 'withdrawn', 'stale'] },
      createdAt: { type: 'integer' },
      updatedAt: { type: 'integer' },
      decidedBy: actor,
      decidedAt: { type: 'integer' },
      reason: { type: 'string', description: 'why it was rejected, or went stale' },
      appliedVersion: {
        type: 'integer',
        description: "the flag's version once the approved patch was applied",
      },
    },
  },
  ChangeRequestList: {
    type: 'object',
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/ChangeRequest' } },
    },
  },
  ChangeRequestRejection: {
    type: 'object',
    additionalProperties: false,
    required: ['reason'],
    properties: {
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 500,
        description: 'why the request is rejected (the requester reads it)',
      },
    },
  },
};

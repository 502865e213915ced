import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue } from '@vexil/protocol';
import type {
  ChangeRequestRecord,
  ChangeRequestStatus,
  FlagRecord,
  StoreTransaction,
} from '@vexil/store';
import { commitFlag } from '../domain/commit.js';
import {
  approvalEnvironments,
  baseChanges,
  environmentsNamed,
  requestBase,
} from '../domain/change-request-policy.js';
import { flagRepresentation } from '../domain/flag-model.js';
import { ApiError, notFound } from '../http/api-error.js';
import { currentComment } from '../http/audit-comment.js';
import {
  defineRoute,
  type Actor,
  type Reply,
  type Route,
  type RouteContext,
} from '../http/router.js';
import type { SchemaRegistry } from '../http/validation.js';
import { loadForWrite, read, requireProject, write, type ApiDeps } from './deps.js';
import { recordFromRepresentation } from './flag-input.js';
import { assertAllowedChange } from './flags.js';
import { applyJsonPatch, type Operation } from './json-patch.js';
import { ref } from './schemas.js';

// Approvals (docs/security.md, "Approvals"). In an environment that requires approval, a PATCH
// of a flag's targeting there is stored as a change request (202) instead of being applied.
// Another member approves it (writer role or above, never the token that requested it: tokens
// are the identities the API knows), which applies the patch through the same commit as a
// PATCH; or rejects it with a reason; or its requester withdraws it. A request whose flag changed
// since in what the patch touches (its variations, or the targeting of its environments), or
// that no longer applies, is refused with a 409 and marked stale: the requester makes a new one.

const REQUESTS = '/api/v1/projects/{projectKey}/change-requests';
const REQUEST = `${REQUESTS}/{requestId}` as const;
const FLAG_REQUESTS = '/api/v1/projects/{projectKey}/flags/{flagKey}/change-requests';
const STATUSES: readonly ChangeRequestStatus[] = [
  'pending',
  'approved',
  'rejected',
  'withdrawn',
  'stale',
];

/** The API view: the record without the snapshot it is checked against. */
export function changeRequestView(r: ChangeRequestRecord) {
  const { base: _base, ...view } = r;
  return view;
}

const statusQuery = {
  status: {
    enum: [...STATUSES],
    description: 'only requests in this status (pending, approved, rejected, withdrawn, stale)',
  },
};

const errors = {
  404: { description: 'no such project, flag or request', schema: ref('Error') },
};

export function changeRequestRoutes(deps: ApiDeps, schemas: SchemaRegistry): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: REQUESTS,
      summary: "A project's change requests (approvals), newest first",
      tag: 'change-requests',
      role: 'reader',
      query: {
        ...statusQuery,
        flag: { type: 'string', description: 'only requests for this flag key' },
      },
      responses: { 200: { description: 'requests', schema: ref('ChangeRequestList') }, ...errors },
      handle: (ctx) => list(deps, ctx.params.projectKey, ctx.query['flag'], ctx.query['status']),
    }),
    defineRoute({
      method: 'GET',
      path: FLAG_REQUESTS,
      summary: "A flag's change requests (approvals), newest first",
      tag: 'change-requests',
      role: 'reader',
      query: statusQuery,
      responses: { 200: { description: 'requests', schema: ref('ChangeRequestList') }, ...errors },
      handle: (ctx) => list(deps, ctx.params.projectKey, ctx.params.flagKey, ctx.query['status']),
    }),
    defineRoute({
      method: 'GET',
      path: REQUEST,
      summary: 'One change request',
      tag: 'change-requests',
      role: 'reader',
      responses: { 200: { description: 'the request', schema: ref('ChangeRequest') }, ...errors },
      handle: (ctx) => get(deps, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: `${REQUEST}/approve`,
      summary:
        'Approve a pending change request: its patch is applied as a PATCH would be. Needs the writer role, and another token than the one that requested it',
      tag: 'change-requests',
      role: 'writer',
      responses: {
        200: { description: 'approved and applied', schema: ref('ChangeRequest') },
        403: {
          description: 'your own request (another member must approve it)',
          schema: ref('Error'),
        },
        ...errors,
        409: {
          description:
            'the request is not pending, or the flag changed since it was made in what the patch touches (the request is marked stale)',
          schema: ref('Error'),
        },
      },
      handle: (ctx) => approve(deps, schemas, ctx),
    }),
    defineRoute({
      method: 'POST',
      path: `${REQUEST}/reject`,
      summary: 'Reject a pending change request, with a reason',
      tag: 'change-requests',
      role: 'writer',
      body: { schema: ref('ChangeRequestRejection') },
      responses: {
        200: { description: 'rejected', schema: ref('ChangeRequest') },
        400: { description: 'no reason given', schema: ref('Error') },
        403: { description: 'your own request (withdraw it instead)', schema: ref('Error') },
        ...errors,
        409: { description: 'the request is not pending', schema: ref('Error') },
      },
      handle: (ctx) => decide(deps, ctx, 'rejected'),
    }),
    defineRoute({
      method: 'POST',
      path: `${REQUEST}/withdraw`,
      summary: 'Withdraw a pending change request (its requester only)',
      tag: 'change-requests',
      role: 'writer',
      responses: {
        200: { description: 'withdrawn', schema: ref('ChangeRequest') },
        403: { description: 'not your request', schema: ref('Error') },
        ...errors,
        409: { description: 'the request is not pending', schema: ref('Error') },
      },
      handle: (ctx) => decide(deps, ctx, 'withdrawn'),
    }),
  ];
}

async function list(
  deps: ApiDeps,
  projectKey: string,
  flagKey: string | undefined,
  status: string | undefined,
): Promise<Reply> {
  const items = await read(async () => {
    await requireProject(deps.store, projectKey);
    if (flagKey !== undefined && (await deps.store.getFlag(projectKey, flagKey)) === undefined) {
      // A deleted flag's requests are still listed by the project query (?flag=).
      const any = await deps.store.listChangeRequests({ projectKey, flagKey, limit: 1 });
      if (any.length === 0) throw notFound(`flag "${flagKey}" in project "${projectKey}"`);
    }
    return deps.store.listChangeRequests({
      projectKey,
      ...(flagKey === undefined ? {} : { flagKey }),
      ...(status === undefined ? {} : { status: status as ChangeRequestStatus }),
    });
  });
  return { body: { items: items.map(changeRequestView) } };
}

async function get(deps: ApiDeps, { params }: RouteContext<typeof REQUEST>): Promise<Reply> {
  const found = await read(() => deps.store.getChangeRequest(params.requestId));
  if (found === undefined || found.projectKey !== params.projectKey) {
    await read(() => requireProject(deps.store, params.projectKey));
    throw requestNotFound(params.projectKey, params.requestId);
  }
  return { body: changeRequestView(found) };
}

const requestNotFound = (projectKey: string, id: string) =>
  notFound(`change request "${id}" in project "${projectKey}"`);

async function loadPending(
  tx: StoreTransaction,
  projectKey: string,
  id: string,
): Promise<ChangeRequestRecord> {
  const found = await tx.getChangeRequestForUpdate(id);
  if (found === undefined || found.projectKey !== projectKey) {
    await requireProject(tx, projectKey);
    throw requestNotFound(projectKey, id);
  }
  if (found.status !== 'pending') {
    throw new ApiError(
      'CONFLICT',
      `change request "${id}" is ${found.status}, not pending: only a pending request can be approved, rejected or withdrawn${found.status === 'stale' ? ' (ask for a new request)' : ''}`,
    );
  }
  return found;
}

const who = (actor: Actor) => ({ id: actor.id, name: actor.name });

function audit(r: ChangeRequestRecord, actor: Actor, action: string, now: number) {
  return {
    at: now,
    actor: actor.name,
    action,
    projectKey: r.projectKey,
    ...(r.environmentKeys.length === 1 ? { environmentKey: r.environmentKeys[0]! } : {}),
    resourceKind: 'flag' as const,
    resourceKey: r.flagKey,
    before: null,
    after: changeRequestView(r) as unknown as JsonValue,
  };
}

/**
 * Called by PATCH .../flags/{flagKey} before it applies anything: a patch of the targeting of an
 * environment that requires approval becomes a change request, answered 202; undefined when the
 * patch needs no approval (the PATCH goes on as usual). Checked again inside the transaction.
 */
export async function requestApprovalIfRequired(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  projectKey: string,
  flagKey: string,
  operations: readonly Operation[],
  expected: number | undefined,
  actor: Actor,
): Promise<Reply | undefined> {
  // Most patches name no environment, or environments that need no approval: one read decides.
  if (environmentsNamed(operations).size === 0 && !operations.some(replacesAll)) return undefined;
  const environments = await read(() => deps.store.listEnvironments(projectKey));
  if (approvalEnvironments(operations, environments).length === 0) return undefined;
  const created = await write(deps, async (tx) => {
    const envs = await tx.listEnvironments(projectKey);
    const gated = approvalEnvironments(operations, envs);
    if (gated.length === 0) return undefined;
    const before = await loadForWrite(
      tx.getFlagForUpdate(projectKey, flagKey),
      { what: `flag "${flagKey}"`, in: `project "${projectKey}"` },
      expected,
    );
    const envKeys = envs.map((e) => e.key);
    const current = flagRepresentation(before, envKeys);
    // Refused now if it would be refused when applied: the approver reviews a change that works.
    await checkPatch(tx, schemas, before, current, operations, envKeys);
    const now = deps.now();
    const comment = currentComment();
    const request: ChangeRequestRecord = {
      id: randomUUID(),
      projectKey,
      flagKey,
      environmentKeys: gated,
      patch: operations as unknown as JsonValue[],
      baseVersion: before.version,
      base: requestBase(current, gated) as unknown as JsonValue,
      requestedBy: who(actor),
      ...(comment === undefined ? {} : { comment }),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    };
    await tx.putChangeRequest(request);
    await tx.appendAudit(audit(request, actor, 'flag.request-change', now));
    return request;
  });
  // Approval was turned off between the two reads: apply it as any PATCH.
  if (created === undefined) return undefined;
  return { status: 202, body: changeRequestView(created) };
}

const replacesAll = (op: Operation) => {
  const path = (op as { path?: unknown }).path;
  return op.op !== 'test' && (path === '' || path === '/environments');
};

/** The patched flag, or the ApiError a PATCH of it would answer. */
async function checkPatch(
  tx: StoreTransaction,
  schemas: SchemaRegistry,
  before: FlagRecord,
  current: JsonObject,
  operations: readonly Operation[],
  envKeys: readonly string[],
): Promise<FlagRecord> {
  const patched = applyJsonPatch(current, operations);
  schemas.check(ref('Flag'), patched, '');
  const after = recordFromRepresentation(before, current, patched, envKeys);
  assertAllowedChange(before, after, await tx.listFlags(before.projectKey));
  return after;
}

async function approve(
  deps: ApiDeps,
  schemas: SchemaRegistry,
  { params: { projectKey, requestId }, actor }: RouteContext<`${typeof REQUEST}/approve`>,
): Promise<Reply> {
  const outcome = await write(deps, async (tx, changed) => {
    const request = await loadPending(tx, projectKey, requestId);
    if (request.requestedBy.id === actor.id) {
      throw new ApiError(
        'FORBIDDEN',
        `you requested change request "${requestId}" yourself (with token "${actor.name}"); another member must approve it`,
      );
    }
    const now = deps.now();
    const refuse = async (why: string) => {
      const message = `the flag changed since this request was made: ${why}; ask for a new request`;
      const stale: ChangeRequestRecord = {
        ...request,
        status: 'stale',
        reason: message,
        updatedAt: now,
        decidedBy: who(actor),
        decidedAt: now,
      };
      await tx.putChangeRequest(stale);
      await tx.appendAudit(audit(stale, actor, 'flag.request-stale', now));
      return { refused: message } as const;
    };
    const before = await tx.getFlagForUpdate(projectKey, request.flagKey);
    if (before === undefined) return refuse(`flag "${request.flagKey}" was deleted`);
    const envs = await tx.listEnvironments(projectKey);
    const envKeys = envs.map((e) => e.key);
    const missing = request.environmentKeys.filter((k) => !envKeys.includes(k));
    if (missing.length > 0) return refuse(`environment "${missing[0]}" was deleted`);
    const current = flagRepresentation(before, envKeys);
    if (before.version !== request.baseVersion) {
      const changedParts = baseChanges(request.base, requestBase(current, request.environmentKeys));
      if (changedParts !== undefined) {
        return refuse(
          `it is at version ${before.version}, not ${request.baseVersion}, and ${changedParts} changed`,
        );
      }
    }
    let after: FlagRecord;
    try {
      after = await checkPatch(
        tx,
        schemas,
        before,
        current,
        request.patch as unknown as Operation[],
        envKeys,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return refuse(`the patch no longer applies (${e.message})`);
    }
    const requested = request.comment === undefined ? '' : ` ("${request.comment}")`;
    const approverComment = currentComment();
    const result = await commitFlag(tx, projectKey, before, after, {
      actor: actor.name,
      action: 'flag.update',
      now,
      comment: `change request ${request.id} by ${request.requestedBy.name}${requested}, approved by ${actor.name}${approverComment === undefined ? '' : `: ${approverComment}`}`,
    });
    result.environmentIds.forEach((id) => changed.add(id));
    const approved: ChangeRequestRecord = {
      ...request,
      status: 'approved',
      updatedAt: now,
      decidedBy: who(actor),
      decidedAt: now,
      appliedVersion: after.version,
    };
    await tx.putChangeRequest(approved);
    await tx.appendAudit(audit(approved, actor, 'flag.request-approve', now));
    return { approved } as const;
  });
  if ('refused' in outcome) throw new ApiError('CONFLICT', outcome.refused);
  return { body: changeRequestView(outcome.approved) };
}

async function decide(
  deps: ApiDeps,
  { params: { projectKey, requestId }, actor, body }: RouteContext<typeof REQUEST>,
  status: 'rejected' | 'withdrawn',
): Promise<Reply> {
  const decided = await write(deps, async (tx) => {
    const request = await loadPending(tx, projectKey, requestId);
    const own = request.requestedBy.id === actor.id;
    if (status === 'withdrawn' && !own) {
      throw new ApiError(
        'FORBIDDEN',
        `only its requester (token "${request.requestedBy.name}") can withdraw change request "${requestId}"; reject it instead`,
      );
    }
    if (status === 'rejected' && own) {
      throw new ApiError(
        'FORBIDDEN',
        `change request "${requestId}" is your own; withdraw it instead (POST .../withdraw)`,
      );
    }
    const now = deps.now();
    const reason = status === 'rejected' ? (body as { reason: string }).reason.trim() : undefined;
    if (reason === '') {
      throw new ApiError('VALIDATION_FAILED', 'reason must say why the request is rejected');
    }
    const next: ChangeRequestRecord = {
      ...request,
      status,
      updatedAt: now,
      decidedBy: who(actor),
      decidedAt: now,
      ...(reason === undefined ? {} : { reason }),
    };
    await tx.putChangeRequest(next);
    await tx.appendAudit(
      audit(
        next,
        actor,
        status === 'rejected' ? 'flag.request-reject' : 'flag.request-withdraw',
        now,
      ),
    );
    return next;
  });
  return { body: changeRequestView(decided) };
}

import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { ItemList } from '../client/api-types.js';
import { formatFields, formatTable, formatTime, type Column } from '../table.js';
import {
  apiClient,
  output,
  positional,
  projectOf,
  projectOptions,
  type CommandContext,
  type CommandGroup,
} from './command.js';

// Change requests (approvals): a flag change in an environment that requires approval is
// answered 202 with a request, which another member approves or rejects here.

export interface ChangeRequest {
  readonly id: string;
  readonly projectKey: string;
  readonly flagKey: string;
  readonly environmentKeys: readonly string[];
  readonly patch: readonly { op: string; path: string; value?: unknown; from?: string }[];
  readonly baseVersion: number;
  readonly requestedBy: { id: string; name: string };
  readonly comment?: string;
  readonly status: string;
  readonly createdAt: number;
  readonly decidedBy?: { id: string; name: string };
  readonly decidedAt?: number;
  readonly reason?: string;
  readonly appliedVersion?: number;
}

const STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'stale', 'all'] as const;

/** What a write command prints when its change became a request (202). */
export function requestCreated(request: ChangeRequest): string {
  return `request ${request.id} created, waiting for approval (${request.environmentKeys.join(', ')} requires approval; another member runs: vexil requests approve ${request.id} --project ${request.projectKey})\n`;
}

const describeOps = (r: ChangeRequest) =>
  r.patch
    .map((op) =>
      op.op === 'remove'
        ? `remove ${op.path}`
        : `${op.op} ${op.path} = ${JSON.stringify(op.value)}`,
    )
    .join('; ');

const columns: readonly Column<ChangeRequest>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'FLAG', value: (r) => r.flagKey },
  { header: 'ENV', value: (r) => r.environmentKeys.join(',') },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'BY', value: (r) => r.requestedBy.name, maxWidth: 20 },
  { header: 'CREATED', value: (r) => formatTime(r.createdAt) },
  { header: 'CHANGE', value: describeOps, maxWidth: 60 },
];

const fields = (r: ChangeRequest) =>
  formatFields([
    ['ID', r.id],
    ['Flag', r.flagKey],
    ['Environments', r.environmentKeys.join(', ')],
    ['Status', r.status],
    ['Requested by', r.requestedBy.name],
    ['Created', formatTime(r.createdAt)],
    ['Comment', r.comment],
    ['Change', describeOps(r)],
    ['Made against version', String(r.baseVersion)],
    ['Decided by', r.decidedBy?.name],
    ['Decided', formatTime(r.decidedAt)],
    ['Reason', r.reason],
    ['Applied as version', r.appliedVersion === undefined ? undefined : String(r.appliedVersion)],
  ]);

const requestsPath = (ctx: CommandContext, ...rest: string[]) =>
  apiPath('projects', projectOf(ctx), 'change-requests', ...rest);

async function decide(ctx: CommandContext, action: string, body?: unknown, done?: string) {
  const id = positional(ctx);
  const request = await apiClient(ctx).post<ChangeRequest>(requestsPath(ctx, id, action), body);
  output(ctx, request, () => `${done ?? action} request ${request.id}\n${fields(request)}`);
}

export const requestsGroup: CommandGroup = {
  name: 'requests',
  summary: 'Change requests: flag changes waiting for approval, to approve or reject',
  commands: [
    {
      name: 'list',
      usage:
        '[--status pending|approved|rejected|withdrawn|stale|all] [--flag <key>] [--project <key>]',
      summary: "List a project's change requests, newest first (pending ones by default)",
      options: projectOptions({ status: { type: 'string' }, flag: { type: 'string' } }),
      async run(ctx) {
        const status = ctx.args.string('status') ?? 'pending';
        if (!(STATUSES as readonly string[]).includes(status)) {
          throw usageError(`--status must be one of ${STATUSES.join(', ')} (got "${status}")`);
        }
        const query = new URLSearchParams();
        if (status !== 'all') query.set('status', status);
        const flag = ctx.args.string('flag');
        if (flag !== undefined) query.set('flag', flag);
        const suffix = query.size === 0 ? '' : `?${query.toString()}`;
        const list = await apiClient(ctx).get<ItemList<ChangeRequest>>(requestsPath(ctx) + suffix);
        output(ctx, list, () =>
          list.items.length === 0
            ? `No ${status === 'all' ? '' : `${status} `}change requests\n`
            : formatTable(columns, list.items),
        );
      },
    },
    {
      name: 'get',
      args: ['id'],
      usage: '[--project <key>]',
      summary: 'Show a change request',
      options: projectOptions(),
      async run(ctx) {
        const request = await apiClient(ctx).get<ChangeRequest>(requestsPath(ctx, positional(ctx)));
        output(ctx, request, () => fields(request));
      },
    },
    {
      name: 'approve',
      writes: true,
      args: ['id'],
      usage: '[--project <key>]',
      summary:
        'Approve and apply a pending change request (writer role or above; not your own request)',
      options: projectOptions(),
      run: (ctx) => decide(ctx, 'approve', undefined, 'Approved and applied'),
    },
    {
      name: 'reject',
      writes: true,
      args: ['id'],
      usage: '--reason <text> [--project <key>]',
      summary: 'Reject a pending change request, saying why',
      options: projectOptions({ reason: { type: 'string' } }),
      run: (ctx) =>
        decide(ctx, 'reject', { reason: ctx.args.requireString('reason', 'text') }, 'Rejected'),
    },
    {
      name: 'withdraw',
      writes: true,
      args: ['id'],
      usage: '[--project <key>]',
      summary: 'Withdraw your own pending change request',
      options: projectOptions(),
      run: (ctx) => decide(ctx, 'withdraw', undefined, 'Withdrew'),
    },
  ],
};

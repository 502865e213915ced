import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import { formatTable, formatTime } from '../table.js';
import {
  apiClient,
  output,
  positional,
  projectOf,
  projectOptions,
  type Command,
  type CommandContext,
} from './command.js';

// `vexil flags schedule|schedules|reschedule|unschedule`: scheduled flag changes
// (POST /projects/{key}/flags/{flag}/schedules and /projects/{key}/schedules/{id}). The origin
// checks the change when it is scheduled and applies it when due, exactly once.

interface Schedule {
  id: string;
  flagKey: string;
  runAt: number;
  patch: unknown[];
  comment?: string;
  createdBy: string;
  status: string;
  version: number;
  ranAt?: number;
  lateness?: number;
  error?: string;
}

const pointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** `--at`: an ISO time with its offset, or `+10m` / `+2h` / `+1d` from now. */
export function parseAt(text: string, now = Date.now()): string {
  const relative = /^\+(\d+)([smhd])$/.exec(text.trim());
  if (relative !== null) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's'];
    return new Date(now + Number(relative[1]) * unit).toISOString();
  }
  return text;
}

/** The patch: --patch '<JSON Patch>', or --on / --off with --env. */
function patchOf(ctx: CommandContext, required: boolean): unknown[] | undefined {
  const text = ctx.args.string('patch');
  const on = ctx.args.boolean('on');
  const off = ctx.args.boolean('off');
  if (text !== undefined && (on || off)) throw usageError('give --patch or --on/--off, not both');
  if (on && off) throw usageError('give --on or --off, not both');
  if (on || off) {
    const env = ctx.args.string('env');
    if (env === undefined) throw usageError('--on and --off need --env <environment>');
    return [{ op: 'replace', path: `/environments/${pointer(env)}/on`, value: on }];
  }
  if (text === undefined) {
    if (required) throw usageError("give the change: --patch '<JSON Patch>', or --on/--off --env");
    return undefined;
  }
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch {
    throw usageError(
      `--patch must be a JSON Patch array, such as '[{"op":"replace","path":"/environments/production/on","value":true}]'`,
    );
  }
  return Array.isArray(patch) ? patch : [patch];
}

function describe(s: Schedule): string {
  const lines = [
    `Schedule ${s.id}: flag ${s.flagKey} at ${formatTime(s.runAt)} (${s.status})`,
    `  change: ${JSON.stringify(s.patch)}`,
    `  by ${s.createdBy}${s.comment === undefined ? '' : `: ${s.comment}`}`,
  ];
  if (s.ranAt !== undefined)
    lines.push(`  ran ${formatTime(s.ranAt)}, ${Math.round((s.lateness ?? 0) / 1000)} s late`);
  if (s.error !== undefined) lines.push(`  failed: ${s.error}`);
  return `${lines.join('\n')}\n`;
}

const schedulePath = (ctx: CommandContext, id: string) =>
  apiPath('projects', projectOf(ctx), 'schedules', id);

const changeOptions = {
  at: { type: 'string' },
  patch: { type: 'string' },
  on: { type: 'boolean' },
  off: { type: 'boolean' },
  env: { type: 'string' },
} as const;

export const scheduleCommand: Command = {
  name: 'schedule',
  writes: true,
  args: ['flag'],
  usage: "--at <ISO time|+10m> (--patch '<JSON Patch>' | --on|--off --env <env>) [--project <key>]",
  summary: 'Schedule a change of a flag for a time (applied once, when due)',
  details:
    'The change is a JSON Patch of the flag, as `PATCH /flags/{key}` takes; it is checked now and applied to the flag as it is when due. --at takes an ISO time with its offset (2030-01-31T09:00:00Z) or +<n>s|m|h|d from now.',
  options: projectOptions(changeOptions),
  async run(ctx) {
    const flag = positional(ctx);
    const at = parseAt(ctx.args.requireString('at'));
    const patch = patchOf(ctx, true);
    const s = await apiClient(ctx).post<Schedule>(
      apiPath('projects', projectOf(ctx), 'flags', flag, 'schedules'),
      { at, patch },
    );
    output(ctx, s, () => describe(s));
  },
};

export const schedulesCommand: Command = {
  name: 'schedules',
  usage: '[--flag <flag>] [--status pending|done|failed|cancelled] [--project <key>]',
  summary: "List scheduled changes: a flag's, or the project's",
  options: projectOptions({ flag: { type: 'string' }, status: { type: 'string' } }),
  async run(ctx) {
    const flag = ctx.args.string('flag');
    const status = ctx.args.string('status');
    const path =
      flag === undefined
        ? apiPath('projects', projectOf(ctx), 'schedules')
        : apiPath('projects', projectOf(ctx), 'flags', flag, 'schedules');
    const list = await apiClient(ctx).get<{ items: Schedule[] }>(path, { status });
    output(ctx, list, () =>
      list.items.length === 0
        ? 'No scheduled changes.\n'
        : formatTable(
            [
              { header: 'ID', value: (s: Schedule) => s.id },
              { header: 'FLAG', value: (s) => s.flagKey },
              { header: 'AT', value: (s) => formatTime(s.runAt) },
              { header: 'STATUS', value: (s) => s.status },
              { header: 'BY', value: (s) => s.createdBy },
              { header: 'CHANGE', value: (s) => s.error ?? JSON.stringify(s.patch), maxWidth: 60 },
            ],
            list.items,
          ),
    );
  },
};

export const rescheduleCommand: Command = {
  name: 'reschedule',
  writes: true,
  args: ['id'],
  usage:
    "[--at <ISO time|+10m>] [--patch '<JSON Patch>' | --on|--off --env <env>] [--project <key>]",
  summary: 'Edit a pending scheduled change: its time or its change',
  options: projectOptions(changeOptions),
  async run(ctx) {
    const id = positional(ctx);
    const body: Record<string, unknown> = {};
    const at = ctx.args.string('at');
    if (at !== undefined) body['at'] = parseAt(at);
    const patch = patchOf(ctx, false);
    if (patch !== undefined) body['patch'] = patch;
    if (Object.keys(body).length === 0) throw usageError('give --at or a change to edit');
    const client = apiClient(ctx);
    const read = await client.request<Schedule>('GET', schedulePath(ctx, id));
    const etag = read.headers.get('etag');
    const s = (
      await client.request<Schedule>('PATCH', schedulePath(ctx, id), {
        body,
        headers: etag === null ? {} : { 'if-match': etag },
      })
    ).body;
    output(ctx, s, () => describe(s));
  },
};

export const unscheduleCommand: Command = {
  name: 'unschedule',
  writes: true,
  args: ['id'],
  usage: '[--project <key>]',
  summary: 'Cancel a pending scheduled change',
  options: projectOptions(),
  async run(ctx) {
    const id = positional(ctx);
    const s = (await apiClient(ctx).request<Schedule>('DELETE', schedulePath(ctx, id))).body;
    output(ctx, s, () => `Cancelled schedule ${id} (flag ${s.flagKey})\n`);
  },
};

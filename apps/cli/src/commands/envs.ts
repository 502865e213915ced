import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { Environment, ExpiringKey, ItemList } from '../client/api-types.js';
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

const onOff = (on: boolean | undefined) => (on === true ? 'on' : 'off');

/** `--secure-mode on|off` as a boolean, absent when not given. */
function secureModeOption(ctx: CommandContext, name = 'secure-mode'): boolean | undefined {
  const value = ctx.args.string(name);
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off')
    throw usageError(`--${name} must be "on" or "off" (got "${value}")`);
  return value === 'on';
}

const columns: readonly Column<Environment>[] = [
  { header: 'KEY', value: (e) => e.key },
  { header: 'NAME', value: (e) => e.name, maxWidth: 30 },
  { header: 'CLIENT-SIDE ID', value: (e) => e.clientSideId },
  { header: 'SECURE MODE', value: (e) => onOff(e.secureMode) },
  { header: 'SEQ', value: (e) => String(e.seq) },
  { header: 'APPROVAL', value: (e) => (e.requireApproval === true ? 'required' : 'no') },
  { header: 'CREATED', value: (e) => formatTime(e.createdAt) },
];

const expiring = (k: ExpiringKey | undefined) =>
  k === undefined ? undefined : `${k.key} (until ${formatTime(k.expiresAt)})`;

const fields = (e: Environment) =>
  formatFields([
    ['Key', e.key],
    ['Name', e.name],
    ['Project', e.projectKey],
    ['SDK key', e.sdkKey],
    ['Old SDK key', expiring(e.expiringSdkKey)],
    ['Mobile key', e.mobileKey],
    ['Old mobile key', expiring(e.expiringMobileKey)],
    ['Client-side ID', e.clientSideId],
    [
      'Secure mode',
      e.secureMode === true
        ? 'on: browser requests need h, the secure-mode hash of their context'
        : 'off',
    ],
    [
      'Require approval',
      e.requireApproval === true
        ? 'on: flag targeting changes become change requests (vexil requests)'
        : 'off',
    ],
    ['Sequence', String(e.seq)],
    ['Created', formatTime(e.createdAt)],
  ]);

const envPath = (ctx: CommandContext, ...rest: string[]) =>
  apiPath('projects', projectOf(ctx), 'environments', ...rest);

export const envsGroup: CommandGroup = {
  name: 'envs',
  summary: "A project's environments and their SDK key, mobile key and client-side ID",
  commands: [
    {
      name: 'list',
      usage: '[--project <key>]',
      summary: "List a project's environments",
      options: projectOptions(),
      async run(ctx) {
        const list = await apiClient(ctx).get<ItemList<Environment>>(envPath(ctx));
        output(ctx, list, () => formatTable(columns, list.items));
      },
    },
    {
      name: 'get',
      args: ['env'],
      usage: '[--project <key>]',
      summary: 'Show an environment with its keys',
      options: projectOptions(),
      async run(ctx) {
        const env = await apiClient(ctx).get<Environment>(envPath(ctx, positional(ctx)));
        output(ctx, env, () => fields(env));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['env'],
      usage: '[--name <name>] [--secure-mode on|off] [--project <key>]',
      summary: 'Create an environment with new keys; it serves every flag, off',
      options: projectOptions({ name: { type: 'string' }, 'secure-mode': { type: 'string' } }),
      async run(ctx) {
        const key = positional(ctx);
        const secureMode = secureModeOption(ctx);
        const env = await apiClient(ctx).post<Environment>(envPath(ctx), {
          key,
          name: ctx.args.string('name') ?? key,
          ...(secureMode === undefined ? {} : { secureMode }),
        });
        output(ctx, env, () => `Created environment ${env.key}\n${fields(env)}`);
      },
    },
    {
      name: 'set',
      writes: true,
      args: ['env'],
      usage: '[--name <name>] [--secure-mode on|off] [--require-approval on|off] [--project <key>]',
      summary:
        "Rename an environment, turn secure mode on or off (browser SDKs must then send the context's hash), or require approval of flag changes (admin)",
      options: projectOptions({
        name: { type: 'string' },
        'secure-mode': { type: 'string' },
        'require-approval': { type: 'string' },
      }),
      async run(ctx) {
        const name = ctx.args.string('name');
        const secureMode = secureModeOption(ctx);
        const requireApproval = secureModeOption(ctx, 'require-approval');
        const operations = [
          ...(requireApproval === undefined
            ? []
            : [{ op: 'replace', path: '/requireApproval', value: requireApproval }]),
          ...(name === undefined ? [] : [{ op: 'replace', path: '/name', value: name }]),
          ...(secureMode === undefined
            ? []
            : [{ op: 'replace', path: '/secureMode', value: secureMode }]),
        ];
        if (operations.length === 0)
          throw usageError('give --name or --secure-mode on|off (or --require-approval on|off)');
        const { body: env } = await apiClient(ctx).request<Environment>(
          'PATCH',
          envPath(ctx, positional(ctx)),
          { body: operations, contentType: 'application/json-patch+json' },
        );
        output(ctx, env, () => `Updated environment ${env.key}\n${fields(env)}`);
      },
    },
    {
      name: 'rotate',
      writes: true,
      args: ['env'],
      usage: '--key sdk|mobile [--expires-in <seconds>] [--project <key>]',
      summary: 'Replace the SDK or mobile key; the old one works until --expires-in (default: now)',
      options: projectOptions({ key: { type: 'string' }, 'expires-in': { type: 'string' } }),
      async run(ctx) {
        const kind = ctx.args.requireString('key', 'sdk|mobile');
        if (kind !== 'sdk' && kind !== 'mobile') {
          throw usageError(`--key must be "sdk" or "mobile" (got "${kind}")`);
        }
        const expiresIn = ctx.args.string('expires-in');
        if (expiresIn !== undefined && !/^\d+$/.test(expiresIn)) {
          throw usageError(`--expires-in must be a whole number of seconds (got "${expiresIn}")`);
        }
        const env = await apiClient(ctx).post<Environment>(
          envPath(ctx, positional(ctx), 'keys', kind, 'rotate'),
          expiresIn === undefined ? undefined : { expiresInSeconds: Number(expiresIn) },
        );
        output(ctx, env, () => `Rotated the ${kind} key of ${env.key}\n${fields(env)}`);
      },
    },
    {
      name: 'delete',
      writes: true,
      args: ['env'],
      usage: '[--project <key>]',
      summary: 'Delete an environment, its segments and its targeting',
      options: projectOptions(),
      async run(ctx) {
        const key = positional(ctx);
        await apiClient(ctx).delete(envPath(ctx, key));
        output(ctx, undefined, () => `Deleted environment ${key}\n`);
      },
    },
  ],
};

import { CliError, usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { Flag } from '../client/api-types.js';
import { formatTable } from '../table.js';
import {
  apiClient,
  listOption,
  output,
  positional,
  projectOf,
  projectOptions,
  type CommandContext,
  type CommandGroup,
} from './command.js';
import { staleCommand } from './flag-stale.js';
import {
  rescheduleCommand,
  scheduleCommand,
  schedulesCommand,
  unscheduleCommand,
} from './flag-schedule.js';
import { toggleCommand, rolloutCommand } from './flag-targeting.js';
import { archiveCommand, editCommand, restoreCommand } from './flag-lifecycle.js';
import { environmentKeys, flagColumns, flagDetails } from './flag-view.js';

export const flagPath = (ctx: CommandContext, ...rest: string[]) =>
  apiPath('projects', projectOf(ctx), 'flags', ...rest);

/** Fails with the API's "does not exist" message when the environment is unknown. */
async function requireEnvironment(ctx: CommandContext, env: string): Promise<void> {
  await apiClient(ctx).get(apiPath('projects', projectOf(ctx), 'environments', env));
}

function parseVariations(text: string | undefined): { value: unknown }[] {
  if (text === undefined) return [{ value: true }, { value: false }];
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw usageError(`--variations must be a JSON array of values, such as '["a","b"]'`);
  }
  if (!Array.isArray(values) || values.length === 0) {
    throw usageError(`--variations must be a non-empty JSON array of values, such as '[1,2,3]'`);
  }
  return values.map((value: unknown) => ({ value }));
}

export const flagsGroup: CommandGroup = {
  name: 'flags',
  summary: 'Feature flags: definitions and per-environment targeting',
  commands: [
    {
      name: 'list',
      usage: '[--env <env>] [--tag <tag>] [--search <text>] [--archived] [--project <key>]',
      summary:
        'List flags, on/off in each environment (or what --env serves); --archived: archived ones',
      options: projectOptions({
        env: { type: 'string' },
        tag: { type: 'string' },
        search: { type: 'string' },
        archived: { type: 'boolean' },
      }),
      async run(ctx) {
        const env = ctx.args.string('env');
        if (env !== undefined) await requireEnvironment(ctx, env);
        const list = await apiClient(ctx).get<{ items: Flag[] }>(flagPath(ctx), {
          tag: ctx.args.string('tag'),
          q: ctx.args.string('search'),
          archived: ctx.args.boolean('archived') ? 'true' : undefined,
        });
        output(ctx, list, () =>
          formatTable(flagColumns(environmentKeys(list.items), env), list.items),
        );
      },
    },
    {
      name: 'get',
      args: ['key'],
      usage: '[--env <env>] [--project <key>]',
      summary: 'Show a flag: variations and what each environment serves',
      options: projectOptions({ env: { type: 'string' } }),
      async run(ctx) {
        const flag = await apiClient(ctx).get<Flag>(flagPath(ctx, positional(ctx)));
        const env = ctx.args.string('env');
        if (env !== undefined && flag.environments[env] === undefined) {
          throw new CliError(
            'API',
            `flag "${flag.key}" is not served in environment "${env}" (it is in: ${Object.keys(flag.environments).join(', ') || 'none'})`,
          );
        }
        output(ctx, flag, () => flagDetails(flag, env));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['key'],
      usage:
        "[--name <name>] [--description <text>] [--tags a,b] [--variations '<JSON array>'] [--project <key>]",
      summary: 'Create a flag, off everywhere; variations default to [true,false]',
      options: projectOptions({
        name: { type: 'string' },
        description: { type: 'string' },
        tags: { type: 'string' },
        variations: { type: 'string' },
      }),
      async run(ctx) {
        const body: Record<string, unknown> = {
          key: positional(ctx),
          variations: parseVariations(ctx.args.string('variations')),
        };
        const name = ctx.args.string('name');
        const description = ctx.args.string('description');
        const tags = listOption(ctx, 'tags');
        if (name !== undefined) body['name'] = name;
        if (description !== undefined) body['description'] = description;
        if (tags !== undefined) body['tags'] = tags;
        const flag = await apiClient(ctx).post<Flag>(flagPath(ctx), body);
        output(ctx, flag, () => `Created flag ${flag.key}\n${flagDetails(flag)}`);
      },
    },
    toggleCommand,
    rolloutCommand,
    editCommand,
    archiveCommand,
    restoreCommand,
    staleCommand,
    scheduleCommand,
    schedulesCommand,
    rescheduleCommand,
    unscheduleCommand,
    {
      name: 'delete',
      writes: true,
      args: ['key'],
      usage: '[--project <key>]',
      summary: 'Delete a flag from every environment',
      options: projectOptions(),
      async run(ctx) {
        const key = positional(ctx);
        await apiClient(ctx).delete(flagPath(ctx, key));
        output(ctx, undefined, () => `Deleted flag ${key}\n`);
      },
    },
  ],
};

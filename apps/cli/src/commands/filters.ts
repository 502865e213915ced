import { apiPath } from '../client/api-client.js';
import type { ItemList, PayloadFilter } from '../client/api-types.js';
import { formatFields, formatTable, formatTime, type Column } from '../table.js';
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

const list = (values: readonly string[]) => (values.length === 0 ? '—' : values.join(', '));

const columns: readonly Column<PayloadFilter>[] = [
  { header: 'KEY', value: (f) => f.key },
  { header: 'NAME', value: (f) => f.name, maxWidth: 30 },
  { header: 'TAGS', value: (f) => list(f.tags), maxWidth: 30 },
  { header: 'FLAGS', value: (f) => String(f.flags.length) },
  { header: 'VERSION', value: (f) => String(f.version) },
];

const fields = (f: PayloadFilter) =>
  formatFields([
    ['Key', f.key],
    ['Name', f.name],
    ['Description', f.description === '' ? undefined : f.description],
    ['By key', list(f.flagKeys)],
    ['By tag', list(f.tags)],
    ['Serves', list(f.flags)],
    ['Version', String(f.version)],
    ['Created', formatTime(f.createdAt)],
    ['Updated', formatTime(f.updatedAt)],
  ]);

const filterPath = (ctx: CommandContext, ...rest: string[]) =>
  apiPath('projects', projectOf(ctx), 'filters', ...rest);

const definitionOptions = {
  name: { type: 'string' },
  description: { type: 'string' },
  flags: { type: 'string' },
  tags: { type: 'string' },
} as const;

/** The definition the options give; `flags` and `tags` are comma-separated lists. */
function definition(ctx: CommandContext): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of ['name', 'description'] as const) {
    const value = ctx.args.string(field);
    if (value !== undefined) body[field] = value;
  }
  body['flagKeys'] = listOption(ctx, 'flags') ?? [];
  body['tags'] = listOption(ctx, 'tags') ?? [];
  return body;
}

export const filtersGroup: CommandGroup = {
  name: 'filters',
  summary: "A project's payload filters: the flags an SDK with payloadFilterKey is served",
  commands: [
    {
      name: 'list',
      usage: '[--project <key>]',
      summary: "List a project's payload filters",
      options: projectOptions(),
      async run(ctx) {
        const filters = await apiClient(ctx).get<ItemList<PayloadFilter>>(filterPath(ctx));
        output(ctx, filters, () => formatTable(columns, filters.items));
      },
    },
    {
      name: 'get',
      args: ['key'],
      usage: '[--project <key>]',
      summary: 'Show a payload filter and the flags it serves now',
      options: projectOptions(),
      async run(ctx) {
        const filter = await apiClient(ctx).get<PayloadFilter>(filterPath(ctx, positional(ctx)));
        output(ctx, filter, () => fields(filter));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['key'],
      usage:
        '[--flags a,b] [--tags web,beta] [--name <name>] [--description <text>] [--project <key>]',
      summary: 'Create a payload filter of flags named by key and by tag',
      options: projectOptions(definitionOptions),
      async run(ctx) {
        const body = { key: positional(ctx), ...definition(ctx) };
        const filter = await apiClient(ctx).post<PayloadFilter>(filterPath(ctx), body);
        output(ctx, filter, () => `Created payload filter ${filter.key}\n${fields(filter)}`);
      },
    },
    {
      name: 'set',
      writes: true,
      args: ['key'],
      usage:
        '[--flags a,b] [--tags web,beta] [--name <name>] [--description <text>] [--project <key>]',
      summary: "Replace a payload filter's flags and tags (omitted lists become empty)",
      options: projectOptions(definitionOptions),
      async run(ctx) {
        const path = filterPath(ctx, positional(ctx));
        const filter = await apiClient(ctx).put<PayloadFilter>(path, definition(ctx));
        output(ctx, filter, () => `Updated payload filter ${filter.key}\n${fields(filter)}`);
      },
    },
    {
      name: 'delete',
      writes: true,
      args: ['key'],
      usage: '[--project <key>]',
      summary: 'Delete a payload filter: SDKs asking for it are refused from then on',
      options: projectOptions(),
      async run(ctx) {
        const key = positional(ctx);
        await apiClient(ctx).delete(filterPath(ctx, key));
        output(ctx, undefined, () => `Deleted payload filter ${key}\n`);
      },
    },
  ],
};

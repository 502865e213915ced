import { apiPath } from '../client/api-client.js';
import type { ItemList, Segment } from '../client/api-types.js';
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

const columns: readonly Column<Segment>[] = [
  { header: 'KEY', value: (s) => s.key },
  { header: 'NAME', value: (s) => s.name, maxWidth: 30 },
  { header: 'INCLUDED', value: (s) => String(s.included?.length ?? 0) },
  { header: 'EXCLUDED', value: (s) => String(s.excluded?.length ?? 0) },
  { header: 'RULES', value: (s) => String(s.rules?.length ?? 0) },
  { header: 'VERSION', value: (s) => String(s.version) },
];

const list = (values: readonly string[] | undefined) =>
  values === undefined || values.length === 0 ? undefined : values.join(', ');

const fields = (s: Segment) =>
  formatFields([
    ['Key', s.key],
    ['Name', s.name],
    ['Description', s.description === '' ? undefined : s.description],
    ['Included', list(s.included)],
    ['Excluded', list(s.excluded)],
    ['Rules', String(s.rules?.length ?? 0)],
    ['Version', String(s.version)],
    ['Created', formatTime(s.createdAt)],
    ['Updated', formatTime(s.updatedAt)],
  ]);

const segmentPath = (ctx: CommandContext, ...rest: string[]) =>
  apiPath(
    'projects',
    projectOf(ctx),
    'environments',
    ctx.args.requireString('env'),
    'segments',
    ...rest,
  );

const envOptions = (own = {}) => projectOptions({ env: { type: 'string' }, ...own });

export const segmentsGroup: CommandGroup = {
  name: 'segments',
  summary: "An environment's segments: reusable lists of contexts",
  commands: [
    {
      name: 'list',
      usage: '--env <env> [--project <key>]',
      summary: "List an environment's segments",
      options: envOptions(),
      async run(ctx) {
        const segments = await apiClient(ctx).get<ItemList<Segment>>(segmentPath(ctx));
        output(ctx, segments, () => formatTable(columns, segments.items));
      },
    },
    {
      name: 'get',
      args: ['key'],
      usage: '--env <env> [--project <key>]',
      summary: 'Show a segment',
      options: envOptions(),
      async run(ctx) {
        const segment = await apiClient(ctx).get<Segment>(segmentPath(ctx, positional(ctx)));
        output(ctx, segment, () => fields(segment));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['key'],
      usage: '--env <env> [--name <name>] [--included a,b] [--excluded c,d] [--project <key>]',
      summary: 'Create a segment from lists of user keys',
      options: envOptions({
        name: { type: 'string' },
        included: { type: 'string' },
        excluded: { type: 'string' },
      }),
      async run(ctx) {
        const body: Record<string, unknown> = { key: positional(ctx) };
        const name = ctx.args.string('name');
        const included = listOption(ctx, 'included');
        const excluded = listOption(ctx, 'excluded');
        if (name !== undefined) body['name'] = name;
        if (included !== undefined) body['included'] = included;
        if (excluded !== undefined) body['excluded'] = excluded;
        const segment = await apiClient(ctx).post<Segment>(segmentPath(ctx), body);
        output(ctx, segment, () => `Created segment ${segment.key}\n${fields(segment)}`);
      },
    },
    {
      name: 'delete',
      writes: true,
      args: ['key'],
      usage: '--env <env> [--project <key>]',
      summary: 'Delete a segment',
      options: envOptions(),
      async run(ctx) {
        const key = positional(ctx);
        await apiClient(ctx).delete(segmentPath(ctx, key));
        output(ctx, undefined, () => `Deleted segment ${key}\n`);
      },
    },
  ],
};

import { apiPath } from '../client/api-client.js';
import type { ItemList, Project } from '../client/api-types.js';
import { formatFields, formatTable, formatTime, type Column } from '../table.js';
import {
  apiClient,
  apiOptions,
  output,
  positional,
  type CommandContext,
  type CommandGroup,
} from './command.js';

const columns: readonly Column<Project>[] = [
  { header: 'KEY', value: (p) => p.key },
  { header: 'NAME', value: (p) => p.name, maxWidth: 40 },
  { header: 'CREATED', value: (p) => formatTime(p.createdAt) },
];

const fields = (p: Project) =>
  formatFields([
    ['Key', p.key],
    ['Name', p.name],
    ['Created', formatTime(p.createdAt)],
  ]);

export const projectsGroup: CommandGroup = {
  name: 'projects',
  summary: 'Projects: each owns flag definitions and environments',
  commands: [
    {
      name: 'list',
      summary: 'List projects',
      options: apiOptions(),
      async run(ctx) {
        const list = await apiClient(ctx).get<ItemList<Project>>(apiPath('projects'));
        output(ctx, list, () => formatTable(columns, list.items));
      },
    },
    {
      name: 'get',
      args: ['key'],
      summary: 'Show a project',
      options: apiOptions(),
      async run(ctx) {
        const project = await apiClient(ctx).get<Project>(apiPath('projects', positional(ctx)));
        output(ctx, project, () => fields(project));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['key'],
      usage: '[--name <name>]',
      summary: 'Create a project (add environments with "vexil envs create")',
      options: apiOptions({ name: { type: 'string' } }),
      async run(ctx: CommandContext) {
        const key = positional(ctx);
        const project = await apiClient(ctx).post<Project>(apiPath('projects'), {
          key,
          name: ctx.args.string('name') ?? key,
        });
        output(ctx, project, () => `Created project ${project.key}\n${fields(project)}`);
      },
    },
    {
      name: 'delete',
      writes: true,
      args: ['key'],
      summary: 'Delete a project with all its environments, flags and segments',
      options: apiOptions(),
      async run(ctx) {
        const key = positional(ctx);
        await apiClient(ctx).delete(apiPath('projects', key));
        output(ctx, undefined, () => `Deleted project ${key}\n`);
      },
    },
  ],
};

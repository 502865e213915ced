import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { ItemList, Token } from '../client/api-types.js';
import { formatFields, formatTable, formatTime, type Column } from '../table.js';
import { apiClient, apiOptions, output, positional, type CommandGroup } from './command.js';

const ROLES = ['reader', 'writer', 'admin', 'edge'] as const;

const columns: readonly Column<Token>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name, maxWidth: 30 },
  { header: 'ROLE', value: (t) => t.role },
  { header: 'CREATED', value: (t) => formatTime(t.createdAt) },
  {
    header: 'LAST USED',
    value: (t) => (t.lastUsedAt === undefined ? 'never' : formatTime(t.lastUsedAt)),
  },
  { header: 'REVOKED', value: (t) => formatTime(t.revokedAt) },
];

export const tokensGroup: CommandGroup = {
  name: 'tokens',
  summary: 'API tokens for the REST API, with roles reader, writer, admin or edge',
  commands: [
    {
      name: 'list',
      summary: 'List API tokens (never their secrets), with when each was last used',
      options: apiOptions(),
      async run(ctx) {
        const list = await apiClient(ctx).get<ItemList<Token>>(apiPath('tokens'));
        output(ctx, list, () => formatTable(columns, list.items));
      },
    },
    {
      name: 'create',
      writes: true,
      args: ['name'],
      usage: '--role reader|writer|admin|edge',
      summary: 'Create an API token; its secret is shown once',
      options: apiOptions({ role: { type: 'string' } }),
      async run(ctx) {
        const role = ctx.args.requireString('role', ROLES.join('|'));
        if (!(ROLES as readonly string[]).includes(role)) {
          throw usageError(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
        }
        const token = await apiClient(ctx).post<Token>(apiPath('tokens'), {
          name: positional(ctx),
          role,
        });
        output(
          ctx,
          token,
          () =>
            `Created token ${token.name}; copy the secret now, it is not shown again\n${formatFields(
              [
                ['Token', token.token],
                ['ID', token.id],
                ['Role', token.role],
              ],
            )}`,
        );
      },
    },
    {
      name: 'revoke',
      writes: true,
      args: ['id'],
      summary: 'Revoke an API token (see "vexil tokens list" for ids)',
      options: apiOptions(),
      async run(ctx) {
        const id = positional(ctx);
        await apiClient(ctx).delete(apiPath('tokens', id));
        output(ctx, undefined, () => `Revoked token ${id}\n`);
      },
    },
  ],
};

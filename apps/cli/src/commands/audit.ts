import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import type { AuditEntry } from '../client/api-types.js';
import { formatTable, formatTime, type Column } from '../table.js';
import { apiClient, apiOptions, output, type Command } from './command.js';

// Every update also bumps versions and timestamps; the summary leaves those out.
const BOOKKEEPING = /\/(version|createdAt|updatedAt)$/;

/** The first changed paths of an update's before/after diff, such as `/environments/test/on`. */
function changes(entry: AuditEntry): string {
  if (/\.(create|delete)$/.test(entry.action)) return '';
  const diff = (entry.diff ?? []).filter((d) => !BOOKKEEPING.test(d.path));
  const first = diff.slice(0, 2).map((d) => `${d.op} ${d.path}`);
  return diff.length > 2 ? `${first.join(', ')} (+${diff.length - 2} more)` : first.join(', ');
}

const columns: readonly Column<AuditEntry>[] = [
  { header: 'TIME', value: (e) => formatTime(e.at) },
  { header: 'ACTOR', value: (e) => e.actor, maxWidth: 24 },
  { header: 'ACTION', value: (e) => e.action },
  { header: 'RESOURCE', value: (e) => `${e.resourceKind} ${e.resourceKey}`, maxWidth: 40 },
  {
    header: 'WHERE',
    value: (e) => [e.projectKey, e.environmentKey].filter((k) => k !== undefined).join('/'),
  },
  { header: 'CHANGES', value: changes, maxWidth: 70 },
  { header: 'COMMENT', value: (e) => e.comment ?? '', maxWidth: 60 },
];

export const auditCommand: Command = {
  name: 'audit',
  usage: '[--flag <key>] [--env <env>] [--project <key>] [--limit <n>]',
  summary: 'Show the audit log, newest first: who changed what, and when',
  options: apiOptions({
    flag: { type: 'string' },
    env: { type: 'string' },
    project: { type: 'string' },
    limit: { type: 'string' },
  }),
  async run(ctx) {
    const limit = ctx.args.string('limit');
    if (limit !== undefined && !/^[1-9]\d{0,3}$/.test(limit)) {
      throw usageError(`--limit must be a number from 1 to 1000 (got "${limit}")`);
    }
    const page = await apiClient(ctx).get<{ items: AuditEntry[] }>(apiPath('audit'), {
      flag: ctx.args.string('flag'),
      environment: ctx.args.string('env'),
      project: ctx.args.string('project'),
      limit,
    });
    output(ctx, page, () => formatTable(columns, page.items));
  },
};

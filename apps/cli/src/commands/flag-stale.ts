import { usageError } from '../cli-error.js';
import { apiPath } from '../client/api-client.js';
import { formatTable, formatTime } from '../table.js';
import {
  apiClient,
  output,
  projectOf,
  projectOptions,
  type Command,
  type CommandContext,
} from './command.js';

// `vexil flags stale`: the stale-flags report of GET /projects/{key}/stale-flags, a table most
// removable first, then each flag's evidence. The API defines the window and the evidence.

export interface StaleFlagReport {
  projectKey: string;
  environment: string | null;
  days: number;
  retentionDays: number;
  windowStart: number;
  totals: { flags: number; tooNew: number; notEvaluated: number; singleVariation: number };
  warnings: string[];
  flags: StaleFlag[];
}

export interface StaleFlag {
  key: string;
  temporary: boolean;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
  lastChange: { at: number; actor: string; action: string } | null;
  reason: 'not-evaluated' | 'single-variation';
  readyToRemove: boolean;
  lastEvaluatedAt: number | null;
  evaluations: number;
  variation?: { index: number; value: unknown; name?: string };
  evidence: string[];
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function why(flag: StaleFlag): string {
  if (flag.reason === 'not-evaluated') return 'not evaluated';
  const v = flag.variation!;
  return `serves only ${v.index} (${JSON.stringify(v.value) ?? 'null'})`;
}

export function formatStaleReport(report: StaleFlagReport): string {
  const scope = report.environment === null ? 'all environments' : report.environment;
  const lines = [
    `Stale flags of project ${report.projectKey} over the last ${report.days} days (${scope}; buckets from ${formatTime(report.windowStart)}, insights kept ${report.retentionDays} days):`,
    `${report.totals.notEvaluated} not evaluated, ${report.totals.singleVariation} serving one variation, of ${report.totals.flags} flags (${report.totals.tooNew} too new to judge)`,
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  const head = `${lines.join('\n')}\n\n`;
  if (report.flags.length === 0) return `${head}No stale flags.\n`;
  const table = formatTable(
    [
      { header: 'FLAG', value: (f: StaleFlag) => f.key },
      { header: 'REMOVE', value: (f) => (f.readyToRemove ? 'ready' : 'check') },
      { header: 'WHY', value: why, maxWidth: 32 },
      {
        header: 'LAST EVALUATED',
        value: (f) => (f.lastEvaluatedAt === null ? '-' : formatTime(f.lastEvaluatedAt)),
      },
      { header: 'LAST CHANGED', value: (f) => formatTime(f.lastChange?.at ?? f.updatedAt) },
      { header: 'CREATED', value: (f) => formatTime(f.createdAt) },
      { header: 'TEMPORARY', value: (f) => yesNo(f.temporary) },
      { header: 'ARCHIVED', value: (f) => yesNo(f.archived) },
    ],
    report.flags,
  );
  const evidence = report.flags.map(
    (f) => `${f.key}\n${f.evidence.map((e) => `  - ${e}`).join('\n')}`,
  );
  return `${head}${table}\n${evidence.join('\n')}\n`;
}

function daysOption(ctx: CommandContext): string | undefined {
  const days = ctx.args.string('days');
  if (days !== undefined && !/^[1-9][0-9]*$/.test(days))
    throw usageError(`--days must be a whole number of days, such as 30 (got "${days}")`);
  return days;
}

export const staleCommand: Command = {
  name: 'stale',
  usage: '[--days <n>] [--env <env>] [--project <key>]',
  summary:
    'Flags not evaluated, or serving one variation to everyone, for N days: most removable first',
  details: [
    'From the evaluation counts the edges collect. --days is 1 to the origin insight',
    'retention (VEXIL_INSIGHTS_RETENTION_DAYS, default 90), default 30; the window starts',
    'N days ago rounded down to the hour. Without --env a flag evaluated in any environment',
    'counts as evaluated. Flags created in the window are not judged.',
  ].join('\n'),
  options: projectOptions({ days: { type: 'string' }, env: { type: 'string' } }),
  async run(ctx) {
    const report = await apiClient(ctx).get<StaleFlagReport>(
      apiPath('projects', projectOf(ctx), 'stale-flags'),
      { days: daysOption(ctx), environment: ctx.args.string('env') },
    );
    output(ctx, report, () => formatStaleReport(report));
  },
};

import { staleReport, staleWindow } from '../domain/stale-flags.js';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { read, requireEnvironment, requireProject, type ApiDeps } from './deps.js';

// The stale-flags report (docs/operations.md, "Stale flags"): flags not evaluated for N days
// and flags serving one variation to every context for N days, from the flag insights the edges
// collect, most removable first. Two aggregate queries whatever the number of flags.

const STALE_FLAGS = '/api/v1/projects/{projectKey}/stale-flags';
const DEFAULT_DAYS = 30;

export function staleFlagRoutes(deps: ApiDeps, retentionDays: number): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: STALE_FLAGS,
      summary:
        'Flags not evaluated for N days, or serving one variation to every context for N days, with the evidence, most removable first',
      tag: 'flags',
      role: 'reader',
      query: {
        days: {
          type: 'string',
          description: `the window, in whole days: 1 to the insight retention (${retentionDays} here); default ${Math.min(DEFAULT_DAYS, retentionDays)}`,
        },
        environment: {
          type: 'string',
          description: 'judge one environment; without it, a flag evaluated in any counts',
        },
      },
      responses: {
        200: {
          description: 'the report',
          schema: { $ref: '#/components/schemas/StaleFlagReport' },
        },
        400: {
          description: 'days is not a whole number from 1 to the retention',
          schema: { $ref: '#/components/schemas/Error' },
        },
        404: { description: 'no such project or environment' },
      },
      handle: (ctx) => getStaleFlags(deps, retentionDays, ctx),
    }),
  ];
}

/** `days` as a whole number from 1 to the retention, or a 400 that says what to send. */
export function parseDays(raw: string | undefined, retentionDays: number): number {
  if (raw === undefined) return Math.min(DEFAULT_DAYS, retentionDays);
  const range = `a whole number of days from 1 to ${retentionDays}`;
  const why = `the origin keeps flag insights ${retentionDays} days (VEXIL_INSIGHTS_RETENTION_DAYS), so nothing older can be judged`;
  if (!/^[0-9]{1,6}$/.test(raw))
    throw new ApiError(
      'VALIDATION_FAILED',
      `query.days must be ${range} (got ${JSON.stringify(raw)})`,
    );
  const days = Number(raw);
  if (days < 1)
    throw new ApiError('VALIDATION_FAILED', `query.days must be ${range} (got ${days})`);
  if (days > retentionDays)
    throw new ApiError('VALIDATION_FAILED', `query.days must be ${range} (got ${days}): ${why}`);
  return days;
}

async function getStaleFlags(
  deps: ApiDeps,
  retentionDays: number,
  { params: { projectKey }, query }: RouteContext<typeof STALE_FLAGS>,
): Promise<Reply> {
  const days = parseDays(query['days'], retentionDays);
  const envKey = query['environment'];
  const window = staleWindow(deps.now(), days, retentionDays);
  const report = await read(async () => {
    await requireProject(deps.store, projectKey);
    const environments =
      envKey === undefined
        ? await deps.store.listEnvironments(projectKey)
        : [await requireEnvironment(deps.store, projectKey, envKey)];
    const [flags, summaries, latestAudit] = await Promise.all([
      deps.store.listFlags(projectKey),
      deps.store.summarizeInsights({
        environmentIds: environments.map((e) => e.id),
        from: window.insightsSince,
        recentFrom: window.windowStart,
      }),
      deps.store.listLatestAudit({ projectKey, resourceKind: 'flag' }),
    ]);
    return staleReport({
      window,
      projectKey,
      environments,
      scoped: envKey !== undefined,
      flags,
      summaries,
      latestAudit,
    });
  });
  return { body: report };
}

import { compareStrings } from '../internal/compare-strings.js';
import type {
  AuditEntry,
  InsightSummary,
  InsightSummaryQuery,
  LatestAuditQuery,
} from '../records.js';
import type { SqlExecutor, SqlParam } from './sql-executor.js';
import { auditFromRow } from './rows.js';

// The aggregate reads behind the stale-flags report, in SQL common to SQLite and PostgreSQL:
// each is one statement whatever the number of flags. A default value served is stored as
// variation -1 (insights-sql.ts), which also sorts it first.

const NO_VARIATION = -1;

export async function summarizeInsights(
  exec: SqlExecutor,
  query: InsightSummaryQuery,
): Promise<InsightSummary[]> {
  if (query.environmentIds.length === 0) return [];
  const params: SqlParam[] = [query.from, query.recentFrom, ...query.environmentIds];
  const ids = query.environmentIds.map((_, i) => `$${i + 3}`).join(', ');
  const rows = await exec.query(
    `SELECT environment_id, flag_key, variation, SUM(count) AS total,
       SUM(CASE WHEN bucket_start >= $2 THEN count ELSE 0 END) AS recent,
       MAX(bucket_start) AS last_bucket
     FROM insights WHERE environment_id IN (${ids}) AND bucket_start >= $1
     GROUP BY environment_id, flag_key, variation
     ORDER BY environment_id, flag_key, variation`,
    params,
  );
  return rows.map((row) => ({
    environmentId: String(row['environment_id']),
    flagKey: String(row['flag_key']),
    variation: Number(row['variation']) === NO_VARIATION ? null : Number(row['variation']),
    count: Number(row['total']),
    recentCount: Number(row['recent']),
    lastBucketStart: Number(row['last_bucket']),
  }));
}

export async function selectLatestAudit(
  exec: SqlExecutor,
  query: LatestAuditQuery,
): Promise<AuditEntry[]> {
  const rows = await exec.query(
    `SELECT a.id, a.doc FROM audit a JOIN (
       SELECT MAX(id) AS id FROM audit WHERE project_key = $1 AND resource_kind = $2
       GROUP BY resource_key
     ) latest ON latest.id = a.id`,
    [query.projectKey, query.resourceKind],
  );
  // Sorted here: PostgreSQL would order the key column by its locale, the other stores by code unit.
  return rows.map(auditFromRow).sort((a, b) => compareStrings(a.resourceKey, b.resourceKey));
}

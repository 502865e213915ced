import type { InsightCount, InsightQuery, InsightRetentionBounds } from '../records.js';
import type { SqlExecutor } from './sql-executor.js';

// Insight buckets in SQL common to SQLite and PostgreSQL. A default value served (no variation)
// is stored as variation -1, since NULL cannot take part in the primary key.

const NO_VARIATION = -1;
const HOUR_MS = 3_600_000;

export async function selectInsights(
  exec: SqlExecutor,
  query: InsightQuery,
): Promise<InsightCount[]> {
  const params: (string | number)[] = [query.environmentId, query.flagKey];
  let where = 'environment_id = $1 AND flag_key = $2';
  if (query.from !== undefined) {
    params.push(query.from);
    where += ` AND bucket_start >= $${params.length}`;
  }
  if (query.to !== undefined) {
    params.push(query.to);
    where += ` AND bucket_start < $${params.length}`;
  }
  const rows = await exec.query(
    `SELECT variation, bucket_start, count FROM insights WHERE ${where} ORDER BY bucket_start, variation`,
    params,
  );
  return rows.map((row) => ({
    environmentId: query.environmentId,
    flagKey: query.flagKey,
    variation: Number(row['variation']) === NO_VARIATION ? null : Number(row['variation']),
    bucketStart: Number(row['bucket_start']),
    count: Number(row['count']),
  }));
}

export async function addInsights(
  exec: SqlExecutor,
  counts: readonly InsightCount[],
): Promise<void> {
  for (const c of counts) {
    await exec.query(
      `INSERT INTO insights (environment_id, flag_key, variation, bucket_start, count) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (environment_id, flag_key, bucket_start, variation) DO UPDATE SET count = insights.count + excluded.count`,
      [c.environmentId, c.flagKey, c.variation ?? NO_VARIATION, c.bucketStart, c.count],
    );
  }
}

export async function compactInsights(
  exec: SqlExecutor,
  { rollUpBefore, deleteBefore }: InsightRetentionBounds,
): Promise<void> {
  await exec.query('DELETE FROM insights WHERE bucket_start < $1', [deleteBefore]);
  // Minute buckets past rollUpBefore become one bucket per hour: a series keeps at most
  // 60 rows an hour for the recent window and one an hour after it.
  await exec.query(
    `INSERT INTO insights (environment_id, flag_key, variation, bucket_start, count)
     SELECT environment_id, flag_key, variation, bucket_start - bucket_start % ${HOUR_MS}, SUM(count)
     FROM insights WHERE bucket_start < $1 AND bucket_start % ${HOUR_MS} <> 0
     GROUP BY environment_id, flag_key, variation, bucket_start - bucket_start % ${HOUR_MS}
     ON CONFLICT (environment_id, flag_key, bucket_start, variation) DO UPDATE SET count = insights.count + excluded.count`,
    [rollUpBefore],
  );
  await exec.query(
    `DELETE FROM insights WHERE bucket_start < $1 AND bucket_start % ${HOUR_MS} <> 0`,
    [rollUpBefore],
  );
}

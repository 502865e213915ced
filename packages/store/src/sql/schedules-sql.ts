import { notFound } from '../internal/errors.js';
import type { ScheduleQuery, ScheduleRecord } from '../schedule-records.js';
import { toJson } from './rows.js';
import type { SqlExecutor, SqlParam, SqlRow } from './sql-executor.js';

// Scheduled flag changes in SQL common to SQLite and PostgreSQL (table `schedules`, migration 8).
// The columns the runner and the lists filter on are columns; the record itself is `doc`.

const scheduleFromRow = (row: SqlRow): ScheduleRecord => JSON.parse(String(row.doc));

export async function selectSchedules(
  exec: SqlExecutor,
  query: ScheduleQuery,
): Promise<ScheduleRecord[]> {
  const params: SqlParam[] = [query.projectKey];
  let where = 'project_key = $1';
  if (query.flagKey !== undefined) {
    params.push(query.flagKey);
    where += ` AND flag_key = $${params.length}`;
  }
  if (query.status !== undefined) {
    params.push(query.status);
    where += ` AND status = $${params.length}`;
  }
  const sql = `SELECT doc FROM schedules WHERE ${where} ORDER BY run_at, id`;
  return (await exec.query(sql, params)).map(scheduleFromRow);
}

export async function selectSchedule(
  exec: SqlExecutor,
  projectKey: string,
  id: string,
  lock: string,
): Promise<ScheduleRecord | undefined> {
  const sql = `SELECT doc FROM schedules WHERE id = $1 AND project_key = $2 ${lock}`;
  const row = (await exec.query(sql, [id, projectKey]))[0];
  return row === undefined ? undefined : scheduleFromRow(row);
}

export async function upsertSchedule(exec: SqlExecutor, s: ScheduleRecord): Promise<void> {
  const found = await exec.query('SELECT 1 AS found FROM projects WHERE key = $1', [s.projectKey]);
  if (found.length === 0) throw notFound(`project "${s.projectKey}"`);
  await exec.query(
    `INSERT INTO schedules (id, project_key, flag_key, run_at, status, doc)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET project_key = excluded.project_key,
       flag_key = excluded.flag_key, run_at = excluded.run_at, status = excluded.status,
       doc = excluded.doc`,
    [s.id, s.projectKey, s.flagKey, s.runAt, s.status, toJson(s)],
  );
}

/**
 * Due pending schedules, locked. `forUpdate` is the store's row lock ('' in SQLite, whose
 * write transaction already excludes every other writer); in PostgreSQL, SKIP LOCKED passes
 * over rows a concurrent claimer holds, and a row it has since committed as done no longer
 * matches `status = 'pending'` when rechecked, so no schedule is claimed twice.
 */
export async function claimDueSchedules(
  exec: SqlExecutor,
  forUpdate: string,
  dueBy: number,
  limit: number,
): Promise<ScheduleRecord[]> {
  const lock = forUpdate === '' ? '' : `${forUpdate} SKIP LOCKED`;
  const sql = `SELECT doc FROM schedules WHERE status = 'pending' AND run_at <= $1
    ORDER BY run_at, id LIMIT $2 ${lock}`;
  const rows = await exec.query(sql, [dueBy, Math.max(0, Math.floor(limit))]);
  return rows.map(scheduleFromRow);
}

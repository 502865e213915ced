import { changeRequestLimit } from '../change-requests.js';
import type { ChangeRequestQuery, ChangeRequestRecord } from '../change-requests.js';
import { notFound } from '../internal/errors.js';
import type { SqlExecutor, SqlRow } from './sql-executor.js';

// Change requests in SQL common to SQLite and PostgreSQL (migration 9): the record is a JSON
// document, with the columns the queries filter on beside it.

const fromRow = (row: SqlRow): ChangeRequestRecord =>
  JSON.parse(String(row.doc)) as ChangeRequestRecord;

export async function selectChangeRequests(
  exec: SqlExecutor,
  query: ChangeRequestQuery,
): Promise<ChangeRequestRecord[]> {
  const where = ['project_key = $1'];
  const params: (string | number)[] = [query.projectKey];
  if (query.flagKey !== undefined) {
    params.push(query.flagKey);
    where.push(`flag_key = $${params.length}`);
  }
  if (query.status !== undefined) {
    params.push(query.status);
    where.push(`status = $${params.length}`);
  }
  params.push(changeRequestLimit(query.limit));
  const sql = `SELECT doc FROM change_requests WHERE ${where.join(' AND ')}
    ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
  return (await exec.query(sql, params)).map(fromRow);
}

export async function selectChangeRequest(
  exec: SqlExecutor,
  id: string,
  lock: string,
): Promise<ChangeRequestRecord | undefined> {
  const row = (await exec.query(`SELECT doc FROM change_requests WHERE id = $1 ${lock}`, [id]))[0];
  return row === undefined ? undefined : fromRow(row);
}

export async function upsertChangeRequest(
  exec: SqlExecutor,
  request: ChangeRequestRecord,
): Promise<void> {
  const project = await exec.query('SELECT 1 AS found FROM projects WHERE key = $1', [
    request.projectKey,
  ]);
  if (project.length === 0) throw notFound(`project "${request.projectKey}"`);
  await exec.query(
    `INSERT INTO change_requests (id, project_key, flag_key, status, created_at, doc)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET project_key = excluded.project_key,
       flag_key = excluded.flag_key, status = excluded.status,
       created_at = excluded.created_at, doc = excluded.doc`,
    [
      request.id,
      request.projectKey,
      request.flagKey,
      request.status,
      request.createdAt,
      JSON.stringify(request),
    ],
  );
}

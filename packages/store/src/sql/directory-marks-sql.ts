import { directoryMarkLimit } from '../internal/limits.js';
import type { DirectoryMark, DirectorySubject } from '../records.js';
import type { SqlExecutor, SqlParam } from './sql-executor.js';

// Directory marks in SQL common to SQLite and PostgreSQL. A subject is one TEXT column,
// `environment:<id>` or `token:<hash>`, so that marking every environment a delete is about to
// cascade away is one INSERT … SELECT (migration 5 seeds the table the same way).

export async function insertDirectoryMark(
  exec: SqlExecutor,
  subject: DirectorySubject,
): Promise<void> {
  const text =
    subject.kind === 'environment' ? `environment:${subject.id}` : `token:${subject.hash}`;
  await exec.query('INSERT INTO directory_marks (subject) VALUES ($1)', [text]);
}

/** Marks each environment that `where` (a condition on the environments table) selects. */
export async function markEnvironments(
  exec: SqlExecutor,
  where: string,
  params: readonly SqlParam[],
): Promise<void> {
  await exec.query(
    `INSERT INTO directory_marks (subject)
     SELECT 'environment:' || id FROM environments WHERE ${where} ORDER BY id`,
    params,
  );
}

export async function selectDirectoryMarks(
  exec: SqlExecutor,
  limit: number,
): Promise<DirectoryMark[]> {
  const rows = await exec.query('SELECT id, subject FROM directory_marks ORDER BY id LIMIT $1', [
    directoryMarkLimit(limit),
  ]);
  return rows.flatMap((row) => {
    const subject = subjectFromText(String(row.subject));
    return subject === undefined ? [] : [{ id: Number(row.id), subject }];
  });
}

/** Undefined for a kind this code does not know, which it could not publish anyway. */
function subjectFromText(text: string): DirectorySubject | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const value = text.slice(colon + 1);
  switch (text.slice(0, colon)) {
    case 'environment':
      return { kind: 'environment', id: value };
    case 'token':
      return { kind: 'token', hash: value };
    default:
      return undefined;
  }
}

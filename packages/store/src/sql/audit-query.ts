import { auditLimit } from '../internal/limits.js';
import type { AuditQuery } from '../records.js';
import type { SqlParam } from './sql-executor.js';

/** The audit listing as one statement: every given filter ANDed, newest first, bounded. */
export function auditSelect(query: AuditQuery): { sql: string; params: SqlParam[] } {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const filter = (column: string, operator: string, value: SqlParam | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} ${operator} $${params.length}`);
  };
  filter('project_key', '=', query.projectKey);
  filter('environment_key', '=', query.environmentKey);
  filter('resource_kind', '=', query.resourceKind);
  filter('resource_key', '=', query.resourceKey);
  filter('at', '>=', query.from);
  filter('at', '<', query.to);
  filter('id', '<', query.before);
  params.push(auditLimit(query.limit));
  const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  return {
    sql: `SELECT id, doc FROM audit ${clause} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  };
}

import type pg from 'pg';
import type { SqlExecutor, SqlParam, SqlRow } from '../sql/sql-executor.js';
import { mapPgError } from './pg-errors.js';

/** SqlExecutor over a pool (each query on any connection) or one checked-out client. */
export class PgExecutor implements SqlExecutor {
  constructor(private readonly target: pg.Pool | pg.PoolClient) {}

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    try {
      const result = await this.target.query<SqlRow>(sql, [...params]);
      return result.rows;
    } catch (error) {
      throw mapPgError(error);
    }
  }
}

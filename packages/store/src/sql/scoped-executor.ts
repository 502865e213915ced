import { transactionFinished } from '../internal/errors.js';
import type { SqlExecutor, SqlParam, SqlRow } from './sql-executor.js';

/**
 * The executor handed to one transaction. Once the transaction ends it refuses queries, so a
 * leaked transaction object cannot write into the next transaction on the same connection.
 */
export class ScopedExecutor implements SqlExecutor {
  private open = true;

  constructor(private readonly inner: SqlExecutor) {}

  query(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]> {
    if (!this.open) return Promise.reject(transactionFinished());
    return this.inner.query(sql, params);
  }

  finish(): void {
    this.open = false;
  }
}

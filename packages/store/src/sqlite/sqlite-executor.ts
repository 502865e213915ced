import type { Database, Statement } from 'better-sqlite3';
import type { SqlExecutor, SqlParam, SqlRow } from '../sql/sql-executor.js';
import { mapSqliteError } from './sqlite-errors.js';

/**
 * SqlExecutor over one better-sqlite3 connection. Statements run synchronously at the call,
 * so a sequence of queries without other awaits in between cannot interleave with another.
 */
export class SqliteExecutor implements SqlExecutor {
  private readonly statements = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    try {
      const statement = this.prepare(sql);
      // better-sqlite3 has no numbered positional parameters; `$n` became the named `@pn`.
      const bound = Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
      if (statement.reader) return statement.all(bound) as SqlRow[];
      statement.run(bound);
      return [];
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  /** Statements without parameters or results: BEGIN, COMMIT, DDL. */
  run(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql.replace(/\$(\d+)/g, '@p$1'));
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
